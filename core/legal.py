"""Legal basis: the editions of the laws a department cites, and which one was in force.

The 实施方案 of the source cites no legal basis for any item (docs/architecture.md#domain-checklist): the citations,
like the item groups and the guidance, are reference material a department plugin adds.
Laws change and renumber their articles (the 2014 and 2021 texts of 安全生产法 differ), so a
citation names its ``edition`` and a department declares, under ``editions``, the dates each
edition of a law was in force. A campaign's checklist cites the edition in force on the
campaign's first day; ``validate`` warns (JC320) when a campaign's dates fall outside every
declared edition of a law its items cite.

Pure functions on plain data: no I/O, no heavy imports.
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


# -- how citations and the supplementary label read (shared by CLI, app, records, reports) --

_TEXT: dict[str, tuple[str, str]] = {
    "legal_basis": ("法律依据（参考，非实施方案原文）",
                    "Legal basis (reference, not in the 实施方案)"),
    "penalty": ("处罚依据（参考，非实施方案原文）", "Penalty basis (reference, not in the 实施方案)"),
    "group": ("分组（参考，非实施方案原文）", "Group (reference, not in the 实施方案)"),
    "guidance": ("检查指引（参考，非实施方案原文）", "Guidance (reference, not in the 实施方案)"),
    "note": ("说明：法律依据、处罚依据、事项分组和检查指引是部门插件添加的参考内容，不是实施方案原文；"
             "实施方案未列明任何法律依据。",
             "Note: the legal and penalty basis, item groups and guidance are reference material "
             "added by the department plugins, not part of the 实施方案, which cites no legal basis."),
    "as_of": ("法律依据按抽查开始日（{day}）施行的版本引用：{editions}。",
              "Citations follow the editions in force on the campaign's first day ({day}): {editions}."),
    "as_of_none": ("法律依据列出全部已声明版本（实施方案未给出抽查日期）：{editions}。",
                   "Citations of every declared edition (the campaign has no dates): {editions}."),
    "out_of_force": ("《{law}》：{day} 无已声明的施行版本，列出全部已声明版本的条文",
                     "《{law}》: no declared edition in force on {day}; every declared edition is cited"),
    "changes": ("（抽查期间自{start}起施行{edition}，本表仍按开始日引用）",
                " ({edition} takes over on {start}, during the campaign; this list keeps the "
                "first day's edition)"),
    "from_to": ("{start}至{end}施行", "in force {start} to {end}"),
    "from": ("{start}起施行", "in force from {start}"),
    "to": ("{end}前施行", "in force until {end}"),
    "unverified": ("（条文未核实）", " (article not verified)"),
    "sep": ("；", "; "),
    "comma": ("，", ", "),
}


def _t(key: str, official: bool, **params: object) -> str:
    """Text in the active language; documents of record (*official*) are always Chinese."""
    from .i18n import get_lang

    zh, en = _TEXT[key]
    template = en if (get_lang() == "en" and not official) else zh
    return template.format(**params) if params else template


def label(field: str, *, official: bool = False) -> str:
    """The heading of a supplementary field: ``legal_basis``, ``penalty``, ``group`` or
    ``guidance``, e.g. 法律依据（参考，非实施方案原文）."""
    return _t(field, official)


def supplement_note(*, official: bool = False) -> str:
    """One sentence saying that legal basis, groups and guidance are not the 实施方案's."""
    return _t("note", official)


def format_citation(c: Mapping[str, Any], *, edition: bool = True, official: bool = False) -> str:
    """《law》（edition）article clause, e.g. 《中华人民共和国安全生产法》（2014年修正）第三十八条;
    an unverified citation says so."""
    ed = f"（{c['edition']}）" if edition and c.get("edition") else ""
    text = f"《{c['law']}》{ed}{c['article']}{c.get('clause', '')}"
    if c.get("verified") is False:
        text += _t("unverified", official)
    return text


def format_citations(citations: Iterable[Mapping[str, Any]], *, official: bool = False) -> str:
    return _t("sep", official).join(format_citation(c, official=official) for c in citations)


def format_edition(e: Edition, *, official: bool = False) -> str:
    """《law》（edition，2014-12-01至2021-08-31施行）."""
    if e.start and e.end:
        span = _t("from_to", official, start=e.start.isoformat(), end=e.end.isoformat())
    elif e.start:
        span = _t("from", official, start=e.start.isoformat())
    elif e.end:
        span = _t("to", official, end=e.end.isoformat())
    else:
        return f"《{e.law}》（{e.edition}）"
    return f"《{e.law}》（{e.edition}{_t('comma', official)}{span}）"


def editions_note(editions: Iterable[Edition], day: date | None, laws: Iterable[str], *,
                  until: date | None = None, official: bool = False) -> str:
    """Which edition of each cited law a checklist cites, and why (the campaign's first day);
    with *until* (the campaign's last day), an edition that takes over meanwhile is named."""
    editions = list(editions)
    laws = list(laws)
    sep = _t("sep", official)
    if day is None:
        listed = sep.join(format_edition(e, official=official) for e in editions if e.law in laws)
        return _t("as_of_none", official, editions=listed) if listed else ""
    parts = []
    for law in laws:
        declared = [e for e in editions if e.law == law]
        if not declared:
            continue
        current = edition_in_force(declared, law, day)
        parts.append(format_edition(current, official=official) if current else
                     _t("out_of_force", official, law=law, day=day.isoformat()))
        later = edition_in_force(declared, law, until) if until else None
        if later is not None and later != current:
            parts[-1] += _t("changes", official, edition=later.edition,
                            start=later.start.isoformat() if later.start else "")
    return _t("as_of", official, day=day.isoformat(), editions=sep.join(parts)) if parts else ""
