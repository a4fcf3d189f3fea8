"""Tasks, drafts, submit and amend: the records service (docs/records.md).

Every function takes an Engine and runs its own short transaction; nothing here prints.
The CLI (core/cli/tasks.py, core/cli/record.py) and the app (tui/) are thin shells over it,
and both submit through :func:`submit` — one validation and storage path.

Answer keys: ``item:<department>.<item>`` (``{"result", "corrected_on_site", "note"}``),
``changes:<department>`` (disposition changes, each with a reason) and ``field:<name>``
for the record's own fields (:data:`FIELDS`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import OperationalError

from .. import clock
from ..attributes import known_attributes, target_problems
from ..canonical import canonical_json, format_time, sha256_hex
from ..classify import classify, follow_up_result
from ..clock import beijing
from ..draw.queries import rows_in
from ..errors import JointcheckError, Problem, did_you_mean, problem
from ..model import Checklist, Item
from ..plugins import absent_plugins
from ..store import WRITE_OPTION, audit, autocommit_row, begin_write
from ..store.access import hidden_task
from ..store.models import (
    bundle_tasks,
    in_team,
    officers,
    record_problems,
    record_versions,
    targets,
    task_answers,
    tasks,
)
from ..store.models import record_versions as rv
from . import messages  # noqa: F401 - registers the JC8xx codes
from .opinion import draft_opinion
from .snapshot import SnapshotError, load_checklist, register_checklist

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine, Insert

    from ..classify import JointResult
    from ..plugins import PluginHost

PENDING, DRAFT, SUBMITTED, AMENDING = "pending", "draft", "submitted", "amending"
STATUSES = (PENDING, DRAFT, SUBMITTED, AMENDING)
RESULTS = ("compliant", "noncompliant", "not_applicable")
OUTCOMES = ("inspected", "unreachable", "refused")
METHODS = ("实地检查", "其他检查方式")
FIELDS = ("outcome", "inspected_on", "methods", "opinion", "remarks", "officers_present",
          "escort", "target")
# target library columns shown in the record's header (附件4) and used by applicability
HEADER_COLUMNS = ("name", "credit_code", "reg_no", "legal_rep", "entity_type", "business_scope",
                  "region", "established", "phone", "business_address", "address",
                  "jurisdiction", "registration_authority", "status", "industry", "risk_grade")


class RecordError(JointcheckError):
    """A records operation cannot be done; ``.problems`` say why (nothing was changed)."""


class StoreBusy(RecordError):
    """The store could not take the write in time (SQLite busy, PostgreSQL lock timeout):
    nothing was stored; trying again later will store it."""

    def __init__(self) -> None:
        super().__init__([problem("JC820")])


def write_timed_out(exc: BaseException) -> bool:
    """Whether the driver error *exc* is the store not taking a write in time (SQLite
    locked or busy past its busy timeout, PostgreSQL lock timeout): nothing was stored,
    the same write later will be (:class:`StoreBusy`). Narrower than tui.saving.is_busy,
    which also retries a lost connection."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text \
        or "lock timeout" in text or "could not obtain lock" in text


class AnswerConflict(RecordError):
    """Someone else changed the answer since it was loaded: ``.theirs`` is what is stored."""

    def __init__(self, key: str, theirs: Answer, what: str):
        self.key = key
        self.theirs = theirs
        at = beijing(theirs.updated_at).strftime("%H:%M:%S") if theirs.updated_at else "?"
        super().__init__([problem("JC803", what=what, by=theirs.updated_by or "?", at=at)])


def item_key(item: Item) -> str:
    return f"item:{item.key}"


def field_key(name: str) -> str:
    return f"field:{name}"


def changes_key(department: str) -> str:
    return f"changes:{department}"


@dataclass(frozen=True)
class Answer:
    value: Any
    version: int
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class Member:
    cert_no: str
    department: str
    leader: bool
    name: str | None = None


@dataclass
class Task:
    """One inspection task: a drawn target of a draw, its team and its status."""

    id: str
    draw_id: int
    seq: int
    campaign_id: str
    credit_code: str
    team: list[Member]
    status: str
    version: int
    checklist_fingerprint: str | None
    amend_reason: str | None
    target: dict[str, Any] = field(default_factory=dict)
    answered: int = 0
    # the field bundle the task is out in (docs/bundles.md) and its state there
    bundle: str | None = None
    bundle_state: str | None = None

    @property
    def name(self) -> str | None:
        return self.target.get("name")

    @property
    def leader(self) -> Member | None:
        return next((m for m in self.team if m.leader), None)

    def to_json(self, applicable: int | None = None) -> dict[str, Any]:
        """The JSON row of ``tasks list``: :meth:`summary` and the number of items that
        apply to the target (*applicable*, when counted)."""
        return dict(self.summary(), applicable=applicable)

    def summary(self) -> dict[str, Any]:
        """The task as JSON (without the count of applicable items)."""
        return {
            "id": self.id, "draw_id": self.draw_id, "seq": self.seq,
            "campaign_id": self.campaign_id, "credit_code": self.credit_code,
            "name": self.name, "status": self.status, "version": self.version,
            "answered": self.answered, "bundle": self.bundle,
            "team": [{"cert_no": m.cert_no, "name": m.name, "department": m.department,
                      "leader": m.leader} for m in self.team],
        }


def library_facts(target: Mapping[str, Any]) -> dict[str, Any]:
    """A task's target row as conditions see it: its columns and its attributes."""
    facts = {k: v for k, v in target.items() if k != "attributes"}
    facts.update(target.get("attributes") or {})
    return facts


