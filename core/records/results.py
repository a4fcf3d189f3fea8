"""Consolidation by the joint office (共同协商汇总结果): the computed classification of each
submitted record is a proposal; the office overrides a department's result, the joint
result or the dispositions with a reason, then settles the campaign's results. Reports and
the publication use the settled results (docs/results.md).

Overrides are kept in order (``result_overrides``), each with who, when and why, and an
audit entry; the newest one of each kind wins and the computed value stays beside it.
A settlement belongs to one submitted version: amending the record unsettles it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, exists, func, insert, select, update

from .. import clock
from ..draw.queries import chunks
from ..errors import Problem, problem
from ..model import DECIDED
from ..store import audit, begin_write
from ..store.audit import canonical_json, format_time, sha256_hex
from ..store.models import (
    officers,
    record_versions,
    referrals,
    result_overrides,
    result_settlements,
    targets,
    tasks,
)
from ..store.models import result_settlements as rs
from .messages import status_name
from .service import SUBMITTED, RecordError, Task, get_task, list_tasks
from .snapshot import load_checklist

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

    from ..model import Checklist, Policy


# --------------------------------------------------------------------------- pure part


def joint_of(codes: Iterable[int], policy: Policy) -> int:
    """The most serious of the departments' results in the policy's joint order."""
    order = policy.joint_order
    present = set(codes)
    return next((c for c in order if c in present), order[-1])


def consolidate(computed: Mapping[str, Any], overrides: Sequence[Mapping[str, Any]],
                checklist: Checklist) -> dict[str, Any]:
    """The results after the office's overrides (applied in order), computed beside each.

    ``{"departments": {code: {"computed", "result", "computed_dispositions",
    "dispositions", "overrides"[, "plugin": {"name", "from"}]}}, "joint": {"computed",
    "result", "overrides"},
    "dispositions": [...]}`` — ``result`` values are ``{"code", "text"}``; the joint result
    follows the departments' settled results unless it was overridden itself.
    """
    policy = checklist.policy
    texts = policy.results

    def res(code: int) -> dict[str, Any]:
        return {"code": code, "text": texts[code]}

    departments: dict[str, Any] = {}
    for code, block in (computed.get("departments") or {}).items():
        dispositions = list(block.get("dispositions") or [])
        departments[code] = {"computed": res(block["result"]["code"]),
                             "result": res(block["result"]["code"]),
                             "computed_dispositions": list(dispositions),
                             "dispositions": dispositions, "overrides": []}
        if block.get("overridden_by"):  # a plugin's hook decided the computed result
            departments[code]["plugin"] = {"name": block["overridden_by"],
                                           "from": block.get("overridden_from")}
    joint_computed = int(computed["joint"]["code"])
    joint: dict[str, Any] = {"computed": res(joint_computed), "result": res(joint_computed),
                             "overrides": []}
    joint_set = False
    for o in overrides:
        change = o["change"]
        note = {"change": change, "reason": o["reason"], "actor": o["actor"], "at": o["at"]}
        if o.get("department") is None:
            if "result" in change:
                joint["result"] = res(int(change["result"]))
                joint_set = True
            joint["overrides"].append(note)
            continue
        d = departments.get(o["department"])
        if d is None:
            continue
        if "result" in change:
            d["result"] = res(int(change["result"]))
        for name in change.get("add") or []:
            if name not in d["dispositions"]:
                d["dispositions"].append(name)
        for name in change.get("remove") or []:
            if name in d["dispositions"]:
                d["dispositions"].remove(name)
        d["overrides"].append(note)
    order = policy.dispositions
    for d in departments.values():
        d["dispositions"] = sorted(d["dispositions"], key=lambda n: order.index(n)
                                   if n in order else len(order))
    if not joint_set and any(d["overrides"] for d in departments.values()):
        joint["result"] = res(joint_of((d["result"]["code"] for d in departments.values()),
                                       policy))
    used = {n for d in departments.values() for n in d["dispositions"]}
    return {"departments": departments, "joint": joint,
            "dispositions": [n for n in order if n in used]}


def item_dispositions(results: Mapping[str, Any] | None, department: str,
                      proposed: Sequence[str]) -> list[str]:
    """The dispositions of one problem (a 不符合 item of *department* that proposed
    *proposed*) as the results now stand: the department's dispositions after the office's
    overrides, limited to those the item proposed or the office added. A disposition the
    office removed is gone; one it added applies to every problem of the department."""
    block = ((results or {}).get("departments") or {}).get(department)
    if not block:
        return list(proposed)
    computed = block.get("computed_dispositions") or []
    return [n for n in block.get("dispositions") or []
            if n in proposed or n not in computed]


# --------------------------------------------------------------------------- loading


@dataclass
class Consolidated:
    """One drawn enterprise as the office reviews it."""

    task: Task
    checklist: Checklist | None = None
    computed: dict[str, Any] | None = None  # the classification stored with the record
    record: dict[str, Any] | None = None  # the submitted record (with_record=True)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    settled: dict[str, Any] | None = None  # the settled results of the current version
    settled_at: datetime | None = None
    settled_by: str | None = None
    published_on: date | None = None
    stale_settlement: int | None = None  # version of a settlement an amendment undid
    withdrawn_publication: date | None = None  # set_result undid a settlement published then
    # the settled results a change undid (an amendment, or an override of a settled
    # record), shown beside the new proposal until it is settled again
    previous: dict[str, Any] | None = None

    @property
    def submitted(self) -> bool:
        return self.task.status == SUBMITTED and (self.computed is not None
                                                  or self.settled is not None)

    @property
    def is_settled(self) -> bool:
        return self.settled is not None

    @property
    def results(self) -> dict[str, Any] | None:
        """The settled results, else the proposal (computed plus overrides), else None."""
        if self.settled is not None:
            return self.settled
        if self.computed is None or self.checklist is None:
            return None
        return consolidate(self.computed, self.overrides, self.checklist)

    def to_json(self) -> dict[str, Any]:
        t = self.task
        return {
            "task": t.id, "seq": t.seq, "name": t.name, "credit_code": t.credit_code,
            "status": t.status, "version": t.version, "settled": self.is_settled,
            "settled_at": format_time(self.settled_at) if self.settled_at else None,
            "settled_by": self.settled_by,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "results": self.results,
            "previous": None if self.previous is None else {
                "version": self.stale_settlement, "results": self.previous},
        }


def _checklists(conn: Connection, fps: Iterable[str]) -> dict[str, Checklist]:
    out: dict[str, Checklist] = {}
    for fp in set(fps):
        checklist = load_checklist(conn, fp)
        if checklist is not None:
            out[fp] = checklist
    return out


def load(engine: Engine, campaign: str, *, with_record: bool = False,
         tasks: Sequence[Task] | None = None) -> list[Consolidated]:
    """Every drawn enterprise of *campaign* (task order) with its submitted record's
    computed results, the overrides, and the settlement of its current version."""
    found = list(tasks) if tasks is not None else list_tasks(engine, campaign=campaign)
    rows = {t.id: Consolidated(task=t) for t in found}
    current = {t.id: t.version for t in found if t.version}
    fps: dict[str, str] = {}
    cols = [record_versions.c.task_id, record_versions.c.version,
            record_versions.c.checklist_fingerprint, record_versions.c.results]
    if with_record:
        cols.append(record_versions.c.record)
    with engine.connect() as conn:
        ids = sorted(current)
        q_versions = select(*cols)
        if not with_record:  # the settled results replace the computed ones: skip them
            q_versions = q_versions.where(~exists().where(
                (result_settlements.c.task_id == record_versions.c.task_id)
                & (result_settlements.c.version == record_versions.c.version)))
        q_over = select(result_overrides).order_by(result_overrides.c.id)
        q_settled = select(result_settlements)
        if tasks is None:  # the whole campaign: one query each, no IN lists
            from ..store.models import tasks as tasks_table

            q_versions = q_versions.join(tasks_table, tasks_table.c.id == record_versions.c.task_id
                                         ).where((tasks_table.c.campaign_id == campaign)
                                                 & (tasks_table.c.version
                                                    == record_versions.c.version))
            batches: Iterable[Any] = [(q_versions,
                                       q_over.join(tasks_table, tasks_table.c.id
                                                   == result_overrides.c.task_id)
                                       .where(tasks_table.c.campaign_id == campaign),
                                       q_settled.where(result_settlements.c.campaign_id
                                                       == campaign))]
        else:
            batches = [(q_versions.where(record_versions.c.task_id.in_(chunk)),
                        q_over.where(result_overrides.c.task_id.in_(chunk)),
                        q_settled.where(result_settlements.c.task_id.in_(chunk)))
                       for chunk in chunks(ids)]
        for qv, qo, qs in batches:
            for r in conn.execute(qs):
                hit = rows.get(r.task_id)
                if hit is None:
                    continue
                if r.version == hit.task.version and hit.task.status == SUBMITTED:
                    hit.settled, hit.settled_at, hit.settled_by = (
                        r.results, r.settled_at, r.settled_by)
                    hit.published_on = r.published_on
                elif hit.stale_settlement is None or r.version > hit.stale_settlement:
                    hit.stale_settlement, hit.previous = r.version, r.results
            for r in conn.execute(qv):
                if current.get(r.task_id) != r.version:
                    continue
                row = rows[r.task_id]
                row.computed = r.results
                if with_record:
                    row.record = r.record
                fps[r.task_id] = r.checklist_fingerprint
            for r in conn.execute(qo):
                row = rows[r.task_id]
                change = dict(r.change or {})
                undone = change.pop("reopened", None)  # the settlement this change undid
                if (undone and row.settled is None and row.task.status == SUBMITTED
                        and r.record_version == row.task.version):
                    row.stale_settlement, row.previous = r.record_version, undone["results"]
                row.overrides.append({
                    "id": r.id, "record_version": r.record_version, "department": r.department,
                    "change": change, "reason": r.reason, "actor": r.actor,
                    "at": format_time(r.at)})
        for each in rows.values():  # settled rows whose version was skipped above
            if each.settled is not None and each.task.id not in fps:
                fps[each.task.id] = each.task.checklist_fingerprint or ""
        checklists = _checklists(conn, (fp for fp in fps.values() if fp))
    for task_id, fp in fps.items():
        rows[task_id].checklist = checklists.get(fp)
    return [rows[t.id] for t in found]


def campaign_checklist(rows: Sequence[Consolidated]) -> Checklist | None:
    """The checklist of the campaign's records (the newest fingerprint used)."""
    return next((r.checklist for r in reversed(rows) if r.checklist is not None), None)


