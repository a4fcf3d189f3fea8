"""The canonical JSON form that every digest of jointcheck is taken of.

One serialisation for the checklist fingerprint (docs/checklist-fingerprint.md), the draw's
result digest (docs/draw.md), the audit chain (docs/audit.md) and the library row digests
(docs/libraries.md): JSON with object keys sorted by code point, no whitespace (``,`` and
``:`` separators), non-ASCII characters as themselves (not ``\\u`` escapes), JSON's standard
escapes for ``"``, ``\\`` and control characters, integers in plain decimal, floats in the
shortest form that reads back to the same double (Python ``repr``), no NaN or infinity;
UTF-8 bytes. In Python it is exactly::

    json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
               allow_nan=False, default=json_default).encode("utf-8")

:func:`json_default` converts the few non-JSON values a caller may hand over: a datetime to
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (:func:`format_time`), a date to ``YYYY-MM-DD``, a
Decimal to its string, a set to a sorted list. Anything else is a ``TypeError``.

Changing a single byte of this form changes every stored digest: don't.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from json import encoder as json_encoder
from typing import Any


def format_time(at: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (a naive value is taken as UTC)."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_default(value: Any) -> Any:
    """The JSON form of the non-JSON values the canonical form accepts."""
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"a value of type {type(value).__name__} has no canonical JSON form")


def canonical_text(value: Any) -> str:
    """The canonical JSON of *value* as text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False, default=json_default)


def canonical_json(value: Any) -> bytes:
    """The canonical JSON of *value*: UTF-8 bytes, the form digests are taken of."""
    return canonical_text(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_digest(value: Any) -> str:
    """Lower-case hex SHA-256 of the canonical JSON of *value*."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def canonical_encoder() -> Callable[[Any], str]:
    """A faster :func:`canonical_text` for hot loops (a big library import): the same
    text (tests/test_canonical.py proves it on generated values).

    ``json.dumps`` builds a new encoder on every call, which costs more than encoding a
    library row; this builds the json module's C encoder once, with the same settings
    (only the circular-reference check, which canonical values never need, is left out).
    """
    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - a Python without the _json accelerator
        return canonical_text
    # c_make_encoder(markers, default, encoder, indent, key_separator, item_separator,
    #                sort_keys, skipkeys, allow_nan)
    c_encode = make(None, json_default, json_encoder.encode_basestring, None, ":", ",",
                    True, False, False)
    join = "".join

    def encode(value: Any) -> str:
        return join(c_encode(value, 0))

    return encode


__all__ = ["canonical_digest", "canonical_encoder", "canonical_json", "canonical_text",
           "format_time", "json_default", "sha256_hex"]
