"""The draw and the store: commitments, recording, showing, exporting and verifying draws.

The pure algorithm is :mod:`core.draw.algorithm`; this module reads its inputs from the
store (pushing what it can of the scope filter into SQL, without changing the result),
records the outcome in one write transaction with an audit entry, and replays draws from
the store or from exported files.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import and_, func, insert, not_, or_, select, update

from .. import clock
from ..canonical import format_time
from ..clock import today
from ..conditions import attributes_used
from ..errors import os_detail, problem, register
from ..forking import beside
from ..gcpause import gc_paused
from ..history import draw_history
from ..i18n import Localized, get_lang, translator
from ..libraries.fields import row_digest
from ..libraries.messages import LibraryError
from ..libraries.reader import iter_rows
from ..model import Campaign, Checklist
from ..store import audit, begin_write
from ..store.models import commitments, draws, officers, targets
from .algorithm import (
    ALGORITHM_VERSION,
    MIN_SEED_BITS,
    SUPPORTED_VERSIONS,
    TARGET_COLUMNS,
    DrawError,
    DrawResult,
    OfficerEntry,
    Parameters,
    check_seed,
    check_seed_strength,
    commitment_of,
    draw,
    draw_officers,
    draw_targets,
    eligible_targets,
    excluded_codes,
    exclusion_funnel,
    first_difference,
    history_fingerprint,
    in_scope,
    officer_entry,
    ratio_text,
    result_digest,
    run_here,
)
from .queries import chunks, drawn_rows, rows_in

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

EXPORT_FORMAT = "jointcheck-draw"
EXPORT_VERSION = 1

# Problem codes of this module (continuing algorithm.CODES).
SERVICE_CODES: dict[str, tuple[str, str]] = {
    "JC732": ("没有与该种子对应的承诺：SHA-256(种子) = {commitment}，实施方案“{campaign}”没有记录这个承诺",
              "no commitment matches this seed: SHA-256(seed) = {commitment} was not recorded "
              "for campaign '{campaign}'"),
    "JC733": ("该种子的承诺已被第 {draw_id} 号抽取使用，一个种子只能抽取一次",
              "the commitment of this seed was already used by draw {draw_id}; a seed draws once"),
    "JC734": ("抽取记录 {draw_id} 不存在", "there is no draw {draw_id}"),
    "JC735": ("抽取文件无效：{detail}", "invalid draw file: {detail}"),
    "JC736": ("该承诺已被第 {draw_id} 号抽取使用", "this commitment was already used by draw {draw_id}"),
    "JC741": ("实施方案“{campaign}”已经抽取（抽取记录 {draws}，共 {drawn} 户），已达到实施方案的抽取计划（{planned}），不再重复抽取",
              "campaign '{campaign}' has been drawn already (draw(s) {draws}, {drawn} "
              "enterprise(s)), which reaches its plan ({planned}); it is not drawn again"),
    "JC742": ("补充抽取须说明理由（--reason）", "a supplementary draw needs a reason (--reason)"),
    "JC743": ("实施方案“{campaign}”尚未抽取，没有可补充的抽取",
              "campaign '{campaign}' has not been drawn: there is nothing to supplement"),
}
SERVICE_HINTS: dict[str, tuple[str, str]] = {
    "JC732": ("请先运行 jointcheck draw commit 记录承诺并公布，抽取时使用同一个种子；"
              "确需不经承诺抽取时加 --no-commitment。",
              "Please run `jointcheck draw commit` first, publish the commitment and draw with "
              "the same seed; add --no-commitment to draw without one."),
    "JC733": ("请用 jointcheck draw commit 生成新的种子和承诺。",
              "Please make a new seed and commitment with `jointcheck draw commit`."),
    "JC734": ("请用 jointcheck draw list 查看已有的抽取记录。",
              "Please list the recorded draws with `jointcheck draw list`."),
    "JC735": ("请使用 jointcheck draw export 导出的文件。",
              "Please use a file written by `jointcheck draw export`."),
    "JC741": ("确需再抽取时（如抽中的企业已注销、无法检查），请用 jointcheck draw run --supplementary "
              "--reason “理由” 进行补充抽取（可加 --count N）：不会抽中本实施方案已抽中的企业，抽取序号接续编号，并记入审计日志。",
              "To draw more (e.g. a drawn enterprise closed down), run a supplementary draw: "
              "jointcheck draw run --supplementary --reason \"…\" (optionally --count N). It "
              "never draws an enterprise the campaign already drew, continues the 抽取序号 and "
              "is recorded in the audit log."),
    "JC742": ("请用 --reason 写明补充抽取的理由，例如：--reason “第 3 号企业已注销”。",
              "Please say why with --reason, e.g. --reason \"no. 3 has closed down\"."),
    "JC743": ("首次抽取请去掉 --supplementary。", "For the first draw, leave out --supplementary."),
}


register(SERVICE_CODES, SERVICE_HINTS)


_ = translator({
    "commitment_mismatch": ("种子与承诺不符：SHA-256(种子) = {actual}，记录的承诺为 {recorded}",
                            "the seed does not match its commitment: SHA-256(seed) = {actual}, "
                            "recorded commitment {recorded}"),
    "digest_mismatch": ("抽取结果在记录后被修改：结果摘要记录为 {recorded}，按记录的结果计算为 {actual}",
                        "the result was changed after it was recorded: its digest is recorded "
                        "as {recorded} but computes to {actual}"),
    "fp_targets": ("检查对象名录库已变化：符合条件对象的指纹记录为 {recorded}，现为 {actual}（符合条件 {eligible} 户）",
                   "the target library has changed: the eligible set's fingerprint was "
                   "{recorded}, is now {actual} ({eligible} eligible)"),
    "fp_officers": ("执法检查人员名录库已变化：可抽取人员的指纹记录为 {recorded}，现为 {actual}",
                    "the officer library has changed: the eligible officers' fingerprint was "
                    "{recorded}, is now {actual}"),
    "diff_target": ("抽取结果不一致：第 {seq} 号（抽取序号）记录为 {recorded}，重放为 {replayed}",
                    "the result differs: no. {seq} is {recorded} in the record, {replayed} "
                    "when replayed"),
    "diff_team": ("抽取结果不一致：第 {seq} 号的检查人员记录为 {recorded}，重放为 {replayed}",
                  "the result differs: the team of no. {seq} is {recorded} in the record, "
                  "{replayed} when replayed"),
    "diff_count": ("抽取结果不一致：记录抽取 {recorded} 户，重放抽取 {replayed} 户",
                   "the result differs: {recorded} target(s) recorded, {replayed} replayed"),
    "diff_summary": ("抽取结果不一致：分层统计记录为 {recorded}，重放为 {replayed}",
                     "the result differs: the strata were {recorded}, are {replayed} when "
                     "replayed"),
    "replay_failed": ("重放失败：{detail}", "the replay failed: {detail}"),
    "draw_targets": ("draw_targets 表与抽取结果不符（第 {seq} 号）",
                     "table draw_targets does not match the result (no. {seq})"),
    "exclusion": ("排除名单与本年度此前同类抽取的记录不符：记录 {recorded} 户，现为 {actual} 户",
                  "the exclusion list does not match the earlier draws of the same kind this "
                  "year: {recorded} recorded, {actual} now"),
    "campaign_drawn": ("本实施方案此前已抽取的企业与记录不符：记录 {recorded} 户，现为 {actual} 户",
                       "the enterprises drawn earlier in the campaign do not match: {recorded} "
                       "recorded, {actual} now"),
    "seq_start": ("起始抽取序号与本实施方案此前的抽取不符：记录为 {recorded}，应为 {actual}",
                  "the first 抽取序号 does not follow the campaign's earlier draws: {recorded} "
                  "recorded, {actual} expected"),
    "history_record": ("抽取记录中的检查历史与其指纹不符：指纹记录为 {recorded}，按记录的检查历史计算为 {actual}",
                       "the draw's inspection history does not match its fingerprint: "
                       "{recorded} recorded, {actual} computed from the recorded history"),
    "excluded_listed": ("公示的符合条件名单中有 {n} 户按抽取记录的排除条件（此前已抽取、检查频次限制）本应排除，如 {code}",
                        "{n} target(s) of the published eligible list should have been "
                        "excluded by the draw's recorded exclusions (drawn before, inspection "
                        "limits), e.g. {code}"),
    "history_store": ("检查历史与抽取时不符：抽取时 {recorded} 条（指纹 {fp_recorded}），按数据库重建为 {actual} 条（指纹 {fp_actual}）",
                      "the inspection history differs from the draw's: {recorded} entries at the "
                      "draw (fingerprint {fp_recorded}), {actual} rebuilt from the store "
                      "(fingerprint {fp_actual})"),
    "public_officers": ("执法检查人员名录库的指纹含个人信息的摘要，公开复核不重算；已核对各部门可抽取人数和每户检查人员",
                        "the officers' fingerprint covers rows with personal data and is not "
                        "recomputed from the public roster; the eligible officers per "
                        "department and every team were compared"),
    "same_result_anyway": ("（按现有名录库重放的抽取结果仍与记录一致）",
                           "(replayed on the current libraries, the result is still the same)"),
})


# --------------------------------------------------------------------------- records


@dataclass
class DrawRecord:
    """One recorded draw (a row of ``draws``)."""

    id: int
    campaign_id: str
    campaign_kind: str
    year: int
    seed: str
    commitment: str | None
    algorithm_version: str
    parameters: dict[str, Any]
    targets_fingerprint: str
    officers_fingerprint: str
    result: dict[str, Any]
    result_digest: str
    created_at: datetime | None = None
    actor: str | None = None
    history_fingerprint: str | None = None  # jc-draw-2
    funnel: dict[str, Any] | None = None  # what each eligibility step excluded
    reason: str | None = None  # 补充抽取

    @property
    def supplementary(self) -> bool:
        return self.reason is not None

    @property
    def warnings(self) -> list[str]:
        return unsampled_warnings(self.result)

    @property
    def drawn(self) -> list[dict[str, Any]]:
        return list(self.result.get("targets") or [])

    def export(self) -> dict[str, Any]:
        """Everything a third party needs to replay the draw; no personal data."""
        return {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_VERSION,
            "draw_id": self.id,
            "campaign_id": self.campaign_id,
            "campaign_kind": self.campaign_kind,
            "year": self.year,
            "created_at": format_time(self.created_at) if self.created_at else None,
            "algorithm_version": self.algorithm_version,
            "seed": self.seed,
            "commitment": self.commitment,
            "parameters": self.parameters,
            "targets_fingerprint": self.targets_fingerprint,
            "officers_fingerprint": self.officers_fingerprint,
            "result": self.result,
            "result_digest": self.result_digest,
            **({"history_fingerprint": self.history_fingerprint, "funnel": self.funnel,
                "reason": self.reason}
               if self.algorithm_version != "jc-draw-1" else {}),
        }

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "campaign_id": self.campaign_id, "year": self.year,
                "created_at": format_time(self.created_at) if self.created_at else None,
                "drawn": len(self.drawn), "commitment": self.commitment,
                "algorithm_version": self.algorithm_version, "reason": self.reason}


def _record_from_row(row: Any) -> DrawRecord:
    return DrawRecord(
        id=row.id, campaign_id=row.campaign_id, campaign_kind=row.campaign_kind,
        year=row.year, seed=row.seed, commitment=row.commitment,
        algorithm_version=row.algorithm_version, parameters=_json(row.parameters),
        targets_fingerprint=row.targets_fingerprint,
        officers_fingerprint=row.officers_fingerprint, result=_json(row.result),
        result_digest=row.result_digest, created_at=row.created_at, actor=row.actor,
        history_fingerprint=row.history_fingerprint, funnel=_json(row.funnel),
        reason=row.reason,
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


# --------------------------------------------------------------------------- parameters


def draw_date(campaign: Campaign, on_date: date | None = None) -> date:
    """The date certificates must be valid on: *on_date*, else the period start, else today."""
    if on_date is not None:
        return on_date
    period = campaign.data.get("period")
    if period and period.get("start"):
        return date.fromisoformat(str(period["start"]))

    return today()


def build_parameters(campaign: Campaign, on_date: date, exclude: Iterable[str] = (), *,
                     history: Iterable[tuple[str, str]] = (),
                     campaign_drawn: Iterable[str] = (), seq_start: int = 1,
                     count: int | None = None) -> Parameters:
    """The draw's :class:`Parameters` from a campaign (ratios as exact decimal text).

    *history* is the inspection history its ``inspection_limits`` read
    (core.history.draw_history); *campaign_drawn* and *seq_start* belong to a 补充抽取,
    whose *count* replaces the campaign's sample when given.
    """
    sample: Mapping[str, Any] = {"count": count} if count is not None else campaign.sample
    if "count" in sample:
        spec: dict[str, Any] = {"count": int(sample["count"])}
    elif "ratio" in sample:
        spec = {"ratio": ratio_text(sample["ratio"])}
    else:
        spec = {"by_grade": {str(g): ratio_text(r) for g, r in sample["by_grade"].items()}}
    departments = tuple(campaign.departments)
    return Parameters(
        campaign_id=campaign.id,
        campaign_kind=campaign.kind,
        year=campaign.year,
        date=on_date,
        scope_filter=campaign.scope_filter,
        exclusion=campaign.exclude_inspected_this_year,
        exclude=tuple(sorted(set(exclude))),
        sample=spec,
        departments=departments,
        officers={d: {"count": int(campaign.officers_for(d)["count"]),
                      "qualifications": sorted(campaign.officers_for(d)["qualifications"])}
                  for d in departments},
        cross_jurisdiction=campaign.cross_jurisdiction,
        leader_department=campaign.leader_department,
        start=history_start(campaign, on_date),
        inspection_limits=campaign.inspection_limits,
        history=tuple(sorted(history)),
        campaign_drawn=tuple(sorted(set(campaign_drawn))),
        seq_start=seq_start,
    )


def history_start(campaign: Campaign, on_date: date) -> date:
    """The day the inspection limits count from: ``period.start``, else the draw date."""
    return campaign.start or on_date


# --------------------------------------------------------------------------- SQL pushdown

# Text columns a leaf condition may be pushed down to (compared as exact strings on both
# engines, NULL meaning unknown exactly as in core.conditions).
_TEXT_COLUMNS = frozenset(TARGET_COLUMNS) - {"attributes", "established"}


def sql_filter(cond: Mapping[str, Any] | None, table: Any, *, scan: bool = False
               ) -> tuple[Any, bool]:
    """``(clause, exact)`` for a scope filter.

    *clause* selects a superset of the rows :func:`~.algorithm.in_scope` accepts (``None``:
    no restriction); *exact* says it selects exactly those rows, so that Python need not
    evaluate the filter again. SQL's three-valued logic matches core.conditions' Kleene
    logic for the leaves translated (string comparisons on text columns, ``present``).

    *scan* compares ``column || ''`` instead of the column, which keeps SQLite from driving
    the query through an index: scope filters select most of the library, and a full scan
    of a million rows is about twice as fast as a million index lookups.
    """
    if not cond:
        return None, True
    if "all" in cond:
        parts = [sql_filter(c, table, scan=scan) for c in cond["all"]]
        clauses = [c for c, _ in parts if c is not None]
        exact = all(e for _, e in parts)
        return (and_(*clauses) if clauses else None), exact
    if "any" in cond:
        parts = [sql_filter(c, table, scan=scan) for c in cond["any"]]
        if any(c is None for c, _ in parts):
            # an exactly-true child makes the whole exactly true; otherwise a superset
            return None, any(c is None and e for c, e in parts)
        return or_(*[c for c, _ in parts]), all(e for _, e in parts)
    if "not" in cond:
        inner, exact = sql_filter(cond["not"], table, scan=scan)
        if inner is None or not exact:
            return None, False
        return not_(inner), True
    name = cond.get("attribute")
    if name not in _TEXT_COLUMNS:
        return None, False
    col = table.c[name].concat("") if scan else table.c[name]
    if "present" in cond:
        return (col.is_not(None) if cond["present"] else col.is_(None)), True
    if "equals" in cond and isinstance(cond["equals"], str):
        return col == cond["equals"], True
    for key in ("in", "not_in"):
        if key in cond:
            values = cond[key]
            if values and all(isinstance(v, str) for v in values):
                return (col.in_(values) if key == "in" else col.not_in(values)), True
    return None, False


# --------------------------------------------------------------------------- reading the store


def _exclusions(conn: Connection, kind: str, year: int, before: int | None = None) -> list[str]:
    """Credit codes drawn in draws of *kind* in *year* (those with id < *before*)."""
    from ..store.models import draw_targets, draws

    q = (select(draw_targets.c.credit_code).distinct()
         .join(draws, draws.c.id == draw_targets.c.draw_id)
         .where(draws.c.campaign_kind == kind, draws.c.year == year))
    if before is not None:
        q = q.where(draws.c.id < before)
    return sorted(conn.execute(q).scalars())


def load_eligible_targets(conn: Connection, parameters: Parameters
                          ) -> tuple[list[tuple[str, str | None, str]], int | None]:
    """The eligible targets of the store as ``(credit_code, risk_grade, row_digest)``.

    SQL narrows, Python decides when SQL cannot say exactly. Returns the entries and the
    library size when it was counted (only when nothing is eligible, for the message).
    """
    clause, exact = sql_filter(parameters.scope_filter, targets,
                               scan=conn.dialect.name == "sqlite")
    base = [targets.c.credit_code, targets.c.risk_grade, targets.c.row_digest]
    extra: list[str] = []
    if not exact:
        used = attributes_used(parameters.scope_filter)
        extra = sorted(u for u in used if u in TARGET_COLUMNS and u not in
                       ("credit_code", "risk_grade"))
        if any(u not in TARGET_COLUMNS for u in used) and "attributes" not in extra:
            extra.append("attributes")
    q = select(*base, *[targets.c[c] for c in extra])
    if clause is not None:
        q = q.where(clause)
    excluded = excluded_codes(parameters)
    out: list[tuple[str, str | None, str]] = []
    append = out.append
    result = conn.execute(q)
    if exact:
        rows = _fetch_all(result)
        out = [r for r in rows if r[0] not in excluded] if excluded else rows
    else:
        names = ["credit_code", "risk_grade", "row_digest", *extra]
        for values in result:
            row = dict(zip(names, values, strict=True))
            if row["credit_code"] in excluded or not in_scope(parameters.scope_filter, row):
                continue
            append((row["credit_code"], row["risk_grade"], row["row_digest"]))
    total = None
    if not out:
        total = conn.execute(select(func.count()).select_from(targets)).scalar_one()
    return out, total


def _fetch_all(result: Any) -> list[tuple]:
    """All rows of *result* as plain tuples, straight from the driver's cursor.

    Both drivers (sqlite3, psycopg) return tuples of text for text columns; skipping
    SQLAlchemy's row objects halves the time of reading a million targets.
    """
    cursor = getattr(result, "cursor", None)
    if cursor is None:
        return [tuple(r) for r in result]
    try:
        return cursor.fetchall()
    finally:
        result.close()


def load_jurisdictions(conn: Connection, codes: Sequence[str]) -> dict[str, str | None]:
    """管辖单位 of the given targets (only the drawn ones are needed)."""
    return dict(rows_in(conn, select(targets.c.credit_code, targets.c.jurisdiction),
                        targets.c.credit_code, codes))


# The ranking of a large target set (an HMAC a target; the child sends back only the best
# of each stratum) runs in a forked child beside the set's fingerprint (sort, duplicate
# check, hash), where core.forking allows a fork; JOINTCHECK_DRAW_PARALLEL=0 (or
# JOINTCHECK_NO_FORK=1) keeps it in this process. Only the speed depends on this. (The
# other way round the child's sort of a million rows paid for copying every page it
# touched: 1.2 s against 0.9 s in this process.)
PARALLEL_THRESHOLD = 100_000
PARALLEL_ENV = "JOINTCHECK_DRAW_PARALLEL"


def rank_beside(fn: Callable[[Any], Any], job: Any) -> Callable[[], Any]:
    """The :data:`~.algorithm.Beside` runner of the draw's services (see above); ``len(job)``
    is the number of targets it ranks."""
    large = (len(job) >= PARALLEL_THRESHOLD
             and os.environ.get(PARALLEL_ENV, "1").strip() != "0")
    return (beside if large else run_here)(fn, job)


def replay(conn: Connection, seed: str, parameters: Parameters, *, file: str | None = None
           ) -> DrawResult:
    """Run the algorithm on the store's libraries (inside the caller's transaction)."""
    with gc_paused():  # a million short-lived tuples: the cyclic GC would only walk them
        entries, total = load_eligible_targets(conn, parameters)
        stage = draw_targets(seed, entries, parameters, total_targets=total, file=file,
                             beside=rank_beside)
        del entries
    jurisdictions = load_jurisdictions(conn, [code for _, _, code in stage.drawn])
    officer_rows = load_officers(conn, parameters.departments)
    return draw_officers(seed, stage, jurisdictions, officer_rows, parameters, file=file)


def load_officers(conn: Connection, departments: Sequence[str]) -> list[OfficerEntry]:
    q = select(officers.c.cert_no, officers.c.department, officers.c.active,
               officers.c.cert_expiry, officers.c.qualifications, officers.c.jurisdiction,
               officers.c.conflicts, officers.c.row_digest
               ).where(officers.c.department.in_(list(departments)))
    return [officer_entry(cast("Mapping[str, Any]", r._mapping)) for r in conn.execute(q)]


# --------------------------------------------------------------------------- commit


@dataclass
class Commitment:
    campaign_id: str
    commitment: str
    seed: str | None  # only when this call generated it (to be kept secret)
    fresh: bool
    already_recorded: bool
    id: int

    def to_json(self) -> dict[str, Any]:
        """What ``draw commit --format json`` prints (the seed only when generated here)."""
        return {"campaign_id": self.campaign_id, "commitment": self.commitment,
                "commitment_id": self.id, "seed": self.seed, "seed_is_secret": True,
                "already_recorded": self.already_recorded}


def new_seed() -> str:
    """A fresh seed: 32 hexadecimal digits from the operating system's CSPRNG."""
    return secrets.token_hex(16)


