"""JSON Schemas (draft 2020-12) of jointcheck's documents, shipped as package data."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

NAMES = ("department", "campaign", "policy", "findings", "record", "holidays", "case")


def schema_text(name: str) -> str:
    """The schema *name* as JSON text (``KeyError`` for an unknown name)."""
    if name not in NAMES:
        raise KeyError(name)
    return (files(__name__) / f"{name}.schema.json").read_text(encoding="utf-8")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema *name* as a dict (cached)."""
    return json.loads(schema_text(name))
