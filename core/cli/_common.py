"""Pieces shared by the CLI commands: output formats, problem printing, exit codes."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..campaign import OpenCampaign, campaign_id, open_campaign
from ..errors import ConfigError, Problem
from ..model import Checklist
from ..plugins import PluginHost, load_plugins
from ..text import display_width, render_table  # noqa: F401 - re-exported for the commands

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


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


def campaign_id_or_fail(value: str) -> str:
    """A campaign id, or the id inside a campaign file (core.campaign.campaign_id), or the
    problem printed and exit 1."""
    try:
        return campaign_id(value)
    except ConfigError as exc:
        fail(exc.problems)


def plugins_and_checklist(campaign: str | None) -> tuple[PluginHost | None, Checklist | None]:
    """The installed plugins (their hooks take part in applicability and classification)
    and, when *campaign* is given, that campaign's merged checklist (or exit 1)."""
    if campaign is None:
        return load_plugins(), None
    opened = open_campaign_or_fail(campaign)
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
        echo_json({"valid": False, "errors": [p.to_json() for p in problems if p.is_error],
                   "warnings": [p.to_json() for p in problems if not p.is_error]})
    else:
        echo_problems(problems)
    sys.exit(EXIT_INVALID)


def _en() -> bool:
    from ..i18n import get_lang

    return get_lang() == "en"


def db_url(ctx: click.Context) -> str | None:
    """The ``--db`` URL given to the main group (or JOINTCHECK_DB), if any."""
    root = ctx.find_root()
    return (root.obj or {}).get("db_url")


# the operating system's reasons, in the user's language (errno name -> zh, en)
_OS_REASONS: dict[str, tuple[str, str]] = {
    "ENOENT": ("路径不存在", "no such file or directory"),
    "ENOTDIR": ("路径中有一段不是目录", "a part of the path is not a directory"),
    "EISDIR": ("这是一个目录", "it is a directory"),
    "EACCES": ("没有权限", "permission denied"),
    "EPERM": ("不允许的操作", "operation not permitted"),
    "EROFS": ("只读文件系统", "read-only file system"),
    "ENOSPC": ("磁盘空间不足", "no space left on the device"),
    "EEXIST": ("已存在", "it already exists"),
    "ENAMETOOLONG": ("文件名过长", "the file name is too long"),
}


def os_detail(exc: OSError, path: str | None = None) -> str:
    """An OSError as the user reads it: the system's reason in the user's language, and
    the path it concerns when that is not *path* itself. Never a traceback."""
    import errno

    pair = _OS_REASONS.get(errno.errorcode.get(exc.errno or 0, ""))
    reason = (pair[1] if _en() else pair[0]) if pair else (exc.strerror or str(exc))
    name = str(exc.filename) if exc.filename is not None else ""
    return f"{name}: {reason}" if name and name != path else reason


def cannot_write(exc: OSError, path: str | None = None) -> NoReturn:
    """JC121 for a file or directory that cannot be written: printed, exit 1."""
    from ..errors import problem

    where = path or (str(exc.filename) if exc.filename is not None else None)
    p = problem("JC121", file=where, detail=os_detail(exc, where))
    echo_problems([p])
    sys.exit(EXIT_INVALID)


def write_text_file(path: str, text: str) -> None:
    """Write *text* (UTF-8) to *path* through a temporary file and a rename, or JC121."""
    from pathlib import Path

    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        cannot_write(exc, path)