def commit(engine: Engine, campaign: Campaign, seed: str | None = None, *,
           weak_seed: bool = False) -> Commitment:
    """Record SHA-256(seed) for *campaign* (a fresh seed when none is given).

    A given seed needs :data:`~.algorithm.MIN_SEED_BITS` bits' worth of length and
    alphabet (JC740) unless *weak_seed*; the audit entry records ``weak_seed`` and the
    estimate ``seed_bits``. Recording the same commitment twice is harmless (the existing
    row is reported); a commitment already used by a draw is refused (JC736).
    """
    fresh = seed is None
    seed = new_seed() if seed is None else check_seed(seed)
    bits = check_seed_strength(seed, weak_ok=weak_seed)
    value = commitment_of(seed)
    with begin_write(engine) as conn:
        row = conn.execute(select(commitments).where(
            commitments.c.campaign_id == campaign.id,
            commitments.c.commitment == value)).first()
        if row is not None:
            if row.used_by_draw is not None:
                raise DrawError([problem("JC736", draw_id=row.used_by_draw)])
            return Commitment(campaign.id, value, seed if fresh else None, fresh, True, row.id)
        new_id = conn.execute(insert(commitments).values(
            campaign_id=campaign.id, commitment=value, created_at=clock.utcnow(),
        ).returning(commitments.c.id)).scalar_one()
        audit.append(conn, "draw.commit", {"campaign_id": campaign.id, "commitment": value,
                                           "commitment_id": new_id,
                                           "weak_seed": bits < MIN_SEED_BITS,
                                           "seed_bits": bits})
    return Commitment(campaign.id, value, seed if fresh else None, fresh, False, new_id)


