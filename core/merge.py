"""Merging the departments' items into one joint checklist (联合检查记录表).

The order is deterministic and never depends on hook call order: departments in the
campaign's order, then each department's items in declared order (an item's ``order``
field, when given, sorts before its declared position). Every item keeps its provenance
(plugin, file, line), and the checklist carries a content fingerprint that later records
store (docs/architecture.md#principle-4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .canonical import canonical_digest
from .config import policy_for
from .errors import ConfigError, problem
from .model import Campaign, Checklist, Department, Item, Policy

if TYPE_CHECKING:  # pragma: no cover - the configuration (YAML, schemas) loads lazily:
    from .config import Configuration  # records read fingerprints without it

FINGERPRINT_VERSION = "jc-checklist-1"


def fingerprint(departments: list[Department], items: list[Item], policy: Policy,
                campaign: Campaign | None) -> str:
    """SHA-256 over what the checklist says (not where it was loaded from): the
    ``jc-checklist-1`` form of docs/checklist-fingerprint.md."""
    by_department: dict[str, list[dict[str, Any]]] = {d.code: [] for d in departments}
    for item in items:
        by_department[item.department].append(item.data)
    content = {
        "version": FINGERPRINT_VERSION,
        "campaign": campaign.id if campaign else None,
        "departments": [{"code": d.code, "name": d.name, "items": by_department[d.code]}
                        for d in departments],
        "policy": policy.data,
    }
    return canonical_digest(content)


def _selected(dept: Department, selection: dict[str, Any] | None) -> list[Item]:
    items = sorted(dept.items, key=lambda i: (i.data.get("order", i.declared_index + 1),
                                              i.declared_index))
    if not selection:
        return items
    include = selection.get("include", "all")
    if include != "all":
        wanted = set(include)
        items = [i for i in items if i.id in wanted]
    excluded = set(selection.get("exclude", []))
    return [i for i in items if i.id not in excluded]


def merge(config: Configuration, campaign: Campaign | None = None) -> Checklist:
    """The joint checklist of *campaign* (without one: every loaded department, by code)."""
    if campaign is not None:
        missing = [c for c in campaign.departments if c not in config.departments]
        if missing:
            raise ConfigError([problem("JC302", file=campaign.source.file, department=c)
                               for c in missing])
        departments = [config.departments[c] for c in campaign.departments]
        selections = campaign.data.get("selection") or {}
    else:
        departments = [config.departments[c] for c in sorted(config.departments)]
        selections = {}
    items: list[Item] = []
    chosen: dict[str, list[str]] = {}
    for dept in departments:
        selected = _selected(dept, selections.get(dept.code))
        items.extend(selected)
        chosen[dept.code] = [i.id for i in selected]
    policy = policy_for(config, campaign)
    return Checklist(campaign=campaign, departments=departments, items=items, policy=policy,
                     fingerprint=fingerprint(departments, items, policy, campaign),
                     selection=chosen)
