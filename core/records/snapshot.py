"""Checklist snapshots: the merged checklist a record was filled against, stored by its
content fingerprint (jc-checklist-1) so that every record stays readable after plugins
change (docs/records.md). Loading a snapshot recomputes the fingerprint: a snapshot
altered in the store is refused (JC809), never used.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from .. import clock
from ..errors import problem
from ..merge import fingerprint
from ..model import Campaign, Checklist, Department, Item, Policy, Source
from ..store.models import checklists

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection

SNAPSHOT_FORMAT = "jointcheck-checklist"
SNAPSHOT_VERSION = 1


def _plain(value: Any) -> Any:
    """JSON-safe copy (dates as ISO text, exactly as the fingerprint serialises them)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _source(s: Source) -> dict[str, Any]:
    return s.to_json()


def to_snapshot(checklist: Checklist) -> dict[str, Any]:
    """Everything needed to rebuild *checklist* without plugins or files."""
    campaign = checklist.campaign
    return _plain({
        "format": SNAPSHOT_FORMAT,
        "format_version": SNAPSHOT_VERSION,
        "fingerprint": checklist.fingerprint,
        "campaign": ({"data": campaign.data, "source": _source(campaign.source)}
                     if campaign else None),
        "departments": [{"code": d.code, "name": d.name,
                         "data": {k: v for k, v in d.data.items() if k != "items"},
                         "source": _source(d.source)} for d in checklist.departments],
        "items": [{"department": i.department, "id": i.id, "data": i.data,
                   "source": _source(i.source), "declared_index": i.declared_index}
                  for i in checklist.items],
        "policy": {"id": checklist.policy.id, "data": checklist.policy.data,
                   "source": _source(checklist.policy.source)},
        "selection": checklist.selection,
    })


def from_snapshot(snap: dict[str, Any], *, verify: bool = True) -> Checklist:
    """The :class:`Checklist` of a snapshot; JC809 (ValueError) when its content no longer
    matches its fingerprint."""
    camp = snap.get("campaign")
    campaign = Campaign(data=camp["data"], source=Source(**camp["source"])) if camp else None
    # the title is read from the item's data, which the fingerprint covers
    items = [Item(department=i["department"], id=i["id"], title=i["data"]["title"], data=i["data"],
                  source=Source(**i["source"]), declared_index=i["declared_index"])
             for i in snap["items"]]
    departments = [Department(code=d["code"], name=d["name"], data=d["data"],
                              items=tuple(i for i in items if i.department == d["code"]),
                              source=Source(**d["source"])) for d in snap["departments"]]
    pol = snap["policy"]
    policy = Policy(id=pol["id"], data=pol["data"], source=Source(**pol["source"]))
    recorded = snap["fingerprint"]
    if verify:
        actual = fingerprint(departments, items, policy, campaign)
        if actual != recorded:
            raise SnapshotError(recorded, actual)
    return Checklist(campaign=campaign, departments=departments, items=items, policy=policy,
                     fingerprint=recorded, selection=dict(snap.get("selection") or {}))


class SnapshotError(ValueError):
    def __init__(self, recorded: str, actual: str):
        self.problem = problem("JC809", fingerprint=recorded[:12], actual=actual[:12])
        super().__init__(self.problem.message)


def register_checklist(conn: Connection, checklist: Checklist) -> str:
    """Store *checklist*'s snapshot under its fingerprint (once) and return the fingerprint."""
    fp = checklist.fingerprint
    exists = conn.execute(select(checklists.c.fingerprint)
                          .where(checklists.c.fingerprint == fp)).first()
    if exists is None:
        conn.execute(insert(checklists).values(
            fingerprint=fp, campaign_id=checklist.campaign.id if checklist.campaign else "",
            snapshot=to_snapshot(checklist), created_at=clock.utcnow()))
    return fp


def load_checklist(conn: Connection, fp: str) -> Checklist | None:
    """The checklist stored under fingerprint *fp* (``None``: not in the store)."""
    row = conn.execute(select(checklists.c.snapshot).where(checklists.c.fingerprint == fp)
                       ).first()
    if row is None:
        return None
    return from_snapshot(row.snapshot)


def latest_checklist(conn: Connection, campaign_id: str) -> Checklist | None:
    """The checklist of *campaign_id* stored last (``None``: the store has none): how a
    campaign drawn before is opened by its id (core.campaign)."""
    row = conn.execute(select(checklists.c.snapshot)
                       .where(checklists.c.campaign_id == campaign_id)
                       .order_by(checklists.c.created_at.desc(), checklists.c.fingerprint)
                       .limit(1)).first()
    return None if row is None else from_snapshot(row.snapshot)