# --------------------------------------------------------------------------- run


def _campaign_draws(conn: Connection, campaign_id: str, before: int | None = None
                    ) -> tuple[list[int], list[str], int]:
    """``(draw ids, codes drawn, highest 抽取序号)`` of *campaign_id*'s draws (those with
    id < *before*)."""
    from ..store.models import draw_targets, draws

    q = select(draws.c.id).where(draws.c.campaign_id == campaign_id).order_by(draws.c.id)
    t = (select(draw_targets.c.seq, draw_targets.c.credit_code)
         .join(draws, draws.c.id == draw_targets.c.draw_id)
         .where(draws.c.campaign_id == campaign_id))
    if before is not None:
        q = q.where(draws.c.id < before)
        t = t.where(draws.c.id < before)
    ids = list(conn.execute(q).scalars())
    rows = conn.execute(t).all()
    return ids, sorted({code for _, code in rows}), max((seq for seq, _ in rows), default=0)


def _planned(campaign: Campaign) -> tuple[int | None, str]:
    """The campaign's planned count (None for a ratio) and its sample as written."""
    sample = campaign.sample
    if "count" in sample:
        return int(sample["count"]), f"sample.count: {int(sample['count'])}"
    if "ratio" in sample:
        return None, f"sample.ratio: {ratio_text(sample['ratio'])}"
    grades = ", ".join(f"{g}: {ratio_text(r)}" for g, r in sorted(sample["by_grade"].items()))
    return None, f"sample.by_grade: {{{grades}}}"


