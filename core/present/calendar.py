"""Presentation of working days, due dates and deadlines (``jointcheck calendar``, status,
referrals). Pure functions; an estimated date is always marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from ..deadlines import EVENTS
from ..i18n import get_lang, translator

if TYPE_CHECKING:  # pragma: no cover
    from ..calendar import Day, Due, WorkCalendar
    from ..deadlines import Rule

_ = translator({
    "calendar_days": ("日", "calendar days"),
    "working_days": ("个工作日", "working days"),
    "rest": ("休息", "rest day"),
    "work": ("上班", "working day"),
    "estimated": ("（估算）", " (estimated)"),
    "source_file": ("{year} 年：依据节假日文件 {file}", "{year}: from the holiday file {file}"),
    "source_package": ("{year} 年：依据 chinese-calendar（国务院办公厅节假日安排）",
                       "{year}: from chinese-calendar (the State Council's holiday schedule)"),
    "source_none": ("{year} 年：没有节假日安排，按周一至周五为工作日估算",
                    "{year}: no holiday schedule; Monday to Friday are taken as working days"),
    "h_date": ("日期", "Date"),
    "h_weekday": ("星期", "Weekday"),
    "h_kind": ("类别", "Kind"),
    "h_name": ("名称", "Name"),
    "no_special": ("（无节假日或调休）", "(no holidays or make-up working days)"),
    "due_line": ("{start} 起 {days}{unit}：{date}{est}", "{days} {unit} from {start}: {date}{est}"),
    "moved": ("（{moved} 为休息日，顺延至下一个工作日）", " ({moved} is a rest day: moved to the next working day)"),
    "h_id": ("期限", "Deadline"),
    "h_days": ("期限长度", "Length"),
    "h_from": ("起算", "Counts from"),
    "h_owner": ("责任方", "Owed by"),
    "h_due": ("截止日期", "Due"),
    "unconfirmed": ("（未核实）", " (unconfirmed)"),
    "per_case": ("逐项计算", "per case"),
    "unknown_event": ("未知的起算事件", "unknown event"),
    # the events a deadline counts from
    "ev_inspection_end": ("检查结束（检查日期）", "the visit (检查日期)"),
    "ev_joint_inspection_end": ("联合抽查结束", "the joint inspection's end"),
    "ev_record_submitted": ("检查记录提交", "the record's submission"),
    "ev_results_formed": ("抽查结果形成", "the results' forming"),
    "ev_referral_drafted": ("移交函拟稿", "the referral's drafting"),
    "ev_referral_sent": ("移交函发出", "the referral's sending"),
    "ev_referral_received": ("收到移交函", "the referral's receipt"),
    "ev_case_decided": ("立案或书面回复", "the case decision"),
    "ev_case_closed": ("结案", "the case's closing"),
})

WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def weekday(d: date) -> str:
    if get_lang() == "en":
        return WEEKDAYS["en"][d.weekday()]
    return "周" + WEEKDAYS["zh"][d.weekday()]


def unit_text(days: int, unit: str) -> str:
    """10日 / 20个工作日 (10 calendar days / 20 working days)."""
    sep = " " if get_lang() == "en" else ""
    return f"{days}{sep}{_(unit)}"


def due_text(due: Due | None) -> str:
    """2026-10-08, or 2027-01-04（估算）; an empty string without a date."""
    if due is None:
        return ""
    return due.date.isoformat() + (_("estimated") if due.estimated else "")


def due_line(due: Due) -> str:
    line = _("due_line", start=due.start.isoformat(), days=due.days, unit=_(due.unit),
             date=due.date.isoformat(), est=_("estimated") if due.estimated else "")
    if due.moved_from is not None:
        line += _("moved", moved=due.moved_from.isoformat())
    return line


def event_text(event: str) -> str:
    return _(f"ev_{event}") if event in EVENTS else f"{event}（{_('unknown_event')}）"


def source_line(calendar: WorkCalendar, year: int) -> str:
    source = calendar.covered(year)
    if source is None:
        return _("source_none", year=year)
    if source == "chinese-calendar":
        return _("source_package", year=year)
    return _("source_file", year=year, file=source)


def year_table(days: Iterable[Day]) -> tuple[list[str], list[list[str]]]:
    rows = [[d.day.isoformat(), weekday(d.day), _("work") if d.working else _("rest"),
             (d.name or "") + (_("estimated") if d.estimated else "")] for d in days]
    return [_("h_date"), _("h_weekday"), _("h_kind"), _("h_name")], rows


def no_special() -> str:
    return _("no_special")


def deadline_table(rules: Iterable[Rule], dues: Mapping[str, Due | None]
                   ) -> tuple[list[str], list[list[str]]]:
    """One row per deadline: id, length, event, owner, the due date when the campaign file
    alone gives the start (else "per case")."""
    rows = []
    for r in rules:
        due = dues.get(r.id)
        rows.append([r.name + ("" if r.confirmed else _("unconfirmed")), unit_text(r.days, r.unit),
                     event_text(r.event), r.owner or "",
                     due_text(due) if due is not None else _("per_case")])
    return [_("h_id"), _("h_days"), _("h_from"), _("h_owner"), _("h_due")], rows
