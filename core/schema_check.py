"""Schema validation that reports located, coded, actionable problems.

jsonschema finds what is wrong; this module says where (file:line:column of the YAML node,
through :class:`jointcheck.core.yamlload.Document`), gives each kind of error a stable code
and tells how to fix it ("did you mean `legal_basis`?").
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import jsonschema_rs

from jointcheck.schemas import NAMES, load_schema

from .errors import Problem, did_you_mean
from .i18n import get_lang, translator
from .yamlload import Document

_ = translator({
    "allowed_keys": ("允许的键：{keys}", "Allowed keys: {keys}"),
    "allowed_values": ("请使用以下之一：{values}", "Please use one of: {values}"),
    "pattern": ("应匹配 {pattern}", "should match {pattern}"),
    "article_hint": ("条文应写成“第四十一条”的形式，款、项写在 clause 中。",
                     "Write the article as 第四十一条; put 款/项 under clause."),
    "code_hint": ("只能使用小写字母、数字和下划线，并以字母开头。",
                  "Use lower-case letters, digits and underscores, starting with a letter."),
    "date_hint": ("日期应写成 YYYY-MM-DD。", "Write dates as YYYY-MM-DD."),
    "sample_oneof": ("sample 应给出 count（户数），或 ratio / by_grade（比例），不能同时给出户数和比例",
                     "sample needs either count, or ratio and/or by_grade — not a count together with a ratio"),
    "at_least": ("至少需要 {n} 项", "needs at least {n} entries"),
    "unique": ("列表中有重复项", "has duplicate entries"),
    "min_props": ("不能为空", "must not be empty"),
    "fullwidth_colon": ("这里用了全角冒号“：”，YAML 只认半角冒号“:”：请改为“: ”（半角冒号和一个空格）。",
                        "This uses the full-width colon '：'; YAML needs ':' followed by a space."),
    "minimum": ("应不小于 {limit}", "should be at least {limit}"),
    "maximum": ("应不大于 {limit}", "should be at most {limit}"),
    "exclusive_minimum": ("应大于 {limit}", "should be greater than {limit}"),
    "min_length": ("不能为空字符串", "must not be empty"),
    "max_length": ("不能超过 {limit} 个字符", "must not be longer than {limit} characters"),
})

_JSON_TYPES = {
    dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
    float: "number", type(None): "null",
}

_TYPE_ZH = {"object": "映射", "array": "列表", "string": "字符串", "boolean": "布尔值",
            "integer": "整数", "number": "数字", "null": "空值"}


def _type_name(t: str) -> str:
    return t if get_lang() == "en" else f"{_TYPE_ZH.get(t, t)}（{t}）"


@cache
def _validator(name: str):
    # only for a document that failed jsonschema-rs (to locate its errors): jsonschema and
    # referencing cost ~0.15 s of `jointcheck validate`'s start-up (principle 8)
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources = [(load_schema(n)["$id"], Resource.from_contents(load_schema(n))) for n in NAMES]
    registry = Registry().with_resources(resources)
    return Draft202012Validator(load_schema(name), registry=registry)


def _fmt(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


@cache
def _fast_validator(name: str):
    """A compiled jsonschema-rs validator: answers "valid?" ~100x faster than jsonschema,
    which is then asked only about invalid documents, for located messages."""
    registry = jsonschema_rs.Registry([(load_schema(n)["$id"], load_schema(n)) for n in NAMES])
    return jsonschema_rs.validator_for(load_schema(name), registry=registry)


def validate_document(doc: Document, schema: str) -> list[Problem]:
    """All schema problems of *doc* against the named schema, in document order."""
    if _fast_validator(schema).is_valid(doc.data):
        return []
    validator = _validator(schema)
    problems: list[Problem] = []
    seen: set[tuple[str, str, str]] = set()
    for error in validator.iter_errors(doc.data):
        for p in _convert(doc, schema, error):
            # jsonschema reports `required` once per missing key, each naming the whole
            # object: one problem per cause
            if (p.code, p.path, p.message) not in seen:
                seen.add((p.code, p.path, p.message))
                problems.append(p)
    if not problems:  # jsonschema-rs refuses what JSON cannot hold: NaN, infinities
        problems = [doc.problem("JC208", path, value=repr(value))
                    for path, value in _non_finite(doc.data, ())]
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.code))
    return problems


def _non_finite(data: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], float]]:
    """Where *data* holds a NaN or an infinity (they have no JSON and no fingerprint)."""
    if isinstance(data, float):
        return [] if math.isfinite(data) else [(path, data)]
    if isinstance(data, dict):
        return [f for k, v in data.items() for f in _non_finite(v, path + (k,))]
    if isinstance(data, list):
        return [f for i, v in enumerate(data) for f in _non_finite(v, path + (i,))]
    return []


def _convert(doc: Document, schema: str, error: Any) -> list[Problem]:
    path = tuple(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    schema_path = list(error.absolute_schema_path)

    if "propertyNames" in schema_path:
        key = error.instance
        hint = _("code_hint") if kind == "pattern" else None
        return [doc.problem("JC205", path + (key,), at_key=True, value=_fmt(key),
                            detail=error.message, hint=hint)]
    if kind == "additionalProperties" and value is False:
        allowed = sorted(error.schema.get("properties", {}))
        out = []
        for key in error.instance:
            if key in error.schema.get("properties", {}):
                continue
            hint = did_you_mean(key, allowed) or _("allowed_keys", keys=", ".join(allowed))
            out.append(doc.problem("JC201", path + (key,), at_key=True, hint=hint, key=key))
        return out
    if kind in ("required", "dependentRequired"):
        if kind == "required":
            missing = [k for k in value if k not in error.instance]
        else:
            missing = [k for trigger, needs in value.items() if trigger in error.instance
                       for k in needs if k not in error.instance]
        return [doc.problem("JC202", path, key=k) for k in missing]
    if kind == "type":
        expected = value if isinstance(value, list) else [value]
        actual = _JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
        hint = None
        if "object" in expected and isinstance(error.instance, str) and "：" in error.instance:
            hint = _("fullwidth_colon")  # `method：实地检查` reads as one string
        return [doc.problem("JC203", path, expected=" | ".join(_type_name(t) for t in expected),
                            actual=_type_name(actual), hint=hint)]
    if kind in ("enum", "const"):
        allowed = value if kind == "enum" else [value]
        hint = None
        if isinstance(error.instance, str):
            hint = did_you_mean(error.instance, [a for a in allowed if isinstance(a, str)])
        if hint is None:
            hint = _("allowed_values", values=", ".join(_fmt(a) for a in allowed))
        return [doc.problem("JC204", path, value=_fmt(error.instance),
                            allowed=", ".join(_fmt(a) for a in allowed), hint=hint)]
    if kind == "pattern" and path[-1:] == ("reason",):
        return [doc.problem("JC505", path)]  # blanks only: no reason at all
    if kind == "pattern":
        hint = None
        if "article" in path[-1:]:
            hint = _("article_hint")
        elif value.startswith("^[a-z]"):
            hint = _("code_hint")
        elif "[0-9]{4}-" in value:
            hint = _("date_hint")
        return [doc.problem("JC205", path, value=_fmt(error.instance),
                            detail=_("pattern", pattern=value), hint=hint)]
    limits = {"minimum": "minimum", "maximum": "maximum", "exclusiveMinimum": "exclusive_minimum",
              "minLength": "min_length", "maxLength": "max_length"}
    if kind in limits:
        return [doc.problem("JC206", path, value=_fmt(error.instance),
                            detail=_(limits[kind], limit=value))]
    if kind in ("minItems", "uniqueItems"):
        detail = _("at_least", n=value) if kind == "minItems" else _("unique")
        return [doc.problem("JC207", path, detail=detail)]
    if kind == "minProperties":
        return [doc.problem("JC207", path, detail=_("min_props"))]
    if kind in ("oneOf", "anyOf"):
        if path[-1:] == ("sample",):
            return [doc.problem("JC299", path, detail=_("sample_oneof"))]
        if error.context:
            from jsonschema.exceptions import best_match

            return _convert(doc, schema, best_match(error.context))
    return [doc.problem("JC299", path, detail=error.message)]
