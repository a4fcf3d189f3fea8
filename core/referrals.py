"""Referrals (问题线索移交): problems of submitted records referred to the departments that
must act, and followed through their cases (docs/referrals.md).

Who: 市“双随机、一公开”工作领导小组办公室 (the city's 双随机 office, not the joint office)
sends 《关于移交双随机抽查有关问题的函》 to the departments concerned (docs/architecture.md#domain-scheme).

What is referred: every 不符合 item of a task's *current* record version
(``tasks.version``; ``record_problems``) that was **not** corrected on the spot. An item
corrected on the spot (整改到位, result 5 发现问题已责令改正) has been dealt with by the
inspecting officers' order to correct; no department has anything left to act on, so it is
not referred (``status`` counts it separately).

Lifecycle (each step audit-logged inside the change's transaction)::

    drafted -> sent -> received -> opened (立案查处) -> closed (结案) -> reported
                                \\-> declined (书面回复不符合立案条件)

An illegal transition, a date before the previous step's, a date in the future or a
declined step without the written reply's gist is refused with a clear problem, and
nothing changes. Every function takes an Engine and runs its own transaction; nothing
here prints. Problem codes JC941–JC947 belong to this module.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, exists, false, func, insert, or_, select, tuple_
from sqlalchemy import update as sql_update

from . import clock
from . import deadlines as D
from .deadlines import campaign_event_dates
from .draw.queries import rows_in
from .errors import JointcheckError, problem, register
from .i18n import Localized, translator
from .model import (
    CLOSED,
    DECLINED,
    DONE,
    DRAFTED,
    OPENED,
    RECEIVED,
    REPORTED,
    SENT,
    STATUSES,
    TRANSITIONS,
    WITHDRAWN,
)
from .records.results import item_dispositions, load, settled_join
from .records.service import list_tasks
from .store import audit, begin_write
from .store.models import record_problems as rp
from .store.models import record_versions as rv
from .store.models import referral_letters, referrals, result_overrides, targets, tasks
from .store.models import result_settlements as rs

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

    from .calendar import Due, WorkCalendar
    from .deadlines import Rule
    from .model import Campaign

# the date column each status records
DATE_COLUMN = {DRAFTED: "drafted_on", SENT: "sent_on", RECEIVED: "received_on",
               OPENED: "decided_on", DECLINED: "decided_on", CLOSED: "closed_on",
               REPORTED: "reported_on"}
# the deadline (campaign deadlines id) that the next step of each status must meet
NEXT_DEADLINE = {DRAFTED: D.REFERRAL_LETTER, RECEIVED: D.CASE_DECISION,
                 CLOSED: D.CASE_RESULT_REPORT}
# the column holding the date of each event a deadline may count from
EVENT_COLUMN = {"inspection_end": "inspected_on", "referral_drafted": "drafted_on",
                "referral_sent": "sent_on", "referral_received": "received_on",
                "case_decided": "decided_on", "case_closed": "closed_on"}
SENDER = "市“双随机、一公开”工作领导小组办公室"
LETTER_NUMBER = "双随机办函〔{year}〕{n}号"

CODES = {
    "JC941": ("没有编号为 {id} 的问题线索移交", "there is no referral {id}"),
    "JC942": ("问题线索移交 {id} 当前为“{current}”，不能改为“{status}”",
              "referral {id} is '{current}' and cannot become '{status}'"),
    "JC943": ("“{status}”的日期 {date} 早于上一步“{previous}”的日期 {previous_date}",
              "the date {date} of '{status}' is before {previous_date}, the date of the "
              "previous step '{previous}'"),
    "JC944": ("日期 {date} 晚于今天（{today}）", "the date {date} is after today ({today})"),
    "JC945": ("“不予立案”须附书面回复的要点（--note）",
              "'declined' needs the gist of the written reply (--note)"),
    "JC946": ("案件编号只能在立案、结案或报告时填写", "a case number belongs to opened, closed or reported"),
    "JC947": ("文号格式“{pattern}”无效：{detail}", "invalid 文号 pattern '{pattern}': {detail}"),
    "JC948": ("问题线索移交 {id} 没有“{status}”这一步，无从更正其日期",
              "referral {id} has no step '{status}' whose date could be corrected"),
    "JC949": ("“{status}”的日期 {date} 晚于下一步“{next}”的日期 {next_date}",
              "the date {date} of '{status}' is after {next_date}, the date of the next step "
              "'{next}'"),
    "JC950": ("移交函 {number} 已发出，不能更改其日期和文号", "the letter {number} was sent: its "
              "date and 文号 cannot change"),
    "JC951": ("更正日期须说明理由（--reason）", "correcting a date needs a reason (--reason)"),
    "JC952": ("没有文号为 {number} 的移交函", "there is no letter {number}"),
}
HINTS = {
    "JC943": ("请填写不早于 {previous_date} 的日期。", "Please give a date on or after {previous_date}."),
    "JC944": ("请填写已经发生的日期。", "Please give the date the step happened."),
    "JC945": ("请用 --note 写明部门书面回复的要点，例如不符合立案条件的理由。",
              "Please give the gist of the department's written reply with --note, e.g. why "
              "the case conditions are not met."),
    "JC946": ("请在 --status opened、closed 或 reported 时使用 --case-no。",
              "Please use --case-no with --status opened, closed or reported."),
    "JC948": ("可更正日期的步骤：{steps}。", "Steps whose date can be corrected: {steps}."),
    "JC949": ("请填写不晚于 {next_date} 的日期，或先更正下一步的日期。",
              "Please give a date on or before {next_date}, or correct the next step's date "
              "first."),
    "JC950": ("已发出的移交函是正式文件；如内容有误，请发更正函（jointcheck referrals correct）。",
              "A sent letter is a document of record; if it is wrong, send a correcting letter "
              "(jointcheck referrals correct)."),
    "JC951": ("请用 --reason 写明为什么更正日期，例如“按发文登记簿更正”。",
              "Please say with --reason why the date is corrected, e.g. 'as in the dispatch "
              "register'."),
    "JC952": ("请使用 jointcheck referrals list 显示的文号。", "Please use a 文号 that jointcheck "
              "referrals list shows."),
    "JC947": ("文号格式须含 {n}（本年第几号），可含 {year}，例如 双随机办函〔{year}〕{n}号。",
              "The pattern needs {n} (the number in the year) and may use {year}, e.g. "
              "双随机办函〔{year}〕{n}号."),
}
register(CODES, HINTS)


# The names of a referral's statuses, as problems and core.present.referrals say them.
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "drafted": ("已拟稿", "drafted"),
    "sent": ("已移交", "sent"),
    "received": ("已接收", "received"),
    "opened": ("已立案", "case opened"),
    "declined": ("不予立案", "declined"),
    "closed": ("已结案", "case closed"),
    "reported": ("已报告", "result reported"),
    "withdrawn": ("已撤回", "withdrawn"),
}


def status_name(status: str) -> str:
    """A referral status by its name, in the active language."""
    return Localized(*STATUS_NAMES[status])


class ReferralError(JointcheckError):
    """A referral operation cannot be done; ``.problems`` say why (nothing was changed)."""


@dataclass
class Referral:
    id: int
    campaign_id: str
    task_id: str
    version: int
    department: str
    item_id: str
    refer_to: str
    credit_code: str
    note: str | None
    dispositions: list[str]
    inspected_on: date | None
    status: str
    dates: dict[str, date | None]
    case_no: str | None
    letter_id: int | None
    history: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None           # 市场主体名称 (from the library)
    letter_number: str | None = None  # 文号 of its letter
    checklist_fingerprint: str | None = None
    # the task's current results are settled by the joint office (else: a proposal)
    settled: bool = False
    # the problem changed or vanished since the referral was sent (see :func:`staleness`)
    stale: Stale | None = None

    @property
    def done(self) -> bool:
        return self.status in DONE

    def event_date(self, event: str, campaign: Campaign | None) -> date | None:
        """The date of an event a deadline may count from (core.deadlines.EVENTS)."""
        if event == "joint_inspection_end":
            return campaign.end if campaign is not None else None
        if event == "inspection_end":
            return self.inspected_on
        if event == "case_decided":
            return self.dates.get(OPENED) or self.dates.get(DECLINED)
        status = {"referral_drafted": DRAFTED, "referral_sent": SENT,
                  "referral_received": RECEIVED, "case_closed": CLOSED}.get(event)
        return self.dates.get(status) if status else None


@dataclass(frozen=True)
class NextDue:
    """The next step a referral owes, by when, and who owes it."""

    deadline: Rule
    due: Due

    def overdue(self, today: date) -> bool:
        return self.due.date < today


def next_due(ref: Referral, rules: Mapping[str, Rule], calendar: WorkCalendar,
             campaign: Campaign | None) -> NextDue | None:
    """The deadline of *ref*'s next step (``None``: done, or no deadline for that step, or
    its start event has no date)."""
    rule = rules.get(NEXT_DEADLINE.get(ref.status, ""))
    if rule is None:
        return None
    start = ref.event_date(rule.event, campaign)
    if start is None:
        return None
    return NextDue(rule, rule.due(start, calendar))


def overdue_condition(rules: Mapping[str, Rule], calendar: WorkCalendar,
                      campaign: Campaign | None, today: date):
    """A SQL condition on ``referrals``: the next step is overdue on *today*. Due dates
    never decrease as the start moves on, so each status compares its start event's date
    with the latest start that is overdue (WorkCalendar.latest_start_overdue)."""
    fixed = campaign_event_dates(campaign)
    parts = []
    for status, deadline in NEXT_DEADLINE.items():
        rule = rules.get(deadline)
        if rule is None:
            continue
        latest = calendar.latest_start_overdue(rule.days, rule.unit, today)
        if rule.event in fixed:
            if fixed[rule.event] <= latest:
                parts.append(referrals.c.status == status)
        elif rule.event in EVENT_COLUMN:
            parts.append(and_(referrals.c.status == status,
                              referrals.c[EVENT_COLUMN[rule.event]] <= latest))
    return or_(*parts) if parts else false()


# ----------------------------------------------------------------------------- drafting


@dataclass
class DraftResult:
    drafted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Referable:
    """A problem as the results now stand: the item's note and receiving department, and
    its dispositions after the joint office's overrides (core.records.results.
    item_dispositions); *settled*: the office has settled the task's results."""

    task_id: str
    version: int
    department: str
    item_id: str
    refer_to: str
    credit_code: str
    note: str | None
    dispositions: list[str]
    settled: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.task_id, self.department, self.item_id)


