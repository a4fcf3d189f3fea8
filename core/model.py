"""The in-memory model: departments, items, campaigns, policies and the merged checklist.

Everything here is built from validated documents (core.config); the raw mapping is kept
as ``data`` so that snapshots (docs/architecture.md#principle-4) store exactly what was declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .clock import today
from .legal import declared_editions, legal_basis_in_force

if TYPE_CHECKING:  # pragma: no cover
    from .errors import Problem
    from .legal import Edition


class Source:
    """Where a declaration came from: provenance for every item.

    The *line* may be given as a function that finds it (a document read by the fast
    loader is located only when asked, core.yamlload): it is called once, when first read,
    and its result takes its place. Immutable, and equal by (plugin, file, line).
    """

    __slots__ = ("plugin", "file", "_line")

    plugin: str | None
    file: str | None
    _line: int | None | Callable[[], int | None]

    def __init__(self, plugin: str | None, file: str | None,
                 line: int | None | Callable[[], int | None] = None):
        object.__setattr__(self, "plugin", plugin)
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "_line", line)

    @property
    def line(self) -> int | None:
        line = self._line
        if callable(line):
            line = line()
            object.__setattr__(self, "_line", line)
        return line

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Source is immutable: cannot set {name}")

    def _key(self) -> tuple[str | None, str | None, int | None]:
        return (self.plugin, self.file, self.line)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Source(plugin={self.plugin!r}, file={self.file!r}, line={self.line!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles with its line found
        return (Source, (self.plugin, self.file, self.line))

    def to_json(self) -> dict[str, Any]:
        return {"plugin": self.plugin, "file": self.file, "line": self.line}


@dataclass(frozen=True)
class Item:
    department: str
    id: str
    title: str
    data: dict[str, Any]
    source: Source
    declared_index: int

    @cached_property  # asked for every item of every task a list counts
    def key(self) -> str:
        return f"{self.department}.{self.id}"

    @property
    def applicability(self) -> dict[str, Any] | None:
        return self.data.get("applicability")

    @property
    def noncompliance(self) -> dict[str, Any]:
        return self.data.get("noncompliance") or {}

    @property
    def declared_result(self) -> int:
        return int(self.noncompliance.get("result", 8))

    @property
    def dispositions(self) -> list[str]:
        return list(self.noncompliance.get("dispositions", []))

    @property
    def legal_basis(self) -> dict[str, list[dict[str, Any]]]:
        return self.data.get("legal_basis") or {}


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    data: dict[str, Any]
    items: tuple[Item, ...]
    source: Source

    @property
    def names(self) -> tuple[str, ...]:
        """The name, then the declared aliases (names in officer files)."""
        return (self.name, *self.data["department"].get("aliases", ()))


@dataclass(frozen=True)
class Policy:
    id: str
    data: dict[str, Any]
    source: Source

    @cached_property
    def results(self) -> dict[int, str]:
        return {r["code"]: r["text"] for r in self.data["results"]}

    @cached_property
    def dispositions(self) -> list[str]:
        return list(self.data["dispositions"])

    @property
    def rules(self) -> list[dict[str, Any]]:
        return list(self.data["rules"])

    @property
    def joint_order(self) -> list[int]:
        return list(self.data["joint_order"])


@dataclass(frozen=True)
class Campaign:
    """A validated 实施方案 (the mapping under ``campaign:``)."""

    data: dict[str, Any]
    source: Source

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def kind(self) -> str:
        return self.data.get("kind") or self.data["id"]

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def document_number(self) -> str | None:
        return self.data.get("document_number")

    @property
    def issuer(self) -> str | None:
        return self.data.get("issuer")

    @property
    def co_issuer(self) -> str | None:
        """A body that sealed the document with the issuer, e.g. 鹤壁市市场监督管理局（代章）."""
        return self.data.get("co_issuer")

    @property
    def report_title_prefix(self) -> str:
        """What the reports put before each annex title (附件1–4), e.g.
        工业企业安全生产“双随机、一公开” (empty when the campaign sets none)."""
        return self.data.get("report_title_prefix") or ""

    @property
    def issue_date(self) -> date | None:
        """The date on the document (成文日期)."""
        raw = self.data.get("issue_date")
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    @property
    def leading_group(self) -> dict[str, Any]:
        """``{name, leader, deputy_leaders, office: {seat, director, deputy_directors}}``,
        verbatim (empty when the 实施方案 sets up none)."""
        return dict(self.data.get("leading_group") or {})

    @property
    def inspection_methods(self) -> list[str]:
        return list(self.data.get("inspection_methods") or [])

    @property
    def deadlines(self) -> list[dict[str, Any]]:
        """The deadlines as declared: id, title, owner, recipient, days, unit, from, ..."""
        return [dict(d) for d in self.data.get("deadlines") or []]

    @property
    def lead_department(self) -> str:
        return self.data["lead_department"]

    @property
    def departments(self) -> list[str]:
        return list(self.data["departments"])

    @property
    def sample(self) -> dict[str, Any]:
        return dict(self.data["sample"])

    @property
    def scope_filter(self) -> dict[str, Any] | None:
        return (self.data.get("scope") or {}).get("filter")

    def officers_for(self, department: str) -> dict[str, Any]:
        """``{"count": n, "qualifications": [...]}`` for a department (count defaults to 2)."""
        spec = dict((self.data.get("officers") or {}).get(department) or {})
        spec.setdefault("count", 2)
        spec.setdefault("qualifications", [])
        return spec

    @property
    def cross_jurisdiction(self) -> bool:
        return bool((self.data.get("team") or {}).get("cross_jurisdiction", False))

    @property
    def leader_department(self) -> str:
        return (self.data.get("team") or {}).get("leader_from") or self.lead_department

    @property
    def exclude_inspected_this_year(self) -> bool:
        return bool((self.data.get("exclusion") or {}).get("inspected_this_year_same_kind", True))

    @property
    def inspection_limits(self) -> dict[str, int] | None:
        """``campaign.inspection_limits`` (国办发〔2024〕54号): ``exclude_within_days`` and/or
        ``max_per_year``, applied by the draw before sampling; None when not declared."""
        limits = self.data.get("inspection_limits") or {}
        out = {k: int(limits[k]) for k in ("exclude_within_days", "max_per_year")
               if isinstance(limits.get(k), int) and not isinstance(limits.get(k), bool)}
        return out or None

    @property
    def year(self) -> int:
        period = self.data.get("period")
        if period:
            return date.fromisoformat(period["start"]).year

        return today().year

    @property
    def policy_ref(self) -> str:
        return self.data.get("policy") or "default"

    def _period_day(self, key: str) -> date | None:
        period = self.data.get("period")
        try:
            return date.fromisoformat(period[key]) if period else None
        except ValueError:  # reported by validation (JC205)
            return None

    @property
    def start(self) -> date | None:
        """The campaign's first day (``period.start``): the day its citations are read on."""
        return self._period_day("start")

    @property
    def end(self) -> date | None:
        return self._period_day("end")


