"""Presentation of the office's review (``results list``, ``results set``): pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..clock import reading_time
from ..i18n import translator
from ..text import display_width
from .records import status_label
from .results import plugin_note_of

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
    "plugin_line": ("{task} {department}：{note}", "{task} {department}: {note}"),
    "b_plugin": ("  {note}", "  {note}"),
    "none": ("无", "none"),
    "override": ("{target}：{what}（理由：{reason}；{actor}，{at}）",
                 "{target}: {what} (reason: {reason}; {actor}, {at})"),
    "joint": ("联合抽查结果", "joint result"),
    "result_change": ("抽查结果 {old} → {new}", "result {old} → {new}"),
    "add": ("增加处理结果 {names}", "add disposition {names}"),
    "remove": ("删去处理结果 {names}", "remove disposition {names}"),
    "stale": ("已修改，待重新确认", "amended, settle again"),
    "counts": ("已抽取 {drawn} 户 · 已提交 {submitted} 户 · 未提交 {missing} 户 · 已确认 {settled} 户"
               "{stale}",
               "{drawn} drawn · {submitted} submitted · {missing} missing · {settled} settled"
               "{stale}"),
    "counts_stale": (" · 确认后修改 {n} 户", " · {n} amended after settling"),
    "b_result": ("  抽查结果  {value}", "  抽查结果 (result)  {value}"),
    "b_disp": ("  处理结果  {value}", "  处理结果 (dispositions)  {value}"),
    "b_same": ("{value}（计算结果，未修改）", "{value} (computed, unchanged)"),
    "b_computed": ("计算：{value}", "computed: {value}"),
    "b_settled": ("确认：{value}", "settled: {value}"),
    "b_proposed": ("修改：{value}", "changed: {value}"),
    "b_follows": ("（随各部门结果）", " (follows the departments)"),
    "b_before": ("  此前已确定  {value}", "  settled before  {value}"),
    "problem": ("{dept} {n}. {title}：不符合{corrected}", "{dept} {n}. {title}: 不符合{corrected}"),
    "problem_corrected": ("（当场整改）", " (当场整改, corrected on site)"),
    "problem_note": ("    问题说明：{note}", "    note: {note}"),
    "no_problems": ("没有不符合的检查事项", "no 不符合 item"),
})


def code_cell(block: Mapping[str, Any]) -> str:
    """``5`` or ``8→1*`` when the office changed the computed result; ``5⇒8`` when a
    plugin's hook changed the policy's 5 to the computed 8 (``5⇒8→1*`` both)."""
    computed, result = block["computed"]["code"], block["result"]["code"]
    plugin = block.get("plugin")
    cell = str(result) if computed == result else f"{computed}→{result}*"
    return f"{plugin['from']}⇒{cell}" if plugin and plugin.get("from") is not None else cell


def plugin_lines(row: Consolidated, names: Mapping[str, str]) -> list[str]:
    """One line per department result a plugin's hook decided (under ``results list``)."""
    blocks = ((row.results or {}).get("departments") or {}).items()
    return [_("plugin_line", task=row.task.id, department=names.get(code, code), note=note)
            for code, b in blocks if (note := plugin_note_of(b))]


def results_header(departments: list[tuple[str, str]], *, review: bool = False) -> list[str]:
    """``results list``'s columns; the app's review (submitted records only, the task id
    holding the 抽取序号) leaves out 抽取序号 and the status (``review=True``)."""
    return ([_("h_task")] + ([] if review else [_("h_seq")]) + [_("h_name")]
            + ([] if review else [_("h_status")])
            + [name for _code, name in departments]
            + [_("h_joint"), _("h_disp"), _("h_settled")])


def results_row(row: Consolidated, departments: list[tuple[str, str]], *,
                review: bool = False) -> list[str]:
    t = row.task
    res = row.results
    if review:
        cells = [t.id, t.name or t.credit_code]
    else:
        cells = [t.id, str(t.seq), t.name or t.credit_code, status_label(t.status)]
    if res is None:
        return cells + ["" for _d in departments] + ["", "", settled_cell(row)]
    for code, _name in departments:
        block = res["departments"].get(code)
        cells.append(code_cell(block) if block else "")
    cells += [code_cell(res["joint"]), "、".join(res["dispositions"]) or _("none"),
              settled_cell(row)]
    return cells


