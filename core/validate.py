"""``jointcheck validate`` as a function: load everything, merge, run plugin checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from .config import Configuration, load_configuration
from .errors import ConfigError, Problem
from .legal import cited_laws, declared_editions, editions_out_of_force
from .merge import merge
from .model import Campaign, Checklist


def validate_all(paths: Iterable[str | Path] = (), *, strict: bool = False) -> tuple[Configuration, list[Checklist]]:
    """Load the installed plugins and *paths*, merge every campaign (or, without one, all
    departments) and collect the ``jointcheck_validate`` problems of the plugins."""
    config = load_configuration(paths, strict=strict, validating=True)
    checklists: list[Checklist] = []
    if config.errors and not config.departments:
        return config, checklists
    targets: list[Campaign | None] = list(config.campaigns) or [None]
    for campaign in targets:
        try:
            checklists.append(merge(config, campaign))
        except ConfigError as exc:  # already reported by the cross-document checks
            if not config.errors:
                config.add(exc.problems)
    for checklist in checklists:
        config.add(checklist_problems(config, checklist))
    return config, checklists


def checklist_problems(config: Configuration, checklist: Checklist) -> list[Problem]:
    """What is checked on a merged checklist: law editions and the plugins' hooks (the same
    for ``jointcheck validate`` and every command that opens a campaign)."""
    return edition_problems(config, checklist) + run_validation_hooks(config, checklist)


def edition_problems(config: Configuration, checklist: Checklist) -> list[Problem]:
    """JC320 (warning): a campaign day outside every declared edition of a law its items cite."""
    campaign = checklist.campaign
    if campaign is None or campaign.start is None:
        return []
    days = [d for d in (campaign.start, campaign.end) if d is not None]
    found = []
    for dept in checklist.departments:
        laws = cited_laws(i.data for i in checklist.items_of(dept.code))
        for law, day, declared in editions_out_of_force(declared_editions(dept.data), laws, days):
            key = "start" if day == campaign.start else "end"
            listed = "、".join(f"{e.edition}（{e.start or '…'}～{e.end or '…'}）" for e in declared)
            p = config.at(campaign.source.file, ("campaign", "period", key), "JC320",
                          day=day.isoformat(), department=dept.code, law=law, editions=listed)
            found.append(dataclasses.replace(p, severity="warning"))
    return found


def run_validation_hooks(config: Configuration, checklist: Checklist) -> list[Problem]:
    """Problems the plugins' ``jointcheck_validate`` hooks report for *checklist*."""
    if config.host is None:
        return []
    found: list[Problem] = []
    for plugin, value in config.host.call_each("jointcheck_validate", checklist=checklist):
        if value is None:
            continue
        if not isinstance(value, list | tuple) or not all(isinstance(p, Problem) for p in value):
            wrong = next((v for v in value if not isinstance(v, Problem)), None) \
                if isinstance(value, list | tuple) else value
            config.host.invalid(plugin, "jointcheck_validate", type(wrong).__name__)
            continue
        # what a plugin reports about the configuration keeps its severity (not softened)
        found.extend(dataclasses.replace(p, plugin=p.plugin or plugin, reported_by=plugin)
                     for p in value)
    return found