# --------------------------------------------------------------------------- writing


def set_result(engine: Engine, task_id: str, *, reason: str, department: str | None = None,
               result: int | None = None, add: Sequence[str] = (), remove: Sequence[str] = (),
               actor: str | None = None, version: int | None = None) -> Consolidated:
    """Override a department's result (or the joint one without *department*) and/or its
    dispositions, with *reason*; recorded with the record and in the audit log. A settled
    record becomes unsettled (settle again). *version*: the submitted version the caller
    reviewed (the app); a record amended since is refused (JC853). Returns the enterprise
    as it is now."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordError([problem("JC845")])
    if result is None and not add and not remove:
        raise RecordError([problem("JC846")])
    who = audit.actor(engine, actor)
    (row,) = load(engine, "", tasks=[_task(engine, task_id)])
    if version is not None and (row.task.version != version or not row.submitted):
        raise RecordError([problem("JC853", task=task_id, seen=version, now=row.task.version,
                                   status=status_name(row.task.status))])
    if not row.submitted or row.checklist is None:
        raise RecordError([problem("JC841", task=task_id)])
    policy = row.checklist.policy
    if result is not None and result not in policy.results:
        raise RecordError([problem("JC842", value=result,
                                   allowed=", ".join(str(c) for c in policy.results))])
    if department is not None and row.checklist.department(department) is None:
        raise RecordError([problem("JC843", department=department, allowed=", ".join(
            d.code for d in row.checklist.departments))])
    if department is None and (add or remove):
        raise RecordError([problem("JC847")])
    for name in list(add) + list(remove):
        if name not in policy.dispositions:
            raise RecordError([problem("JC844", value=name,
                                       allowed="、".join(policy.dispositions))])
    change: dict[str, Any] = {}
    if result is not None:
        change["result"] = result
    if add:
        change["add"] = list(add)
    if remove:
        change["remove"] = list(remove)
    stored = dict(change)
    if row.is_settled:  # kept with the override, shown beside the new proposal
        stored["reopened"] = {"results": row.settled, "settled_by": row.settled_by,
                              "settled_at": format_time(row.settled_at) if row.settled_at else None,
                              "published_on": row.published_on.isoformat()
                              if row.published_on else None}
    with begin_write(engine) as conn:
        entry = {"task_id": task_id, "version": row.task.version, "department": department,
                 "change": change, "reason": reason}
        if row.is_settled and row.published_on is not None:
            entry["published_on"] = row.published_on.isoformat()  # now out of date
        seq = audit.append(conn, "results.override", entry, actor=who)
        conn.execute(insert(result_overrides).values(
            task_id=task_id, record_version=row.task.version, department=department,
            change=stored, reason=reason, actor=who, at=clock.utcnow(), audit_seq=seq))
        conn.execute(delete(result_settlements).where(
            (result_settlements.c.task_id == task_id)
            & (result_settlements.c.version == row.task.version)))
    (now,) = load(engine, "", tasks=[_task(engine, task_id)])
    if row.is_settled:
        now.stale_settlement = row.task.version
        now.withdrawn_publication = row.published_on
    return now


def publication_warning(row: Consolidated) -> Problem | None:
    """JC854 when a change unsettled a result the public has already seen."""
    if row.withdrawn_publication is None:
        return None
    return problem("JC854", severity="warning", task=row.task.id,
                   date=row.withdrawn_publication.isoformat())


def _task(engine: Engine, task_id: str) -> Task:
    with engine.connect() as conn:
        return get_task(conn, task_id)


@dataclass
class Settlement:
    settled: list[Consolidated]  # newly settled
    already: int  # settled before, unchanged
    missing: list[Consolidated]  # drawn enterprises without a submitted record

    def to_json(self) -> dict[str, Any]:
        return {"settled": [r.task.id for r in self.settled], "already": self.already,
                "missing": [r.task.id for r in self.missing]}


def settle(engine: Engine, campaign: str, *, allow_missing: bool = False,
           actor: str | None = None) -> Settlement:
    """Fix the results of every submitted record of *campaign* (refusing, JC840, while
    records are missing unless *allow_missing*)."""
    rows = load(engine, campaign, with_record=True)
    if not rows:
        raise RecordError([problem("JC848", campaign=campaign)])
    missing = [r for r in rows if not r.submitted]
    if missing and not allow_missing:
        shown = "、".join(f"{r.task.id}（{r.task.name or r.task.credit_code}）"
                         for r in missing[:20])
        more = f" …（+{len(missing) - 20}）" if len(missing) > 20 else ""
        raise RecordError([problem("JC840", n=len(missing), tasks=shown + more)])
    todo = [r for r in rows if r.submitted and not r.is_settled]
    who = audit.actor(engine, actor)
    now = clock.utcnow()
    values: list[dict[str, Any]] = [{"task_id": r.task.id, "version": r.task.version, "campaign_id": campaign,
               "results": _with_date(r), "settled_at": now, "settled_by": who} for r in todo]
    if values:
        digest = sha256_hex(canonical_json([[v["task_id"], v["version"], v["results"]]
                                            for v in values]))
        with begin_write(engine) as conn:
            seq = audit.append(conn, "results.settle", {
                "campaign_id": campaign, "settled": len(values), "digest": digest,
                "missing": [r.task.id for r in missing][:1000]}, actor=who)
            for chunk in range(0, len(values), 1000):
                conn.execute(insert(result_settlements),
                             [dict(v, audit_seq=seq) for v in values[chunk:chunk + 1000]])
    for r, v in zip(todo, values, strict=True):
        r.settled, r.settled_at, r.settled_by = v["results"], now, who
    return Settlement(settled=todo, already=sum(1 for r in rows if r.submitted) - len(todo),
                      missing=missing)


def _with_date(row: Consolidated) -> dict[str, Any]:
    """The settled results carry the inspection date (检查日期), for the publication."""
    findings = (row.record or {}).get("findings") or {}
    return {**(row.results or {}), "inspected_on": findings.get("inspected_on")}


def mark_published(conn: Connection, campaign: str, day: date) -> None:
    """Record the publication date of the campaign's settled results (是否公示 in 附件2),
    inside the caller's write transaction."""
    conn.execute(update(rs).where((rs.c.campaign_id == campaign)
                                  & exists().where(settled_join())).values(published_on=day))


