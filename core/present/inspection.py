"""Presentation of a record being filled in (the app's inspection screen): the 附件4
header, the visit line, one line per item, the legal-basis panel and the live results.
Pure functions over the records service's Draft; nothing here imports Textual."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..attributes import known_attributes
from ..conditions import attributes_used
from ..i18n import translator
from .legal import format_citations, label
from .records import MARKS, outcome_label, results_lines, unfinished_lines
from .team import member_text

if TYPE_CHECKING:  # pragma: no cover
    from ..classify import JointResult
    from ..model import Checklist, Item
    from ..records.service import Draft

_ = translator({
    "check_date": ("检查日期", "Check date"),
    "outcome": ("检查情况", "Visit"),
    "methods": ("检查方式", "Methods"),
    "escort": ("陪同人员", "Escort"),
    "officers": ("检查人员", "Officers"),
    "not_set": ("未填写", "not set"),
    "corrected": ("整改", "corrected"),
    "does_not_apply": ("（不适用于该企业）", "(does not apply to this enterprise)"),
    "note": ("问题说明：{text}", "问题说明 (note): {text}"),
    "referred_to": ("移交{to}：{item}（不符合，未当场整改；建议处理结果：{proposed}）",
                    "referred to {to}: {item} (不符合, not corrected on the spot; "
                    "proposed: {proposed})"),
    "will_refer": ("提交后将移交 {n} 项问题：{to}（不符合且未当场整改）",
                   "submitting will refer {n} problem(s): {to} (不符合, not corrected on the spot)"),
    "n_items": ("{to} {n} 项", "{to} {n}"),
    "kept_corrected": ("不移交：{item}（不符合，已当场整改）",
                       "not referred: {item} (不符合, corrected on the spot)"),
    "method": ("检查方法：{text}", "Method: {text}"),
    "none": ("无", "none"),
    "item": ("第 {n} 项", "Item {n}"),
})

# 附件4's header, in the form's order: (label, target library columns tried in turn).
# The labels are the form's own words: verbatim Chinese in every language.
HEADER_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("市场主体名称", ("name",)),
    ("统一社会信用代码/注册号", ("credit_code", "reg_no")),
    ("法定代表人", ("legal_rep",)),
    ("市场主体类型", ("entity_type",)),
    ("经营范围", ("business_scope",)),
    ("行政区划", ("region",)),
    ("成立日期", ("established",)),
    ("联系电话", ("phone",)),
    ("经营地址", ("business_address", "address")),
)


def header_pairs(target: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The record header of 附件4 from the library row (— where the library has nothing)."""
    out = []
    for heading, columns in HEADER_FIELDS:
        value = next((target.get(c) for c in columns if target.get(c) not in (None, "")), None)
        out.append((heading, str(value) if value is not None else "—"))
    return out


# The header facts of 附件4 an officer may find changed on site (after the facts that
# decide which items apply).
HEADER_FACTS = ("legal_rep", "phone", "business_address")


@dataclass(frozen=True)
class Fact:
    """One fact about the enterprise the officers may correct on site: its name, verbatim
    Chinese label and type (boolean | string | number), the library's value and the value
    the record holds now (the correction, else the library's)."""

    name: str
    label: str
    type: str
    library: Any
    value: Any

    @property
    def corrected(self) -> bool:
        return self.value != self.library


def correctable_facts(draft: Draft) -> list[Fact]:
    """The facts the record's correction form offers: every attribute an item's condition
    reads (in the checklist's order), then the changeable header facts of 附件4."""
    # principle 8: core.records.service is heavy; loaded only when this runs
    from ..records.service import library_facts

    known = known_attributes(draft.checklist.departments)
    names: list[str] = []
    for item in draft.checklist.items:
        names += [n for n in sorted(attributes_used(item.applicability)) if n not in names]
    names += [n for n in HEADER_FACTS if n not in names]
    library = library_facts(draft.task.target)
    corrections = draft.field("target") or {}
    out = []
    for name in names:
        attr = known.get(name)
        out.append(Fact(name, attr.label if attr else name, attr.type if attr else "string",
                        library.get(name), corrections.get(name, library.get(name))))
    return out