def settled_cell(row: Consolidated) -> str:
    """已确认 / 已公示 DAY / 未确认 / 已修改，待重新确认 (an amendment or an override undid
    the settlement)."""
    if row.published_on:
        return _("published", day=row.published_on.isoformat())
    if row.is_settled:
        return _("yes")
    if row.stale_settlement is not None:
        return _("stale")
    return "" if row.results is None else _("no")


def review_counts(rows: list[Consolidated]) -> str:
    """The review's count line: drawn, submitted, missing, settled (and amended after
    settling)."""
    submitted = sum(r.submitted for r in rows)
    stale = sum(1 for r in rows if r.submitted and not r.is_settled
                and r.stale_settlement is not None)
    return _("counts", drawn=len(rows), submitted=submitted, missing=len(rows) - submitted,
             settled=sum(r.is_settled for r in rows),
             stale=_("counts_stale", n=stale) if stale else "")


def _result_text(block: Mapping[str, Any]) -> str:
    return f"{block['code']}. {block['text']}"


def target_blocks(row: Consolidated, names: Mapping[str, str]) -> list[tuple[str | None,
                                                                            list[str]]]:
    """One block of lines per department (code) and one for the joint result (None): the
    computed result and dispositions beside the settled (or changed) ones."""
    res = row.results or {}
    word = "b_settled" if row.is_settled else "b_proposed"

    def pair(key: str, computed: str, now: str) -> list[str]:
        if computed == now:
            return [_(key, value=_("b_same", value=computed))]
        indent = " " * display_width(_(key, value=""))
        return [_(key, value=_("b_computed", value=computed)),
                indent + _(word, value=now)]

    out: list[tuple[str | None, list[str]]] = []
    for code, block in (res.get("departments") or {}).items():
        lines = [names.get(code, code)]
        note = plugin_note_of(block)
        if note:
            lines.append(_("b_plugin", note=note))
        lines += pair("b_result", _result_text(block["computed"]), _result_text(block["result"]))
        lines += pair("b_disp", "、".join(block["computed_dispositions"]) or _("none"),
                      "、".join(block["dispositions"]) or _("none"))
        before = ((row.previous or {}).get("departments") or {}).get(code)
        if before and not row.is_settled:  # the settlement a change undid, side by side
            lines.append(_("b_before", value=f"{_result_text(before['result'])}（"
                           + ("、".join(before.get("dispositions") or []) or _("none")) + "）"))
        out.append((code, lines))
    joint = res.get("joint")
    if joint:
        lines = [_("joint")]
        lines += pair("b_result", _result_text(joint["computed"]), _result_text(joint["result"]))
        if not joint["overrides"] and joint["computed"] != joint["result"]:
            lines[-1] += _("b_follows")
        lines.append(_("b_disp", value="、".join(res.get("dispositions") or []) or _("none")))
        out.append((None, lines))
    return out


def problem_lines(row: Consolidated) -> list[str]:
    """The 不符合 items of the submitted record (the findings the results come from), by
    department in checklist order, with the note and whether corrected on the spot."""
    # principle 8: core.records.service is heavy; loaded only when this runs
    from ..records.service import problems_of

    checklist, record = row.checklist, row.record
    computed = row.computed or (row.settled or {})
    if checklist is None or record is None or not computed.get("departments"):
        return []
    numbers = {item.id: n for n, item in enumerate(checklist.items, 1)}
    titles = {item.id: item.title for item in checklist.items}
    names = {d.code: d.name for d in checklist.departments}
    out: list[str] = []
    for p in problems_of(checklist, record.get("findings") or {}, computed):
        out.append(_("problem", dept=names.get(p["department"], p["department"]),
                     n=numbers.get(p["item_id"], "?"), title=titles.get(p["item_id"], p["item_id"]),
                     corrected=_("problem_corrected") if p["corrected_on_site"] else ""))
        if p.get("note"):
            out.append(_("problem_note", note=p["note"]))
    return out or [_("no_problems")]


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
                         actor=o["actor"], at=reading_time(o["at"])))
    return out