def settled_version(engine: Engine, task_id: str) -> int | None:
    """The version of *task_id* whose results are settled now (None: not settled, or no
    such task)."""
    with engine.connect() as conn:
        return conn.execute(select(tasks.c.version).select_from(tasks.join(rs, settled_join()))
                            .where(tasks.c.id == task_id)).scalar()


def settled_join() -> Any:
    """The settlement of a task's current submitted version (the ON clause of a join of
    ``result_settlements`` and ``tasks``): what "settled" means for every output — a task
    under amendment (修改中), or whose settlement an override undid, has none. The one
    condition :func:`load`, the reports, the publication, status and the referrals share."""
    return and_(rs.c.task_id == tasks.c.id, rs.c.version == tasks.c.version,
                tasks.c.status == SUBMITTED)


def settled_counts(conn: Connection, campaign: str) -> tuple[int, int]:
    """The number of drawn enterprises of *campaign* and of those settled."""
    drawn, settled = conn.execute(
        select(func.count(), func.count(rs.c.task_id))
        .select_from(tasks.outerjoin(rs, settled_join()))
        .where(tasks.c.campaign_id == campaign)).one()
    return int(drawn), int(settled)


def summary_counts(engine: Engine, campaign: str, departments: Sequence[str],
                   result_codes: Sequence[int], dispositions: Sequence[str]
                   ) -> tuple[dict[str, list[int]], int, int]:
    """附件3 counted over the settled results in one grouped pass: per department
    ``[抽查户数, one count per result code..., one per disposition...]``, with the number of
    drawn enterprises and of settled ones.

    The database reads each department's result code and ``dispositions`` array by their
    JSON paths (json_extract on SQLite; #>> on PostgreSQL, on the document cast to jsonb
    once per row, since each operator on a json value parses it again) and counts the
    enterprises per distinct combination, a few dozen groups; each distinct array is then
    parsed as JSON, so a disposition is counted only when the list holds exactly that string, whatever the
    text's escaping or the other names around it."""
    at_code = {c: 1 + i for i, c in enumerate(result_codes)}
    at_name = {n: 1 + len(result_codes) + i for i, n in enumerate(dispositions)}
    counts = {d: [0] * (1 + len(at_code) + len(at_name)) for d in departments}
    parsed: dict[str, set[str]] = {}
    settled = 0
    with engine.connect() as conn:
        source: Any = rs.join(tasks, settled_join())
        doc: Any = rs.c.results
        if conn.dialect.name == "postgresql":  # parse the json once per row, not per path
            from sqlalchemy import cast, true
            from sqlalchemy.dialects.postgresql import JSONB

            parsed_once = (select(cast(rs.c.results, JSONB).label("doc")).correlate(rs)
                           .offset(0).lateral())
            source, doc = source.join(parsed_once, true()), parsed_once.c.doc
        keys: list[Any] = []
        for d in departments:
            keys += [doc[("departments", d, "result", "code")].as_integer(),
                     doc[("departments", d, "dispositions")].as_string()]
        q = (select(*keys, func.count()).select_from(source)
             .where(tasks.c.campaign_id == campaign).group_by(*keys))
        for row in conn.execute(q):
            n = int(row[-1])
            settled += n
            for i, d in enumerate(departments):
                code, listed = row[2 * i], row[2 * i + 1]
                if code is None:  # the department is not in this record
                    continue
                line = counts[d]
                line[0] += n
                if code in at_code:
                    line[at_code[code]] += n
                if listed and listed not in parsed:
                    value = json.loads(listed)
                    parsed[listed] = {v for v in value if isinstance(v, str)} if isinstance(
                        value, list) else set()
                for name in parsed.get(listed or "", ()):
                    if name in at_name:
                        line[at_name[name]] += n
        drawn = conn.execute(select(func.count()).select_from(tasks)
                             .where(tasks.c.campaign_id == campaign)).scalar_one()
    return counts, int(drawn), settled


