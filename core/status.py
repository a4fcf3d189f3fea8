"""A campaign's progress and what is due (``jointcheck status``, the app's dashboard).

Stages: drawn, records pending and in draft, submitted, settled, published, problems, referrals drafted, referred (sent),
answered (the department opened a case or declined in writing), closed and reported. Due
items: every step of the campaign's deadlines (core.deadlines) not yet done, with its due
date, whether that date is estimated, and who owes it, grouped by deadline, due date and
owner. Aggregates run in SQL (referrals are counted per status, department and start
date); due dates are computed once per distinct start date (WorkCalendar caches them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select

from . import clock
from . import deadlines as D
from .clock import beijing_date
from .history import repeated_inspections
from .records.results import settled_join
from .referrals import (
    CLOSED,
    DECLINED,
    DRAFTED,
    EVENT_COLUMN,
    NEXT_DEADLINE,
    OPENED,
    REPORTED,
    WITHDRAWN,
    staleness,
)
from .store.models import record_problems as rp
from .store.models import referrals, result_overrides, task_answers, tasks
from .store.models import result_settlements as rs

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

    from .calendar import Due, WorkCalendar
    from .history import Repeated
    from .model import Campaign

STAGES = ("drawn", "pending", "draft", "submitted", "settled", "published", "problems",
          "corrected_on_site", "drafted", "referred", "answered", "closed", "reported",
          "withdrawn")


@dataclass
class DueGroup:
    """Steps of one deadline due on one date and owed by one party."""

    deadline: D.Rule
    due: Due
    owner: str
    count: int = 0
    refs: list[str] = field(default_factory=list)  # task or referral ids (first 50)

    def overdue(self, today: date) -> bool:
        return self.due.date < today

    def to_json(self, today: date) -> dict[str, Any]:
        return {"deadline": self.deadline.id, "title": self.deadline.title,
                "date": self.due.date.isoformat(), "estimated": self.due.estimated,
                "overdue": self.overdue(today), "days_left": (self.due.date - today).days,
                "owner": self.owner, "count": self.count, "examples": self.refs}


# what a change leaves to do before every output agrees again, in the order to do it
SETTLE, CORRECT, PUBLISH = "settle", "correct_referrals", "publish"
PENDING = (SETTLE, CORRECT, PUBLISH)


@dataclass
class Pending:
    """Work a change left: submitted results not (or no longer) settled, referrals whose
    problem changed or vanished since their letter, a publication out of date."""

    kind: str  # one of PENDING
    count: int
    refs: list[str] = field(default_factory=list)  # task or referral ids (first 50)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "count": self.count, "examples": self.refs}


@dataclass
class Status:
    campaign_id: str
    today: date
    within: int
    counts: dict[str, int]
    due: list[DueGroup]
    untracked: list[str]  # deadlines the store cannot follow (yet), by id
    # drawn enterprises inspected above the limits (core/history.py), and those limits
    repeated: list[Repeated] = field(default_factory=list)
    repeat_limits: dict[str, int] = field(default_factory=dict)
    department_names: dict[str, str] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "as_of": self.today.isoformat(),
                "within_days": self.within, "stages": self.counts,
                "due": [g.to_json(self.today) for g in self.due],
                "untracked_deadlines": self.untracked,
                "repeated_inspections": {
                    "limits": self.repeat_limits,
                    "enterprises": [{"credit_code": r.credit_code, "task": r.task_id,
                                     "over_cap": r.over_cap, "within_days": r.near,
                                     "inspections": [e.to_json() for e in r.inspections]}
                                    for r in self.repeated]},
                "pending": [p.to_json() for p in self.pending]}


def pending_work(engine: Engine, campaign_id: str) -> list[Pending]:
    """What is left before the campaign's outputs agree with its records: results to
    settle (new, amended or overridden since), referrals to correct or withdraw
    (core.referrals.staleness), and a publication that no longer matches the settled
    results (the campaign was published, and a settled result is not, or a published one
    was amended or overridden since). Counted in SQL; ids listed up to 50.

    What was published is read from the settlements (``published_on``; an amended
    version's row stays) and from the overrides that undid a published settlement (the
    settlement an override deleted is kept in its change, core.records.results.set_result);
    a publication always marks at least one settled result (JC849)."""
    out: list[Pending] = []
    current = settled_join()
    in_campaign = tasks.c.campaign_id == campaign_id
    order = (tasks.c.draw_id, tasks.c.seq)
    older = rs.alias("older")
    reopened_published = (result_overrides.c.change[("reopened", "published_on")]
                          .as_string().is_not(None))
    was_published = (
        exists().where((older.c.task_id == tasks.c.id) & older.c.published_on.is_not(None))
        | exists().where((result_overrides.c.task_id == tasks.c.id) & reopened_published))
    with engine.connect() as conn:
        unsettled = (tasks.c.status == "submitted") & ~exists().where(current)
        first = conn.execute(select(tasks.c.id, func.count().over())  # and how many in all
                             .where(in_campaign & unsettled).order_by(*order).limit(50)).all()
        if first:
            out.append(Pending(SETTLE, int(first[0][1]), [tid for tid, _n in first]))
        behind: list[str] = []
        reopened = (select(result_overrides.c.id)
                    .join(tasks, tasks.c.id == result_overrides.c.task_id)
                    .where(in_campaign & reopened_published).exists())
        ever = (select(rs.c.task_id).where((rs.c.campaign_id == campaign_id)
                                           & rs.c.published_on.is_not(None)).exists())
        if conn.execute(select(ever | reopened)).scalar():
            published_now = exists().where(current & rs.c.published_on.is_not(None))
            behind = sorted(conn.execute(
                select(tasks.c.id).where(in_campaign)
                .where((exists().where(current) | was_published) & ~published_now)).scalars())
    stale = staleness(engine, campaign_id)
    if stale:
        out.append(Pending(CORRECT, len(stale), [str(i) for i in sorted(stale)][:50]))
    if behind:
        out.append(Pending(PUBLISH, len(behind), behind[:50]))
    return out


def _counts(conn: Connection, campaign_id: str) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(STAGES, 0)
    by_status: dict[str, int] = dict(conn.execute(select(tasks.c.status, func.count())
                                  .where(tasks.c.campaign_id == campaign_id)
                                  .group_by(tasks.c.status)).all())
    counts["drawn"] = sum(by_status.values())
    counts["pending"] = by_status.get("pending", 0)
    counts["draft"] = by_status.get("draft", 0) + by_status.get("amending", 0)
    counts["submitted"] = by_status.get("submitted", 0) + by_status.get("amending", 0)
    row = conn.execute(select(func.count(), func.count(rs.c.published_on))
                       .select_from(rs.join(tasks, settled_join()))
                       .where(tasks.c.campaign_id == campaign_id)).one()
    counts["settled"], counts["published"] = int(row[0]), int(row[1])
    problems: dict[bool, int] = dict(conn.execute(
        select(rp.c.corrected_on_site, func.count())
        .select_from(rp.join(tasks, and_(tasks.c.id == rp.c.task_id,
                                         tasks.c.version == rp.c.version)))
        .where(tasks.c.campaign_id == campaign_id).group_by(rp.c.corrected_on_site)).all())
    counts["problems"] = sum(problems.values())
    counts["corrected_on_site"] = problems.get(True, 0)
    refs: dict[str, int] = dict(conn.execute(select(referrals.c.status, func.count())
                             .where(referrals.c.campaign_id == campaign_id)
                             .group_by(referrals.c.status)).all())
    counts["drafted"] = sum(refs.values())
    counts["referred"] = sum(n for s, n in refs.items() if s not in (DRAFTED, WITHDRAWN))
    counts["withdrawn"] = refs.get(WITHDRAWN, 0)
    counts["answered"] = sum(refs.get(s, 0) for s in (OPENED, DECLINED, CLOSED, REPORTED))
    counts["closed"] = sum(refs.get(s, 0) for s in (CLOSED, REPORTED))
    counts["reported"] = refs.get(REPORTED, 0)
    return counts


def campaign_status(engine: Engine, campaign: Campaign, calendar: WorkCalendar, *,
                    today: date | None = None, within: int = 7,
                    department_names: Mapping[str, str] | None = None) -> Status:
    """The progress of *campaign* and every step due within *within* days or overdue."""
    today = today or clock.today()
    names = dict(department_names or {})
    rules = D.rules(campaign)
    groups: dict[tuple[str, date, str], DueGroup] = {}
    horizon = today + timedelta(days=within)
    untracked: list[str] = []
    known_events = D.campaign_event_dates(campaign)

    def add(rule: D.Rule, start: date | None, owner: str, refs: Sequence[str], n: int = 1
            ) -> None:
        if start is None:
            return
        due = rule.due(start, calendar)
        if due.date > horizon:
            return
        key = (rule.id, due.date, owner)
        group = groups.get(key)
        if group is None:
            group = groups[key] = DueGroup(rule, due, owner)
        group.count += n
        group.refs += refs[:50 - len(group.refs)]

    def owner_of(rule: D.Rule, department: str | None = None) -> str:
        if rule.owner == "相关部门" and department:
            return names.get(department, department)
        return rule.owner or ""

    with engine.connect() as conn:
        counts = _counts(conn, campaign.id)
        # the records the teams owe the joint office
        rule = rules.get(D.RECORDS_TO_OFFICE)
        if rule is not None and rule.event == "inspection_end":
            q = (select(tasks.c.id, task_answers.c.value)
                 .join(task_answers, and_(task_answers.c.task_id == tasks.c.id,
                                          task_answers.c.key == "field:inspected_on"))
                 .where(tasks.c.campaign_id == campaign.id).where(tasks.c.version == 0))
            for tid, value in conn.execute(q):
                try:
                    start = date.fromisoformat(str(value))
                except ValueError:
                    continue
                add(rule, start, owner_of(rule), [tid])
        elif rule is not None and rule.event in known_events:
            for (tid,) in conn.execute(select(tasks.c.id).where(
                    tasks.c.campaign_id == campaign.id).where(tasks.c.version == 0)):
                add(rule, known_events[rule.event], owner_of(rule), [tid])
        # the referrals: each status owes its next step; counted per start date in SQL
        for status_, deadline in NEXT_DEADLINE.items():
            rule = rules.get(deadline)
            if rule is None:
                continue
            where = (referrals.c.campaign_id == campaign.id) & (referrals.c.status == status_)
            if rule.event in known_events:
                per_dept = (select(referrals.c.refer_to, func.count(), func.min(referrals.c.id))
                            .where(where).group_by(referrals.c.refer_to))
                for dept, n, example in conn.execute(per_dept):
                    add(rule, known_events[rule.event], owner_of(rule, dept), [str(example)], n)
            elif rule.event in EVENT_COLUMN:
                col = referrals.c[EVENT_COLUMN[rule.event]]
                per_day = (select(referrals.c.refer_to, col, func.count(),
                                  func.min(referrals.c.id))
                           .where(where).group_by(referrals.c.refer_to, col))
                for dept, start, n, example in conn.execute(per_day):
                    add(rule, start, owner_of(rule, dept), [str(example)], n)
        # problems not drafted yet owe the letter too
        rule = rules.get(D.REFERRAL_LETTER)
        waiting = counts["problems"] - counts["corrected_on_site"] - counts["drafted"]
        if rule is not None and waiting > 0 and rule.event in known_events:
            due = rule.due(known_events[rule.event], calendar)
            if due.date <= horizon:
                key = (rule.id, due.date, owner_of(rule))
                group = groups.setdefault(key, DueGroup(rule, due, owner_of(rule)))
                group.count += waiting
        # publication: the settled results not published yet, counted per settlement time
        # in SQL (one settle run gives its records one time)
        rule = rules.get(D.PUBLICATION)
        if rule is not None and rule.event == "results_formed":
            unpublished = (select(rs.c.settled_at, func.count())
                           .select_from(rs.join(tasks, settled_join()))
                           .where(tasks.c.campaign_id == campaign.id)
                           .where(rs.c.published_on.is_(None)))
            for at, n in conn.execute(unpublished.group_by(rs.c.settled_at)).all():
                start = beijing_date(at)
                if rule.due(start, calendar).date > horizon:
                    continue
                examples = conn.execute(
                    unpublished.with_only_columns(rs.c.task_id).where(rs.c.settled_at == at)
                    .limit(50)).scalars().all()
                add(rule, start, owner_of(rule), list(examples), n)
        elif rule is not None:
            untracked.append(rule.id)
        repeated, limits = repeated_inspections(conn, campaign.id)
    order = sorted(groups.values(), key=lambda g: (g.due.date, g.deadline.id, g.owner))
    return Status(campaign.id, today, within, counts, order, untracked, repeated, limits, names,
                  pending_work(engine, campaign.id))