@dataclass
class Draft:
    """A task with its checklist and the answers stored so far (each with its version)."""

    task: Task
    checklist: Checklist
    answers: dict[str, Answer]
    host: PluginHost | None = None
    _applies: dict[str, bool] | None = field(default=None, repr=False)  # by item key
    _applies_for: Any = field(default=None, repr=False)  # the corrections _applies is for

    # -- reading answers ---------------------------------------------------------------

    def value(self, key: str, default: Any = None) -> Any:
        a = self.answers.get(key)
        return default if a is None or a.value is None else a.value

    def version_of(self, key: str) -> int:
        a = self.answers.get(key)
        return a.version if a else 0

    def field(self, name: str, default: Any = None) -> Any:
        return self.value(field_key(name), default)

    def item_answer(self, item: Item) -> dict[str, Any] | None:
        value = self.value(item_key(item))
        return value if isinstance(value, dict) and value.get("result") else None

    @property
    def outcome(self) -> str:
        return self.field("outcome", "inspected")

    @property
    def target_facts(self) -> dict[str, Any]:
        """What applicability conditions see: the library row and its attributes, with
        the officers' corrections (``field:target``) over them."""
        facts = library_facts(self.task.target)
        facts.update(self.field("target", {}) or {})
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in facts.items()}

    def applies(self, item: Item) -> bool:
        return self._applicability()[item.key]

    def _applicability(self) -> dict[str, bool]:
        """Whether each item of the checklist applies, by key: decided when first asked
        and again when the facts are corrected, for every item from the same facts (one
        mapping for all, as classify passes findings.target)."""
        corrections = self.field("target")
        if self._applies is None or corrections != self._applies_for:
            from ..classify import item_applies

            facts = self.target_facts
            self._applies = {i.key: item_applies(i, facts, self.host)
                             for i in self.checklist.items}
            self._applies_for = corrections
        return self._applies

    @property
    def items(self) -> list[Item]:
        return list(self.checklist.items)

    def progress(self) -> tuple[int, int]:
        """(answered, applicable) items."""
        applies = self._applicability()
        applicable = [i for i in self.checklist.items if applies[i.key]]
        return sum(1 for i in applicable if self.item_answer(i)), len(applicable)

    def unfinished(self) -> tuple[int, int] | None:
        """(answered, applicable) while the enterprise was inspected and applicable items
        are unanswered — such a draft has no result yet; None when it is complete (or the
        visit had no items: unreachable, refused)."""
        if self.outcome != "inspected":
            return None
        answered, total = self.progress()
        return (answered, total) if answered < total else None

    def officers_present(self) -> list[str]:
        given = self.field("officers_present")
        return list(given) if given else [m.cert_no for m in self.task.team]

    def methods(self) -> list[str]:
        return list(self.field("methods") or [METHODS[0]])

    def resume_index(self) -> int:
        """Where to reopen: after the item touched last (the first unanswered one from
        there on), else the first unanswered item, else the first item."""
        items = self.items
        touched = [(a.updated_at, k) for k, a in self.answers.items()
                   if k.startswith("item:") and a.updated_at is not None]
        start = 0
        if touched:
            last = max(touched)[1]
            index = next((n for n, i in enumerate(items) if item_key(i) == last), 0)
            start = index + 1 if self.item_answer(items[index]) else index
        for n in list(range(start, len(items))) + list(range(0, start)):
            if self.applies(items[n]) and not self.item_answer(items[n]):
                return n
        return min(start, len(items) - 1) if items else 0

    # -- findings and classification ----------------------------------------------------

    def findings(self) -> dict[str, Any]:
        """The findings in the format of ``jointcheck classify`` (plus ``inspected_on``)."""
        departments: dict[str, Any] = {}
        for dept in self.checklist.departments:
            answers = {}
            for item in self.checklist.items_of(dept.code):
                a = self.item_answer(item)
                if a is None:
                    continue
                entry: dict[str, Any] = {"result": a["result"]}
                if a.get("corrected_on_site"):
                    entry["corrected_on_site"] = True
                if a.get("note"):
                    entry["note"] = a["note"]
                answers[item.id] = entry
            block: dict[str, Any] = {"items": answers}
            changes = self.value(changes_key(dept.code))
            if changes:
                block["disposition_changes"] = list(changes)
            departments[dept.code] = block
        data: dict[str, Any] = {"outcome": self.outcome, "target": self.target_facts,
                                "departments": departments}
        if self.field("inspected_on"):
            data["inspected_on"] = self.field("inspected_on")
        return data

    def classify(self) -> JointResult:
        """The live classification by core.classify (never re-implemented here)."""
        return classify(self.findings(), self.checklist, self.host)

    def record(self) -> dict[str, Any]:
        """The record as it would be submitted (findings plus the record's own fields)."""
        opinion = self.field("opinion")
        return {
            "findings": self.findings(),
            "methods": self.methods(),
            "opinion": opinion if opinion is not None else draft_opinion(self),
            "remarks": self.field("remarks") or "",
            "officers_present": self.officers_present(),
            "escort": self.field("escort"),
        }

    # -- validation before submitting ---------------------------------------------------

    def check(self, *, confirm_date: bool = False) -> list[Problem]:
        """What blocks submitting, each problem carrying ``extra["key"]`` (the answer to
        jump to) — the same list for the CLI and the app."""
        out: list[Problem] = []
        names = {d.code: d.name for d in self.checklist.departments}
        if self.outcome == "inspected":
            for dept in self.checklist.departments:
                for n, item in enumerate(self.checklist.items_of(dept.code), 1):
                    a = self.item_answer(item)
                    if not self.applies(item):
                        if a and a["result"] != "not_applicable":
                            out.append(_at(problem("JC819", department=dept.name, item=item.title,
                                                   result=a["result"]), item_key(item)))
                        continue
                    if a is None:
                        out.append(_at(problem("JC810", department=dept.name, n=n,
                                               title=item.title), item_key(item)))
                    elif a["result"] == "noncompliant" and not (a.get("note") or "").strip():
                        out.append(_at(problem("JC811", department=dept.name, n=n,
                                               title=item.title), item_key(item)))
        team = {m.cert_no: m for m in self.task.team}
        present = self.officers_present()
        for cert in present:
            if cert not in team:
                out.append(_at(problem("JC815", cert_no=cert), field_key("officers_present")))
        for dept in self.checklist.departments:
            count = sum(1 for c in present if c in team and team[c].department == dept.code)
            if count < 2:
                out.append(_at(problem("JC812", department=names[dept.code], count=count),
                               field_key("officers_present")))
        when = self.field("inspected_on")
        if not when:
            out.append(_at(problem("JC813"), field_key("inspected_on")))
        elif not confirm_date:
            period = (self.checklist.campaign.data.get("period") or {}) \
                if self.checklist.campaign else {}
            start, end = str(period.get("start") or ""), str(period.get("end") or "")
            if (start and when < start) or (end and when > end):
                out.append(_at(problem("JC814", date=when, start=start or "…", end=end or "…"),
                               field_key("inspected_on")))
        return out