def draw_funnel(conn: Connection, parameters: Parameters, eligible: int) -> dict[str, int]:
    """The draw's explanation: the library, the targets in scope, how many of those each
    exclusion step took out (:data:`~.algorithm.EXCLUSION_STEPS`, first step wins) and
    the eligible set. Counted on the store at the draw; not part of the replayed result."""
    total = conn.execute(select(func.count()).select_from(targets)).scalar_one()
    excluded = sorted(excluded_codes(parameters))
    # scan=True keeps SQLite off the scope columns' indexes: the credit codes' is the one
    clause, exact = sql_filter(parameters.scope_filter, targets, scan=True)
    taken: list[str] = []
    for chunk in chunks(excluded):
        where = targets.c.credit_code.in_(list(chunk))
        if clause is not None:
            where = where & clause
        if exact:  # the SQL says it: no row needs reading
            taken.extend(conn.execute(select(targets.c.credit_code).where(where)).scalars())
            continue
        q = select(*[targets.c[c] for c in TARGET_COLUMNS]).where(where)
        taken.extend(r.credit_code for r in conn.execute(q)
                     if in_scope(parameters.scope_filter, cast("Mapping[str, Any]", r._mapping)))
    return {"library": int(total), "in_scope": eligible + len(taken),
            **exclusion_funnel(taken, parameters), "eligible": eligible}


