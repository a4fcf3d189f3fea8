"""The inspection history as text and rows: an enterprise's inspections (``targets
history``), the repeated inspections of a campaign (``status``, the report 重复检查预警表),
the limits a draw applied (``draw show``, the publication) and the draw's funnel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..draw.algorithm import EXCLUSION_STEPS
from ..i18n import Localized, translator
from ..text import table_lines
from .reports import Table, campaign_docno

if TYPE_CHECKING:  # pragma: no cover
    from ..history import Inspection, Repeated
    from ..model import Campaign

_ = translator({
    "date": ("检查日期", "检查日期 (date)"),
    "source": ("来源", "source"),
    "units": ("检查单位", "检查单位 (units)"),
    "what": ("检查类型/事项", "type / matters"),
    "result": ("检查结果", "检查结果 (result)"),
    "campaign": ("实施方案 {campaign}（任务 {task}）", "campaign {campaign} (task {task})"),
    "imported": ("导入：{file}", "imported: {file}"),
    "planned": ("已抽取，尚未检查（按抽查开始日期计）",
                "drawn, not inspected yet (dated at the campaign's start)"),
    "submitted": ("已提交，结果未确认", "submitted, result not settled"),
    "none": ("{code} 没有检查记录", "no inspection of {code} on record"),
    "count": ("共 {n} 次检查", "{n} inspection(s)"),
    "repeated_head": ("重复检查提示：{n} 户企业超过年度检查频次上限或在间隔期内被重复检查",
                      "repeated inspections: {n} enterprise(s) above the yearly cap or "
                      "inspected again within the interval"),
    "over_cap": ("本年度检查 {n} 次，超过上限 {cap} 次", "{n} inspections this year, above the cap of {cap}"),
    "again_this_year": ("本年度检查 {n} 次（未设定检查频次限制）",
                        "{n} inspections this year (no inspection limits set)"),
    "near": ("{days} 日内重复检查", "inspected again within {days} days"),
    "funnel_head": ("检查对象：{steps}", "targets: {steps}"),
    "f_library": ("名录库 {n}", "library {n}"),
    "f_in_scope": ("抽查范围内 {n}", "in scope {n}"),
    "f_drawn_this_year": ("排除本年度同类已抽取 {n}", "drawn this year (same kind) −{n}"),
    "f_drawn_in_campaign": ("排除本实施方案已抽取 {n}", "drawn earlier in this campaign −{n}"),
    "f_inspected_within_days": ("排除 {days} 日内已检查 {n}", "inspected within {days} days −{n}"),
    "f_yearly_cap": ("排除本年度已检查满 {cap} 次 {n}", "inspected {cap}+ times this year −{n}"),
    "f_eligible": ("符合条件 {n}", "eligible {n}"),
    "limit_within": ("同一企业在抽查开始日期前后 {days} 日内已检查（或已被抽取）的，不列入抽取",
                     "an enterprise inspected (or drawn) within {days} days of the start, "
                     "before or after it, is not drawn"),
    "limit_cap": ("同一企业在抽查开始日期所在年度已检查（或已被抽取）满 {cap} 次的，不列入抽取",
                  "an enterprise inspected (or drawn) {cap} or more times in the start's "
                  "calendar year is not drawn"),
    "no_limits": ("未设定检查频次限制", "no inspection limits"),
    "supplementary": ("补充抽取，理由：{reason}", "supplementary draw (补充抽取), reason: {reason}"),
})



def source_text(entry: Inspection, *, document: bool = False) -> str:
    """Where an inspection comes from: its campaign and task, or the imported file (in
    Chinese for a *document* of record)."""
    text: Any = (_("campaign", campaign=entry.campaign_id, task=entry.task_id)
                 if entry.source == "campaign" else _("imported", file=entry.file or ""))
    return text.in_lang("zh") if document else str(text)


def units_text(entry: Inspection, department_names: Mapping[str, str] | None = None) -> str:
    names = department_names or {}
    return "、".join(names.get(u, u) for u in entry.units)


def result_text(entry: Inspection) -> str:
    if entry.result:
        return entry.result
    if entry.source == "campaign":
        return _("submitted") if entry.submitted else _("planned")
    return ""


def history_rows(entries: Iterable[Inspection],
                 department_names: Mapping[str, str] | None = None) -> list[list[str]]:
    """One row per inspection: date, source, units, type/matters, result."""
    return [[e.on.isoformat(), source_text(e), units_text(e, department_names),
             "；".join(x for x in (e.kind, e.matters) if x), result_text(e)]
            for e in entries]


def history_table(code: str, entries: list[Inspection],
                  department_names: Mapping[str, str] | None = None) -> list[str]:
    """``targets history CODE``: the enterprise's inspections, oldest first."""
    if not entries:
        return [_("none", code=code)]
    header = [_("date"), _("source"), _("units"), _("what"), _("result")]
    return [*table_lines(header, history_rows(entries, department_names)),
            _("count", n=len(entries))]