def _at(p: Problem, key: str) -> Problem:
    p.extra["key"] = key
    return p


# --------------------------------------------------------------------------- validation


def check_value(checklist: Checklist, key: str, value: Any) -> None:
    """Raise :class:`RecordError` (JC804/JC805) unless *value* is valid for *key*."""

    def bad(detail: str) -> RecordError:
        return RecordError([problem("JC805", what=key, detail=detail)])

    kind, _sep, name = key.partition(":")
    if kind == "item":
        if not any(i.key == name for i in checklist.items):
            raise RecordError([problem("JC804", key=key)])
        if value is None:
            return
        if not isinstance(value, dict) or value.get("result") not in RESULTS + (None,):
            raise bad("result ∈ " + " | ".join(RESULTS))
        if set(value) - {"result", "corrected_on_site", "note"}:
            raise bad(", ".join(sorted(set(value) - {"result", "corrected_on_site", "note"})))
        if not isinstance(value.get("note", ""), str):
            raise bad("note")
        if not isinstance(value.get("corrected_on_site", False), bool):
            raise bad("corrected_on_site")
        return
    if kind == "changes":
        if checklist.department(name) is None:
            raise RecordError([problem("JC804", key=key)])
        if value is None:
            return
        if not isinstance(value, list) or not all(
                isinstance(c, dict) and c.get("action") in ("add", "remove")
                and c.get("disposition") in checklist.policy.dispositions
                and str(c.get("reason") or "").strip() for c in value):
            raise bad("[{action: add|remove, disposition, reason}]")
        return
    if kind != "field" or name not in FIELDS:
        raise RecordError([problem("JC804", key=key)])
    if value is None:
        return
    if name == "outcome" and value not in OUTCOMES:
        raise bad(" | ".join(OUTCOMES))
    if name == "inspected_on":
        try:
            date.fromisoformat(str(value))
        except ValueError as exc:
            raise bad("YYYY-MM-DD") from exc
        if len(str(value)) != 10:
            raise bad("YYYY-MM-DD")
    if name in ("opinion", "remarks") and not isinstance(value, str):
        raise bad("text")
    if name == "methods" and (not isinstance(value, list) or not value
                              or any(m not in METHODS for m in value)):
        raise bad(" | ".join(METHODS))
    if name == "officers_present" and (not isinstance(value, list)
                                       or not all(isinstance(c, str) and c for c in value)):
        raise bad("[执法证号]")
    if name == "escort" and (not isinstance(value, dict) or not str(value.get("name") or "").strip()
                             or set(value) - {"name", "position"}):
        raise bad("{name, position}")
    if name == "target":
        if not isinstance(value, dict):
            raise bad("{attribute: value}")
        _check_facts(value, checklist)


def _check_facts(value: Mapping[str, Any], checklist: Checklist) -> None:
    """A correction of the enterprise's facts names known attributes with values of their
    type: a misspelt or mistyped one would silently change which items apply."""
    known = known_attributes(checklist.departments)
    found = [problem("JC821", attribute=name, hint=did_you_mean(name, sorted(known)))
             for name in value if name not in known]
    found += [p for p in target_problems(value, known, lambda name, code, **kw: problem(
        code, path=f"target.{name}", **kw)) if p.severity == "error"]
    if found:
        raise RecordError(found)


# --------------------------------------------------------------------------- transactions


