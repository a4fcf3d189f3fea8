"""The inspection history (国办发〔2024〕54号): every task of every campaign, and the
inspections done outside jointcheck imported with ``jointcheck history import``.

A service: it returns data, never wording (core/present/history.py words it). The draw
reads the history through :func:`draw_history` (the entries its ``inspection_limits``
can see, as the store knew them at a given moment, so that ``draw verify`` rebuilds the
same list later); ``targets history`` through :func:`history_of`; ``status`` and the
repeated-inspections report through :func:`repeated_inspections`. docs/history.md.

An entry of the history is one inspection of one enterprise on one day:

- a task of a campaign, dated by its record's 检查日期 (the newest version stored), or,
  while it has no record, by its draw's start (the campaign's ``period.start``, else the
  draw date): drawn means planned;
- an imported row (统一社会信用代码, 检查日期, 检查单位, 检查类型, 检查事项). Imports are
  append-only and all-or-nothing; a row identical to one already imported (same five
  values) is not added twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, insert, select, union_all

from . import clock
from .draw.algorithm import history_relevant, history_window
from .draw.queries import chunks, rows_in
from .libraries.fields import row_digest
from .libraries.importer import ImportReport
from .libraries.messages import LibraryError
from .libraries.reader import file_sha256, open_library
from .records.results import settled_join
from .store import audit, begin_write
from .store.models import audit_log, draws, inspections, tasks
from .store.models import inspections as ins
from .store.models import record_versions as rv
from .store.models import result_settlements as rs

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

CAMPAIGN = "campaign"
IMPORTED = "import"


@dataclass(frozen=True)
class Inspection:
    """One entry of the inspection history."""

    credit_code: str
    on: date  # 检查日期 (for a task without a record: its campaign's start)
    source: str  # CAMPAIGN or IMPORTED
    units: tuple[str, ...]  # department codes of the team, or the imported 检查单位
    inspected: bool  # False: drawn, not inspected yet
    campaign_id: str | None = None
    task_id: str | None = None
    draw_id: int | None = None
    import_id: int | None = None
    kind: str | None = None  # 检查类型 (imported)
    matters: str | None = None  # 检查事项 (imported)
    file: str | None = None  # the imported file's name
    result: str | None = None  # the settled joint 检查结果, when there is one
    submitted: bool = False  # a record was submitted (its result may not be settled yet)

    def to_json(self) -> dict[str, Any]:
        return {"credit_code": self.credit_code, "date": self.on.isoformat(),
                "source": self.source, "units": list(self.units), "inspected": self.inspected,
                "campaign_id": self.campaign_id, "task_id": self.task_id,
                "draw_id": self.draw_id, "import_id": self.import_id, "kind": self.kind,
                "matters": self.matters, "file": self.file, "result": self.result,
                "submitted": self.submitted}


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _draw_starts(conn: Connection, before_draw: int | None) -> dict[int, date]:
    """The day each draw's tasks count from while they have no record: the draw's ``start``
    (jc-draw-2), else its ``date`` (jc-draw-1)."""
    q = select(draws.c.id, draws.c.parameters[("start",)].as_string(),
               draws.c.parameters[("date",)].as_string())
    if before_draw is not None:
        q = q.where(draws.c.id < before_draw)
    out: dict[int, date] = {}
    for draw_id, start, on in conn.execute(q):
        day = _day(start) or _day(on)
        if day is not None:
            out[draw_id] = day
    return out


def campaign_inspections(conn: Connection, codes: Sequence[str] | None = None, *,
                         before_draw: int | None = None, as_of: datetime | None = None,
                         with_results: bool = False) -> list[Inspection]:
    """The tasks of every campaign as history entries.

    *before_draw*: only tasks of draws with a smaller id; *as_of*: dated as the store knew
    them then (the newest record version stored at or before it — its audit entry's time,
    not the time an offline bundle says it was submitted); *codes*: only these
    enterprises.
    """
    starts = _draw_starts(conn, before_draw)
    q = select(tasks.c.id, tasks.c.draw_id, tasks.c.campaign_id, tasks.c.credit_code,
               tasks.c.team)
    if before_draw is not None:
        q = q.where(tasks.c.draw_id < before_draw)
    rows = rows_in(conn, q, tasks.c.credit_code, codes)
    if not rows:
        return []
    dated: dict[str, tuple[int, date | None]] = {}
    vq = select(rv.c.task_id, rv.c.version,
                rv.c.record[("findings", "inspected_on")].as_string())
    if as_of is not None:
        # when the version entered the store: its audit entry's time (a version brought
        # back in a field bundle keeps the time it was submitted offline, earlier)
        vq = (vq.select_from(rv.outerjoin(audit_log, audit_log.c.seq == rv.c.audit_seq))
              .where(func.coalesce(audit_log.c.at, rv.c.submitted_at) <= as_of))
    for chunk in chunks(sorted(r.id for r in rows)):
        for task_id, version, on in conn.execute(vq.where(rv.c.task_id.in_(list(chunk)))):
            if task_id not in dated or dated[task_id][0] < version:
                dated[task_id] = (version, _day(on))
    results = _settled_results(conn, [r.id for r in rows]) if with_results else {}
    out = []
    for r in rows:
        submitted = r.id in dated
        on = dated[r.id][1] if submitted else None
        inspected = on is not None
        day = on or starts.get(r.draw_id)
        if day is None:
            continue  # a draw without a date cannot be placed (never written by jointcheck)
        units = tuple(dict.fromkeys(m.get("department") for m in (r.team or [])
                                    if m.get("department")))
        out.append(Inspection(credit_code=r.credit_code, on=day, source=CAMPAIGN,
                              units=units, inspected=inspected, campaign_id=r.campaign_id,
                              task_id=r.id, draw_id=r.draw_id, result=results.get(r.id),
                              submitted=submitted))
    return out


def _settled_results(conn: Connection, task_ids: Sequence[str]) -> dict[str, str]:
    """The settled joint 检查结果 of each task's current version, where settled."""
    out: dict[str, str] = {}
    for chunk in chunks(sorted(task_ids)):
        q = (select(tasks.c.id, rs.c.results[("joint", "result", "text")].as_string())
             .select_from(tasks.join(rs, settled_join()))
             .where(tasks.c.id.in_(list(chunk))))
        out.update({tid: text for tid, text in conn.execute(q) if text})
    return out