def run_draw(engine: Engine, campaign: Campaign, seed: str, *, commitment_required: bool = True,
             on_date: date | None = None, checklist: Checklist | None = None,
             weak_seed: bool = False, supplementary: str | None = None,
             count: int | None = None) -> DrawRecord:
    """Draw targets and teams for *campaign* with *seed* and record the draw.

    Everything happens in one write transaction: the commitment check (SHA-256(seed) must
    be a recorded, unused commitment of the campaign unless *commitment_required* is
    False), the exclusions (targets drawn earlier this year in a campaign of the same
    kind, targets drawn earlier by this campaign, and the campaign's ``inspection_limits``
    over the inspection history, core/history.py), the draw, the ``draws`` and
    ``draw_targets`` rows, one inspection task per drawn target (pinned to *checklist*'s
    snapshot when given), the commitment's use and the audit entry. Raises
    :class:`DrawError` (nothing recorded) when the draw cannot be made.

    A campaign draws once: when its draws already reach its planned count (or it has been
    drawn at all, for a ratio) a plain draw is refused (JC741). *supplementary* is the
    reason of a 补充抽取 (JC742 when blank, JC743 when the campaign has no draw yet), which
    draws *count* (default: the campaign's sample) more. Either way the draw never takes an
    enterprise the campaign drew before, and its 抽取序号 continue the campaign's.

    A weak seed (JC740, see :func:`commit`) is refused unless *weak_seed*, or unless it
    matches a recorded commitment (whose ``draw commit`` already accepted it); the audit
    entry records ``weak_seed`` and ``seed_bits``. The replay does not depend on it.
    """
    from ..store.models import commitments, draw_targets, draws

    seed = check_seed(seed)
    value = commitment_of(seed)
    when = draw_date(campaign, on_date)
    file = campaign.source.file
    reason = supplementary.strip() if supplementary is not None else None
    if reason is not None and not reason:
        raise DrawError([problem("JC742")])
    with begin_write(engine) as conn:
        earlier, drawn_codes, last_seq = _campaign_draws(conn, campaign.id)
        if reason is not None and not earlier:
            raise DrawError([problem("JC743", campaign=campaign.id)])
        row = conn.execute(select(commitments).where(
            commitments.c.campaign_id == campaign.id,
            commitments.c.commitment == value)).first()
        if row is not None and row.used_by_draw is not None:
            raise DrawError([problem("JC733", draw_id=row.used_by_draw)])
        if row is None and commitment_required:
            raise DrawError([problem("JC732", file=file, commitment=value,
                                             campaign=campaign.id)])
        bits = check_seed_strength(seed, weak_ok=weak_seed or row is not None)
        if reason is None and earlier:
            planned, sample_text = _planned(campaign)
            if planned is None or len(drawn_codes) >= planned:
                raise DrawError([problem("JC741", file=file, path="campaign.sample",
                                         campaign=campaign.id,
                                         draws=", ".join(map(str, earlier)),
                                         drawn=len(drawn_codes), planned=sample_text)])
        exclude = (_exclusions(conn, campaign.kind, campaign.year)
                   if campaign.exclude_inspected_this_year else [])
        now = clock.utcnow()
        history = draw_history(conn, campaign.inspection_limits,
                               history_start(campaign, when), as_of=now)
        parameters = build_parameters(campaign, when, exclude, history=history,
                                      campaign_drawn=drawn_codes, seq_start=last_seq + 1,
                                      count=count)
        result = replay(conn, seed, parameters, file=file)
        funnel = draw_funnel(conn, parameters, result.eligible)
        stored = result.to_json()
        digest = result_digest(stored)
        history_fp = history_fingerprint(parameters.history)
        who = audit.actor(conn)
        # the draws row, and the DrawRecord returned (its fields are the row's columns)
        columns: dict[str, Any] = {
            "campaign_id": campaign.id, "campaign_kind": campaign.kind,
            "year": parameters.year, "seed": seed,
            "commitment": value if row is not None else None,
            "algorithm_version": ALGORITHM_VERSION, "parameters": parameters.to_json(),
            "targets_fingerprint": result.targets_fingerprint,
            "officers_fingerprint": result.officers_fingerprint, "result": stored,
            "result_digest": digest, "created_at": now, "actor": who,
            "history_fingerprint": history_fp, "funnel": funnel, "reason": reason,
        }
        draw_id = conn.execute(insert(draws).values(**columns)
                               .returning(draws.c.id)).scalar_one()
        if result.targets:
            conn.execute(insert(draw_targets), [
                {"draw_id": draw_id, "seq": t.seq, "credit_code": t.credit_code}
                for t in result.targets])
        if row is not None:
            conn.execute(update(commitments).where(commitments.c.id == row.id)
                         .values(used_by_draw=draw_id))
        from ..records.service import create_tasks

        create_tasks(conn, draw_id, campaign.id, stored, checklist)
        audit.append(conn, "draw.run", {
            "draw_id": draw_id, "campaign_id": campaign.id, "year": parameters.year,
            "seed": seed, "commitment": value if row is not None else None,
            "algorithm_version": ALGORITHM_VERSION,
            "targets_fingerprint": result.targets_fingerprint,
            "officers_fingerprint": result.officers_fingerprint,
            "result_digest": digest, "drawn": len(result.targets),
            "weak_seed": bits < MIN_SEED_BITS, "seed_bits": bits,
            "supplementary": reason is not None, "reason": reason,
            "seq_start": parameters.seq_start,
            "inspection_limits": dict(parameters.inspection_limits or {}) or None,
            "history_fingerprint": history_fp, "funnel": funnel,
        }, actor=who)
    return DrawRecord(id=draw_id, **columns)


