"""One canonical JSON form (core/canonical.py) for every digest.

It replaced five serialisers that each digest family had of its own. Stored digests (audit
chain hashes, draw result digests, library row digests) and the checklist fingerprints
that records pin must not move: the reference copies below are those serialisers as they
were, and the new function must give the same bytes on every value each of them accepted.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from json import encoder as json_encoder
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcheck.core.canonical import canonical_encoder, canonical_json, canonical_text

# --------------------------------------------------------------------------- the old ones


def old_merge(value: Any) -> bytes:  # core/merge.py (checklist fingerprint)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def _old_audit_default(value: Any) -> Any:
    if isinstance(value, datetime):
        at = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"audit payload value of type {type(value).__name__} is not JSON")


def old_audit(value: Any) -> bytes:  # core/store/audit.py (audit chain)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False, default=_old_audit_default).encode("utf-8")


def old_draw(value: Any) -> bytes:  # core/draw/algorithm.py (result digest)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def old_fields(value: Any) -> bytes:  # core/libraries/fields.py (row digest)
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def _old_importer() -> Callable[[Any], bytes]:  # core/libraries/importer.py (row digest)
    c_encode = json_encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, lambda d: d.isoformat(), json_encoder.encode_basestring, None, ":", ",",
        True, False, True)
    return lambda value: "".join(c_encode(value, 0)).encode("utf-8")


old_importer = _old_importer()

# --------------------------------------------------------------------------- the values

# What each family digests: configuration content (YAML: text, numbers, booleans, nested
# mappings and lists; dates stay text), draw results, audit payloads (with datetimes,
# dates, Decimals and sets), library rows (a list of text, null, booleans, dates already
# as text, a small mapping).
JSON_VALUES: list[Any] = [
    None, True, False, 0, -7, 2**63, 0.5, 1e-07, 1e22, -0.0, 3.141592653589793, "",
    "ascii", "统一社会信用代码", "引号\"反斜杠\\换行\n制表\t\x00\x1f\x7f", "\u2028\u2029",
    "emoji 🙂 and \ud7ff", "𠀀 CJK Ext B", [], {}, [1, [2, [3, []]]],
    {"b": 1, "a": {"d": [True, None], "c": "丙"}, "é": 2, "Z": 3, "中": 4, "": 5},
    {"version": "jc-checklist-1", "campaign": "hebi-2020",
     "departments": [{"code": "emergency_mgmt", "name": "应急管理局", "items": [
         {"id": "e1", "title": "检查安全生产责任制落实情况", "order": 1,
          "applicability": {"attribute": "uses_special_equipment", "equals": True}}]}],
     "policy": {"rules": [{"when": {"noncompliant_declared": ["不合格"]}}]}},
    ["河南省鹤壁市淇滨区九州路1号", {"uses_special_equipment": True}, None, None, False,
     "91310110666007217T", None, "2010-05-01", None, "淇滨区", "张三", "鹤壁示例机械有限公司",
     "0392-3331234", None, None, None, "B", "存续"],
]
DATE_VALUES: list[Any] = [date(2020, 7, 1), [date(1999, 12, 31), {"d": date(2026, 1, 1)}]]
DECIMAL_VALUES: list[Any] = [Decimal("0.30"), {"ratio": Decimal("1E-7"), "n": Decimal("-0")}]
AUDIT_VALUES: list[Any] = [
    datetime(2020, 7, 1, 8, 0),
    datetime(2020, 7, 1, 16, 0, 0, 123, tzinfo=timezone(timedelta(hours=8))),
    {"at": datetime(2026, 11, 29, 19, 0, tzinfo=UTC), "ids": {3, 1, 2}, "codes": frozenset("ba")},
]


@pytest.mark.parametrize("value", JSON_VALUES + DATE_VALUES + DECIMAL_VALUES + AUDIT_VALUES)
def test_the_audit_chain_hashes_do_not_move(value):
    assert canonical_json(value) == old_audit(value)


@pytest.mark.parametrize("value", JSON_VALUES + DATE_VALUES + DECIMAL_VALUES)
def test_the_checklist_fingerprint_does_not_move(value):
    assert canonical_json(value) == old_merge(value)


@pytest.mark.parametrize("value", JSON_VALUES)
def test_the_draw_result_digest_does_not_move(value):
    assert canonical_json(value) == old_draw(value)


@pytest.mark.parametrize("value", JSON_VALUES)
def test_the_library_row_digests_do_not_move(value):
    assert canonical_json(value) == old_fields(value) == old_importer(value)
    assert canonical_encoder()(value).encode("utf-8") == canonical_json(value)


@pytest.mark.parametrize("value", DATE_VALUES)
def test_dates_encode_as_the_importer_did(value):
    assert canonical_json(value) == old_importer(value)
    assert canonical_encoder()(value) == canonical_text(value)


@pytest.mark.parametrize("bad", [math.nan, math.inf, [-math.inf], {"x": math.nan}])
def test_nan_and_infinity_have_no_canonical_form(bad):
    with pytest.raises(ValueError):
        canonical_json(bad)
    with pytest.raises(ValueError):
        canonical_encoder()(bad)


def test_other_objects_have_no_canonical_form():
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
    with pytest.raises(TypeError):
        canonical_encoder()([b"bytes"])


def test_the_fingerprint_of_the_worked_row_digest_example_is_unchanged():
    (row,) = [v for v in JSON_VALUES if isinstance(v, list) and len(v) == 18]
    assert hashlib.sha256(canonical_json(row)).hexdigest() == (
        "2584cbfa93191f1338cfc20b5b9857c60329affa4adb7dd0ceaab56eca1e3082")  # docs/libraries.md


# --------------------------------------------------------------------------- the fast path

_scalars = (st.none() | st.booleans() | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False) | st.text()
            | st.dates() | st.decimals(allow_nan=False, allow_infinity=False)
            | st.datetimes(timezones=st.none() | st.just(UTC)))
_values = st.recursive(
    _scalars,
    lambda inner: (st.lists(inner, max_size=6)
                   | st.dictionaries(st.text(max_size=8), inner, max_size=6)
                   | st.frozensets(st.integers(), max_size=4)),
    max_leaves=30)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(_values)
def test_the_fast_encoder_gives_the_same_text(value):
    assert canonical_encoder()(value) == canonical_text(value)
