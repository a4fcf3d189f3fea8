"""The campaign room: opening one campaign, once (docs/architecture.md#rooms).

:func:`open_campaign` is the one way every command, the app and the Python API open a
campaign. It finds the campaign (a file, the id of a shipped example, or the id of a
campaign already stored in the store), loads the configuration with the installed plugins,
checks it, merges the joint checklist **once** and runs the checks ``jointcheck validate``
runs on it (law editions, the plugins' ``jointcheck_validate`` hooks). What it returns,
:class:`OpenCampaign`, holds all of it: the configuration, the campaign, the merged
checklist, the plugin host and the working-day calendar.

Errors are :class:`~jointcheck.core.errors.ConfigError` with located problems (JC120 a
directory, JC122 no such campaign, and every error of the files it reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from jointcheck.examples import example_path

from .config import Configuration, load_configuration
from .deadlines import calendar_for
from .errors import ConfigError, Localized, Problem, problem
from .merge import merge
from .model import Campaign, Checklist
from .plugins import PluginHost, absent_plugins
from .validate import checklist_problems

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from .calendar import WorkCalendar


@dataclass
class OpenCampaign:
    """One opened campaign: everything a command needs, loaded and checked once."""

    config: Configuration
    campaign: Campaign
    checklist: Checklist  # merged once, fingerprinted
    holidays: tuple[str | Path, ...] = ()  # extra holiday files (``--holidays``)
    # True when the campaign was named by id and read from the store's checklist snapshot
    stored: bool = False
    # department code -> plugin, for the departments read from the store's snapshot
    # because their plugin is absent (uninstalled, disabled): open for reading only
    absent: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.campaign.id

    @property
    def host(self) -> PluginHost | None:
        """The installed plugins (their hooks take part in applicability, classification)."""
        return self.config.host

    @property
    def department_names(self) -> dict[str, str]:
        """Department code -> name, of every loaded department and of the campaign's."""
        names = {d.code: d.name for d in self.checklist.departments}
        names.update((code, d.name) for code, d in self.config.departments.items())
        return names

    @property
    def warnings(self) -> list[Problem]:
        """The configuration's warnings (plugin failures when not strict, law editions...)."""
        return [p for p in self.config.problems if not p.is_error]

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The working-day calendar: the campaign's holiday files plus :attr:`holidays`.
        Raises ConfigError for a holiday file with problems."""
        return calendar_for(self.campaign, self.holidays)


def open_campaign(path_or_id: str | Path | None = None, *, strict: bool = False,
                  host: PluginHost | None = None,
                  store: Engine | Callable[[], Engine] | None = None,
                  holidays: tuple[str | Path, ...] = (), reading: bool = False) -> OpenCampaign:
    """Open and check one campaign: a campaign file, the id of a shipped example, or (given
    a *store*) the id of a campaign stored there (drawn before); ``None`` is the shipped
    example. *store* is an Engine, or a function that opens one, called only for a name
    that is neither a file nor a shipped example (the engine it returns is disposed after).
    *holidays* are extra holiday files for :attr:`OpenCampaign.calendar`.

    Raises :class:`ConfigError` with every error found in the campaign file or in what it
    refers to (unknown departments, items, its policy file), or reported on its merged
    checklist by the plugins' ``jointcheck_validate`` hooks: every command that opens a
    campaign gets the verdict ``jointcheck validate`` gives. Plugin failures are errors
    only when *strict*; warnings stay in ``config.problems``. A directory is refused
    (JC120) rather than searched, a name that is none of the above too (JC122).

    A campaign outlives its plugins: given a *store*, a department whose plugin is absent
    (uninstalled, disabled) is read from the campaign's stored snapshot when *reading*
    (records, results, referrals, letters, status, reports: :attr:`OpenCampaign.absent`
    names them), and is JC412 otherwise — new work (a draw, a record, an amendment) needs
    the plugin, and is refused naming it rather than done without it.
    """
    path = Path(path_or_id) if path_or_id is not None else example_path()
    if not path.exists():
        shipped = example_path(f"{path.name}.yaml")
        by_id = path.suffix == "" and path.name == str(path)
        if by_id and shipped.is_file():
            path = shipped  # the shipped example, named by its id
        elif by_id and store is not None and (snapshot := _stored(str(path), store)):
            return _open_stored(snapshot, strict=strict, host=host, holidays=holidays,
                                reading=reading)
        else:
            raise ConfigError([problem("JC122", file=str(path), example=example_path().stem)])
    if path.is_dir():
        raise ConfigError([problem("JC120", file=str(path))])
    config = load_configuration([path], strict=strict, host=host)
    absent: dict[str, str] = {}
    if config.errors and config.campaigns and store is not None:
        absent = _stand_in(config, config.campaigns[-1], store, reading)
    _raise_errors(config)
    if not config.campaigns:
        raise ConfigError([problem("JC106", file=str(path), line=1, column=1,
                                   expected="campaign")])
    campaign = config.campaigns[-1]
    checklist = merge(config, campaign)
    config.add(checklist_problems(config, checklist))
    _raise_errors(config)
    return OpenCampaign(config, campaign, checklist, holidays=tuple(holidays), absent=absent)


def _stand_in(config: Configuration, campaign: Campaign,
              store: Engine | Callable[[], Engine], reading: bool) -> dict[str, str]:
    """The departments of *campaign* no loaded plugin declares, taken from its stored
    snapshot when *reading* (code -> plugin), else said to need their plugin (JC412)."""
    missing = [c for c in campaign.departments if c not in config.departments]
    snapshot = _stored(campaign.id, store) if missing else None
    if snapshot is None:
        return {}
    found = {c: d for c in missing if (d := snapshot.department(c)) is not None}
    if not reading:
        config.absent({p.params["department"]: p for p in absent_plugins(
            config.host, ((c, d.source.plugin) for c, d in found.items()))})
        return {}
    config.stand_in(found.values())
    return {c: d.source.plugin or "" for c, d in found.items()}


def _raise_errors(config: Configuration) -> None:
    errors = config.errors
    if errors:
        raise ConfigError(errors)


def _stored(campaign_id: str, store: Engine | Callable[[], Engine]) -> Checklist | None:
    """The checklist the store's newest snapshot of *campaign_id* holds, if any."""
    # the store (SQLAlchemy) loads only for a campaign named by id: principle 8
    from .records.snapshot import SnapshotError, latest_checklist
    from .store import StoreError

    try:
        engine = store() if callable(store) else store
    except StoreError:  # no store to look in: the name is simply not known
        return None
    try:
        with engine.connect() as conn:
            return latest_checklist(conn, campaign_id)
    except SnapshotError as exc:  # altered in the store: refused, never used (JC809)
        raise ConfigError([exc.problem]) from None
    finally:
        if engine is not store:
            engine.dispose()