@dataclass
class PublicRow:
    """One settled record as the publication needs it, read by the database's JSON
    functions (no record is loaded)."""

    task_id: str
    version: int
    draw_id: int
    name: str
    credit_code: str
    inspected_on: str
    result: str
    department_results: list[str | None]  # per department of the checklist, None: absent


def public_rows(engine: Engine, campaign: str, departments: Sequence[str]
                ) -> tuple[list[PublicRow], int]:
    """The settled records of *campaign* in task order, and the number of drawn
    enterprises."""
    cols = [tasks.c.id, tasks.c.version, tasks.c.draw_id, targets.c.name, tasks.c.credit_code,
            rs.c.results[("inspected_on",)].as_string(),
            rs.c.results[("joint", "result", "text")].as_string()]
    cols += [rs.c.results[("departments", d, "result", "text")].as_string()
             for d in departments]
    q = (select(*cols)
         .select_from(tasks.join(rs, settled_join())
                      .outerjoin(targets, targets.c.credit_code == tasks.c.credit_code))
         .where(tasks.c.campaign_id == campaign)
         .order_by(tasks.c.draw_id, tasks.c.seq))
    with engine.connect() as conn:
        out = [PublicRow(task_id=r[0], version=r[1], draw_id=r[2], name=r[3] or "",
                         credit_code=r[4], inspected_on=r[5] or "", result=r[6] or "",
                         department_results=list(r[7:])) for r in conn.execute(q)]
        drawn = conn.execute(select(func.count()).select_from(tasks)
                             .where(tasks.c.campaign_id == campaign)).scalar_one()
    return out, int(drawn)