def imported_inspections(conn: Connection, codes: Sequence[str] | None = None
                         ) -> list[Inspection]:
    """The imported inspections (of the enterprises *codes*, when given). The draw reads
    them leaner (:func:`draw_history`)."""
    q = select(ins.c.id, ins.c.credit_code, ins.c.inspected_on, ins.c.unit, ins.c.kind,
               ins.c.matters, ins.c.source)
    rows = rows_in(conn, q, ins.c.credit_code, codes)
    return [Inspection(credit_code=r.credit_code, on=_day(r.inspected_on) or date.min,
                       source=IMPORTED, units=(r.unit,), inspected=True, import_id=r.id,
                       kind=r.kind, matters=r.matters, file=r.source)
            for r in rows]


def _order(entry: Inspection) -> tuple[Any, ...]:
    return (entry.on, entry.source, entry.draw_id or 0, entry.task_id or "",
            entry.import_id or 0)


def history_of(conn: Connection, codes: Sequence[str]) -> list[Inspection]:
    """Every inspection of the given enterprises, oldest first, with results where known."""
    entries = (campaign_inspections(conn, codes, with_results=True)
               + imported_inspections(conn, codes))
    return sorted(entries, key=_order)


def draw_history(conn: Connection, limits: Mapping[str, int] | None, start: date, *,
                 before_draw: int | None = None, as_of: datetime | None = None
                 ) -> tuple[tuple[str, str], ...]:
    """The history a draw with *limits* counted from *start* reads: ``(credit_code, ISO
    date)`` per inspection that can matter to the limits, sorted.

    The draw passes the moment it draws (*as_of*, every earlier draw); ``draw verify``
    passes the recorded draw's id and time, and gets the same entries back.
    """
    window = history_window(limits, start)
    if not limits or window is None:
        return ()
    pairs = [(e.credit_code, e.on) for e in campaign_inspections(
        conn, before_draw=before_draw, as_of=as_of)]
    # the imported ones straight from a lean query (a city imports tens of thousands)
    q = (select(ins.c.credit_code, ins.c.inspected_on)
         .where(ins.c.inspected_on.between(*window)))
    if as_of is not None:
        q = q.where(ins.c.created_at <= as_of)
    pairs.extend((code, _day(on) or date.min) for code, on in conn.execute(q))
    return tuple(sorted((code, on.isoformat()) for code, on in pairs
                        if history_relevant(on, limits, start)))


# --------------------------------------------------------------------------- import


def import_history(engine: Engine, path: str | Path, *, encoding: str | None = None,
                   mapping: Any = None, sheet: str | None = None,
                   actor: str | None = None) -> ImportReport:
    """Import a file of inspections (CSV or XLSX) into the store, all or nothing.

    The file is read as the libraries are (core/libraries/reader.py: encodings, title rows,
    Excel damage, located problems). Any row problem raises
    :class:`~.libraries.messages.LibraryError` listing every problem, and nothing is
    written. Rows already imported (same five values) are counted ``unchanged``; the
    ``history.import`` audit entry records the file's name and SHA-256 and the counts.
    """
    lib = open_library("history", path, encoding=encoding, mapping=mapping, sheet=sheet)
    report = ImportReport(kind="history", file=lib.label, encoding=lib.encoding,
                          warnings=list(lib.warnings))
    rows: dict[str, dict[str, Any]] = {}
    problems = []
    try:
        for r in lib:
            report.rows += 1
            if r.data is None:
                report.rejected += 1
                problems.extend(r.problems)
                continue
            rows.setdefault(row_digest("history", r.data), r.data)
    finally:
        lib.close()
    if problems:
        raise LibraryError(problems)
    report.sha256 = lib.sha256 or file_sha256(lib.path)
    with begin_write(engine) as conn:
        known: set[str] = set()
        for chunk in chunks(sorted(rows)):
            known.update(conn.execute(select(inspections.c.row_digest)
                                      .where(inspections.c.row_digest.in_(list(chunk))))
                         .scalars())
        now = clock.utcnow()
        who = audit.actor(conn, actor)
        new = [{"credit_code": d["credit_code"], "inspected_on": d["inspected_on"],
                "unit": d["unit"], "kind": d.get("kind"), "matters": d.get("matters"),
                "source": lib.path.name, "row_digest": digest, "created_at": now, "actor": who}
               for digest, d in sorted(rows.items()) if digest not in known]
        if new:
            conn.execute(insert(inspections), new)
        report.added = len(new)
        report.unchanged = report.rows - report.added
        report.audit_seq = audit.append(conn, "history.import", {
            "kind": "history", "file": lib.path.name, "sha256": report.sha256,
            "rows": report.rows, "added": report.added, "unchanged": report.unchanged,
            "encoding": lib.encoding}, actor=who)
        report.imported = True
    return report


