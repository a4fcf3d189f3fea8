"""A recorded draw as text and rows: its header, the drawn enterprises and their teams,
the list of draws and a verification report. Never shows phone or ID numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..clock import reading_time
from ..i18n import translator
from ..text import table_lines
from .history import funnel_line, limits_text, supplementary_line
from .team import member_text

if TYPE_CHECKING:  # pragma: no cover
    from ..draw.service import DrawRecord, VerifyReport

_ = translator({
    "no_name": ("（名录库中已无此对象）", "(no longer in the library)"),
    "seq": ("抽取序号", "No."),
    "code": ("统一社会信用代码", "统一社会信用代码"),
    "name": ("市场主体名称", "市场主体名称"),
    "grade": ("信用风险等级", "信用风险等级"),
    "team": ("检查人员", "检查人员"),
    "drawn_head": ("抽取记录第 {id} 号：{campaign}（{year} 年），抽中 {n} 户，符合条件 {eligible} 户",
                   "draw {id}: {campaign} ({year}), {n} drawn of {eligible} eligible"),
    "strata": ("分层：{strata}", "strata: {strata}"),
    "stratum_all": ("全部", "all"),
    "supplementary_mark": ("（补充抽取）", " (supplementary)"),
    "limits_line": ("检查频次限制：{text}", "inspection limits: {text}"),
    "seed_line": ("种子：{seed}", "seed: {seed}"),
    "commitment_line": ("承诺：{value}", "commitment: {value}"),
    "no_commitment_line": ("承诺：无（--no-commitment）", "commitment: none (--no-commitment)"),
    "fp_line": ("名录库指纹：检查对象 {t}，执法检查人员 {o}",
                "library fingerprints: targets {t}, officers {o}"),
    "algo_line": ("算法版本：{v}；抽取日期：{d}；结果摘要：{r}",
                  "algorithm: {v}; draw date: {d}; result digest: {r}"),
    "created_line": ("记录时间：{at}；操作人：{actor}", "recorded: {at} by {actor}"),
    "warning": ("提示：{text}", "note: {text}"),
    "col_id": ("编号", "id"), "col_campaign": ("实施方案", "campaign"), "col_year": ("年度", "year"),
    "col_at": ("时间（北京时间）", "time (Beijing)"), "col_n": ("抽取户数", "drawn"),
    "col_commit": ("承诺", "commitment"),
    "consistent": ("一致", "一致 (consistent)"),
    "inconsistent": ("不一致", "不一致 (inconsistent)"),
})


def team_table(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """:func:`jointcheck.core.draw.queries.team_rows` as a readable table, one string per line.

    Columns: 抽取序号, 统一社会信用代码, 市场主体名称, 信用风险等级 (by_grade draws), 检查人员
    (组长 first, each with the department).
    """
    rows = list(rows)
    with_grade = any(r["risk_grade"] is not None for r in rows)
    header = [_("seq"), _("code"), _("name")] + ([_("grade")] if with_grade else []) + [_("team")]
    table = []
    for r in rows:
        cells = [str(r["seq"]), r["credit_code"], r["name"] or _("no_name")]
        if with_grade:
            cells.append(r["risk_grade"] or "")
        cells.append("、".join(member_text(m) for m in r["team"]))
        table.append(cells)
    return table_lines(header, table)


def record_lines(record: DrawRecord) -> list[str]:
    """The header of ``draw run`` / ``draw show``: counts, strata, seed, commitment,
    fingerprints, algorithm, date, digest, who recorded it and any warnings."""
    res = record.result
    lines = [_("drawn_head", id=record.id, campaign=record.campaign_id, year=record.year,
               n=len(record.drawn), eligible=res.get("eligible"))]
    strata = "；".join(
        f"{s.get('grade') or _('stratum_all')} {s.get('drawn')}/{s.get('eligible')}"
        + (f"（{s['ratio']}）" if s.get("ratio") else "")
        for s in res.get("strata") or [])
    lines.append(_("strata", strata=strata))

    limits = record.parameters.get("inspection_limits")
    extra = [supplementary_line(record.reason), funnel_line(record.funnel, limits),
             _("limits_line", text=limits_text(limits)) if limits else None]
    lines.extend(x for x in extra if x)
    lines.append(_("seed_line", seed=record.seed))
    if record.commitment:
        lines.append(_("commitment_line", value=record.commitment))
    else:
        lines.append(_("no_commitment_line"))
    lines.append(_("fp_line", t=record.targets_fingerprint, o=record.officers_fingerprint))
    lines.append(_("algo_line", v=record.algorithm_version, d=record.parameters.get("date"),
                   r=record.result_digest))
    if record.created_at is not None:
        lines.append(_("created_line", at=reading_time(record.created_at), actor=record.actor))
    lines.extend(_("warning", text=text) for text in record.warnings)
    return lines


def draws_table(records: Iterable[DrawRecord]) -> list[str]:
    """The table of ``draw list``: id, campaign, year, time, drawn, commitment (16 digits)."""
    header = [_("col_id"), _("col_campaign"), _("col_year"), _("col_at"), _("col_n"),
              _("col_commit")]
    rows = []
    for r in records:
        s = r.summary()
        campaign = s["campaign_id"] + (_("supplementary_mark") if s.get("reason") else "")
        rows.append([str(s["id"]), campaign, str(s["year"]), reading_time(r.created_at),
                     str(s["drawn"]), (s["commitment"] or "-")[:16]])
    return table_lines(header, rows, rule=False)


def verify_lines(report: VerifyReport) -> list[str]:
    """A replay's verdict, 一致 or 不一致, then each difference and note indented."""
    if report.ok:
        return [_("consistent"), *(f"  {line}" for line in report.notes)]
    return [_("inconsistent"), *(f"  {line}" for line in report.differences),
            *(f"  {line}" for line in report.notes)]