def unsampled_warnings(result: Mapping[str, Any]) -> list[str]:
    """A note when eligible targets of grades not listed in by_grade were not sampled."""
    unsampled = result.get("unsampled") or {}
    if not unsampled:
        return []
    en = get_lang() == "en"
    parts = ", ".join(f"{g or ('(none)' if en else '（无）')}: {n}"
                      for g, n in sorted(unsampled.items()))
    if en:
        return [f"eligible targets of grades not listed in sample.by_grade were not sampled "
                f"({parts})"]
    return [f"信用风险等级未列入 sample.by_grade 的符合条件对象不参加抽取（{parts}）"]


# --------------------------------------------------------------------------- reading draws


# Draw ids are 64-bit integers on both engines: a larger number names no draw (and must
# not reach the driver, which cannot bind it).
MAX_DRAW_ID = 2**63 - 1


def draw_row(conn: Connection, draw_id: int) -> Any:
    """The ``draws`` row *draw_id*, or DrawError JC734."""
    row = None
    if 0 < draw_id <= MAX_DRAW_ID:
        row = conn.execute(select(draws).where(draws.c.id == draw_id)).first()
    if row is None:
        raise DrawError([problem("JC734", draw_id=draw_id)])
    return row


def read_draw(conn: Connection, draw_id: int) -> DrawRecord:
    """The recorded draw *draw_id* (DrawError JC734), on the caller's connection."""
    return _record_from_row(draw_row(conn, draw_id))


