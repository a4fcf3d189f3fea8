"""Drift: a department's items changed after records were submitted against them.

A submitted record keeps the checklist snapshot it was filled against (docs/records.md), so
it never changes; but a department that rewrites an item's title or rules (applicability,
the non-compliance result, dispositions, referral) makes a new draw of the same campaign
use the new text beside records on the old one. ``jointcheck validate --db URL`` compares
the loaded departments with every stored snapshot that has submitted records and warns
(JC323) at the changed item, naming the campaign and its records on the old text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, select

from ..errors import Problem, register
from ..i18n import Localized
from ..records.snapshot import SnapshotError, load_checklist
from ..store.models import record_versions as rv
from ..store.models import tasks

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from ..config import Configuration
    from ..model import Department, Item

# what of an item a record depends on: its verbatim title and its rules
COMPARED = ("title", "applicability", "noncompliance")
_WHAT = {"title": Localized("标题", "title"),
         "applicability": Localized("适用条件", "applicability"),
         "noncompliance": Localized("不符合时的处理规则", "non-compliance rules"),
         "removed": Localized("整个事项（已删除）", "whole item (removed)")}
SHOWN = 5  # task ids named per warning

register({
    "JC323": ("部门“{department}”的检查事项“{item}”的{what}在检查记录提交后已改变：实施方案“{campaign}”"
              "有 {n} 份检查记录按原来的内容填写（{tasks}）",
              "the {what} of item '{item}' of department '{department}' changed after records "
              "were submitted against it: {n} record(s) of campaign '{campaign}' were filled "
              "against the old text ({tasks})"),
}, {
    "JC323": ("已提交的记录按其快照保存，不受影响；但该实施方案新的抽取和记录将使用新的内容。若非有意修改，"
              "请恢复原来的内容；若是有意修改，请在新的实施方案中使用它。",
              "Submitted records keep their snapshot and do not change, but a new draw or "
              "record of that campaign would use the new text. If the change was not meant, "
              "please restore the old text; if it was, please use it in a new campaign."),
})


def _submitted(engine: Engine) -> dict[str, dict[str, list[str]]]:
    """checklist fingerprint -> campaign -> the task ids whose current version was
    submitted against it."""
    q = (select(rv.c.checklist_fingerprint, tasks.c.campaign_id, tasks.c.id)
         .join(tasks, and_(tasks.c.id == rv.c.task_id, tasks.c.version == rv.c.version))
         .order_by(tasks.c.campaign_id, tasks.c.draw_id, tasks.c.seq))
    out: dict[str, dict[str, list[str]]] = {}
    with engine.connect() as conn:
        for fp, campaign, task in conn.execute(q):
            out.setdefault(fp, {}).setdefault(campaign, []).append(task)
    return out


def _changes(old: Item, new: Item | None) -> list[str]:
    if new is None:
        return ["removed"]
    return [k for k in COMPARED if old.data.get(k) != new.data.get(k)]


def drift_problems(config: Configuration, engine: Engine) -> list[Problem]:
    """JC323 (warnings) for every item of a loaded department whose title or rules differ
    from a stored snapshot that submitted records were filled against."""
    submitted = _submitted(engine)
    if not submitted:
        return []
    # (department, item, what) -> campaign -> tasks
    found: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    with engine.connect() as conn:
        for fp, by_campaign in submitted.items():
            try:
                snapshot = load_checklist(conn, fp)
            except SnapshotError:
                continue  # an altered snapshot is JC809 wherever it is read
            if snapshot is None:
                continue
            for dept in snapshot.departments:
                current = config.departments.get(dept.code)
                if current is None:
                    continue  # its plugin is gone: nothing to drift from
                items = {i.id: i for i in current.items}
                for old in snapshot.items_of(dept.code):
                    for what in _changes(old, items.get(old.id)):
                        hits = found.setdefault((dept.code, old.id, what), {})
                        for campaign, task_ids in by_campaign.items():
                            hits.setdefault(campaign, []).extend(task_ids)
    return [_warning(config, config.departments[code], item, what, campaign, tasks)
            for (code, item, what), by_campaign in sorted(found.items())
            for campaign, tasks in sorted(by_campaign.items())]


def _warning(config: Configuration, dept: Department, item_id: str, what: str,
             campaign: str, tasks: Iterable[str]) -> Problem:
    ids = sorted(set(tasks))
    shown = "、".join(ids[:SHOWN]) + (f" …（共 {len(ids)} 份）" if len(ids) > SHOWN else "")
    index = next((i.declared_index for i in dept.items if i.id == item_id), None)
    path: tuple[Any, ...] = ("items",) if index is None else \
        ("items", index) + ((what,) if what in COMPARED else ())
    p = config.at(dept.source.file, path, "JC323", plugin=dept.source.plugin,
                  department=dept.code, item=item_id, what=_WHAT[what], campaign=campaign,
                  n=len(ids), tasks=shown)
    return dataclasses.replace(p, severity="warning")