def current_problems(engine: Engine, campaign_id: str,
                     task_ids: Iterable[str] | None = None) -> dict[tuple[str, str, str], Referable]:
    """The referable problems of *campaign_id* (or of *task_ids*) by (task, department,
    item), each with the dispositions the settled results (else the proposal) give it
    (core.records.results.item_dispositions).

    Lean: one query reads each problem with its department's dispositions — settled ones
    and their computed ones from the settlement, else the computed ones of the record — by
    their JSON paths; only a task not settled whose results the office has overridden is
    consolidated in full (``records.results.load``)."""
    parsed: dict[str, list[str]] = {}  # a few distinct lists among many rows

    def listed(value: Any) -> list[str]:
        if isinstance(value, str):
            if value not in parsed:
                loaded = json.loads(value)
                parsed[value] = [str(v) for v in loaded] if isinstance(loaded, list) else []
            return parsed[value]
        return [str(v) for v in value] if isinstance(value, list) else []

    with engine.connect() as conn:
        scope = (select(rp.c.department).join(tasks, and_(tasks.c.id == rp.c.task_id,
                                                          tasks.c.version == rp.c.version))
                 .where(tasks.c.campaign_id == campaign_id).distinct())
        departments = sorted(d for (d,) in conn.execute(scope))
        cols: list[Any] = [rp.c.task_id, rp.c.version, rp.c.department, rp.c.item_id,
                           rp.c.refer_to, rp.c.dispositions, rp.c.note, tasks.c.credit_code,
                           rs.c.task_id.label("settled"),
                           exists().where(result_overrides.c.task_id == rp.c.task_id)
                           .label("overridden")]
        first = len(cols)  # each department's three columns follow, in its order
        for d in departments:
            # as text, parsed once per distinct value
            cols += [rs.c.results[("departments", d, "dispositions")].as_string(),
                     rs.c.results[("departments", d, "computed_dispositions")].as_string(),
                     rv.c.results[("departments", d, "dispositions")].as_string()]
        q = (select(*cols)
             .join(tasks, and_(tasks.c.id == rp.c.task_id, tasks.c.version == rp.c.version))
             .join(rv, and_(rv.c.task_id == rp.c.task_id, rv.c.version == rp.c.version))
             .outerjoin(rs, settled_join())
             .where(tasks.c.campaign_id == campaign_id)
             .where(rp.c.corrected_on_site.is_(False))
             .order_by(tasks.c.draw_id, tasks.c.seq, rp.c.n))
        found = rows_in(conn, q, rp.c.task_id, task_ids)
    # not settled, overridden: the proposal needs the overrides, consolidated in full
    full = sorted({r.task_id for r in found if r.settled is None and r.overridden})
    loaded = {c.task.id: c for c in load(engine, campaign_id, tasks=list_tasks(
        engine, task_ids=full))} if full else {}
    at = {d: first + 3 * i for i, d in enumerate(departments)}
    out: dict[tuple[str, str, str], Referable] = {}
    for r in found:
        settled = r.settled is not None
        results: Mapping[str, Any] | None
        if not settled and r.overridden:
            row = loaded.get(r.task_id)
            fresh = row is not None and row.task.version == r.version
            results = row.results if row is not None and fresh else None
        else:
            i = at[r.department]
            block: dict[str, Any] | None = None  # None: the results do not name it
            if settled and r[i] is not None:
                block = {"dispositions": listed(r[i]),
                         "computed_dispositions": listed(r[i + 1])}
            elif not settled and r[i + 2] is not None:
                computed = listed(r[i + 2])
                block = {"dispositions": computed, "computed_dispositions": computed}
            results = {"departments": {r.department: block}} if block else None
        p = Referable(task_id=r.task_id, version=r.version, department=r.department,
                      item_id=r.item_id, refer_to=r.refer_to, credit_code=r.credit_code,
                      note=r.note, settled=settled, dispositions=item_dispositions(
                          results, r.department, listed(r.dispositions)))
        out[p.key] = p
    return out


