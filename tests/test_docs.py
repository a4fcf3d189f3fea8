"""Developer documentation stays in step with the code."""

from __future__ import annotations

import inspect
from pathlib import Path

from jointcheck.core import hookspecs
from jointcheck.core.errors import CODES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_hookspec_is_documented():
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    specs = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
             if name.startswith("jointcheck_")]
    assert len(specs) >= 4
    for name in specs:
        params = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert f"## `{name}({params})`" in text, name
        assert getattr(hookspecs, name).__doc__, name


def test_every_error_code_is_documented():
    import importlib

    for module in ("store", "store.audit", "draw.algorithm", "draw.service", "libraries.messages"):
        importlib.import_module(f"jointcheck.core.{module}")  # each registers its own codes
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in text, code
