"""``jointcheck validate`` as a function: load everything, merge, run plugin checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from .config import Configuration, load_configuration
from .errors import ConfigError, Problem, problem
from .merge import merge
from .model import Checklist


def validate_all(paths: Iterable[str | Path] = (), *, strict: bool = False) -> tuple[Configuration, list[Checklist]]:
    """Load the installed plugins and *paths*, merge every campaign (or, without one, all
    departments) and collect the ``jointcheck_validate`` problems of the plugins."""
    config = load_configuration(paths, strict=strict)
    checklists: list[Checklist] = []
    if config.errors and not config.departments:
        return config, checklists
    targets = config.campaigns or [None]
    for campaign in targets:
        try:
            checklists.append(merge(config, campaign))
        except ConfigError as exc:  # already reported by the cross-document checks
            if not config.errors:
                config.add(exc.problems)
    for checklist in checklists:
        config.add(run_validation_hooks(config, checklist))
    return config, checklists


def run_validation_hooks(config: Configuration, checklist: Checklist) -> list[Problem]:
    """Problems the plugins' ``jointcheck_validate`` hooks report for *checklist*."""
    if config.host is None:
        return []
    found: list[Problem] = []
    for plugin, value in config.host.call_each("jointcheck_validate", checklist=checklist):
        if value is None:
            continue
        if not isinstance(value, list | tuple) or not all(isinstance(p, Problem) for p in value):
            found.append(problem("JC404", plugin=plugin, hook="jointcheck_validate",
                                 detail=type(value).__name__))
            continue
        # what a plugin reports about the configuration keeps its severity (not softened)
        found.extend(dataclasses.replace(p, plugin=p.plugin or plugin, reported_by=plugin)
                     for p in value)
    return found