def load_draw(engine: Engine, draw_id: int) -> DrawRecord:
    """:func:`read_draw` on a connection of its own."""
    with engine.connect() as conn:
        return read_draw(conn, draw_id)


def list_draws(engine: Engine, campaign_id: str | None = None) -> list[DrawRecord]:
    q = select(draws).order_by(draws.c.id)
    if campaign_id:
        q = q.where(draws.c.campaign_id == campaign_id)
    with engine.connect() as conn:
        return [_record_from_row(r) for r in conn.execute(q)]


# An Engine-taking convenience over core.draw.queries (one connection); the app and
# reports that hold a Connection call it directly. core.present.draw.team_table words it.


def display_rows(engine: Engine, record: DrawRecord,
                 department_names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The drawn targets with names and teams, for text and JSON output (no personal data):
    :func:`.queries.drawn_rows`."""
    with engine.connect() as conn:
        return drawn_rows(conn, record, department_names)


@dataclass
class DrawReport:
    """A recorded draw as ``draw run`` and ``draw show`` print it: the export (what a third
    party replays), who recorded it, the drawn enterprises with names and teams (no
    personal data) and the notes of an unsampled stratum."""

    record: DrawRecord
    teams: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {**self.record.export(), "actor": self.record.actor, "teams": self.teams,
                "warnings": self.record.warnings}


def draw_report(engine: Engine, record: DrawRecord,
                department_names: Mapping[str, str] | None = None) -> DrawReport:
    """:class:`DrawReport` of *record*, its teams read from the libraries."""
    return DrawReport(record, display_rows(engine, record, department_names))


# --------------------------------------------------------------------------- verifying


@dataclass
class VerifyReport:
    """The outcome of a replay: ``differences`` empty means 一致."""

    draw_id: int | None
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets_fingerprint: str | None = None
    officers_fingerprint: str | None = None
    replayed_digest: str | None = None

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"draw_id": self.draw_id, "consistent": self.ok,
                "differences": self.differences, "notes": self.notes,
                "targets_fingerprint": self.targets_fingerprint,
                "officers_fingerprint": self.officers_fingerprint,
                "replayed_result_digest": self.replayed_digest}


def _brief_team(team: Any) -> str:
    if not isinstance(team, list):
        return str(team)
    parts = []
    for m in team:
        if isinstance(m, Mapping):
            mark = "*" if m.get("leader") else ""
            parts.append(f"{m.get('department')}:{m.get('cert_no')}{mark}")
        else:
            parts.append(str(m))
    return "[" + ", ".join(parts) + "]"


def _check_record(report: VerifyReport, data: Mapping[str, Any]) -> None:
    """Checks that need no replay, into *report* (DrawError JC730 for a version this
    software lacks)."""
    version = data.get("algorithm_version")
    if version not in SUPPORTED_VERSIONS:
        raise DrawError([problem("JC730", version=version,
                                      supported=", ".join(SUPPORTED_VERSIONS))])
    seed = data.get("seed") or ""
    if data.get("commitment") and commitment_of(seed) != data["commitment"]:
        report.differences.append(_("commitment_mismatch", actual=commitment_of(seed),
                                    recorded=data["commitment"]))
    actual = result_digest(data.get("result") or {})
    if actual != data.get("result_digest"):
        report.differences.append(_("digest_mismatch", recorded=data.get("result_digest"),
                                    actual=actual))
    if version != "jc-draw-1":
        params = data.get("parameters") or {}
        history = [tuple(e) for e in params.get("history") or []]
        fp = history_fingerprint(history)
        if fp != data.get("history_fingerprint"):
            report.differences.append(_("history_record", recorded=data.get(
                "history_fingerprint"), actual=fp))


def _compare(report: VerifyReport, data: Mapping[str, Any],
             result: DrawResult | DrawError, *, public: bool = False) -> None:
    """Record in *report* how the replayed *result* differs from the recorded *data*.
    *public*: replayed from the publication (core.draw.public), whose officers' roster
    carries no row digests: their fingerprint is not compared (their count per department
    and every team are)."""
    if isinstance(result, DrawError):
        report.differences.append(_("replay_failed", detail="; ".join(
            p.message for p in result.problems)))
        return
    report.targets_fingerprint = result.targets_fingerprint
    report.officers_fingerprint = result.officers_fingerprint
    replayed = result.to_json()
    report.replayed_digest = result_digest(replayed)
    library_changed = False
    if result.targets_fingerprint != data.get("targets_fingerprint"):
        library_changed = True
        report.differences.append(_("fp_targets", recorded=data.get("targets_fingerprint"),
                                    actual=result.targets_fingerprint, eligible=result.eligible))
    if public:
        report.officers_fingerprint = None
        report.notes.append(_("public_officers"))
    elif result.officers_fingerprint != data.get("officers_fingerprint"):
        library_changed = True
        report.differences.append(_("fp_officers", recorded=data.get("officers_fingerprint"),
                                    actual=result.officers_fingerprint))
    diff = first_difference(data.get("result") or {}, replayed)
    if diff is None:
        if library_changed:
            report.notes.append(_("same_result_anyway"))
        return
    seq, what, rec, rep = diff
    if what == "team":
        report.differences.append(_("diff_team", seq=seq, recorded=_brief_team(rec),
                                    replayed=_brief_team(rep)))
    elif what == "count":
        report.differences.append(_("diff_count", recorded=rec, replayed=rep))
    elif what == "summary":
        report.differences.append(_("diff_summary", recorded=json.dumps(rec, ensure_ascii=False),
                                    replayed=json.dumps(rep, ensure_ascii=False)))
    else:
        report.differences.append(_("diff_target", seq=seq, recorded=rec, replayed=rep))


def verify_stored(engine: Engine, draw_id: int) -> VerifyReport:
    """Replay draw *draw_id* on the store's current libraries and compare."""
    from ..store.models import draw_targets

    report = VerifyReport(draw_id)
    with engine.connect() as conn:
        record = read_draw(conn, draw_id)
        data = record.export()
        _check_record(report, data)
        parameters = Parameters.from_json(record.parameters, record.algorithm_version)
        # the draw_targets rows must mirror the result
        rows = conn.execute(select(draw_targets.c.seq, draw_targets.c.credit_code)
                            .where(draw_targets.c.draw_id == draw_id)
                            .order_by(draw_targets.c.seq)).all()
        listed = [(t.get("seq"), t.get("credit_code")) for t in record.drawn]
        for got, want in zip([tuple(r) for r in rows], listed, strict=False):
            if got != want:
                report.differences.append(_("draw_targets", seq=want[0]))
                break
        else:
            if len(rows) != len(listed):
                report.differences.append(_("draw_targets", seq=min(len(rows), len(listed)) + 1))
        # the exclusion list must be what the earlier draws of the same kind drew
        if parameters.exclusion:
            earlier = _exclusions(conn, record.campaign_kind, record.year, before=draw_id)
            if list(parameters.exclude) != earlier:
                report.differences.append(_("exclusion", recorded=len(parameters.exclude),
                                            actual=len(earlier)))
        if record.algorithm_version != "jc-draw-1":
            _check_history(conn, report, record, parameters)
        result: DrawResult | DrawError
        try:
            result = replay(conn, record.seed, parameters)
        except DrawError as exc:
            result = exc
    _compare(report, data, result)
    return report


def excluded_listed(n: int, code: str) -> str:
    """The difference of a public replay whose eligible list holds excluded targets."""
    return _("excluded_listed", n=n, code=code)


def _check_history(conn: Connection, report: VerifyReport, record: DrawRecord,
                   parameters: Parameters) -> None:
    """jc-draw-2: the campaign's earlier draws and the inspection history, rebuilt from the
    store as it was at the draw, must be what the draw recorded."""
    _ids, codes, last_seq = _campaign_draws(conn, record.campaign_id, before=record.id)
    if list(parameters.campaign_drawn) != codes:
        report.differences.append(_("campaign_drawn", recorded=len(parameters.campaign_drawn),
                                    actual=len(codes)))
    if parameters.seq_start != last_seq + 1:
        report.differences.append(_("seq_start", recorded=parameters.seq_start,
                                    actual=last_seq + 1))
    rebuilt = draw_history(conn, parameters.inspection_limits,
                           parameters.start or parameters.date, before_draw=record.id,
                           as_of=record.created_at)
    if rebuilt != parameters.history:
        report.differences.append(_("history_store", recorded=len(parameters.history),
                                    fp_recorded=history_fingerprint(parameters.history),
                                    actual=len(rebuilt), fp_actual=history_fingerprint(rebuilt)))


def read_export(path: str | Path) -> dict[str, Any]:
    """An exported draw file, checked for the keys a replay needs (DrawError JC735)."""
    label = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DrawError([problem("JC735", file=label, detail=os_detail(exc, label))]) from None
    except UnicodeDecodeError as exc:
        raise DrawError([problem("JC735", file=label, detail=Localized(
            f"文件不是 UTF-8 编码（第 {exc.start} 字节）",
            f"the file is not UTF-8 (byte {exc.start})"))]) from None
    except json.JSONDecodeError as exc:
        raise DrawError([problem("JC735", file=label, detail=Localized(
            f"不是 JSON：第 {exc.lineno} 行第 {exc.colno} 列", f"not JSON: {exc}"))]) from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise DrawError([problem("JC735", file=label,
                                         detail=f'"format" is not "{EXPORT_FORMAT}"')])
    missing = [k for k in ("algorithm_version", "seed", "parameters", "targets_fingerprint",
                           "officers_fingerprint", "result", "result_digest")
               if k not in data]
    if missing:
        raise DrawError([problem("JC735", file=label,
                                         detail="missing " + ", ".join(missing))])
    return data


def verify_files(data: Mapping[str, Any], targets_path: str | Path, officers_path: str | Path,
                 *, encoding: str | None = None, mapping: Any = None) -> VerifyReport:
    """Replay an exported draw on libraries given as files (CSV / XLSX, as imported).

    A library file with invalid rows raises the reader's LibraryError (every row problem).
    """
    report = VerifyReport(data.get("draw_id"))
    _check_record(report, data)
    parameters = Parameters.from_json(data["parameters"], str(data["algorithm_version"]))
    problems: list[Any] = []

    def rows(kind: str, path: str | Path) -> Iterable[dict[str, Any]]:
        for r in iter_rows(kind, path, encoding=encoding, mapping=mapping):
            if r.data is None:
                problems.extend(r.problems)
            else:
                yield r.data

    entries, total = eligible_targets(rows("targets", targets_path), parameters,
                                      digest=lambda row: row_digest("targets", row))
    officer_rows = [officer_entry(r, row_digest("officers", r))
                    for r in rows("officers", officers_path)
                    if r.get("department") in parameters.departments]
    if problems:
        raise LibraryError(problems)
    try:
        result: DrawResult | DrawError = draw(str(data["seed"]), entries, officer_rows,
                                              parameters, total_targets=total,
                                              beside=rank_beside)
    except DrawError as exc:
        result = exc
    _compare(report, data, result)
    return report


__all__ = [
    "Commitment", "DrawError", "DrawRecord", "VerifyReport", "build_parameters", "commit",
    "DrawReport", "display_rows", "draw_date", "draw_report", "list_draws", "load_draw",
    "read_draw", "read_export",
    "run_draw", "verify_files", "verify_stored",
]