def _inspected_on(conn: Connection, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], date]:
    keys = sorted(set(keys))
    out: dict[tuple[str, int], date] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        q = select(rv.c.task_id, rv.c.version, rv.c.record).where(
            tuple_(rv.c.task_id, rv.c.version).in_(chunk))
        for task_id, version, record in conn.execute(q):
            raw = ((record or {}).get("findings") or {}).get("inspected_on")
            with contextlib.suppress(ValueError):
                out[(task_id, version)] = date.fromisoformat(str(raw))
    return out


def draft(engine: Engine, campaign_id: str, on: date, *, actor: str | None = None,
          today: date | None = None) -> DraftResult:
    """Draft a referral for every current problem that has none, dated *on*, with the
    dispositions the joint office settled (else the proposal: ``current_problems``); bring
    drafted (not yet sent) referrals in step with an amended record or a changed
    settlement, and withdraw drafted ones whose problem an amendment removed. Sent
    referrals are documents of record: never changed here (``staleness`` flags them,
    ``correct`` writes the correcting or withdrawing letter)."""
    _not_future(on, today)
    who = audit.actor(engine, actor)
    result = DraftResult()
    found = list(current_problems(engine, campaign_id).values())
    with begin_write(engine) as conn:
        existing = {(r.task_id, r.department, r.item_id): r for r in conn.execute(
            select(referrals.c.id, referrals.c.task_id, referrals.c.department,
                   referrals.c.item_id, referrals.c.status, referrals.c.version,
                   referrals.c.note, referrals.c.dispositions, referrals.c.refer_to)
            .where(referrals.c.campaign_id == campaign_id))}
        dates = _inspected_on(conn, ((p.task_id, p.version) for p in found))
        now = clock.utcnow()
        new_rows, seen = [], set()
        for p in found:
            key = (p.task_id, p.department, p.item_id)
            seen.add(key)
            old = existing.get(key)
            if old is None:
                new_rows.append({
                    "campaign_id": campaign_id, "task_id": p.task_id, "version": p.version,
                    "department": p.department, "item_id": p.item_id, "refer_to": p.refer_to,
                    "credit_code": p.credit_code, "note": p.note,
                    "dispositions": list(p.dispositions or []),
                    "inspected_on": dates.get((p.task_id, p.version)), "status": DRAFTED,
                    "drafted_on": on,
                    "history": [{"status": DRAFTED, "date": on.isoformat(), "by": who,
                                 "at": audit.format_time(now)}],
                    "created_at": now, "updated_at": now})
            elif old.status == DRAFTED and (old.version, old.note, old.dispositions,
                                            old.refer_to) != (p.version, p.note,
                                                              list(p.dispositions or []),
                                                              p.refer_to):
                conn.execute(sql_update(referrals).where(referrals.c.id == old.id).values(
                    version=p.version, note=p.note, dispositions=list(p.dispositions or []),
                    refer_to=p.refer_to, inspected_on=dates.get((p.task_id, p.version)),
                    updated_at=now))
                result.updated.append(old.id)
        gone = [r.id for k, r in existing.items() if k not in seen and r.status == DRAFTED]
        if gone:
            conn.execute(delete(referrals).where(referrals.c.id.in_(gone)))
            result.withdrawn = sorted(gone)
        if new_rows:
            result.drafted = sorted(conn.execute(insert(referrals).returning(referrals.c.id),
                                                 new_rows).scalars())
        if result.drafted or result.updated or result.withdrawn:
            audit.append(conn, "referral.draft", {
                "campaign_id": campaign_id, "date": on.isoformat(), "drafted": result.drafted,
                "updated": result.updated, "withdrawn": result.withdrawn}, actor=who)
    return result


