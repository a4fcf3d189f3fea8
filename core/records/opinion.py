"""The draft 处理意见 of an inspection record: what the record says when the officers write
none of their own. Always Chinese: it is part of the record form, a document of record
(docs/architecture.md#principle-7). Record content, not interface wording: the records
service stores it on submit, and the app shows it as the draft."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Item
    from .service import Draft


def opinion_line(item: Item, answer: Mapping[str, Any]) -> str:
    """One problem of the 处理意见: what was found and what was ordered, said once
    ("灭火器过期，已当场更换。" is not followed by "已当场整改"). The dispositions are the
    joint office's to settle: core.present.records.opinion_text adds them to every output,
    settled or marked as proposed (docs/results.md#one-truth)."""
    note = (answer.get("note") or "").strip().rstrip("。；;.，,")
    text = f"{item.title}：{note}" if note else item.title
    if answer.get("corrected_on_site"):
        return text + ("。" if "当场" in note else "，已当场整改。")
    return text + "，责令限期改正。"


def draft_opinion(draft: Draft) -> str:
    """A draft 处理意见 generated from the findings, for the officers to edit; empty while
    applicable items are unanswered (no result before there is one). It describes the
    problems only. Always Chinese: it is part of the record form (an official document)."""
    if draft.unfinished() is not None:
        return ""
    outcome = draft.outcome
    if outcome == "unreachable":
        return "经核查，该企业通过登记的住所（经营场所）无法联系。"
    if outcome == "refused":
        return "该企业不配合检查，情节严重。"
    lines: list[str] = []
    for item in draft.items:
        a = draft.item_answer(item)
        if not a or a["result"] != "noncompliant" or not draft.applies(item):
            continue
        lines.append(f"{len(lines) + 1}. {opinion_line(item, a)}")
    if not lines:
        return "经检查，未发现问题。"
    return "经检查，该企业存在以下问题：\n" + "\n".join(lines)
