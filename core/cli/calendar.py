"""``jointcheck calendar``: working days, holiday files and the campaign's deadlines."""

from __future__ import annotations

import sys
from datetime import date

import click

from ..calendar import WorkCalendar, load_holiday_file
from ..deadlines import calendar_for, campaign_event_dates, rules
from ..errors import ConfigError
from ..i18n import translator
from ..present.calendar import deadline_table, due_line, no_special, source_line, year_table
from ..text import table_lines
from ._common import (
    EXIT_INVALID,
    echo_json,
    echo_problems,
    fail,
    format_option,
    holidays_option,
    open_campaign_or_fail,
    parse_date,
    warn_estimates,
)

_ = translator({
    "group": ("工作日历：节假日文件、工作日与期限", "Working days: holiday files, due dates, deadlines"),
    "check": ("校验节假日文件（模式 holidays）", "Check holiday files (schema 'holidays')"),
    "show": ("显示一年的节假日和调休上班日", "Show a year's holidays and make-up working days"),
    "due": ("计算期限的截止日期（起算日不计入，遇休息日顺延）",
            "Compute a due date (the start day is not counted; a rest day moves it on)"),
    "deadlines": ("列出实施方案的期限及其截止日期", "List a campaign's deadlines and their due dates"),
    "campaign": ("实施方案文件（使用其 holidays；默认：示例）",
                 "campaign file (its holidays are used; default: the example)"),
    "unit": ("期限单位", "deadline unit"),
    "ok": ("{file}：{year} 年，休息日 {rest} 天，调休上班 {work} 天",
           "{file}: {year}, {rest} rest day(s), {work} make-up working day(s)"),
})


def _date_arg(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    return None if value is None else parse_date(value)


def open_calendar(campaign_path: str | None, holidays: tuple[str, ...], *, need_campaign: bool):
    """(campaign or None, its WorkCalendar), or the problems printed and exit 1."""
    if need_campaign or campaign_path is not None:
        opened = open_campaign_or_fail(campaign_path, holidays=holidays, calendar=True)
        return opened.campaign, opened.calendar
    try:
        return None, calendar_for(None, holidays)
    except ConfigError as exc:
        fail(exc.problems)


@click.group(help=_("group"))
def calendar() -> None:
    pass


@calendar.command(help=_("check"))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def check(files: tuple[str, ...]) -> None:
    problems, loaded = [], []
    for f in files:
        try:
            loaded.append(load_holiday_file(f))
        except ConfigError as exc:
            problems.extend(exc.problems)
    try:
        WorkCalendar(loaded)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        echo_problems(problems)
        sys.exit(EXIT_INVALID)
    for h in loaded:
        work = sum(1 for d in h.working if d.weekday() >= 5)
        click.echo(_("ok", file=h.file, year=h.year, rest=len(h.rest), work=work))


@calendar.command(help=_("show"))
@click.argument("year", type=click.IntRange(1949, 2200))
@holidays_option
@click.option("--campaign", type=click.Path(path_type=str), default=None, help=_("campaign"))
@format_option("text", "json")
def show(year: int, holidays: tuple[str, ...], campaign: str | None, fmt: str) -> None:
    _camp, cal = open_calendar(campaign, holidays, need_campaign=False)
    days = cal.year_days(year)
    if fmt == "json":
        echo_json({"year": year, "source": cal.covered(year),
                   "estimated": cal.covered(year) is None,
                   "days": [{"date": d.day.isoformat(), "working": d.working, "name": d.name,
                             "estimated": d.estimated} for d in days]})
    else:
        click.echo(source_line(cal, year))
        if days:
            headers, rows = year_table(days)
            for line in table_lines(headers, rows):
                click.echo(line)
        else:
            click.echo(no_special())
    warn_estimates(cal)


@calendar.command(help=_("due"))
@click.argument("start", callback=_date_arg)
@click.argument("days", type=click.IntRange(1, 3650))
@click.option("--unit", type=click.Choice(["calendar_days", "working_days"]),
              default="calendar_days", show_default=True, help=_("unit"))
@holidays_option
@click.option("--campaign", type=click.Path(path_type=str), default=None, help=_("campaign"))
@format_option("text", "json")
def due(start: date, days: int, unit: str, holidays: tuple[str, ...], campaign: str | None,
        fmt: str) -> None:
    _camp, cal = open_calendar(campaign, holidays, need_campaign=False)
    result = cal.due(start, days, unit)
    if fmt == "json":
        echo_json(result.to_json())
    else:
        click.echo(due_line(result))
    warn_estimates(cal)


@calendar.command(help=_("deadlines"))
@click.argument("campaign", required=False, type=click.Path(path_type=str))
@holidays_option
@format_option("table", "json")
def deadlines(campaign: str | None, holidays: tuple[str, ...], fmt: str) -> None:
    camp, cal = open_calendar(campaign, holidays, need_campaign=True)
    known = campaign_event_dates(camp)
    found = rules(camp)
    dues = {r.id: r.due(known[r.event], cal) for r in found.values() if r.event in known}
    if fmt == "json":
        echo_json([dict(r.to_json(), due=dues[r.id].to_json() if r.id in dues else None)
                   for r in found.values()])
    else:
        headers, rows = deadline_table(found.values(), dues)
        for line in table_lines(headers, rows):
            click.echo(line)
    warn_estimates(cal)