@contextmanager
def _record_tx(engine: Engine) -> Iterator[Connection]:
    """A short transaction for one record write, with no store-wide lock.

    SQLite: BEGIN IMMEDIATE (one writer at a time is the engine's own rule; waits up to
    the busy timeout). PostgreSQL: an ordinary READ COMMITTED transaction; the task's row
    is locked by the statements themselves (row-level, never an advisory lock).
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


def _member_names(conn: Connection, certs: Iterable[str]) -> dict[str, str]:
    return dict(rows_in(conn, select(officers.c.cert_no, officers.c.name),
                        officers.c.cert_no, certs))


def _targets(conn: Connection, codes: Iterable[str] | Select[Any]
             ) -> dict[str, dict[str, Any]]:
    """The header columns and attributes of the targets *codes* by credit code; *codes*
    may be a SELECT of credit codes (many of them: one statement, not IN lists)."""
    cols = [targets.c[c] for c in HEADER_COLUMNS] + [targets.c.attributes]
    if isinstance(codes, Select):
        rows = list(conn.execute(select(*cols).where(targets.c.credit_code.in_(codes))))
    else:
        rows = rows_in(conn, select(*cols), targets.c.credit_code, codes)
    names = [*HEADER_COLUMNS, "attributes"]
    code = names.index("credit_code")
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        data = dict(zip(names, row, strict=True))
        data["attributes"] = data["attributes"] or {}
        out[row[code]] = data
    return out


# what a Task is made of (_task_from_row): a task's other columns are not read
TASK_COLUMNS = (tasks.c.id, tasks.c.draw_id, tasks.c.seq, tasks.c.campaign_id,
                tasks.c.credit_code, tasks.c.team, tasks.c.status, tasks.c.version,
                tasks.c.checklist_fingerprint, tasks.c.amend_reason)


def _task_from_row(row: Any, names: Mapping[str, str], target: dict[str, Any] | None,
                   members: dict[tuple[str, str, bool], Member] | None = None) -> Task:
    """The Task of a *row* of :data:`TASK_COLUMNS`. *members*: the team members made so
    far (immutable, shared by the tasks of one list: an officer is in many teams)."""
    if members is None:
        members = {}
    team = []
    for m in row.team:
        key = (m["cert_no"], m["department"], bool(m.get("leader")))
        member = members.get(key)
        if member is None:
            member = members[key] = Member(cert_no=key[0], department=key[1], leader=key[2],
                                           name=names.get(key[0]))
        team.append(member)
    return Task(id=row.id, draw_id=row.draw_id, seq=row.seq, campaign_id=row.campaign_id,
                credit_code=row.credit_code, team=team, status=row.status,
                version=row.version, checklist_fingerprint=row.checklist_fingerprint,
                amend_reason=row.amend_reason,
                target=target or {"credit_code": row.credit_code, "attributes": {}})


# --------------------------------------------------------------------------- tasks


def task_id_for(draw_id: int, seq: int) -> str:
    """The short stable id of a task: ``<draw>-<抽取序号>``, e.g. ``1-3``."""
    return f"{draw_id}-{seq}"


def create_tasks(conn: Connection, draw_id: int, campaign_id: str, result: Mapping[str, Any],
                 checklist: Checklist | None = None) -> int:
    """One pending task per drawn target of a draw, inside the draw's transaction."""
    fp = register_checklist(conn, checklist) if checklist is not None else None
    now = clock.utcnow()
    rows = [{"id": task_id_for(draw_id, t["seq"]), "draw_id": draw_id, "seq": t["seq"],
             "campaign_id": campaign_id, "credit_code": t["credit_code"],
             "team": sorted(t.get("team") or [], key=lambda m: not m.get("leader")),
             "status": PENDING, "checklist_fingerprint": fp, "version": 0,
             "created_at": now, "updated_at": now}
            for t in result.get("targets") or []]
    if rows:
        conn.execute(insert(tasks), rows)
    return len(rows)


# list_tasks reads the answers and bundles of at most this many tasks by their ids (IN
# lists of 500: an inspector's tasks, whatever the store holds), of more in one pass
TASKS_BY_ID = 5_000


def list_tasks(engine: Engine, *, campaign: str | None = None, draw: int | None = None,
               officer: str | None = None, statuses: Iterable[str] = (),
               task_ids: Iterable[str] = ()) -> list[Task]:
    """Tasks in draw and 抽取序号 order, with names, team and the number of items answered."""
    q = select(*TASK_COLUMNS).order_by(tasks.c.draw_id, tasks.c.seq)
    if campaign:
        q = q.where(tasks.c.campaign_id == campaign)
    if draw is not None:
        q = q.where(tasks.c.draw_id == draw)
    statuses = list(statuses)
    if statuses:
        q = q.where(tasks.c.status.in_(statuses))
    ids = list(task_ids)
    if ids:
        q = q.where(tasks.c.id.in_(ids))
    with engine.connect() as conn:
        if officer:  # the database reads the teams (PostgreSQL: through an index)
            q = q.where(in_team(officer, conn.dialect.name))
        rows = list(conn.execute(q))
        names = _member_names(conn, {m["cert_no"] for r in rows for m in r.team})
        many = len(rows) > TASKS_BY_ID  # read by the query's own filter, not by their ids
        targets = _targets(conn, q.with_only_columns(tasks.c.credit_code).order_by(None)
                           if many else [r.credit_code for r in rows])
        # an item counts when its answer has a result, as Draft.progress counts it (a
        # cleared answer is stored as JSON null, a note alone has no result)
        result = task_answers.c.value["result"].as_string()
        stats = (select(task_answers.c.task_id, func.count())
                 .where(task_answers.c.key.like("item:%"))
                 .where(result.is_not(None), result != "")
                 .group_by(task_answers.c.task_id))
        found = None if many else [r.id for r in rows]
        counts: dict[str, int] = dict(rows_in(conn, stats, task_answers.c.task_id, found))
        out_in = _bundles_out(conn, found)
    out = []
    members: dict[tuple[str, str, bool], Member] = {}
    for r in rows:
        task = _task_from_row(r, names, targets.get(r.credit_code), members)
        task.answered = counts.get(r.id, 0)
        task.bundle, task.bundle_state = out_in.get(r.id, (None, None))
        out.append(task)
    return out


def _bundles_out(conn: Connection, task_ids: list[str] | None
                 ) -> dict[str, tuple[str, str]]:
    """The field bundle each of *task_ids* (None: every task) is out in (state ``out``
    or ``conflict``), if any."""
    q = (select(bundle_tasks.c.task_id, bundle_tasks.c.bundle_id, bundle_tasks.c.state)
         .where(bundle_tasks.c.state.in_(("out", "conflict"))))
    return {tid: (bid, state)
            for tid, bid, state in rows_in(conn, q, bundle_tasks.c.task_id, task_ids)}


def applicable_counts(engine: Engine, tasks: Iterable[Task],
                      host: PluginHost | None = None) -> dict[str, int]:
    """Applicable items per task, from each task's checklist snapshot (the n of 草稿 7/n)."""
    out: dict[str, int] = {}
    cache: dict[str, Checklist | None] = {}
    with engine.connect() as conn:
        for task in tasks:
            fp = task.checklist_fingerprint
            if not fp:
                continue
            if fp not in cache:
                try:
                    cache[fp] = load_checklist(conn, fp)
                except ValueError:
                    cache[fp] = None
            checklist = cache[fp]
            if checklist is not None:
                out[task.id] = Draft(task=task, checklist=checklist, answers={},
                                     host=host).progress()[1]
    return out