# ----------------------------------------------------------------------------- staleness


@dataclass(frozen=True)
class Stale:
    """A sent referral whose problem changed (*problem*: what it is now; action
    ``correct``: a correcting letter) or vanished (*problem* None; action ``withdraw``: a
    withdrawing letter) since the letter — an amended record, or a changed settlement."""

    reason: str  # "changed" | "vanished"
    problem: Referable | None

    @property
    def action(self) -> str:
        return "correct" if self.problem is not None else "withdraw"

    def to_json(self) -> dict[str, Any]:
        p = self.problem
        return {"reason": self.reason, "action": self.action,
                "now": None if p is None else {
                    "version": p.version, "note": p.note, "dispositions": p.dispositions,
                    "receiving_department": p.refer_to, "settled": p.settled}}


def _differs(ref: Any, p: Referable) -> bool:
    return (ref.note, list(ref.dispositions or []), ref.refer_to) != (
        p.note, list(p.dispositions), p.refer_to)


def staleness(engine: Engine, campaign_id: str,
              task_ids: Iterable[str] | None = None) -> dict[int, Stale]:
    """The sent referrals of *campaign_id* (or of its tasks *task_ids*) whose problem
    changed or vanished since they were sent, by id. Drafted referrals follow the record by
    themselves (``draft``); withdrawn ones are done.

    Only candidates are compared in full: a referral whose record was amended since (its
    version is not the task's), whose task the office overrode, or whose problem's row of
    the current version is gone or says otherwise (note, receiving department). Any other
    sent referral matches: the same version without an override has the same dispositions
    settled or proposed."""
    with engine.connect() as conn:
        q = (select(referrals.c.id, referrals.c.task_id, referrals.c.department,
                    referrals.c.item_id, referrals.c.status, referrals.c.note,
                    referrals.c.dispositions, referrals.c.refer_to)
             .join(tasks, tasks.c.id == referrals.c.task_id)
             .outerjoin(rp, and_(rp.c.task_id == referrals.c.task_id,
                                 rp.c.version == tasks.c.version,
                                 rp.c.department == referrals.c.department,
                                 rp.c.item_id == referrals.c.item_id))
             .where(referrals.c.campaign_id == campaign_id)
             .where(referrals.c.status.not_in((DRAFTED, WITHDRAWN)))
             .where(or_(rp.c.task_id.is_(None), rp.c.corrected_on_site.is_(True),
                        referrals.c.version != tasks.c.version,
                        rp.c.note.is_distinct_from(referrals.c.note),
                        rp.c.refer_to != referrals.c.refer_to,
                        exists().where(result_overrides.c.task_id == referrals.c.task_id))))
        if task_ids is not None:
            q = q.where(referrals.c.task_id.in_(sorted(set(task_ids))))
        sent = list(conn.execute(q))
    if not sent:
        return {}
    wanted = {r.task_id for r in sent}
    # a few tasks by IN lists; many: the whole campaign in one pass
    now = current_problems(engine, campaign_id, wanted if len(wanted) <= 2000 else None)
    out: dict[int, Stale] = {}
    for r in sent:
        p = now.get((r.task_id, r.department, r.item_id))
        if p is None:
            out[r.id] = Stale("vanished", None)
        elif _differs(r, p):
            out[r.id] = Stale("changed", p)
    return out