@dataclass
class Checklist:
    """The merged joint checklist (联合检查记录表) of one campaign."""

    campaign: Campaign | None
    departments: list[Department]
    items: list[Item]
    policy: Policy
    fingerprint: str
    selection: dict[str, list[str]] = field(default_factory=dict)

    def items_of(self, department: str) -> list[Item]:
        return [i for i in self.items if i.department == department]

    def item(self, department: str, item_id: str) -> Item | None:
        """The item *item_id* of *department* (looked up in a table built once)."""
        return self._by_key.get((department, item_id))

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], Item]:
        return {(i.department, i.id): i for i in self.items}

    def department(self, code: str) -> Department | None:
        return next((d for d in self.departments if d.code == code), None)

    @property
    def as_of(self) -> date | None:
        """The day whose law the checklist cites: the campaign's first day, if it has one."""
        return self.campaign.start if self.campaign else None

    def editions(self, department: str | None = None) -> list[Edition]:
        """The law editions the departments (or one of them) declare."""
        return [e for d in self.departments if department in (None, d.code)
                for e in declared_editions(d.data)]

    def legal_basis(self, item: Item) -> dict[str, list[dict[str, Any]]]:
        """*item*'s citations in force on :attr:`as_of` (all of them without a campaign)."""
        return legal_basis_in_force(item.data, self.editions(item.department), self.as_of)


# --------------------------------------------------------------------------- results
# The types the classification hooks see (core.hookspecs): here, not in core.classify, so
# that a plugin importing them loads neither the plugin host nor pluggy.


@dataclass
class DepartmentFindings:
    """One department's answers for one enterprise."""

    department: str
    outcome: str  # inspected | unreachable | refused
    items: dict[str, dict[str, Any]]
    target: dict[str, Any]
    disposition_changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DepartmentResult:
    """One department's 抽查结果 and 处理结果 for one enterprise (what a plugin may return from
    ``jointcheck_classify_department``)."""

    code: int
    text: str
    dispositions: list[str]
    rule: str | None = None
    overridden_by: str | None = None  # the plugin whose hook decided this result
    overridden_from: int | None = None  # the policy's result it replaced
    applicable: list[str] = field(default_factory=list)
    noncompliant: list[str] = field(default_factory=list)
    disposition_changes: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "result": {"code": self.code, "text": self.text},
            "dispositions": self.dispositions,
            "rule": self.rule,
            "applicable_items": self.applicable,
            "noncompliant_items": self.noncompliant,
        }
        if self.overridden_by:
            data["overridden_by"] = self.overridden_by
            data["overridden_from"] = self.overridden_from
        if self.disposition_changes:
            data["disposition_changes"] = self.disposition_changes
        return data


@dataclass
class JointResult:
    """An enterprise's joint result and every department's result."""

    code: int
    text: str
    departments: dict[str, DepartmentResult]
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "departments": {c: r.to_json() for c, r in self.departments.items()},
            "joint": {"code": self.code, "text": self.text},
        }


# -- referrals (问题线索移交): the statuses of a referral -----------------------------------

DRAFTED, SENT, RECEIVED, OPENED, DECLINED, CLOSED, REPORTED = (
    "drafted", "sent", "received", "opened", "declined", "closed", "reported")
# a sent referral whose problem an amendment removed, withdrawn by a letter (``correct``)
WITHDRAWN = "withdrawn"
STATUSES = (DRAFTED, SENT, RECEIVED, OPENED, DECLINED, CLOSED, REPORTED, WITHDRAWN)
# the steps ``referrals update`` records (withdrawing is ``referrals correct``'s)
STEPS = (DRAFTED, SENT, RECEIVED, OPENED, DECLINED, CLOSED, REPORTED)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFTED: (SENT,), SENT: (RECEIVED,), RECEIVED: (OPENED, DECLINED), OPENED: (CLOSED,),
    CLOSED: (REPORTED,), DECLINED: (), REPORTED: (), WITHDRAWN: (),
}
DONE = (DECLINED, REPORTED, WITHDRAWN)
# the department has decided on 立案: opened (and what follows) or declined
DECIDED = {OPENED: OPENED, CLOSED: OPENED, REPORTED: OPENED, DECLINED: DECLINED}