def check_dates(engine: Engine, task_ids: Iterable[str]) -> dict[str, str]:
    """The check date (检查日期) entered so far for each of *task_ids* that has one."""
    ids = sorted(set(task_ids))
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for i in range(0, len(ids), 500):
            q = (select(task_answers.c.task_id, task_answers.c.value)
                 .where(task_answers.c.key == field_key("inspected_on"))
                 .where(task_answers.c.task_id.in_(ids[i:i + 500])))
            out.update({tid: str(v) for tid, v in conn.execute(q) if v})
    return out


def _no_task(conn: Connection, task_id: str) -> RecordError:
    """Why *task_id* cannot be read: another team's task (JC761, a server store's
    row-level security hides it) or no such task (JC801)."""
    return RecordError([hidden_task(conn, task_id) or problem("JC801", task=task_id)])


def get_task(conn: Connection, task_id: str, *, lock: str | None = None) -> Task:
    """The task *task_id* (JC801 when there is none). *lock*: ``share`` or ``update``
    locks the task's row on PostgreSQL for the rest of the transaction."""
    q = select(*TASK_COLUMNS).where(tasks.c.id == task_id)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update(read=(lock == "share"))
    row = conn.execute(q).first()
    if row is None:
        raise _no_task(conn, task_id)
    names = _member_names(conn, (m["cert_no"] for m in row.team))
    return _task_from_row(row, names, _targets(conn, [row.credit_code]).get(row.credit_code))


def _answers(conn: Connection, task_id: str) -> dict[str, Answer]:
    q = select(task_answers).where(task_answers.c.task_id == task_id)
    return {r.key: Answer(value=r.value, version=r.version, updated_at=r.updated_at,
                          updated_by=r.updated_by) for r in conn.execute(q)}


def _checklist_for(conn: Connection, task: Task, campaign: Checklist | None) -> Checklist:
    """The checklist a task is filled against: its pinned snapshot; a task drawn before
    snapshots existed is pinned to *campaign*'s checklist (which must be its campaign)."""
    if task.checklist_fingerprint:
        try:
            checklist = load_checklist(conn, task.checklist_fingerprint)
        except SnapshotError as exc:
            raise RecordError([exc.problem]) from exc
        if checklist is not None:
            return checklist
    if campaign is None or campaign.campaign is None:
        raise RecordError([problem("JC818", task=task.id)])
    if campaign.campaign.id != task.campaign_id:
        raise RecordError([problem("JC808", task=task.id, expected=task.campaign_id,
                                   given=campaign.campaign.id)])
    fp = register_checklist(conn, campaign)
    conn.execute(update(tasks).where(tasks.c.id == task.id).values(checklist_fingerprint=fp))
    task.checklist_fingerprint = fp
    return campaign


def load_draft(engine: Engine, task_id: str, *, host: PluginHost | None = None,
               campaign: Checklist | None = None) -> Draft:
    """The task with its checklist and every answer stored so far (one read; a task not
    yet pinned to a checklist is pinned to *campaign*'s in a write of its own)."""
    with engine.connect() as conn:
        task = get_task(conn, task_id)
        if task.checklist_fingerprint is not None:
            checklist = _checklist_for(conn, task, campaign)
            return Draft(task=task, checklist=checklist, answers=_answers(conn, task_id),
                         host=host)
    with _record_tx(engine) as conn:
        task = get_task(conn, task_id)
        checklist = _checklist_for(conn, task, campaign)
        return Draft(task=task, checklist=checklist, answers=_answers(conn, task_id), host=host)


# --------------------------------------------------------------------------- writing answers


def _what(checklist: Checklist, key: str) -> str:
    kind, _sep, name = key.partition(":")
    if kind == "item":
        item = next((i for i in checklist.items if i.key == name), None)
        return item.title if item else name
    return name


def _stored_answer(conn: Connection, task_id: str, key: str) -> Answer:
    """The answer *key* of task *task_id* as stored now (version 0: none yet): whose answer
    won when a compare-and-set missed."""
    row = conn.execute(select(task_answers).where(
        (task_answers.c.task_id == task_id) & (task_answers.c.key == key))).first()
    return Answer(None, 0) if row is None else Answer(row.value, row.version, row.updated_at,
                                                      row.updated_by)


def _refuse_closed(conn: Connection, task_id: str, *, share_lock: bool = False) -> None:
    """Raise :class:`RecordError` when task *task_id* takes no mark: not there for this
    login (JC801, or JC761 for another team's), or its record submitted (JC802).
    *share_lock* (PostgreSQL): the task's row stays share-locked for the transaction."""
    q = select(tasks.c.status, tasks.c.version).where(tasks.c.id == task_id)
    if share_lock and conn.dialect.name == "postgresql":
        q = q.with_for_update(read=True)
    row = conn.execute(q).first()
    if row is None:
        raise _no_task(conn, task_id)
    if row.status == SUBMITTED:
        raise RecordError([problem("JC802", task=task_id, version=row.version)])


def _write(conn: Connection, task_id: str, key: str, value: Any, expected: int | None,
           who: str, now: datetime, what: str) -> Answer:
    """Compare-and-set one answer (``expected`` None: overwrite whatever is stored).

    One statement in the usual case: an UPDATE guarded by the version the caller saw, or
    an INSERT of version 1 when it saw none; only a miss reads the row to say why."""
    where = (task_answers.c.task_id == task_id) & (task_answers.c.key == key)

    if expected is None:
        expected = _stored_answer(conn, task_id, key).version
    if expected == 0:
        if conn.dialect.name == "postgresql":
            stmt: Insert = pg_insert(task_answers).on_conflict_do_nothing()
        else:
            stmt = insert(task_answers).prefix_with("OR IGNORE")
        inserted = conn.execute(stmt.values(task_id=task_id, key=key, value=value, version=1,
                                            updated_at=now, updated_by=who)
                                .returning(task_answers.c.version)).first()
        if inserted is None:  # someone stored it first
            raise AnswerConflict(key, _stored_answer(conn, task_id, key), what)
        return Answer(value, 1, now, who)
    done = conn.execute(update(task_answers).where(where & (task_answers.c.version == expected))
                        .values(value=value, version=expected + 1, updated_at=now,
                                updated_by=who)).rowcount
    if done != 1:
        raise AnswerConflict(key, _stored_answer(conn, task_id, key), what)
    return Answer(value, expected + 1, now, who)