# ----------------------------------------------------------------------------- steps


def _not_future(on: date, today: date | None) -> None:
    today = today or clock.today()
    if on > today:
        raise ReferralError([problem("JC944", date=on.isoformat(), today=today.isoformat())])


def _allowed_hint(current: str) -> str:
    allowed = TRANSITIONS.get(current, ())
    if not allowed:
        return problem_text("done", status=status_name(current))
    return problem_text("next", steps="、".join(f"{status_name(s)}（{s}）" for s in allowed))


def problem_text(key: str, **params: Any) -> str:
    return translator({
        "done": ("该移交已办结（{status}），不能再更改。", "The referral is finished ({status})."),
        "next": ("下一步可以是：{steps}。", "The next step can be: {steps}."),
    })(key, **params)


def update(engine: Engine, referral_id: int, status: str, on: date, *, note: str | None = None,
           case_no: str | None = None, actor: str | None = None,
           today: date | None = None) -> Referral:
    """Move a referral to its next *status* on *on*, audit-logged; refused (ReferralError,
    nothing changed) when the step is not the next one, its date is before the previous
    step's or in the future, or a declined step has no written reply (*note*)."""
    note = (note or "").strip() or None
    case_no = (case_no or "").strip() or None
    who = audit.actor(engine, actor)
    with begin_write(engine) as conn:
        q = select(referrals).where(referrals.c.id == referral_id)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = conn.execute(q).first()
        if row is None:
            raise ReferralError([problem("JC941", id=referral_id)])
        current = row.status
        if status not in TRANSITIONS.get(current, ()):
            raise ReferralError([problem("JC942", id=referral_id, current=status_name(current),
                                         status=status_name(status) if status in STATUSES
                                         else status, hint=_allowed_hint(current))])
        previous_date = getattr(row, DATE_COLUMN[current])
        if previous_date is not None and on < previous_date:
            raise ReferralError([problem(
                "JC943", status=status_name(status), date=on.isoformat(),
                previous=status_name(current), previous_date=previous_date.isoformat())])
        _not_future(on, today)
        if status == DECLINED and not note:
            raise ReferralError([problem("JC945")])
        if case_no and status not in (OPENED, CLOSED, REPORTED):
            raise ReferralError([problem("JC946")])
        now = clock.utcnow()
        step: dict[str, Any] = {"status": status, "date": on.isoformat(), "by": who,
                                "at": audit.format_time(now)}
        if note:
            step["note"] = note
        if case_no:
            step["case_no"] = case_no
        seq = audit.append(conn, "referral.step", {
            "referral_id": referral_id, "task_id": row.task_id, "item": row.item_id,
            "refer_to": row.refer_to, "from": current, "to": status, "date": on.isoformat(),
            "note": note, "case_no": case_no}, actor=who)
        step["audit_seq"] = seq
        values: dict[str, Any] = {"status": status, DATE_COLUMN[status]: on,
                                  "history": list(row.history or []) + [step], "updated_at": now}
        if case_no:
            values["case_no"] = case_no
        conn.execute(sql_update(referrals).where(referrals.c.id == referral_id).values(**values))
    found = list_referrals(engine, ids=[referral_id])
    return found[0]


# ----------------------------------------------------------------------------- reading


