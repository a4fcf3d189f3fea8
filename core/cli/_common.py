"""Pieces shared by the CLI commands: output formats, problem printing, exit codes."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..campaign import OpenCampaign, known_campaign_id, open_campaign
from ..errors import ConfigError, Problem, Verdict, os_detail, problem
from ..i18n import Localized, get_lang, translator
from ..model import Checklist
from ..plugins import PluginHost, load_plugins
from ..text import display_width, render_table  # noqa: F401 - re-exported for the commands

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from ..calendar import WorkCalendar

_ = translator({
    "holidays": ("节假日文件（可重复）", "a holiday file (repeatable)"),
    "bad_date": ("日期 {value} 无效：应为 YYYY-MM-DD", "invalid date {value}: expected YYYY-MM-DD"),
})

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


def table_file_options(fn: Any) -> Any:
    """``--encoding``, ``--sheet`` and ``--mapping``: how a CSV/XLSX file of rows is read
    (the libraries' imports, ``history import``; core/libraries/reader.py)."""
    fn = click.option("--mapping", type=click.Path(dir_okay=False), default=None,
                      help=Localized("列名映射文件（YAML）", "column mapping file (YAML)"))(fn)
    fn = click.option("--sheet", default=None,
                      help=Localized("XLSX 工作表名称（默认第一个）",
                                     "XLSX sheet name (default: the first)"))(fn)
    return click.option("--encoding", default=None,
                        help=Localized("CSV 文件编码（默认自动识别 UTF-8 / GB18030）",
                                       "CSV encoding (default: detect UTF-8 / GB18030)"))(fn)


def format_option(*choices: str, default: str | None = None):
    """``--format`` with the given choices (first one is the default)."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)),
                        default=default or choices[0], show_default=True,
                        help="输出格式 / output format")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_json_list(items: Iterable[Any]) -> None:
    """A JSON array, one compact item per line: large lists print fast (the C encoder)
    and stay easy to read and to grep."""
    lines = [json.dumps(item, ensure_ascii=False, default=str) for item in items]
    click.echo("[\n" + ",\n".join(lines) + "\n]" if lines else "[]")


def echo_problems(problems: Iterable[Problem], *, err: bool = True,
                  hint_once: bool = False) -> None:
    """Print problems one per line as ``FILE:LINE:COL: CODE message — hint``.

    With *hint_once*, each code's hint is printed with its first problem only (a library
    file can have thousands of rows with the same mistake)."""
    hinted: set[str] = set()
    for p in problems:
        prefix = "" if p.is_error else ("warning: " if _en() else "警告：")
        click.echo(prefix + p.format(with_hint=not (hint_once and p.code in hinted)), err=err)
        hinted.add(p.code)


def open_campaign_or_fail(value: str | None, ctx: click.Context | None = None, *,
                          strict: bool = False, host: PluginHost | None = None,
                          holidays: tuple[str, ...] = (), calendar: bool = False,
                          warnings: bool = False, fmt: str = "text",
                          reading: bool = False) -> OpenCampaign:
    """:func:`core.campaign.open_campaign` for a command: CAMPAIGN (a file, a shipped
    example's id or, with *ctx*, the id of a campaign in the ``--db`` store), or its
    problems printed (as *fmt*) and exit 1. With *calendar*, the working-day calendar is
    read now (its holiday files' problems exit 1 too); with *warnings*, the
    configuration's warnings are printed on stderr. With *reading* (a command that only
    reads what the campaign made), departments whose plugin is gone are read from the
    store's snapshot (core.campaign)."""

    def store() -> Engine:
        # the store (SQLAlchemy) loads only for a name that is no file: principle 8
        from ..store import open_store

        assert ctx is not None
        return open_store(db_url(ctx))

    try:
        opened = open_campaign(value, strict=strict, host=host, holidays=holidays,
                               store=store if ctx is not None else None, reading=reading)
        if calendar:
            opened.calendar  # noqa: B018 - read now, so that its problems stop the command
    except ConfigError as exc:
        fail(exc.problems, fmt)
    if warnings:
        echo_config_warnings(opened.config)
    return opened


def campaign_id_or_fail(value: str, store: Engine | None = None, fmt: str = "text") -> str:
    """The id of the campaign *value* names (a campaign file, a shipped example's id, or
    with *store* the id of a campaign stored there: core.campaign.known_campaign_id), or
    the problem printed (as *fmt*) and exit 1 — JC122 for an unknown campaign, as every
    command."""
    try:
        return known_campaign_id(value, store)
    except ConfigError as exc:
        fail(exc.problems, fmt)


def plugins_and_checklist(campaign: str | None, ctx: click.Context | None = None, *,
                          reading: bool = False) -> tuple[PluginHost | None, Checklist | None]:
    """The installed plugins (their hooks take part in applicability and classification)
    and, when *campaign* is given, that campaign's merged checklist (or exit 1); *ctx* and
    *reading* as for :func:`open_campaign_or_fail` (a command that only reads)."""
    if campaign is None:
        return load_plugins(), None
    opened = open_campaign_or_fail(campaign, ctx, reading=reading)
    return opened.host, opened.checklist


def example_checklist(host: PluginHost | None) -> Checklist | None:
    """The example campaign's checklist, for tasks drawn before snapshots were kept."""
    try:
        return open_campaign(None, host=host).checklist
    except ConfigError:
        return None


def echo_config_warnings(config: Any) -> None:
    """On stderr, the warnings about an opened campaign's configuration (validation hooks,
    law editions...); plugin failures are summarised in one line instead (core.cli)."""
    echo_problems([p for p in config.problems
                   if not p.is_error and (p.reported_by or not p.plugin)])


def fail(problems: list[Problem], fmt: str = "text") -> NoReturn:
    """Report *problems* (text to stderr, or JSON to stdout) and exit 1."""
    if fmt == "json":
        echo_json(Verdict(problems).to_json())
    else:
        echo_problems(problems)
    sys.exit(EXIT_INVALID)


def _en() -> bool:
    return get_lang() == "en"


def command(ctx: click.Context, *path: str) -> click.Command:
    """Another command by its name(s) (``command(ctx, "referrals", "letter")``), found
    through the main group, the registry of commands: a command that runs another (the
    demo) imports no other command module."""
    found: click.Command | None = ctx.find_root().command
    for name in path:
        assert isinstance(found, click.Group)
        found = found.get_command(ctx, name)
    assert found is not None
    return found


def command_action(ctx: click.Context) -> str:
    """The command being run as the user typed it, e.g. ``results settle``."""
    return " ".join(ctx.command_path.split()[1:]) or ctx.command_path


def db_url(ctx: click.Context) -> str | None:
    """The ``--db`` URL given to the main group (or JOINTCHECK_DB), if any."""
    root = ctx.find_root()
    return (root.obj or {}).get("db_url")


def cannot_write(exc: OSError, path: str | None = None) -> NoReturn:
    """JC121 for a file or directory that cannot be written: printed, exit 1."""
    where = path or (str(exc.filename) if exc.filename is not None else None)
    p = problem("JC121", file=where, detail=os_detail(exc, where))
    echo_problems([p])
    sys.exit(EXIT_INVALID)


def write_text_file(path: str, text: str) -> None:
    """Write *text* (UTF-8) to *path* through a temporary file and a rename, or JC121."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        cannot_write(exc, path)


def open_store_or_exit(ctx: click.Context) -> Engine:
    """The store's Engine for this command, or the StoreError printed and exit 1."""
    from ..store import StoreError, open_store  # the store is heavy: principle 8

    try:
        return open_store(db_url(ctx))
    except StoreError as exc:
        echo_problems([exc.problem])
        sys.exit(EXIT_INVALID)


# the roles= of store_engine for what only the joint office does (draws, settlement,
# referral letters, bundles, publication, libraries, users)
OFFICE = ("office",)


@contextmanager
def store_engine(ctx: click.Context, roles: tuple[str, ...] | None = None
                 ) -> Iterator[Engine]:
    """``with store_engine(ctx) as engine:`` — :func:`open_store_or_exit`, disposed after.

    *roles*: the groups whose logins may run this command on a server store (e.g.
    :data:`OFFICE`); a named login of another group is refused before any work, naming
    the command (JC760) — PostgreSQL would refuse its writes anyway (docs/deployment.md).
    A driver error inside the block (a refusal by PostgreSQL, a read-only database, a busy
    one, a full disk) is printed as what it is, attributed to the database
    (core.store.write_problem), exit 1.
    """
    from ..store import access, driver_errors, write_problem  # the store is heavy: principle 8

    engine = open_store_or_exit(ctx)
    try:
        if roles is not None:
            access.require(engine, roles, command_action(ctx))
        yield engine
    except access.AccessError as exc:
        echo_problems(exc.problems)
        sys.exit(EXIT_INVALID)
    except driver_errors() as exc:
        echo_problems([write_problem(db_url(ctx), exc, command_action(ctx))])
        sys.exit(EXIT_INVALID)
    finally:
        engine.dispose()


# -- dates and working days -----------------------------------------------------------

def parse_date(value: str) -> date:
    """A YYYY-MM-DD option or argument, or a usage error saying so."""
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("bad_date", value=value)) from None


def holidays_option(f):
    return click.option("--holidays", "holidays", multiple=True,
                        type=click.Path(path_type=str, dir_okay=False), help=_("holidays"))(f)


def warn_estimates(calendar: WorkCalendar) -> None:
    """The JC935 warning (on stderr) for every year a date was estimated in."""
    echo_problems(calendar.warnings())
