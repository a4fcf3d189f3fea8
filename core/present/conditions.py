"""Declarative conditions (core.conditions) as text: ``使用特种设备 = 是 且 非（登记状态 ∈ 注销）``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import translator
from ..libraries.fields import TARGET_FIELDS

_ = translator({
    "always": ("均适用", "always"),
    "and": (" 且 ", " and "),
    "or": (" 或 ", " or "),
    "not": ("非（{cond}）", "not ({cond})"),
    "group": ("({cond})", "({cond})"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "known": ("已知", "known"),
    "unknown": ("未知", "unknown"),
})


def attribute_label(name: str, labels: Mapping[str, str] | None = None) -> str:
    """The verbatim Chinese label of a target attribute: one a department declares (in
    *labels*), else the header of the target library's field (e.g. 使用特种设备)."""
    if labels and name in labels:
        return labels[name]

    for f in TARGET_FIELDS:
        if name in (f.column, f.attribute):
            return f.header
    return name


def describe_condition(cond: Mapping[str, Any] | None,
                       labels: Mapping[str, str] | None = None) -> str:
    """*cond* as text in the active language; no condition reads "均适用" (always).
    *labels* names the attributes departments declare (name -> Chinese label).

    A combination (``all`` / ``any`` of two or more) inside another one is put in
    parentheses, so that ``{all: [{any: [A, B]}, C]}`` reads "(A 或 B) 且 C"; ``not``
    brackets what it negates: "非（A 且 B）".
    """
    if not cond:
        return _("always")
    return _describe(cond, nested=False, labels=labels)


def _describe(cond: Mapping[str, Any], *, nested: bool,
              labels: Mapping[str, str] | None = None) -> str:
    for key in ("all", "any"):
        if key in cond:
            children = list(cond[key])
            # a lone child reads as itself: only a combination beside others is bracketed
            parts = [_describe(c, nested=len(children) > 1, labels=labels) for c in children]
            text = _("and" if key == "all" else "or").join(parts)
            return _("group", cond=text) if nested and len(parts) > 1 else text
    if "not" in cond:
        return _("not", cond=_describe(cond["not"], nested=False, labels=labels))
    attr = attribute_label(cond["attribute"], labels)
    for op, sym in (("equals", "="), ("in", "∈"), ("not_in", "∉")):
        if op in cond:
            value = cond[op]
            if isinstance(value, bool):
                value = _("yes") if value else _("no")
            elif isinstance(value, list):
                value = "、".join(map(str, value))
            return f"{attr} {sym} {value}"
    if "present" in cond:
        return f"{attr} {_('known') if cond['present'] else _('unknown')}"
    return attr