def save_answer(engine: Engine, task_id: str, key: str, value: Any, *, expected: int | None,
                checklist: Checklist, actor: str | None = None) -> Answer:
    """Store one answer of a draft in a short transaction of its own and return it with its
    new version. *expected* is the version the caller loaded (0: none); a different stored
    version raises :class:`AnswerConflict` and changes nothing; a store too busy to take
    the write in time raises :class:`StoreBusy` (nothing stored: try again)."""
    check_value(checklist, key, value)
    try:
        if engine.dialect.name == "postgresql" and expected is not None:
            # the login's name is decided by the statement itself (no round trip to ask)
            return _save_pg(engine, task_id, key, value, expected, checklist,
                            audit.given_name(actor))
        return _save(engine, task_id, key, value, expected, checklist,
                     audit.actor(engine, actor))
    except OperationalError as exc:
        if write_timed_out(exc):
            raise StoreBusy() from exc
        raise


def _save(engine: Engine, task_id: str, key: str, value: Any, expected: int | None,
          checklist: Checklist, who: str) -> Answer:
    with _record_tx(engine) as conn:
        # pending -> draft first: the row lock it takes (PostgreSQL) comes before any share
        # lock, so two first marks on one task cannot deadlock
        conn.execute(update(tasks).where((tasks.c.id == task_id) & (tasks.c.status == PENDING))
                     .values(status=DRAFT, updated_at=clock.utcnow()))
        _refuse_closed(conn, task_id, share_lock=True)  # a submit waits for this mark
        return _write(conn, task_id, key, value, expected, who, clock.utcnow(),
                      _what(checklist, key))


def _save_pg(engine: Engine, task_id: str, key: str, value: Any, expected: int,
             checklist: Checklist, given: str | None) -> Answer:
    """:func:`_save` on PostgreSQL in one statement, run in autocommit: one round trip,
    its own transaction (docs/store.md#connections).

    The statement calls ``jc_mark()`` (migrations 0008, 0009): it takes the task's row
    lock (the first mark's UPDATE that turns 待检查 into 草稿, else ``FOR KEY SHARE``;
    none on a submitted task), then writes the answer (compare-and-set on its version, or
    inserted as version 1). In a PL/pgSQL function the plans are kept per server
    connection, which no statement sent from here could be through a pooler in
    transaction mode. A submit holds the task's row FOR UPDATE, so a mark waits for it or
    it for the mark, and a mark never lands after the submit read the answers. Only a miss
    reads again to say why (missing task JC801, submitted JC802, someone else's answer
    JC803).

    The answer's author is the named login (``jc_actor()``, docs/deployment.md), else
    *given*, else the login PostgreSQL authenticated, as :func:`audit.actor` decides."""
    now = clock.utcnow()
    author = autocommit_row(engine, _PG_MARK, {
        "task_id": task_id, "key": key, "value": json.dumps(value), "expected": expected,
        "now": now, "who": given})[0]  # SELECT f(...) answers one row
    if author is not None:
        return Answer(value, expected + 1, now, author)
    with engine.connect() as conn:
        _refuse_closed(conn, task_id)
        raise AnswerConflict(key, _stored_answer(conn, task_id, key), _what(checklist, key))


# jc_mark(task, key, value, expected version, now, name given) -> the answer's author, or
# NULL when nothing was written (migrations 0008, 0009); run by the driver (store.autocommit_row)
_PG_MARK = ("SELECT jc_mark(%(task_id)s, %(key)s, %(value)s::json, %(expected)s, %(now)s, "
            "%(who)s)")


# --------------------------------------------------------------------------- submit / amend


@dataclass
class RecordVersion:
    task_id: str
    version: int
    checklist_fingerprint: str
    record: dict[str, Any]
    results: dict[str, Any]
    digest: str
    reason: str | None
    submitted_at: datetime
    submitted_by: str

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "checklist_fingerprint": self.checklist_fingerprint,
                "submitted_at": format_time(self.submitted_at),
                "submitted_by": self.submitted_by, "reason": self.reason, "digest": self.digest}


def record_digest(task_id: str, version: int, fp: str, record: Any, results: Any) -> str:
    return sha256_hex(canonical_json({"task_id": task_id, "version": version,
                                      "checklist_fingerprint": fp, "record": record,
                                      "results": results}))


