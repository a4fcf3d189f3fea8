"""How legal basis reads: the supplementary-material labels, citations with their edition,
and the note saying which edition a checklist cites. One place for the CLI, the app, the
records and the reports (core.legal decides which citations apply).

The 实施方案 cites no legal basis (docs/architecture.md#domain-checklist), so every heading
over the plugins' legal basis, groups or guidance says it is reference material, e.g.
法律依据（参考，非实施方案原文）. Text follows the interface language; documents of record
(``official=True``: referral letters, published results, printed forms) are always Chinese.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..i18n import get_lang
from ..legal import Edition, edition_in_force

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
