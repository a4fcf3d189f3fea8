"""Presentation of a campaign's status (``jointcheck status``; the app's dashboard uses the
same rows). Pure functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import translator

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Campaign
    from ..status import Status

_ = translator({
    "head": ("{title}（{number}）", "{title} ({number})"),
    "as_of": ("截至 {date}", "As of {date}"),
    "progress": ("进度", "Progress"),
    "drawn": ("已抽取", "drawn"),
    "pending": ("待检查", "not started"),
    "draft": ("记录草稿", "records in draft"),
    "submitted": ("已提交", "submitted"),
    "settled": ("已汇总确定", "settled"),
    "published": ("已公示", "published"),
    "problems": ("发现问题", "problems found"),
    "corrected_on_site": ("其中当场整改", "of which corrected on the spot"),
    "drafted": ("移交已拟稿", "referrals drafted"),
    "referred": ("已移交", "referred"),
    "answered": ("已答复（立案或不予立案）", "answered (case opened or declined)"),
    "closed": ("已结案", "cases closed"),
    "reported": ("已报告结果", "results reported"),
    "due_head": ("期限（逾期在前，{n} 日内到期）", "Deadlines (overdue first, due within {n} days)"),
    "none_due": ("没有逾期或 {n} 日内到期的事项。", "Nothing overdue or due within {n} days."),
    "overdue": ("逾期 {d} 日", "{d} day(s) overdue"),
    "today": ("今日到期", "due today"),
    "left": ("还有 {d} 日", "{d} day(s) left"),
    "h_when": ("状态", "When"),
    "h_date": ("截止日期", "Due"),
    "h_deadline": ("期限", "Deadline"),
    "h_count": ("项数", "Items"),
    "h_owner": ("责任方", "Owed by"),
    "not_followed": ("未跟踪的期限：{ids}", "Deadlines not followed: {ids}"),
})

# stage -> the stage its bar is measured against
BASE = {"pending": "drawn", "draft": "drawn", "submitted": "drawn", "settled": "drawn",
        "published": "drawn", "corrected_on_site": "problems", "drafted": "problems",
        "referred": "problems", "answered": "problems", "closed": "problems",
        "reported": "problems"}
BAR = 20


def bar(n: int, total: int) -> str:
    if total <= 0:
        return ""
    full = round(BAR * min(n, total) / total)
    return "█" * full + "·" * (BAR - full)


def stage_rows(status: Status) -> list[list[str]]:
    """[label, count, bar] per stage."""
    from ..status import STAGES

    rows = []
    for stage in STAGES:
        n = status.counts[stage]
        base = status.counts.get(BASE.get(stage, ""))
        rows.append([_(stage), str(n), bar(n, base) if base else ""])
    return rows


def when_text(days_left: int) -> str:
    if days_left < 0:
        return _("overdue", d=-days_left)
    if days_left == 0:
        return _("today")
    return _("left", d=days_left)


def due_header() -> list[str]:
    return [_("h_when"), _("h_date"), _("h_deadline"), _("h_count"), _("h_owner")]


def as_of_line(status: Status) -> str:
    return _("as_of", date=status.today.isoformat())


def due_rows(status: Status) -> list[list[str]]:
    from .calendar import due_text

    return [[when_text((g.due.date - status.today).days), due_text(g.due), g.deadline.name,
             str(g.count), g.owner] for g in status.due]


def status_lines(status: Status, campaign: Campaign) -> list[str]:
    from ..text import table_lines

    lines = [_("head", title=campaign.title, number=campaign.document_number or campaign.id),
             as_of_line(status), "", _("progress")]
    lines += ["  " + line for line in table_lines(["", "", ""], stage_rows(status),
                                                  rule=False)[1:]]
    lines += ["", _("due_head", n=status.within)]
    if status.due:
        lines += ["  " + line for line in table_lines(due_header(), due_rows(status))]
    else:
        lines.append("  " + _("none_due", n=status.within))
    if status.untracked:
        lines += ["", _("not_followed", ids=", ".join(status.untracked))]
    if status.repeated:
        from .history import repeated_lines

        lines += ["", *repeated_lines(status.repeated, status.repeat_limits,
                                      status.department_names)]
    return lines
