"""Test helper: make an installed distribution (dist-info + modules) in a directory, so that
importlib.metadata discovers its ``jointcheck`` entry points exactly as for a pip install."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path


def make_dist(root: Path, name: str, entry_points: dict[str, str],
              files: dict[str, str], version: str = "1.0") -> Path:
    """Write ``name-version.dist-info`` with the entry points, plus *files* (path -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    lines = ["[jointcheck]"] + [f"{k} = {v}" for k, v in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def forget_modules(*prefixes: str) -> None:
    """Drop imported test plugin modules so the next test imports them afresh."""
    for mod in list(sys.modules):
        if mod.startswith(prefixes):
            del sys.modules[mod]
