"""The known target attributes: what conditions, scope filters and findings may name.

An attribute is known when it is a column of the target library (core/libraries/fields.py,
:data:`TARGET_COLUMNS`) or when a loaded department declares it under
``attributes`` (name, type, Chinese label). A condition naming another attribute
(``uses_special_equipmnt``) would never hold, and a findings value of the wrong type
(``uses_special_equipment: "是"``) would never equal ``true``: both would change results
without a word, so both are errors with a "did you mean" or the expected type.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .errors import Problem, did_you_mean, register
from .i18n import get_lang
from .libraries.fields import TARGET_FIELDS, parse_bool

# The columns of a target row as conditions, scope filters and the draw see them (the
# draw's pure algorithm reads them from here: validating a condition needs no draw code).
TARGET_COLUMNS = (
    "credit_code", "name", "reg_no", "legal_rep", "address", "business_address", "phone",
    "jurisdiction", "registration_authority", "entity_type", "business_scope", "region",
    "established", "status", "industry", "risk_grade", "attributes",
)

register({
    "JC314": ("条件引用了未知的检查对象属性“{attribute}”", "the condition names an unknown target attribute '{attribute}'"),
    "JC315": ("属性“{attribute}”（{label}）的取值应为{expected}，实际为 {value}",
              "attribute '{attribute}' ({label}) takes {expected} values, got {value}"),
    "JC506": ("检查对象的属性“{attribute}”未知", "the target's attribute '{attribute}' is unknown"),
    "JC507": ("检查对象属性“{attribute}”（{label}）应为{expected}，实际为 {value}",
              "the target's attribute '{attribute}' ({label}) should be {expected}, got {value}"),
}, {
    "JC314": ("已知的属性是名录库的列和部门插件在 attributes 中声明的属性；请改正拼写，或在部门声明的 attributes 中声明它。",
              "Known attributes are the target library's columns and those departments declare "
              "under attributes; please fix the spelling or declare it."),
    "JC506": ("已知的属性是名录库的列和部门插件在 attributes 中声明的属性；请改正拼写，或在部门声明中声明它。",
              "Known attributes are the target library's columns and those departments declare "
              "under attributes; please fix the spelling or declare it."),
})

TYPES = ("boolean", "string", "number")
_TYPE_TEXT = {"boolean": ("布尔值（true/false）", "a boolean (true/false)"),
              "string": ("字符串", "a string"), "number": ("数字", "a number")}


@dataclass(frozen=True)
class Attribute:
    """One known target attribute."""

    name: str
    type: str  # boolean | string | number
    label: str  # verbatim Chinese
    declared_by: str | None = None  # a department code, None for the library's columns

    def accepts(self, value: Any) -> bool:
        """Whether *value* has this attribute's type (``None``, unknown, always does)."""
        if value is None:
            return True
        if self.type == "boolean":
            return isinstance(value, bool)
        if self.type == "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        return isinstance(value, str)

    def expected(self) -> str:
        zh, en = _TYPE_TEXT[self.type]
        return en if get_lang() == "en" else zh


@cache
def library_attributes() -> dict[str, Attribute]:
    """The target library's columns (``attributes.X`` fields by their key X)."""
    known: dict[str, Attribute] = {}
    for f in TARGET_FIELDS:
        name = f.attribute or f.column
        known[name] = Attribute(name, "boolean" if f.parse is parse_bool else "string", f.header)
    for column in TARGET_COLUMNS:
        if column != "attributes":
            known.setdefault(column, Attribute(column, "string", column))
    return known


def known_attributes(departments: Iterable[Any]) -> dict[str, Attribute]:
    """The library's attributes plus those *departments* declare (first declaration wins)."""
    known = dict(library_attributes())
    for dept in departments:
        for a in dept.data.get("attributes") or ():
            known.setdefault(a["name"], Attribute(a["name"], a["type"], a["label"], dept.code))
    return known


def condition_leaves(cond: Mapping[str, Any] | None,
                     path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    """``(path inside the condition, leaf)`` for every leaf that names an attribute."""
    if not cond:
        return
    for key in ("all", "any"):
        for i, sub in enumerate(cond.get(key, ())):
            yield from condition_leaves(sub, path + (key, i))
    if "not" in cond:
        yield from condition_leaves(cond["not"], path + ("not",))
    if "attribute" in cond:
        yield path, cond


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def condition_problems(cond: Mapping[str, Any] | None, known: Mapping[str, Attribute],
                       at: Callable[..., Problem]) -> list[Problem]:
    """JC314 for an unknown attribute and JC315 for a value of the wrong type in *cond*;
    ``at(subpath, code, **params)`` locates a problem at a path inside the condition."""
    problems = []
    for path, leaf in condition_leaves(cond):
        name = leaf["attribute"]
        attr = known.get(name)
        if attr is None:
            problems.append(at(path + ("attribute",), "JC314", attribute=name,
                               hint=did_you_mean(name, sorted(known))))
            continue
        for op in ("equals", "in", "not_in"):
            values = leaf.get(op)
            for j, value in enumerate(values if isinstance(values, list) else [values]):
                if op in leaf and not attr.accepts(value):
                    sub = path + (op, j) if isinstance(values, list) else path + (op,)
                    problems.append(at(sub, "JC315", attribute=name, label=attr.label,
                                       expected=attr.expected(), value=_shown(value)))
    return problems


def target_problems(target: Mapping[str, Any], known: Mapping[str, Attribute],
                    at: Callable[..., Problem]) -> list[Problem]:
    """JC507 for a value of the wrong type in a findings target; JC506, a warning, for an
    attribute nobody declares (no declared condition reads it, so it cannot change a
    result, but a plugin's hook may: declare it); ``at(name, code, **params)`` locates a
    problem at the attribute."""
    problems = []
    for name, value in target.items():
        attr = known.get(name)
        if attr is None:
            problems.append(at(name, "JC506", attribute=name, severity="warning",
                               hint=did_you_mean(name, sorted(known))))
        elif not attr.accepts(value):
            problems.append(at(name, "JC507", attribute=name, label=attr.label,
                               expected=attr.expected(), value=_shown(value)))
    return problems