def problems_of(checklist: Checklist, findings: Mapping[str, Any],
                results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The problems a record implies: each 不符合 item with the department it is referred to
    and the dispositions proposed for it (none when corrected on the spot).

    A plugin's hook that gives a department the policy's follow-up result (8
    发现问题待后续处理) makes every non-compliant item of that department a problem to
    follow up, as a computed 8 does, even one corrected on the spot (docs/hooks.md)."""
    follow_up = follow_up_result(checklist.policy)
    out = []
    for dept in checklist.departments:
        answers = ((findings.get("departments") or {}).get(dept.code) or {}).get("items") or {}
        result = results["departments"].get(dept.code) or {}
        kept = set(result.get("dispositions") or [])
        escalated = bool(result.get("overridden_by")) and follow_up is not None and (
            (result.get("result") or {}).get("code") == follow_up)
        for item in checklist.items_of(dept.code):
            a = answers.get(item.id)
            if not a or a["result"] != "noncompliant":
                continue
            corrected = bool(a.get("corrected_on_site")) and not escalated
            out.append({"department": dept.code, "item_id": item.id,
                        "refer_to": item.noncompliance.get("refer_to") or dept.code,
                        "dispositions": [] if corrected else
                        [d for d in item.dispositions if d in kept],
                        "corrected_on_site": corrected, "note": a.get("note")})
    return out


def _replace_answers(conn: Connection, draft: Draft, answers: Mapping[str, Any], who: str,
                     now: datetime) -> None:
    """Make the draft hold exactly *answers* (a submitted file), each a new version."""
    for key in sorted(set(draft.answers) | set(answers)):
        value = answers.get(key)
        if key in draft.answers and draft.answers[key].value == value:
            continue
        if key not in answers and draft.answers[key].value is None:
            continue
        draft.answers[key] = _write(conn, draft.task.id, key, value, None, who, now, key)


def submit(engine: Engine, task_id: str, *, host: PluginHost | None = None,
           campaign: Checklist | None = None, answers: Mapping[str, Any] | None = None,
           confirm_date: bool = False, actor: str | None = None) -> RecordVersion:
    """Validate the draft and store it as the record's next version (1, or n+1 for an
    amendment under way), with the classification, the problems it implies and an audit
    entry, in one transaction. *answers* (a submitted file) replace the draft first, in the
    same transaction: nothing is half stored. Raises :class:`RecordError` with every
    problem found (nothing changed)."""
    who = audit.actor(engine, actor)
    with begin_write(engine) as conn:
        task = get_task(conn, task_id, lock="update")
        if task.status == SUBMITTED:
            raise RecordError([problem("JC802", task=task.id, version=task.version)])
        checklist = _checklist_for(conn, task, campaign)
        if task.version:  # an amendment: the plugins whose hooks decided the last version
            gone = absent_plugins(host, _deciding_plugins(conn, task_id, task.version))
            if gone:
                raise RecordError(gone)
        draft = Draft(task=task, checklist=checklist, answers=_answers(conn, task_id), host=host)
        now = clock.utcnow()
        if answers is not None:
            for key, value in answers.items():
                check_value(checklist, key, value)
            _replace_answers(conn, draft, answers, who, now)
        return store_version(conn, draft, confirm_date=confirm_date, who=who, now=now)


def _deciding_plugins(conn: Connection, task_id: str, version: int) -> list[tuple[str, str]]:
    """(department, plugin) for each result of a stored version a plugin's hook decided."""
    results = conn.execute(select(rv.c.results).where(
        (rv.c.task_id == task_id) & (rv.c.version == version))).scalar()
    return [(code, r["overridden_by"]) for code, r in
            ((results or {}).get("departments") or {}).items() if r.get("overridden_by")]


@dataclass
class PreparedVersion:
    """A draft validated and classified in memory (:func:`prepare_version`), ready to be
    stored by :func:`write_versions`."""

    version: RecordVersion
    problems: list[dict[str, Any]]
    audit_action: str
    audit_payload: dict[str, Any]


def prepare_version(draft: Draft, *, confirm_date: bool, who: str, now: datetime,
                    audit_extra: Mapping[str, Any] | None = None) -> PreparedVersion:
    """Validate *draft* (the checks of a submission, then the classification) and compute
    its task's next version, without a statement: raises :class:`RecordError` with every
    problem found. The draft's task is advanced in memory (status 已提交, the new version),
    so a second version of the same task may be prepared after it."""
    task, checklist, task_id = draft.task, draft.checklist, draft.task.id
    # the plugins of the record's departments take part in its classification (their
    # hooks): without one, the record is refused, never classified differently
    gone = absent_plugins(draft.host, ((d.code, d.source.plugin) for d in checklist.departments))
    if gone:
        raise RecordError(gone)
    problems = draft.check(confirm_date=confirm_date)
    if problems:
        raise RecordError(problems)
    result = draft.classify()
    if result.problems:
        raise RecordError(result.problems)
    record = json.loads(json.dumps(draft.record(), ensure_ascii=False, default=str))
    results = result.to_json()
    version = task.version + 1
    reason = task.amend_reason if version > 1 else None
    digest = record_digest(task_id, version, checklist.fingerprint, record, results)
    task.status, task.version, task.amend_reason = SUBMITTED, version, None
    return PreparedVersion(
        version=RecordVersion(task_id=task_id, version=version,
                              checklist_fingerprint=checklist.fingerprint, record=record,
                              results=results, digest=digest, reason=reason,
                              submitted_at=now, submitted_by=who),
        problems=problems_of(checklist, record["findings"], results),
        audit_action="record.amend" if version > 1 else "record.submit",
        audit_payload={"task_id": task_id, "version": version, "digest": digest,
                       "checklist_fingerprint": checklist.fingerprint, "reason": reason,
                       "joint_result": results["joint"]["code"], **(audit_extra or {})})


def write_versions(conn: Connection, prepared: list[PreparedVersion]) -> list[RecordVersion]:
    """Store *prepared* versions (in order) inside the caller's
    :func:`~jointcheck.core.store.begin_write` transaction, in a few statements whatever
    their number: the audit entries (one chain), the versions, their problems, the tasks'
    new status and version. The one storage path of :func:`submit` and of a bundle import
    (core/records/bundle.py)."""
    if not prepared:
        return []
    seqs = audit.append_many(conn, [(p.audit_action, p.audit_payload, p.version.submitted_by)
                                    for p in prepared])
    # parameters passed apart from the statements: their compiled forms are cached
    made = [p.version for p in prepared]
    conn.execute(insert(record_versions), [
        {"task_id": v.task_id, "version": v.version,
         "checklist_fingerprint": v.checklist_fingerprint, "record": v.record,
         "results": v.results, "digest": v.digest, "reason": v.reason,
         "submitted_at": v.submitted_at, "submitted_by": v.submitted_by, "audit_seq": seq}
        for v, seq in zip(made, seqs, strict=True)])
    found = [dict(f, task_id=p.version.task_id, version=p.version.version, n=n)
             for p in prepared for n, f in enumerate(p.problems, 1)]
    if found:
        conn.execute(insert(record_problems), found)
    newest = {v.task_id: v for v in made}
    conn.execute(update(tasks).where(tasks.c.id == bindparam("b_id")), [
        {"b_id": v.task_id, "status": SUBMITTED, "version": v.version, "amend_reason": None,
         "updated_at": v.submitted_at} for v in newest.values()])
    return made