def corrections_of(facts: list[Fact], values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``field:target`` value for the form's *values*: only what differs from the
    library (a value set back to the library's is no correction)."""
    return {f.name: values[f.name] for f in facts
            if f.name in values and values[f.name] != f.library}


def escort_text(escort: Mapping[str, Any] | None) -> str:
    if not escort or not escort.get("name"):
        return ""
    position = escort.get("position")
    return escort["name"] + (f"（{position}）" if position else "")


def visit_pairs(draft: Draft) -> list[tuple[str, str]]:
    """Check date, visit outcome, methods and escort of a draft (for the header)."""
    return [(_("check_date"), draft.field("inspected_on") or _("not_set")),
            (_("outcome"), outcome_label(draft.outcome)),
            (_("methods"), "、".join(draft.methods())),
            (_("escort"), escort_text(draft.field("escort")) or _("not_set"))]


def item_mark(answer: Mapping[str, Any] | None, applies: bool) -> str:
    if not applies:
        return MARKS["not_applicable"]
    return MARKS[answer["result"] if answer else None]


def item_lines(n: int, item: Item, answer: Mapping[str, Any] | None,
               applies: bool) -> tuple[str, str, list[str]]:
    """An item as ``(" 2 ✗", "title [整改]", [its note])``."""
    text = item.title
    if not applies:
        text += " " + _("does_not_apply")
    elif answer and answer.get("corrected_on_site"):
        text += f" [{_('corrected')}]"
    more = []
    note = (answer or {}).get("note") or ""
    if note.strip():
        more.append(_("note", text=note.strip()))
    return f"{n:>3} {item_mark(answer, applies)}", text, more


def department_heading(draft: Draft, code: str, name: str) -> str:
    """A department's section heading: its name and its officers on the team."""
    members = [member_text({"name": m.name, "cert_no": m.cert_no, "leader": m.leader})
               for m in draft.task.team if m.department == code]
    return f"{name}  {'、'.join(members)}" if members else name


def legal_sections(item: Item, checklist: Checklist) -> list[tuple[str, str]]:
    """The side panel of the current item: its legal basis in force, penalty articles,
    guidance and method, each under a heading that labels it as reference material."""
    basis = checklist.legal_basis(item)
    out = [(item.title, "")]
    out.append((label("legal_basis"), format_citations(basis.get("duty") or []) or _("none")))
    out.append((label("penalty"), format_citations(basis.get("penalty") or []) or _("none")))
    guidance = str(item.data.get("guidance") or "").strip()
    if guidance:
        out.append((label("guidance"), guidance))
    method = item.data.get("method")
    if method:  # one method, or several used together (a list)
        text = "、".join(method) if isinstance(method, list) else str(method)
        out.append((_("method", text=text), ""))
    return out


def referral_preview(draft: Draft, result: JointResult) -> list[tuple[str, str]]:
    """What submitting *draft* will refer (问题线索移交), before it is submitted: one
    ``(answer key, line)`` per 不符合 item, saying to which department it goes or that it
    stays with the team because it was corrected on the spot. The rule is the referrals'
    (core.referrals): a 不符合 item not corrected on the spot is referred to the department
    its item names (``noncompliance.refer_to``), else to its own department."""
    out = []
    for key, where, to, proposed in _referred(draft, result):
        if to is None:
            out.append((key, _("kept_corrected", item=where)))
        else:
            out.append((key, _("referred_to", to=to, item=where,
                                proposed="、".join(proposed) or _("none"))))
    return out


def referral_summary(draft: Draft, result: JointResult) -> str | None:
    """One line for the live results: how many problems submitting will refer, and to
    whom (None when nothing will be referred)."""
    counts: dict[str, int] = {}
    for _key, _where, to, _proposed in _referred(draft, result):
        if to is not None:
            counts[to] = counts.get(to, 0) + 1
    if not counts:
        return None
    return _("will_refer", n=sum(counts.values()),
             to="、".join(_("n_items", to=to, n=n) for to, n in counts.items()))


def _referred(draft: Draft, result: JointResult) -> list[tuple[str, str, str | None, list[str]]]:
    """(answer key, "department n. title", receiving department's name or None when
    corrected on the spot, proposed dispositions) of each 不符合 item."""
    # principle 8: core.records.service and core.referrals (under present.referrals) are
    # heavy; loaded only when this runs
    from ..records.service import item_key, problems_of
    from .referrals import department_name

    checklist = draft.checklist
    numbers = {item_key(item): n for n, item in enumerate(checklist.items, 1)}
    out = []
    for p in problems_of(checklist, draft.findings(), result.to_json()):
        item = checklist.item(p["department"], p["item_id"])
        assert item is not None  # problems_of walks the checklist's own items
        key = item_key(item)
        where = f"{department_name(p['department'], checklist)} {numbers[key]}. {item.title}"
        to = None if p["corrected_on_site"] else department_name(p["refer_to"], checklist)
        out.append((key, where, to, list(p["dispositions"])))
    return out


def live_result_lines(result: JointResult, checklist: Checklist,
                      unfinished: tuple[int, int] | None = None) -> list[str]:
    """Each department's result and dispositions and the joint result, as they stand; a
    draft *unfinished* (answered, applicable) has no result yet, and says so."""
    if unfinished is not None:
        return unfinished_lines(*unfinished)
    return results_lines(result.to_json(), checklist)
