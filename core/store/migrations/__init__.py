"""Alembic's environment (env.py) and the store's migrations (versions/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def sibling(name: str) -> ModuleType:
    """The migration module *name* of versions/, e.g. ``"0007_roles"`` (a migration that
    reuses an earlier one's definitions loads it by file: their names are not importable)."""
    path = Path(__file__).with_name("versions") / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_jointcheck_migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