def store_version(conn: Connection, draft: Draft, *, confirm_date: bool, who: str,
                  now: datetime) -> RecordVersion:
    """Validate *draft* and store it as its task's next version, inside the caller's
    :func:`~jointcheck.core.store.begin_write` transaction (:func:`prepare_version`, then
    :func:`write_versions` with that one version). Raises :class:`RecordError` with every
    problem found."""
    return write_versions(conn, [prepare_version(draft, confirm_date=confirm_date, who=who,
                                                 now=now)])[0]


def start_amendment(engine: Engine, task_id: str, reason: str, *,
                    actor: str | None = None) -> Task:
    """Open a submitted record for amendment (status 修改中): the draft becomes editable
    again; the next :func:`submit` stores version n+1 with *reason*."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordError([problem("JC816")])
    with _record_tx(engine) as conn:
        task = get_task(conn, task_id, lock="update")
        if task.version == 0:
            raise RecordError([problem("JC806", task=task_id)])
        if task.status == AMENDING:
            raise RecordError([problem("JC817", task=task_id)])
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(
            status=AMENDING, amend_reason=reason, updated_at=clock.utcnow()))
        task.status, task.amend_reason = AMENDING, reason
        return task


def amend(engine: Engine, task_id: str, answers: Mapping[str, Any], reason: str, *,
          host: PluginHost | None = None, campaign: Checklist | None = None,
          confirm_date: bool = False, actor: str | None = None) -> RecordVersion:
    """``record amend``: version n+1 of a submitted record from *answers*, with *reason*."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordError([problem("JC816")])
    with engine.connect() as conn:
        task = get_task(conn, task_id)
    if task.version == 0:
        raise RecordError([problem("JC806", task=task_id)])
    if task.status == SUBMITTED:
        start_amendment(engine, task_id, reason, actor=actor)
    else:  # already amending: this reason replaces the pending one
        with _record_tx(engine) as conn:
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(amend_reason=reason))
    try:
        return submit(engine, task_id, host=host, campaign=campaign, answers=answers,
                      confirm_date=confirm_date, actor=actor)
    except RecordError:
        if task.status == SUBMITTED:  # leave the record as it was
            cancel_amendment(engine, task_id)
        raise


def cancel_amendment(engine: Engine, task_id: str) -> None:
    """Give up an amendment under way: the record is read-only again at its last version
    (the draft keeps what was typed; the submitted versions are unchanged)."""
    with _record_tx(engine) as conn:
        conn.execute(update(tasks).where((tasks.c.id == task_id) & (tasks.c.status == AMENDING))
                     .values(status=SUBMITTED, amend_reason=None))


def versions(engine: Engine, task_id: str) -> list[RecordVersion]:
    with engine.connect() as conn:
        get_task(conn, task_id)
        rows = conn.execute(select(record_versions).where(record_versions.c.task_id == task_id)
                            .order_by(record_versions.c.version))
        return [_version_from_row(r) for r in rows]


def _version_from_row(r: Any) -> RecordVersion:
    return RecordVersion(task_id=r.task_id, version=r.version,
                         checklist_fingerprint=r.checklist_fingerprint, record=r.record,
                         results=r.results, digest=r.digest, reason=r.reason,
                         submitted_at=r.submitted_at, submitted_by=r.submitted_by)


def load_version(engine: Engine, task_id: str, version: int | None = None
                 ) -> tuple[RecordVersion, Checklist]:
    """A submitted version (default: the newest) with the checklist it was filled against."""
    with engine.connect() as conn:
        task = get_task(conn, task_id)
        wanted = version if version is not None else task.version
        row = conn.execute(select(record_versions).where(
            (record_versions.c.task_id == task_id) & (record_versions.c.version == wanted))
        ).first()
        if row is None:
            raise RecordError([problem("JC807", task=task_id, version=wanted)])
        rv = _version_from_row(row)
        try:
            checklist = load_checklist(conn, rv.checklist_fingerprint)
        except SnapshotError as exc:
            raise RecordError([exc.problem]) from exc
        if checklist is None:  # pragma: no cover - a foreign key keeps it
            raise RecordError([problem("JC818", task=task_id)])
        return rv, checklist


def version_draft(engine: Engine, task_id: str, version: int | None = None, *,
                  host: PluginHost | None = None) -> tuple[Draft, RecordVersion]:
    """A submitted version (default: the newest) as a read-only Draft over the checklist it
    was filled against, for showing it item by item like a draft."""
    rv, checklist = load_version(engine, task_id, version)
    with engine.connect() as conn:
        task = get_task(conn, task_id)
    record = rv.record
    data = {**record["findings"], **{k: v for k, v in record.items() if k != "findings"}}
    answers = {k: Answer(v, 0) for k, v in answers_from_file(data, checklist).items()}
    return Draft(task=task, checklist=checklist, answers=answers, host=host), rv


def answers_from_file(data: Mapping[str, Any], checklist: Checklist) -> dict[str, Any]:
    """The draft answers of a record file (``jointcheck schema record``)."""
    answers: dict[str, Any] = {field_key("outcome"): data.get("outcome", "inspected")}
    for name in FIELDS:
        if name != "outcome" and data.get(name) is not None:
            answers[field_key(name)] = data[name]
    given = data.get("departments") or {}
    for dept in checklist.departments:
        block = given.get(dept.code) or {}
        for item_id, a in (block.get("items") or {}).items():
            answers[f"item:{dept.code}.{item_id}"] = dict(a)
        if block.get("disposition_changes"):
            answers[changes_key(dept.code)] = list(block["disposition_changes"])
    return answers
