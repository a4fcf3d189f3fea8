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
    from .config import policy_for

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


def reference_json(checklist: Checklist) -> dict[str, Any]:
    """What in the checklist is not the 实施方案's: the labels, and the editions cited."""
    from .legal import cited_laws
    from .present.legal import editions_note, label, supplement_note

    as_of = checklist.as_of
    editions = checklist.editions()
    laws = cited_laws(i.data for i in checklist.items)
    cited = [e for e in editions if e.law in laws and (as_of is None or e.in_force(as_of))]
    return {
        "note": supplement_note(),
        "fields": {"legal_basis": label("legal_basis"), "group": label("group"),
                   "guidance": label("guidance")},
        "provided_by": "department plugins",
        "as_of": as_of.isoformat() if as_of else None,
        "editions": [e.to_json() for e in cited],
        "editions_note": editions_note(editions, as_of, laws,
                                       until=checklist.campaign.end if checklist.campaign else None),
    }


def checklist_json(checklist: Checklist) -> dict[str, Any]:
    """The merged checklist as ``jointcheck checklist --format json`` prints it.

    ``legal_basis`` holds the citations in force on the campaign's first day; ``reference``
    says that legal basis, groups and guidance are the plugins' reference material.
    """
    campaign = checklist.campaign
    names = {d.code: d.name for d in checklist.departments}
    return {
        "campaign": campaign_json(campaign) if campaign else None,
        "reference": reference_json(checklist),
        "fingerprint": checklist.fingerprint,
        "policy": checklist.policy.id,
        "departments": [{"code": d.code, "name": d.name, "items": len(checklist.items_of(d.code))}
                        for d in checklist.departments],
        "items": [
            {
                "seq": n,
                "department": item.department,
                "department_name": names[item.department],
                "id": item.id,
                "title": item.title,
                "group": item.data.get("group"),
                "legal_basis": checklist.legal_basis(item),
                "applicability": item.applicability,
                "noncompliance": item.noncompliance,
                "method": item.data.get("method"),
                "guidance": item.data.get("guidance"),
                "related": item.data.get("related", []),
                "provenance": item.source.to_json(),
            }
            for n, item in enumerate(checklist.items, 1)
        ],
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    """What the checklist says about the campaign itself."""
    issued = campaign.issue_date
    return {"id": campaign.id, "title": campaign.title,
            "document_number": campaign.document_number,
            "issuer": campaign.issuer, "co_issuer": campaign.co_issuer,
            "issue_date": issued.isoformat() if issued else None,
            "period": campaign.data.get("period"),
            "leading_group": campaign.leading_group or None,
            "inspection_methods": campaign.inspection_methods}
