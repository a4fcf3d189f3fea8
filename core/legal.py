"""Legal basis: the editions of the laws a department cites, and which one was in force.

The 实施方案 of the source cites no legal basis for any item (docs/architecture.md#domain-checklist): the citations,
like the item groups and the guidance, are reference material a department plugin adds.
Laws change and renumber their articles (the 2014 and 2021 texts of 安全生产法 differ), so a
citation names its ``edition`` and a department declares, under ``editions``, the dates each
edition of a law was in force. A campaign's checklist cites the edition in force on the
campaign's first day; ``validate`` warns (JC320) when a campaign's dates fall outside every
declared edition of a law its items cite.

Pure functions on plain data: no I/O, no heavy imports. How citations and the labels read
is presentation: core.present.legal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import register

CODES = {
    "JC320": ("实施方案的日期 {day} 不在部门“{department}”为《{law}》声明的任何版本的施行期间内（已声明：{editions}）",
              "the campaign date {day} is outside every edition of 《{law}》 that department "
              "'{department}' declares (declared: {editions})"),
    "JC321": ("《{law}》（{edition}）的施行期间无效：失效日期 {end} 早于施行日期 {start}",
              "invalid dates of 《{law}》 ({edition}): in force to {end}, before {start}"),
}
HINTS = {
    "JC320": ("请在部门声明的 editions 中补充该日期施行的版本及其条文，或核对实施方案的 period；"
              "联合检查记录表暂列出全部已声明版本的条文。",
              "Please either declare the edition in force on that date (with its citations) under "
              "the department's editions, or check the campaign's period; meanwhile the "
              "checklist lists the citations of every declared edition."),
    "JC321": ("请将 in_force.to 设为不早于 in_force.from 的日期。",
              "Please set in_force.to to a date on or after in_force.from."),
}
register(CODES, HINTS)

KINDS = ("duty", "penalty")


@dataclass(frozen=True)
class Edition:
    """One edition of a law and the dates it was in force (``None``: open-ended)."""

    law: str
    edition: str
    start: date | None = None
    end: date | None = None

    def in_force(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def to_json(self) -> dict[str, Any]:
        return {"law": self.law, "edition": self.edition,
                "in_force": {"from": self.start.isoformat() if self.start else None,
                             "to": self.end.isoformat() if self.end else None}}


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def declared_editions(declaration: Mapping[str, Any]) -> list[Edition]:
    """The ``editions`` a department declaration lists (dates already schema-checked)."""
    out = []
    for raw in declaration.get("editions") or []:
        span = raw.get("in_force") or {}
        try:
            start, end = _day(span.get("from")), _day(span.get("to"))
        except ValueError:  # reported by the schema check (JC205)
            start = end = None
        out.append(Edition(str(raw["law"]), str(raw["edition"]), start, end))
    return out


def editions_by_law(editions: Iterable[Edition]) -> dict[str, list[Edition]]:
    by_law: dict[str, list[Edition]] = {}
    for e in editions:
        by_law.setdefault(e.law, []).append(e)
    return by_law


def edition_in_force(editions: Iterable[Edition], law: str, day: date) -> Edition | None:
    """The declared edition of *law* in force on *day*, or ``None``."""
    return next((e for e in editions if e.law == law and e.in_force(day)), None)


def cited_laws(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """Laws cited by the items' legal basis, in first-cited order."""
    seen: dict[str, None] = {}
    for item in items:
        for kind in KINDS:
            for c in (item.get("legal_basis") or {}).get(kind) or []:
                seen.setdefault(c["law"], None)
    return list(seen)


def citations_in_force(citations: Iterable[Mapping[str, Any]], editions: Iterable[Edition],
                       day: date | None) -> list[dict[str, Any]]:
    """The citations that apply on *day*.

    A citation of a law with declared editions is kept when its edition is the one in force
    on *day*; when no declared edition was in force then (JC320), every citation of that law
    is kept so that nothing is silently dropped. Citations of laws without declared editions
    are always kept. Without a *day* (no campaign) everything is kept.
    """
    copies = [dict(c) for c in citations]
    if day is None:
        return copies
    by_law = editions_by_law(editions)
    out = []
    for c in copies:
        declared = by_law.get(c["law"])
        if not declared:
            out.append(c)
            continue
        current = edition_in_force(declared, c["law"], day)
        if current is None or c.get("edition") == current.edition:
            out.append(c)
    return out


def legal_basis_in_force(item_data: Mapping[str, Any], editions: Iterable[Edition],
                         day: date | None) -> dict[str, list[dict[str, Any]]]:
    """An item's ``legal_basis`` reduced to the citations that apply on *day*."""
    basis = item_data.get("legal_basis") or {}
    editions = list(editions)
    return {kind: citations_in_force(basis.get(kind) or [], editions, day)
            for kind in KINDS if kind in basis}


def editions_out_of_force(editions: Iterable[Edition], laws: Iterable[str],
                          days: Iterable[date]) -> list[tuple[str, date, list[Edition]]]:
    """``(law, day, declared)`` for each cited law with declared editions none of which was in
    force on one of *days* (the JC320 warning)."""
    by_law = editions_by_law(editions)
    out = []
    for law in laws:
        declared = by_law.get(law)
        if not declared:
            continue
        for day in days:
            if edition_in_force(declared, law, day) is None:
                out.append((law, day, declared))
                break
    return out
