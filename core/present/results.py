"""A classification (core.classify) as text: each department's 抽查结果 and 处理结果, the
rule or plugin that decided it, and the enterprise's joint result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import get_lang, translator
from ..model import Checklist, JointResult

_ = translator({
    "dept": ("{name}", "{name} ({code})"),
    "result": ("  抽查结果：{code}. {text}", "  抽查结果 (result): {code}. {text}"),
    "dispositions": ("  处理结果：{values}", "  处理结果 (dispositions): {values}"),
    "rule": ("  依据规则：{rule}", "  policy rule: {rule}"),
    "override": ("  {note}", "  {note}"),
    "plugin_note": ("插件“{plugin}”改判：{before}→{after}", "changed by plugin '{plugin}': {before}→{after}"),
    "plugin_note_to": ("插件“{plugin}”改判为 {after}", "changed by plugin '{plugin}' to {after}"),
    "noncompliant": ("  不符合事项：{items}", "  non-compliant items: {items}"),
    "change": ("  处理结果调整：{action}“{disposition}”，理由：{reason}",
               "  disposition change: {action} '{disposition}', reason: {reason}"),
    "add": ("增加", "add"),
    "remove": ("去掉", "remove"),
    "joint": ("联合抽查结果：{code}. {text}", "joint result: {code}. {text}"),
    "none": ("无", "none"),
})

# What the default policy's rules say, in Chinese (the policy file describes them in
# English for its authors; a rule of another policy shows its description or its id).
RULE_TEXT = {
    "unreachable": "通过登记的住所（经营场所）无法联系",
    "refused": "企业不配合检查，情节严重",
    "no_activity": "本部门的抽查事项均不适用（未开展相关经营活动）",
    "declared_3": "不符合事项属于公示信息隐瞒真实情况弄虚作假",
    "declared_2": "不符合事项属于未按规定公示应当公示的信息",
    "not_corrected": "有不符合事项未当场整改",
    "all_corrected": "不符合事项均已当场整改",
    "otherwise": "未发现不符合事项",
}


def rule_text(rule: str, checklist: Checklist) -> str:
    """A policy rule as a reader understands it, never its bare id where a text exists."""
    if get_lang() != "en" and rule in RULE_TEXT:
        return RULE_TEXT[rule]
    described = next((r.get("description") for r in checklist.policy.rules
                      if r.get("id") == rule), None)
    return described or rule


def item_titles(department: str, ids: list[str], checklist: Checklist) -> str:
    """Items by their titles (numbered as on the form), never by id."""
    numbers = {i.id: n for n, i in enumerate(checklist.items_of(department), 1)}
    parts = []
    for item_id in ids:
        item = checklist.item(department, item_id)
        parts.append(f"{numbers[item_id]}. {item.title}" if item is not None else item_id)
    return "；".join(parts)


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
            lines.append(_("noncompliant", items=item_titles(code, r.noncompliant, checklist)))
        for change in r.disposition_changes:
            lines.append(_("change", action=_(change["action"]), disposition=change["disposition"],
                           reason=change["reason"]))
        if r.overridden_by:
            lines.append(_("override", note=plugin_note(r.overridden_by, r.overridden_from,
                                                        r.code)))
        elif r.rule:
            lines.append(_("rule", rule=rule_text(r.rule, checklist)))
    lines.append(_("joint", code=result.code, text=result.text))
    return lines


def plugin_note(plugin: str, before: int | None, after: int) -> str:
    """“插件“fire_safety”改判：5→8”: a result a plugin's hook decided, in the user's
    language (records made before the replaced result was kept say only the new one)."""
    if before is None:
        return _("plugin_note_to", plugin=plugin, after=after)
    return _("plugin_note", plugin=plugin, before=before, after=after)


def plugin_note_of(block: Mapping[str, Any]) -> str | None:
    """The :func:`plugin_note` of a stored department result, if a hook decided it: a
    record's classification (``overridden_by``) or the joint office's consolidated block
    (``plugin``, the hook's result being ``computed``)."""
    plugin = block.get("plugin")
    if plugin:
        return plugin_note(plugin["name"], plugin.get("from"), block["computed"]["code"])
    if not block.get("overridden_by"):
        return None
    return plugin_note(block["overridden_by"], block.get("overridden_from"),
                       block["result"]["code"])


def plugin_note_zh(plugin: str, before: int | None) -> str:
    """The same for documents of record (附件4): always Chinese."""
    return f"插件“{plugin}”改判" + (f"，原为 {before}" if before is not None else "")
