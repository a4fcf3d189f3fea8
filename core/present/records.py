"""Presentation of tasks and inspection records (联合检查记录表): status labels, marks,
the draft 处理意见 and the text of ``record show``. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..i18n import translator
from ..records.messages import STATUS_NAMES
from .results import plugin_note_of
from .team import member_text

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Checklist
    from ..records.service import Task

_ = translator({
    **STATUS_NAMES,
    "compliant": ("符合", "compliant"),
    "noncompliant": ("不符合", "non-compliant"),
    "not_applicable": ("不适用", "not applicable"),
    "unanswered": ("未填写", "not answered"),
    "inspected": ("实地检查", "inspected on site"),
    "unreachable": ("无法联系", "unreachable"),
    "refused": ("不配合", "refused"),
    "corrected": ("当场整改", "corrected on site"),
    "does_not_apply": ("不适用于该企业", "does not apply to this enterprise"),
    "h_task": ("任务", "Task"),
    "h_seq": ("抽取序号", "No."),
    "h_name": ("市场主体名称", "市场主体名称"),
    "h_code": ("统一社会信用代码", "统一社会信用代码"),
    "h_leader": ("组长", "Leader"),
    "h_status": ("状态", "Status"),
    "h_campaign": ("实施方案", "Campaign"),
    "no_name": ("（名录库中已无此对象）", "(no longer in the library)"),
    "version": ("第 {n} 版", "version {n}"),
    "record_title": ("联合检查记录表 · 任务 {task} · {status}", "Joint inspection record · task "
                     "{task} · {status}"),
    "check_date": ("检查日期：{value}", "Check date: {value}"),
    "outcome": ("检查情况：{value}", "Visit: {value}"),
    "methods": ("检查方式：{value}", "Methods: {value}"),
    "officers": ("检查人员：{value}", "Officers present: {value}"),
    "escort": ("陪同人员：{value}", "Escort: {value}"),
    "opinion": ("处理意见：{value}", "处理意见: {value}"),
    "unfinished": ("检查结果：未完成（已填写 {answered}/{total} 项适用事项）",
                   "检查结果: not finished ({answered}/{total} applicable items answered)"),
    "unfinished_opinion": ("处理意见：未完成", "处理意见: not finished"),
    "settled_head": ("检查结果（联合抽查领导小组办公室已确定）：",
                     "检查结果 (settled by the joint office):"),
    "proposal_head": ("检查结果（建议，联合抽查领导小组办公室尚未确定）：",
                      "检查结果 (proposed; not yet settled by the joint office):"),
    "previous_head": ("此前已确定的结果（第 {n} 版；记录已更正或结果已修改，须重新确定）：",
                      "Settled before (version {n}; the record was amended or the result "
                      "changed: settle again):"),
    "remarks": ("备注：{value}", "备注: {value}"),
    "note": ("    问题说明：{value}", "    note: {value}"),
    "submitted_by": ("提交：{at}，{by}", "Submitted {at} by {by}"),
    "reason": ("修改理由：{value}", "Reason: {value}"),
    "fingerprint": ("检查事项指纹：{value}", "Checklist fingerprint: {value}"),
    "none": ("无", "none"),
    "leader": ("组长", "leader"),
    "out": ("外带中 {bundle}", "out in bundle {bundle}"),
    "conflict": ("外带冲突 {bundle}", "bundle conflict {bundle}"),
})

MARKS = {"compliant": "✓", "noncompliant": "✗", "not_applicable": "–", None: "·"}


def status_label(status: str, answered: int | None = None, total: int | None = None) -> str:
    """待检查 / 草稿 7/12 / 已提交 / 修改中."""
    label = _(status)
    if status == "draft" and answered is not None and total:
        return f"{label} {answered}/{total}"
    return label


def task_status(task: Task, total: int | None = None) -> str:
    """The status cell of a task in ``tasks list`` and the app: the status label and,
    when the task is out in a field bundle, which one (docs/bundles.md)."""
    label = status_label(task.status, task.answered, total)
    if task.bundle:
        label += " · " + _(task.bundle_state or "out", bundle=task.bundle[:8])
    return label


def result_label(result: str | None) -> str:
    return _(result) if result else _("unanswered")


def outcome_label(outcome: str) -> str:
    return _(outcome)


def task_row(task: Task, total: int | None = None) -> list[str]:
    """The cells of one task in ``tasks list`` and the app's task list."""
    leader = task.leader
    return [task.id, str(task.seq), task.name or _("no_name"), task.credit_code,
            (leader.name or leader.cert_no) if leader else "",
            task_status(task, total)]


def task_header() -> list[str]:
    return [_("h_task"), _("h_seq"), _("h_name"), _("h_code"), _("h_leader"), _("h_status")]


# what an opinion generated before the dispositions were left to the joint office proposed
# ("责令限期改正（建议责令改正、立案处理）", "责令限期改正，建议立案查处")
_PROPOSED = re.compile(r"（建议[^（）]*）|(?<=责令限期改正)，建议[^。\n]*")