@dataclass(slots=True)
class StatisticsRow:
    """One drawn enterprise as 附件2 needs it, read by one query (no record is loaded):
    the task, its target's registration data, its team and its settled joint result."""

    seq: int
    credit_code: str
    target: dict[str, Any]  # name, reg_no, legal_rep, address, phone, jurisdiction, ...
    team: list[tuple[str, bool]]  # (name, or 执法证号 when unknown; 组长), in draw order
    result: str | None  # the settled joint result's text; None: not settled
    dispositions: list[str]  # the settled 处理结果 (the union of the departments')
    published_on: date | None
    # the receiving departments' decision on its referrals, by department code: "opened"
    # (已立案, also once closed or reported) or "declined" (不予立案); both when they differ
    decisions: dict[str, list[str]] = field(default_factory=dict)


STATISTICS_TARGET = ("name", "reg_no", "legal_rep", "address", "business_address", "phone",
                     "jurisdiction", "registration_authority")
STREAM_ROWS = 2000  # rows fetched at a time (a server-side cursor on PostgreSQL)


def statistics_rows(engine: Engine, campaign: str) -> Iterator[StatisticsRow]:
    """Every drawn enterprise of *campaign* in task order, streamed: the settled results
    of its current submitted version (as ``load`` sees them) read by their JSON paths."""
    cols = [tasks.c.seq, tasks.c.credit_code, tasks.c.team,
            *(targets.c[c] for c in STATISTICS_TARGET),
            rs.c.task_id, rs.c.results[("joint", "result", "text")].as_string(),
            rs.c.results[("dispositions",)].as_json(), rs.c.published_on, tasks.c.id]
    q = (select(*cols)
         .select_from(tasks.outerjoin(targets, targets.c.credit_code == tasks.c.credit_code)
                      .outerjoin(rs, settled_join()))
         .where(tasks.c.campaign_id == campaign)
         .order_by(tasks.c.draw_id, tasks.c.seq))
    width = len(STATISTICS_TARGET)
    with engine.connect() as conn:
        names: dict[str, str] = {c: n for c, n in conn.execute(
            select(officers.c.cert_no, officers.c.name))}
        decided = referral_decisions(conn, campaign)
        for r in conn.execution_options(yield_per=STREAM_ROWS).execute(q):
            team = r[2] if isinstance(r[2], list) else json.loads(r[2] or "[]")
            settled = r[3 + width] is not None
            listed = r[5 + width]
            if isinstance(listed, str):
                listed = json.loads(listed)
            yield StatisticsRow(
                seq=r[0], credit_code=r[1],
                target={c: v for c, v in zip(STATISTICS_TARGET, r[3:3 + width], strict=True)},
                team=[(names.get(m["cert_no"]) or m["cert_no"], bool(m.get("leader")))
                      for m in team],
                result=(r[4 + width] or "") if settled else None,
                dispositions=[str(n) for n in listed or []] if settled else [],
                published_on=r[6 + width] if settled else None,
                decisions=decided.get(r[-1], {}) if settled else {})


def referral_decisions(conn: Connection, campaign: str) -> dict[str, dict[str, list[str]]]:
    """What the receiving departments decided on the campaign's referrals (立案 or not),
    by task and department: ``{task: {department: ["opened"|"declined", ...]}}``. A
    withdrawn referral, or one not yet decided, says nothing."""
    out: dict[str, dict[str, list[str]]] = {}
    q = (select(referrals.c.task_id, referrals.c.refer_to, referrals.c.status)
         .where(referrals.c.campaign_id == campaign)
         .where(referrals.c.status.in_(list(DECIDED))).distinct())
    for task_id, dept, status in conn.execute(q):
        listed = out.setdefault(task_id, {}).setdefault(dept, [])
        if DECIDED[status] not in listed:
            listed.append(DECIDED[status])
    for depts in out.values():
        for listed in depts.values():
            listed.sort()  # declined before opened, whatever order the rows came in
    return out