def list_referrals(engine: Engine, *, campaign_id: str | None = None,
                   department: str | None = None, statuses: Iterable[str] = (),
                   ids: Iterable[int] = (), where: Any = None,
                   brief: bool = False) -> list[Referral]:
    """Referrals in task and item order, with the enterprise's name and the letter's 文号
    (*where*: a further SQL condition, e.g. :func:`overdue_condition`; *brief* leaves out
    the note, the dispositions and the history, for long lists)."""
    cols = [c for c in referrals.c
            if not brief or c.name not in ("history", "note", "dispositions")]
    q = (select(*cols, targets.c.name, referral_letters.c.number.label("letter_number"),
                tasks.c.checklist_fingerprint, rs.c.task_id.label("settled_task"))
         .join(tasks, tasks.c.id == referrals.c.task_id)
         .outerjoin(targets, targets.c.credit_code == referrals.c.credit_code)
         .outerjoin(referral_letters, referral_letters.c.id == referrals.c.letter_id)
         .outerjoin(rs, settled_join())
         .order_by(tasks.c.draw_id, tasks.c.seq, referrals.c.id))
    if campaign_id is not None:
        q = q.where(referrals.c.campaign_id == campaign_id)
    if department is not None:
        q = q.where(referrals.c.refer_to == department)
    statuses = list(statuses)
    if statuses:
        q = q.where(referrals.c.status.in_(statuses))
    ids = list(ids)
    if ids:
        q = q.where(referrals.c.id.in_(ids))
    if where is not None:
        q = q.where(where)
    with engine.connect() as conn:
        return [_from_row(r, brief) for r in conn.execute(q)]


def _from_row(row: Any, brief: bool = False) -> Referral:
    m = row._mapping
    dates = {s: m[DATE_COLUMN[s]] for s in (DRAFTED, SENT, RECEIVED, CLOSED, REPORTED)}
    # decided_on is the date of opened or of declined, whichever the referral took
    decided = m["decided_on"]
    dates[OPENED] = decided if m["status"] in (OPENED, CLOSED, REPORTED) else None
    dates[DECLINED] = decided if m["status"] == DECLINED else None
    return Referral(
        id=m["id"], campaign_id=m["campaign_id"], task_id=m["task_id"], version=m["version"],
        department=m["department"], item_id=m["item_id"], refer_to=m["refer_to"],
        credit_code=m["credit_code"], note=None if brief else m["note"],
        dispositions=[] if brief else list(m["dispositions"] or []),
        inspected_on=m["inspected_on"],
        status=m["status"], dates=dates, case_no=m["case_no"], letter_id=m["letter_id"],
        history=[] if brief else list(m["history"] or []), name=m["name"],
        letter_number=m["letter_number"], checklist_fingerprint=m["checklist_fingerprint"],
        settled=m["settled_task"] is not None)


# ----------------------------------------------------------------------------- letters


@dataclass
class Letter:
    id: int
    campaign_id: str
    department: str
    number: str
    dated: date
    referrals: list[Referral]


def letter_number(pattern: str, year: int, n: int) -> str:
    """The 文号 of the *n*-th letter of *year* by *pattern* (JC947 when it is unusable)."""
    if "{n" not in pattern:
        raise ReferralError([problem("JC947", pattern=pattern, detail="{n}")])
    try:
        return pattern.format(year=year, n=n)
    except (KeyError, IndexError, ValueError) as exc:
        raise ReferralError([problem("JC947", pattern=pattern, detail=str(exc))]) from None


def assign_letters(engine: Engine, campaign_id: str, on: date, pattern: str, *,
                   department: str | None = None, actor: str | None = None) -> list[Letter]:
    """The letters of a campaign (one per receiving department and batch): drafted
    referrals that have no letter yet get a new one, numbered by *pattern* in *on*'s year
    (the next number after the year's highest in the store); letters already numbered keep
    their number. Audit-logged when a number is given."""
    letter_number(pattern, on.year, 1)  # refuse a bad pattern before anything
    who = audit.actor(engine, actor)
    with begin_write(engine) as conn:
        q = (select(referrals.c.refer_to, referrals.c.id)
             .where(referrals.c.campaign_id == campaign_id)
             .where(referrals.c.letter_id.is_(None)).where(referrals.c.status == DRAFTED)
             .order_by(referrals.c.refer_to, referrals.c.id))
        if department is not None:
            q = q.where(referrals.c.refer_to == department)
        pending: dict[str, list[int]] = {}
        for dept, rid in conn.execute(q):
            pending.setdefault(dept, []).append(rid)
        n = conn.execute(select(func.max(referral_letters.c.n))
                         .where(referral_letters.c.year == on.year)).scalar() or 0
        for dept, rids in pending.items():
            n += 1
            number = letter_number(pattern, on.year, n)
            letter_id = conn.execute(insert(referral_letters).values(
                campaign_id=campaign_id, department=dept, year=on.year, n=n, number=number,
                dated=on, created_at=clock.utcnow()).returning(referral_letters.c.id)).scalar_one()
            conn.execute(sql_update(referrals).where(referrals.c.id.in_(rids))
                         .values(letter_id=letter_id))
            audit.append(conn, "referral.letter", {
                "campaign_id": campaign_id, "letter_id": letter_id, "number": number,
                "department": dept, "date": on.isoformat(), "referrals": rids}, actor=who)
        lq = (select(referral_letters).where(referral_letters.c.campaign_id == campaign_id)
              .order_by(referral_letters.c.year, referral_letters.c.n))
        if department is not None:
            lq = lq.where(referral_letters.c.department == department)
        letters = list(conn.execute(lq))
    refs = list_referrals(engine, campaign_id=campaign_id, department=department)
    by_letter: dict[int, list[Referral]] = {}
    for r in refs:
        if r.letter_id is not None:
            by_letter.setdefault(r.letter_id, []).append(r)
    return [Letter(id=lt.id, campaign_id=lt.campaign_id, department=lt.department,
                   number=lt.number, dated=lt.dated, referrals=by_letter.get(lt.id, []))
            for lt in letters if by_letter.get(lt.id)]


