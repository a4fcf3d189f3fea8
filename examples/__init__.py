"""Example campaigns, shipped inside the package so defaults work from an installed wheel."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_CAMPAIGN = "hebi-2020-industrial-safety.yaml"


def example_path(name: str = DEFAULT_CAMPAIGN) -> Path:
    """Filesystem path of a shipped example file."""
    return Path(str(files(__name__) / name))