def _open_stored(checklist: Checklist, *, strict: bool, host: PluginHost | None,
                 holidays: tuple[str | Path, ...], reading: bool = False) -> OpenCampaign:
    """A campaign named by id, as the store keeps it: the checklist is its snapshot (not
    merged again: the plugins may have changed since), the plugins are today's (without
    *reading*, every plugin its departments came from must be there: JC412)."""
    assert checklist.campaign is not None
    config = load_configuration([], strict=strict, host=host)
    config.campaigns.append(checklist.campaign)
    gone = absent_plugins(config.host, ((d.code, d.source.plugin)
                                        for d in checklist.departments))
    if gone and not reading:
        raise ConfigError(gone)
    config.add(checklist_problems(config, checklist))
    _raise_errors(config)
    return OpenCampaign(config, checklist.campaign, checklist, holidays=tuple(holidays),
                        stored=True, absent={p.params["department"]: p.params["plugin"]
                                             for p in gone})


def campaign_id(value: str) -> str:
    """A campaign id, or the id inside a campaign file given by path; ConfigError (JC122,
    JC104) when such a file is missing or holds no campaign id. Reads only that file."""
    path = Path(value)
    if path.suffix.lower() not in (".yaml", ".yml"):
        return value
    if not path.is_file():  # as every command that reads a campaign file says it
        raise ConfigError([problem("JC122", file=value, example=example_path().stem)])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return str(data["campaign"]["id"])
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError) as exc:
        detail = (Localized("没有 campaign.id", "no campaign.id")
                  if isinstance(exc, KeyError | TypeError) else str(exc).splitlines()[0])
        raise ConfigError([problem("JC104", file=value, detail=detail)]) from None


def known_campaign_id(value: str, store: Engine | None = None) -> str:
    """The id of the campaign *value* names — a campaign file (the id inside it), a shipped
    example's id, or the id of a campaign *store* knows (a commitment, a draw or a
    checklist of it) — or ConfigError JC122: the one answer every command gives for an
    unknown campaign, whether it reads campaign files or the store."""
    cid = campaign_id(value)
    if cid != value or Path(value).is_file():
        return cid  # read from a campaign file
    if example_path(f"{value}.yaml").is_file() or (store is not None
                                                   and _store_knows(value, store)):
        return value
    raise ConfigError([problem("JC122", file=value, example=example_path().stem)])


def _store_knows(campaign: str, store: Engine) -> bool:
    # principle 8: the store (SQLAlchemy) loads only for a campaign named by id
    from sqlalchemy import exists, or_, select

    from .store.models import checklists, commitments, draws

    query = select(or_(*(exists().where(t.c.campaign_id == campaign)
                         for t in (draws, commitments, checklists))))
    with store.connect() as conn:
        return bool(conn.execute(query).scalar())