# ----------------------------------------------------------------------------- corrections


@dataclass
class Correction:
    """One stale referral as it was sent (*referral*) and what changed (*stale*)."""

    referral: Referral
    stale: Stale


@dataclass
class CorrectionLetter:
    """A correcting (更正) or withdrawing (撤回) letter to one receiving department."""

    id: int
    campaign_id: str
    department: str
    number: str
    dated: date
    corrections: list[Correction]


def correct(engine: Engine, campaign_id: str, on: date, pattern: str, *,
            department: str | None = None, actor: str | None = None,
            today: date | None = None) -> list[CorrectionLetter]:
    """Resolve every stale referral (``staleness``) with a letter dated *on* to its
    receiving department, numbered by *pattern* in *on*'s year: a changed problem is
    corrected (the referral now says what the record and the settled results say), a
    vanished one withdrawn (status ``withdrawn``). Each letter is audit-logged
    (``referral.correct``) and each referral keeps the step, with what it said before, in
    its history. Refused (JC943) when *on* is before a referral's letter was sent."""
    _not_future(on, today)
    letter_number(pattern, on.year, 1)
    who = audit.actor(engine, actor)
    refs = [r for r in list_referrals(engine, campaign_id=campaign_id, department=department)
            if r.status not in (DRAFTED, WITHDRAWN)]
    stale = staleness(engine, campaign_id)
    todo = [Correction(r, stale[r.id]) for r in refs if r.id in stale]
    for c in todo:
        sent = c.referral.dates.get(SENT)
        if sent is not None and on < sent:
            raise ReferralError([problem(
                "JC943", status=status_name(WITHDRAWN if c.stale.problem is None else SENT),
                date=on.isoformat(), previous=status_name(SENT),
                previous_date=sent.isoformat())])
    by_dept: dict[str, list[Correction]] = {}
    for c in todo:
        by_dept.setdefault(c.referral.refer_to, []).append(c)
    out: list[CorrectionLetter] = []
    if not by_dept:
        return out
    with begin_write(engine) as conn:
        n = conn.execute(select(func.max(referral_letters.c.n))
                         .where(referral_letters.c.year == on.year)).scalar() or 0
        now = clock.utcnow()
        for dept, items in sorted(by_dept.items()):
            n += 1
            number = letter_number(pattern, on.year, n)
            letter_id = conn.execute(insert(referral_letters).values(
                campaign_id=campaign_id, department=dept, year=on.year, n=n, number=number,
                dated=on, created_at=now).returning(referral_letters.c.id)).scalar_one()
            seq = audit.append(conn, "referral.correct", {
                "campaign_id": campaign_id, "letter_id": letter_id, "number": number,
                "department": dept, "date": on.isoformat(),
                "corrected": [c.referral.id for c in items if c.stale.problem is not None],
                "withdrawn": [c.referral.id for c in items if c.stale.problem is None]},
                actor=who)
            for c in items:
                ref, p = c.referral, c.stale.problem
                step: dict[str, Any] = {
                    "status": "corrected" if p is not None else WITHDRAWN,
                    "date": on.isoformat(), "by": who, "at": audit.format_time(now),
                    "letter": number, "audit_seq": seq,
                    "was": {"version": ref.version, "note": ref.note,
                            "dispositions": ref.dispositions, "refer_to": ref.refer_to,
                            "letter": ref.letter_number}}
                values: dict[str, Any] = {"history": list(ref.history) + [step],
                                          "updated_at": now}
                if p is None:
                    values["status"] = WITHDRAWN
                else:
                    values.update(version=p.version, note=p.note,
                                  dispositions=list(p.dispositions), refer_to=p.refer_to)
                conn.execute(sql_update(referrals).where(referrals.c.id == ref.id)
                             .values(**values))
            out.append(CorrectionLetter(id=letter_id, campaign_id=campaign_id,
                                        department=dept, number=number, dated=on,
                                        corrections=items))
    return out


# ----------------------------------------------------------------------------- dates


def _taken(row: Any) -> list[tuple[str, date]]:
    """The steps a referral has taken, in order, with their dates (opened and declined share
    decided_on)."""
    path = [DRAFTED, SENT, RECEIVED, OPENED if row.status != DECLINED else DECLINED,
            CLOSED, REPORTED]
    out = []
    for status in path:
        day = getattr(row, DATE_COLUMN[status])
        if day is not None:
            out.append((status, day))
    return out