def opinion_text(opinion: str | None, results: Mapping[str, Any] | None, settled: bool,
                 checklist: Checklist) -> str:
    """处理意见 as the forms and ``record show`` give it: the officers' text, then the
    处理结果 the joint office settled — or, before settlement, the proposal marked as such.
    Always Chinese (part of the record form). A proposal the text itself carried
    (``（建议…）``, written by earlier versions) is left out: the results line says it."""
    text = _PROPOSED.sub("", opinion or "").strip()
    if not results:
        return text
    names = {d.code: d.name for d in checklist.departments}
    parts = [f"{names.get(code, code)}：{'、'.join(block.get('dispositions') or [])}"
             for code, block in (results.get("departments") or {}).items()
             if block.get("dispositions")]
    if not parts:
        return text
    head = "处理结果：" if settled else "建议处理结果（联合抽查领导小组办公室尚未确定）："
    return "\n".join(x for x in (text, head + "；".join(parts)) if x)


def unfinished_lines(answered: int, total: int) -> list[str]:
    """What a draft with applicable items unanswered shows instead of results and 处理意见:
    there is no result before every applicable item is answered."""
    return [_("unfinished", answered=answered, total=total)]


def results_lines(results: Mapping[str, Any], checklist: Checklist,
                  settled: bool | None = None) -> list[str]:
    """Department results and the joint result of a stored record (classify JSON), under
    a heading saying whether the joint office settled them (*settled* None: no heading,
    the live classification of a draft)."""
    lines = []
    if settled is not None:
        lines.append(_("settled_head" if settled else "proposal_head"))
    for code, r in results["departments"].items():
        dept = checklist.department(code)
        name = dept.name if dept else code
        disp = "、".join(r.get("dispositions") or []) or _("none")
        note = plugin_note_of(r)
        lines.append(f"{name}：{r['result']['code']}. {r['result']['text']}（处理结果：{disp}）"
                     + (f"；{note}" if note else ""))
    j = results["joint"]
    j = j.get("result", j)  # consolidated results carry {"computed", "result", ...}
    lines.append(f"联合抽查结果：{j['code']}. {j['text']}")
    return lines


def record_lines(task: Task, checklist: Checklist, record: Mapping[str, Any],
                 results: Mapping[str, Any] | None, *, status: str, version: int | None = None,
                 submitted: tuple[str, str] | None = None, reason: str | None = None,
                 applies: Mapping[str, bool] | None = None, settled: bool | None = None,
                 unfinished: tuple[int, int] | None = None,
                 previous: tuple[int, Mapping[str, Any]] | None = None) -> list[str]:
    """The text of ``record show``: header, items by department, results, 处理意见, 备注.
    *settled*: whether *results* are the joint office's settled ones (False: a proposal;
    None: a draft's live classification); *unfinished*: (answered, applicable) of a draft
    not finished — then neither results nor 处理意见 are shown; *previous*: (version,
    results) of the settlement a change undid, shown beside the new proposal."""
    findings = record["findings"]
    state = status_label(status) + (f" · {_('version', n=version)}" if version else "")
    t = task.target
    lines = [_("record_title", task=task.id, status=state),
             f"{t.get('name') or _('no_name')}  {task.credit_code}",
             _("check_date", value=findings.get("inspected_on") or "—"),
             _("outcome", value=outcome_label(findings.get("outcome", "inspected"))),
             _("methods", value="、".join(record.get("methods") or [])),
             ]
    team = {m.cert_no: m for m in task.team}
    names = {d.code: d.name for d in checklist.departments}
    present = [member_text({"name": team[c].name, "cert_no": c, "leader": team[c].leader,
                            "department_name": names.get(team[c].department)}
                           if c in team else {"name": None, "cert_no": c})
               for c in record.get("officers_present") or []]
    lines.append(_("officers", value="、".join(present) or _("none")))
    escort = record.get("escort")
    if escort:
        lines.append(_("escort", value=escort["name"] + (f"（{escort['position']}）"
                                                         if escort.get("position") else "")))
    n = 0
    for dept in checklist.departments:
        lines.append("")
        lines.append(dept.name)
        answers = ((findings.get("departments") or {}).get(dept.code) or {}).get("items") or {}
        for item in checklist.items_of(dept.code):
            n += 1
            a = answers.get(item.id) or {}
            result = a.get("result")
            mark, label = MARKS.get(result, "·"), result_label(result)
            if applies is not None and not applies.get(item.key, True):
                # by its conditions the item is not for this enterprise: nothing was owed
                mark, label = MARKS["not_applicable"], _("does_not_apply")
            elif a.get("corrected_on_site"):
                label += f" [{_('corrected')}]"
            lines.append(f" {n:>2} {mark} {item.title}  {label}")
            if a.get("note"):
                lines.append(_("note", value=a["note"]))
    lines.append("")
    if unfinished is not None or results is None:
        lines.extend(unfinished_lines(*(unfinished or (0, 0))))
        lines.append(_("unfinished_opinion"))
    else:
        lines.extend(results_lines(results, checklist, settled))
        if previous is not None and not settled:
            lines.append(_("previous_head", n=previous[0]))
            lines.extend("  " + line for line in results_lines(previous[1], checklist))
        opinion = opinion_text(record.get("opinion"), results, bool(settled), checklist) \
            if settled is not None else (record.get("opinion") or "")
        lines.append(_("opinion", value=opinion or "—"))
    lines.append(_("remarks", value=record.get("remarks") or "—"))
    if submitted:
        lines.append(_("submitted_by", at=submitted[0], by=submitted[1]))
    if reason:
        lines.append(_("reason", value=reason))
    lines.append(_("fingerprint", value=checklist.fingerprint))
    return lines