# --------------------------------------------------------------------------- warnings


@dataclass
class Repeated:
    """A drawn enterprise of a campaign inspected more often than its limits allow."""

    credit_code: str
    task_id: str
    over_cap: bool  # more inspections in the task's year than max_per_year
    near: bool  # another inspection within exclude_within_days of this campaign's
    inspections: list[Inspection]  # the inspections that make it so, oldest first
    year_count: int = 0  # inspections in the calendar year of the task's date


# Without declared limits, any other inspection in the same calendar year is reported.
DEFAULT_WARNING_LIMITS: dict[str, int] = {"max_per_year": 1}


def campaign_limits(conn: Connection, campaign_id: str) -> dict[str, int] | None:
    """The ``inspection_limits`` the campaign's newest draw applied (None: none)."""
    value = conn.execute(select(draws.c.parameters[("inspection_limits",)])
                         .where(draws.c.campaign_id == campaign_id)
                         .order_by(draws.c.id.desc()).limit(1)).scalar()
    if isinstance(value, str):
        import json

        value = json.loads(value)
    if not isinstance(value, Mapping) or not value:
        return None
    return {str(k): int(v) for k, v in value.items() if v is not None}


def _candidates(conn: Connection, campaign_id: str) -> list[str]:
    """The campaign's enterprises with two or more history entries (tasks of any campaign
    and imported inspections), sorted: one GROUP BY ... HAVING over the credit-code indexes.
    An enterprise whose only entry is the campaign's own task is neither inspected again
    within any number of days nor over a yearly cap (1 or more, the campaign schema), so
    :func:`repeated_inspections` reads and compares the history of these only."""
    entries = union_all(select(tasks.c.credit_code.label("code")),
                        select(ins.c.credit_code.label("code"))).subquery()
    mine = select(tasks.c.credit_code).where(tasks.c.campaign_id == campaign_id)
    q = (select(entries.c.code).group_by(entries.c.code)
         .having(and_(func.count() > 1, entries.c.code.in_(mine))))
    return sorted(conn.execute(q).scalars())


def repeated_inspections(conn: Connection, campaign_id: str
                         ) -> tuple[list[Repeated], dict[str, int]]:
    """The campaign's drawn enterprises inspected repeatedly, and the limits its draw
    declared (docs/history.md#warnings; empty: none, and :data:`DEFAULT_WARNING_LIMITS`
    is what the warnings apply).

    Each task of the campaign is compared with every other inspection of its enterprise
    (any campaign, any import): flagged when the enterprise has more than ``max_per_year``
    inspections in the calendar year of the task's date, or another inspection within
    ``exclude_within_days`` days of the task's date.
    """
    declared = campaign_limits(conn, campaign_id) or {}
    limits = declared or dict(DEFAULT_WARNING_LIMITS)
    within = limits.get("exclude_within_days")
    cap = limits.get("max_per_year")
    codes = _candidates(conn, campaign_id)  # a cap is 1 or more (the campaign schema)
    if not codes:
        return [], declared
    by_code: dict[str, list[Inspection]] = {}
    for e in history_of(conn, codes):
        by_code.setdefault(e.credit_code, []).append(e)
    out = []
    for code in codes:
        entries = by_code.get(code, [])
        for mine in (e for e in entries if e.campaign_id == campaign_id):
            others = [e for e in entries if e.task_id != mine.task_id or e.source != CAMPAIGN]
            near = [e for e in others
                    if within is not None and abs((e.on - mine.on).days) <= within]
            year = [e for e in entries if e.on.year == mine.on.year]
            over = cap is not None and len(year) > cap
            if near or over:
                shown = {id(e): e for e in [mine, *near, *(year if over else [])]}
                out.append(Repeated(code, mine.task_id or "", over, bool(near),
                                    sorted(shown.values(), key=_order), len(year)))
    return out, declared


__all__ = ["CAMPAIGN", "IMPORTED", "Inspection", "Repeated", "campaign_inspections",
           "draw_history", "history_of", "import_history",
           "imported_inspections", "campaign_limits", "repeated_inspections"]

