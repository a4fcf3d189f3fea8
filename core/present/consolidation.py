"""Presentation of the office's review (``results list``, ``results set``): pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..i18n import translator
from .records import status_label

if TYPE_CHECKING:  # pragma: no cover
    from ..records.results import Consolidated

_ = translator({
    "h_task": ("任务", "Task"),
    "h_seq": ("抽取序号", "No."),
    "h_name": ("市场主体名称", "市场主体名称"),
    "h_status": ("状态", "Status"),
    "h_joint": ("抽查结果", "抽查结果 (joint)"),
    "h_disp": ("处理结果", "处理结果"),
    "h_settled": ("确认", "Settled"),
    "yes": ("已确认", "settled"),
    "no": ("未确认", "no"),
    "published": ("已公示 {day}", "published {day}"),
    "legend": ("结果代码：{codes}；“计算→确认”表示已由联合抽查领导小组办公室修改（*）",
               "Result codes: {codes}; 'computed→settled' marks an override by the joint "
               "office (*)"),
    "none": ("无", "none"),
    "override": ("{target}：{what}（理由：{reason}；{actor}，{at}）",
                 "{target}: {what} (reason: {reason}; {actor}, {at})"),
    "joint": ("联合抽查结果", "joint result"),
    "result_change": ("抽查结果 {old} → {new}", "result {old} → {new}"),
    "add": ("增加处理结果 {names}", "add disposition {names}"),
    "remove": ("删去处理结果 {names}", "remove disposition {names}"),
})


def code_cell(block: Mapping[str, Any]) -> str:
    """``5`` or ``8→1*`` when the office changed the computed result."""
    computed, result = block["computed"]["code"], block["result"]["code"]
    return str(result) if computed == result else f"{computed}→{result}*"


def results_header(departments: list[tuple[str, str]]) -> list[str]:
    return ([_("h_task"), _("h_seq"), _("h_name"), _("h_status")]
            + [name for _code, name in departments]
            + [_("h_joint"), _("h_disp"), _("h_settled")])


def results_row(row: Consolidated, departments: list[tuple[str, str]]) -> list[str]:
    t = row.task
    res = row.results
    cells = [t.id, str(t.seq), t.name or t.credit_code, status_label(t.status)]
    if res is None:
        return cells + ["" for _d in departments] + ["", "", ""]
    for code, _name in departments:
        block = res["departments"].get(code)
        cells.append(code_cell(block) if block else "")
    settled = _("yes") if row.is_settled else _("no")
    if row.published_on:
        settled = _("published", day=row.published_on.isoformat())
    cells += [code_cell(res["joint"]), "、".join(res["dispositions"]) or _("none"), settled]
    return cells


def legend(results: Mapping[int, str]) -> str:
    return _("legend", codes=" ".join(f"{c}.{t}" for c, t in results.items()))


def override_lines(row: Consolidated, names: Mapping[str, str]) -> list[str]:
    """Every override of an enterprise, oldest first, with who, when and why."""
    res = row.results or {}
    out = []
    blocks = [(names.get(c, c), b) for c, b in (res.get("departments") or {}).items()]
    blocks.append((_("joint"), res.get("joint") or {}))
    for target, block in blocks:
        for o in block.get("overrides") or []:
            change, parts = o["change"], []
            if "result" in change:
                parts.append(_("result_change", old=block["computed"]["code"],
                               new=change["result"]))
            if change.get("add"):
                parts.append(_("add", names="、".join(change["add"])))
            if change.get("remove"):
                parts.append(_("remove", names="、".join(change["remove"])))
            out.append(_("override", target=target, what="，".join(parts), reason=o["reason"],
                         actor=o["actor"], at=o["at"]))
    return out