def redate(engine: Engine, referral_id: int, status: str, on: date, reason: str, *,
           actor: str | None = None, today: date | None = None) -> Referral:
    """Correct the date of a step *status* the referral has taken to *on*, with *reason*
    (audit-logged, ``referral.redate``; the referral's history keeps the step with the old
    date). Refused, nothing changed: no reason (JC951), a step not taken (JC948), a date in
    the future (JC944), before the previous step's (JC943) or after the next step's (JC949)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError([problem("JC951")])
    who = audit.actor(engine, actor)
    with begin_write(engine) as conn:
        q = select(referrals).where(referrals.c.id == referral_id)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = conn.execute(q).first()
        if row is None:
            raise ReferralError([problem("JC941", id=referral_id)])
        taken = _taken(row)
        steps = [s for s, _d in taken]
        if status not in steps:
            raise ReferralError([problem(
                "JC948", id=referral_id, status=status_name(status) if status in STATUS_NAMES
                else status, steps="、".join(f"{status_name(s)}（{s}）" for s in steps))])
        _not_future(on, today)
        i = steps.index(status)
        if i > 0 and on < taken[i - 1][1]:
            prev, prev_date = taken[i - 1]
            raise ReferralError([problem(
                "JC943", status=status_name(status), date=on.isoformat(),
                previous=status_name(prev), previous_date=prev_date.isoformat())])
        if i + 1 < len(taken) and on > taken[i + 1][1]:
            nxt, next_date = taken[i + 1]
            raise ReferralError([problem(
                "JC949", status=status_name(status), date=on.isoformat(), next=status_name(nxt),
                next_date=next_date.isoformat())])
        old = taken[i][1]
        now = clock.utcnow()
        seq = audit.append(conn, "referral.redate", {
            "referral_id": referral_id, "task_id": row.task_id, "status": status,
            "from": old.isoformat(), "to": on.isoformat(), "reason": reason}, actor=who)
        step = {"status": status, "redated": {"from": old.isoformat(), "to": on.isoformat()},
                "date": on.isoformat(), "reason": reason, "by": who,
                "at": audit.format_time(now), "audit_seq": seq}
        conn.execute(sql_update(referrals).where(referrals.c.id == referral_id).values(
            **{DATE_COLUMN[status]: on}, history=list(row.history or []) + [step],
            updated_at=now))
    return list_referrals(engine, ids=[referral_id])[0]


def redate_letter(engine: Engine, number: str, on: date, reason: str, pattern: str, *,
                  actor: str | None = None, today: date | None = None) -> Letter:
    """Correct the 成文日期 of a letter not sent yet to *on*, with *reason* (audit-logged,
    ``referral.letter_redate``). Its 文号 takes the new date's year: a letter moved to
    another year gets that year's next number by *pattern*. Refused: no reason (JC951), an
    unknown 文号 (JC952), a letter with a referral already sent (JC950), a date in the
    future (JC944) or before a referral's drafting (JC943)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReferralError([problem("JC951")])
    _not_future(on, today)
    letter_number(pattern, on.year, 1)
    who = audit.actor(engine, actor)
    with begin_write(engine) as conn:
        lt = conn.execute(select(referral_letters)
                          .where(referral_letters.c.number == number)).first()
        if lt is None:
            raise ReferralError([problem("JC952", number=number)])
        refs = list(conn.execute(select(referrals.c.status, referrals.c.drafted_on)
                                 .where(referrals.c.letter_id == lt.id)))
        if any(r.status != DRAFTED for r in refs):
            raise ReferralError([problem("JC950", number=number)])
        drafted = max((r.drafted_on for r in refs), default=None)
        if drafted is not None and on < drafted:
            raise ReferralError([problem(
                "JC943", status=Localized("成文日期", "the letter's date"), date=on.isoformat(), previous=status_name(DRAFTED),
                previous_date=drafted.isoformat())])
        values: dict[str, Any] = {"dated": on}
        if on.year != lt.year:
            n = (conn.execute(select(func.max(referral_letters.c.n))
                              .where(referral_letters.c.year == on.year)).scalar() or 0) + 1
            values.update(year=on.year, n=n, number=letter_number(pattern, on.year, n))
        audit.append(conn, "referral.letter_redate", {
            "letter_id": lt.id, "number": number, "new_number": values.get("number", number),
            "from": lt.dated.isoformat(), "to": on.isoformat(), "reason": reason}, actor=who)
        conn.execute(sql_update(referral_letters).where(referral_letters.c.id == lt.id)
                     .values(**values))
    refs_now = list_referrals(engine, campaign_id=lt.campaign_id)
    return Letter(id=lt.id, campaign_id=lt.campaign_id, department=lt.department,
                  number=values.get("number", number), dated=on,
                  referrals=[r for r in refs_now if r.letter_id == lt.id])
