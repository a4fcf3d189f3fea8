"""A team member as text: the one wording the draw, the record and the app share (a
module of its own, so that none of them imports another for it). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..i18n import translator

_ = translator({
    "no_officer": ("（名录库中已无此人）", "(no longer in the library)"),
    "leader": ("组长", "leader"),
})


def member_text(member: Mapping[str, Any]) -> str:
    """One team member as shown: ``组长 姓名（部门）`` (the 执法证号 when the name is gone)."""
    who = member.get("name") or f"{member['cert_no']}{_('no_officer')}"
    dept = member.get("department_name")
    text = f"{who}（{dept}）" if dept else who
    return f"{_('leader')} {text}" if member.get("leader") else text
