"""Presentation of a campaign's status (``jointcheck status``; the app's dashboard uses the
same rows). Pure functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import translator
from ..status import STAGES
from ..text import table_lines
from .calendar import due_text

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
    "withdrawn": ("已撤回（记录已更正）", "withdrawn (记录已更正)"),
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
    "pending_head": ("待处理（处理后各项输出才一致）", "To do (until then the outputs disagree)"),
    "settle": ("{n} 户已提交的结果尚未确定（新提交、记录已更正或结果已修改）",
               "{n} submitted result(s) not settled (new, amended or changed)"),
    "correct_referrals": ("{n} 项已移交的问题线索记录已更正，需发更正或撤回函",
                          "{n} sent referral(s) marked 记录已更正: a correcting or withdrawing "
                          "letter is due"),
    "publish": ("公示已过期：{n} 户的结果与已公示的不一致或尚未公示",
                "The publication is out of date: {n} result(s) differ from or are missing in "
                "what was published"),
    "run": ("运行：{command}", "run: {command}"),
})

COMMANDS = {
    "settle": "jointcheck results settle {campaign}",
    "correct_referrals": "jointcheck referrals correct {campaign} --format docx -o 目录",
    "publish": "jointcheck publish {campaign} -o 目录",
}


def pending_rows(status: Status, campaign: str) -> list[tuple[str, str]]:
    """(what is left, the command that resolves it) per pending kind; *campaign*: the
    campaign argument as the user gave it."""
    return [(_(p.kind, n=p.count), pending_command(p.kind, campaign)) for p in status.pending]


def pending_command(kind: str, campaign: str) -> str:
    """The command that resolves a pending *kind* (text, the JSON's ``command``)."""
    return COMMANDS[kind].format(campaign=campaign)

# stage -> the stage its bar is measured against
BASE = {"pending": "drawn", "draft": "drawn", "submitted": "drawn", "settled": "drawn",
        "published": "drawn", "corrected_on_site": "problems", "drafted": "problems",
        "referred": "problems", "answered": "problems", "closed": "problems",
        "reported": "problems", "withdrawn": "problems"}
BAR = 20


def bar(n: int, total: int) -> str:
    if total <= 0:
        return ""
    full = round(BAR * min(n, total) / total)
    return "█" * full + "·" * (BAR - full)


def stage_rows(status: Status) -> list[list[str]]:
    """[label, count, bar] per stage."""
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
    return [[when_text((g.due.date - status.today).days), due_text(g.due), g.deadline.name,
             str(g.count), g.owner] for g in status.due]


def status_lines(status: Status, campaign: Campaign, argument: str | None = None
                 ) -> list[str]:
    """The text of ``jointcheck status``; *argument*: the campaign as the user named it
    (in the commands of what is pending)."""
    lines = [_("head", title=campaign.title, number=campaign.document_number or campaign.id),
             as_of_line(status), "", _("progress")]
    lines += ["  " + line for line in table_lines(["", "", ""], stage_rows(status),
                                                  rule=False)[1:]]
    lines += ["", _("due_head", n=status.within)]
    if status.due:
        lines += ["  " + line for line in table_lines(due_header(), due_rows(status))]
    else:
        lines.append("  " + _("none_due", n=status.within))
    if status.pending:
        lines += ["", _("pending_head")]
        for what, command in pending_rows(status, argument or campaign.id):
            lines += ["  " + what, "    " + _("run", command=command)]
    if status.untracked:
        lines += ["", _("not_followed", ids=", ".join(status.untracked))]
    if status.repeated:
        from .history import repeated_lines

        lines += ["", *repeated_lines(status.repeated, status.repeat_limits,
                                      status.department_names)]
    return lines
