"""Declarative conditions on target attributes (item applicability, campaign scope).

A condition is a mapping (schema: department.schema.json ``$defs/condition``):

- ``{attribute: A, equals: V}`` — the attribute equals V;
- ``{attribute: A, in: [V, ...]}`` / ``{attribute: A, not_in: [...]}``;
- ``{attribute: A, present: true|false}`` — the attribute is known (not null);
- ``{all: [C, ...]}``, ``{any: [C, ...]}``, ``{not: C}``.

``{attribute: A}`` alone means "A is truthy". An attribute the target does not carry is
*unknown*: :func:`evaluate` returns ``None`` for a leaf on an unknown attribute, and the
composites follow three-valued logic (Kleene), so that callers decide what unknown means
(applicability treats it as "applies" and asks the inspector).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MISSING = object()


def lookup(attrs: Mapping[str, Any], name: str) -> Any:
    """Attribute *name* of a target: a top-level field, else one of its ``attributes``."""
    if name in attrs:
        return attrs[name]
    extra = attrs.get("attributes")
    if isinstance(extra, Mapping) and name in extra:
        return extra[name]
    return _MISSING


def evaluate(cond: Mapping[str, Any] | None, attrs: Mapping[str, Any]) -> bool | None:
    """True, False, or None (unknown) for *cond* on *attrs*; no condition is True."""
    if not cond:
        return True
    if "all" in cond:
        values = [evaluate(c, attrs) for c in cond["all"]]
        if False in values:
            return False
        return None if None in values else True
    if "any" in cond:
        values = [evaluate(c, attrs) for c in cond["any"]]
        if True in values:
            return True
        return None if None in values else False
    if "not" in cond:
        inner = evaluate(cond["not"], attrs)
        return None if inner is None else not inner
    value = lookup(attrs, cond["attribute"])
    if "present" in cond:
        known = value is not _MISSING and value is not None
        return known if cond["present"] else not known
    if value is _MISSING or value is None:
        return None
    if "equals" in cond:
        return value == cond["equals"]
    if "in" in cond:
        return value in cond["in"]
    if "not_in" in cond:
        return value not in cond["not_in"]
    return bool(value)


def attributes_used(cond: Mapping[str, Any] | None) -> set[str]:
    """Names of the attributes a condition reads."""
    if not cond:
        return set()
    names: set[str] = set()
    for key in ("all", "any"):
        for c in cond.get(key, ()):
            names |= attributes_used(c)
    if "not" in cond:
        names |= attributes_used(cond["not"])
    if "attribute" in cond:
        names.add(cond["attribute"])
    return names