def repeated_reasons(item: Repeated, limits: Mapping[str, int]) -> list[Any]:
    """Why an enterprise is flagged (each a Localized text); *limits* are those the draw
    declared (empty: none, any second inspection in a year is flagged)."""
    out = []
    if item.over_cap:
        cap = limits.get("max_per_year")
        out.append(_("over_cap", n=item.year_count, cap=cap) if cap is not None
                   else _("again_this_year", n=item.year_count))
    if item.near:
        out.append(_("near", days=limits.get("exclude_within_days")))
    return out


def repeated_lines(items: list[Repeated], limits: Mapping[str, int],
                   department_names: Mapping[str, str] | None = None) -> list[str]:
    """The warning block of ``status``: each enterprise, why, and its inspections."""
    if not items:
        return []
    lines = [_("repeated_head", n=len({i.credit_code for i in items}))]
    for item in items:
        lines.append(f"  {item.task_id} {item.credit_code}：" + "；".join(
            repeated_reasons(item, limits)))
        for e in item.inspections:
            lines.append(f"    {e.on.isoformat()}  {units_text(e, department_names)}  "
                         f"{source_text(e)}")
    return lines


def limits_text(limits: Mapping[str, Any] | None, *, document: bool = False) -> str:
    """The limits a draw applied, in the user's language, or in Chinese for a *document*
    of record (the publication)."""
    text: Any = _("no_limits")
    if limits:
        parts: list[Any] = []
        if limits.get("exclude_within_days") is not None:
            parts.append(_("limit_within", days=limits["exclude_within_days"]))
        if limits.get("max_per_year") is not None:
            parts.append(_("limit_cap", cap=limits["max_per_year"]))
        text = Localized("；".join(p.in_lang("zh") for p in parts) + "。",
                         "; ".join(p.in_lang("en") for p in parts) + ".")
    return text.in_lang("zh") if document else str(text)


def funnel_line(funnel: Mapping[str, int] | None, limits: Mapping[str, Any] | None) -> str | None:
    """The draw's eligibility funnel in one line (None for a draw recorded without one)."""
    if not funnel:
        return None
    limits = limits or {}
    steps = [_("f_library", n=funnel.get("library")), _("f_in_scope", n=funnel.get("in_scope"))]
    for key in EXCLUSION_STEPS:
        n = funnel.get(key) or 0
        if key == "inspected_within_days" and limits.get("exclude_within_days") is None:
            continue
        if key == "yearly_cap" and limits.get("max_per_year") is None:
            continue
        if key in ("drawn_this_year", "drawn_in_campaign") and not n:
            continue
        steps.append(_(f"f_{key}", n=n, days=limits.get("exclude_within_days"),
                       cap=limits.get("max_per_year")))
    steps.append(_("f_eligible", n=funnel.get("eligible")))
    return _("funnel_head", steps=" → ".join(steps))


def supplementary_line(reason: str | None) -> str | None:
    return _("supplementary", reason=reason) if reason is not None else None


REPEATED_COLUMNS = [("task", "任务编号"), ("credit_code", "统一社会信用代码"),
                    ("name", "市场主体名称"), ("reason", "预警原因"),
                    ("inspections", "检查记录（日期、检查单位、来源）")]


def repeated_report_rows(items: list[Repeated], limits: Mapping[str, int],
                         names: Mapping[str, str],
                         department_names: Mapping[str, str] | None = None
                         ) -> list[list[Any]]:
    """Rows of the report 重复检查预警表 (always Chinese)."""
    rows = []
    for item in items:
        reasons = [r.in_lang("zh") for r in repeated_reasons(item, limits)]
        detail = "\n".join(f"{e.on.isoformat()} {units_text(e, department_names)} "
                           f"{source_text(e, document=True)}" for e in item.inspections)
        rows.append([item.task_id, item.credit_code, names.get(item.credit_code, ""),
                     "；".join(reasons), detail])
    return rows


REPEATED_TITLE = "重复检查预警表"


def repeated_table(campaign: Campaign | None, items: list[Repeated], limits: Mapping[str, int],
                   names: Mapping[str, str],
                   department_names: Mapping[str, str] | None = None) -> Table:
    """The report 重复检查预警表 (``report repeated``): the drawn enterprises inspected
    above the limits, with every inspection that makes it so (always Chinese)."""
    prefix = campaign.report_title_prefix if campaign else ""
    return Table(annex=0, title=prefix + REPEATED_TITLE, document_number=campaign_docno(campaign),
                 keys=[k for k, _h in REPEATED_COLUMNS],
                 header=[[h for _k, h in REPEATED_COLUMNS]],
                 rows=repeated_report_rows(items, limits, names, department_names))
