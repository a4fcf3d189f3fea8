"""A classification (core.classify) as text: each department's 抽查结果 and 处理结果, the
rule or plugin that decided it, and the enterprise's joint result."""

from __future__ import annotations

from ..i18n import translator
from ..model import Checklist, JointResult

_ = translator({
    "dept": ("{name}（{code}）", "{name} ({code})"),
    "result": ("  抽查结果：{code}. {text}", "  抽查结果 (result): {code}. {text}"),
    "dispositions": ("  处理结果：{values}", "  处理结果 (dispositions): {values}"),
    "rule": ("  依据规则：{rule}", "  policy rule: {rule}"),
    "override": ("  已被插件“{plugin}”改判", "  overridden by plugin '{plugin}'"),
    "noncompliant": ("  不符合事项：{items}", "  non-compliant items: {items}"),
    "change": ("  处理结果调整：{action}“{disposition}”，理由：{reason}",
               "  disposition change: {action} '{disposition}', reason: {reason}"),
    "add": ("增加", "add"),
    "remove": ("去掉", "remove"),
    "joint": ("联合抽查结果：{code}. {text}", "joint result: {code}. {text}"),
    "none": ("无", "none"),
})


def result_lines(result: JointResult, checklist: Checklist) -> list[str]:
    """The text of ``jointcheck classify``: per department its name, result, dispositions,
    non-compliant items, disposition changes and the deciding rule or plugin; then the
    joint result."""
    lines = []
    for code, r in result.departments.items():
        dept = checklist.department(code)
        lines.append(_("dept", name=dept.name if dept else code, code=code))
        lines.append(_("result", code=r.code, text=r.text))
        lines.append(_("dispositions", values="、".join(r.dispositions) or _("none")))
        if r.noncompliant:
            lines.append(_("noncompliant", items=", ".join(r.noncompliant)))
        for change in r.disposition_changes:
            lines.append(_("change", action=_(change["action"]), disposition=change["disposition"],
                           reason=change["reason"]))
        if r.overridden_by:
            lines.append(_("override", plugin=r.overridden_by))
        elif r.rule:
            lines.append(_("rule", rule=r.rule))
    lines.append(_("joint", code=result.code, text=result.text))
    return lines
