"""Working days in China, and the date a deadline falls on (docs/architecture.md#domain-campaign).

Which days are working days follows the State Council holiday schedule, make-up working
weekends (调休) included. Three sources, in this order, year by year:

1. an administrator's holiday file (``jointcheck schema holidays``) that declares the year:
   the whole year then follows the file (Monday–Friday, less its ``rest_days``, plus its
   ``working_days``), so a file both extends the package to new years and corrects it;
2. the ``chinese-calendar`` package (it covers 2004–2026);
3. otherwise a Monday–Friday **estimate**: never a crash, always flagged (``estimated``),
   with a warning (JC935) that names the year needing a holiday file.

Counting (民法典 第二百零一条至第二百零三条): the start day is not counted; a deadline that
falls on a rest day moves to the next working day. ``calendar_days`` count every day;
``working_days`` count working days only (the last one counted is the deadline).

Problem codes JC931–JC939 belong to this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar

from .errors import ConfigError, Problem, problem, register
from .schema_check import validate_document
from .yamlload import load_file

CALENDAR_DAYS, WORKING_DAYS = "calendar_days", "working_days"
UNITS = (CALENDAR_DAYS, WORKING_DAYS)
PACKAGE = "chinese-calendar"

CODES = {
    "JC931": ("日期 {value} 不存在", "date {value} does not exist"),
    "JC932": ("日期 {value} 不在本文件声明的年份 {year} 内", "date {value} is outside the file's year {year}"),
    "JC933": ("日期区间无效：{end} 早于 {start}", "invalid range: {end} is before {start}"),
    "JC934": ("{value} 同时被列为休息日和工作日", "{value} is listed both as a rest day and as a working day"),
    "JC935": ("{year} 年的节假日安排未知：按周一至周五为工作日估算，结果为估算值",
              "the holiday schedule of {year} is unknown: Monday to Friday are taken as working "
              "days, so the result is an estimate"),
    "JC936": ("{year} 年由多个节假日文件声明：{files}", "year {year} is declared by several holiday files: {files}"),
    "JC937": ("未知的期限单位“{unit}”", "unknown deadline unit '{unit}'"),
}
HINTS = {
    "JC931": ("请使用存在的日期（YYYY-MM-DD）。", "Please use a date that exists (YYYY-MM-DD)."),
    "JC932": ("请将该日期移到对应年份的节假日文件中，或更正 year。",
              "Please move the date to the holiday file of its year, or correct `year`."),
    "JC933": ("请将 to 设为不早于 from 的日期。", "Please set `to` on or after `from`."),
    "JC934": ("请只保留其中一处。", "Please keep it in one list only."),
    "JC935": ("请按国务院办公厅的节假日安排通知编写 {year} 年的节假日文件（jointcheck schema holidays），"
              "用 jointcheck calendar check 校验后通过 --holidays 或实施方案的 holidays 指定。",
              "Please write a holiday file for {year} from the State Council's holiday notice "
              "(`jointcheck schema holidays`), check it with `jointcheck calendar check` and "
              "give it with --holidays or the campaign's `holidays`."),
    "JC936": ("每个年份只能由一个节假日文件声明，请合并或删除其中一个。",
              "Please declare each year in one file only: merge them or drop one."),
    "JC937": ("请使用 calendar_days 或 working_days。", "Please use calendar_days or working_days."),
}
register(CODES, HINTS)

# chinese-calendar names its holidays in English; documents and screens use these
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class Day:
    """One day: working or not, why (``name`` of a holiday or make-up day) and by whose
    word (``source``: a holiday file, the package, or ``estimate``)."""

    day: date
    working: bool
    estimated: bool
    source: str
    name: str | None = None

    @property
    def special(self) -> bool:
        """A rest day on Monday–Friday or a working day at the weekend."""
        return self.working != (self.day.weekday() < 5)


@dataclass
class HolidayFile:
    """A checked holiday file: one year's rest days and make-up working days."""

    year: int
    file: str
    rest: dict[date, str | None] = field(default_factory=dict)
    working: dict[date, str | None] = field(default_factory=dict)
    source: str | None = None


_Date = date  # the type, for the class below whose field is named `date`


@dataclass(frozen=True)
class Due:
    """When a deadline of *days* *unit* counted from *start* falls."""

    start: _Date
    days: int
    unit: str
    date: _Date
    estimated: bool
    estimated_years: tuple[int, ...] = ()
    moved_from: _Date | None = None  # the rest day the deadline moved away from

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "days": self.days, "unit": self.unit,
                "date": self.date.isoformat(), "estimated": self.estimated,
                "estimated_years": list(self.estimated_years),
                "moved_from": self.moved_from.isoformat() if self.moved_from else None}


# ----------------------------------------------------------------------------- files


def _parse_day(doc: Any, path: tuple[Any, ...], value: Any, problems: list[Problem]) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(doc.problem("JC931", path, value=value))
        return None


def check_holiday_document(doc: Any) -> tuple[HolidayFile | None, list[Problem]]:
    """Schema check (``holidays``) and the rules the schema cannot say: real dates inside
    the declared year, ranges in order, no day both rest and working."""
    problems = validate_document(doc, "holidays")
    if problems:
        return None, problems
    data = doc.data["holidays"]
    year = int(data["year"])
    out = HolidayFile(year=year, file=doc.file, source=data.get("source"))
    for kind, target in (("rest_days", out.rest), ("working_days", out.working)):
        for n, entry in enumerate(data.get(kind) or []):
            path = ("holidays", kind, n)
            if "date" in entry:
                start = end = _parse_day(doc, path + ("date",), entry["date"], problems)
            else:
                start = _parse_day(doc, path + ("from",), entry["from"], problems)
                end = _parse_day(doc, path + ("to",), entry["to"], problems)
                if start and end and end < start:
                    problems.append(doc.problem("JC933", path + ("to",), start=start, end=end))
                    continue
            if start is None or end is None:
                continue
            day = start
            while day <= end:
                if day.year != year:
                    key = "date" if "date" in entry else ("from" if day == start else "to")
                    problems.append(doc.problem("JC932", path + (key,), value=day, year=year))
                    break
                target[day] = entry.get("name")
                day += timedelta(days=1)
    for day in sorted(set(out.rest) & set(out.working)):
        problems.append(doc.problem("JC934", ("holidays", "working_days"), value=day))
    return (None if problems else out), problems


def load_holiday_file(path: str | Path) -> HolidayFile:
    """A checked holiday file, or :class:`ConfigError` with every located problem."""
    doc = load_file(path)
    parsed, problems = check_holiday_document(doc)
    if parsed is None:
        raise ConfigError(problems)
    return parsed


# ----------------------------------------------------------------------------- calendar


class WorkCalendar:
    """Working days from holiday files, then chinese-calendar, then an estimate.

    ``estimated_years`` collects the years met that no source covers, for the warning
    (:meth:`warnings`) every output that used an estimate must show.
    """

    def __init__(self, files: Iterable[HolidayFile] = (), *, origin: str | None = None):
        # where holiday files are given (a campaign file), for the JC935 warning
        self.origin = origin
        self.files: dict[int, HolidayFile] = {}
        problems = []
        for f in files:
            if f.year in self.files:
                problems.append(problem("JC936", file=f.file, year=f.year,
                                        files=f"{self.files[f.year].file}, {f.file}"))
            self.files[f.year] = f
        if problems:
            raise ConfigError(problems)
        self.estimated_years: set[int] = set()
        self._cache: dict[date, Day] = {}
        self._due: dict[tuple[date, int, str], Due] = {}

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], *, origin: str | None = None
                   ) -> WorkCalendar:
        return cls([load_holiday_file(p) for p in paths], origin=origin)

    def day(self, day: date) -> Day:
        found = self._cache.get(day)
        if found is None:
            found = self._cache[day] = self._lookup(day)
        if found.estimated:
            self.estimated_years.add(day.year)
        return found

    def _lookup(self, day: date) -> Day:
        weekday = day.weekday() < 5
        f = self.files.get(day.year)
        if f is not None:
            if day in f.rest:
                return Day(day, False, False, f.file, f.rest[day])
            if day in f.working:
                return Day(day, True, False, f.file, f.working[day])
            return Day(day, weekday, False, f.file)

        try:
            working = chinese_calendar.is_workday(day)
            _on_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return Day(day, weekday, True, "estimate")
        name = HOLIDAY_NAMES.get(name, name) if name else None
        if working:  # a make-up working weekend is named after its holiday
            name = (f"{name}调休" if name else "调休") if not weekday else None
        return Day(day, working, False, PACKAGE, name)

    def covered(self, year: int) -> str | None:
        """Who says which days of *year* are working days (``None``: nobody, estimated)."""
        if year in self.files:
            return self.files[year].file
        return PACKAGE if self._lookup(date(year, 6, 1)).source == PACKAGE else None

    def due(self, start: date, days: int, unit: str) -> Due:
        """The deadline of *days* *unit* counted from the event on *start* (cached)."""
        key = (start, days, unit)
        found = self._due.get(key)
        if found is None:
            found = self._due[key] = self._count(start, days, unit)
        self.estimated_years.update(found.estimated_years)
        return found

    def latest_start_overdue(self, days: int, unit: str, today: date) -> date:
        """The latest start date whose deadline is before *today*: a step counted from
        that day or earlier is overdue (due dates never decrease as the start moves on),
        so that "overdue" is a plain date comparison a query can make."""
        start = today - timedelta(days=days + 1)  # due >= start + days: later ones are not
        while self.due(start, days, unit).date >= today:
            start -= timedelta(days=1)
        return start

    def _count(self, start: date, days: int, unit: str) -> Due:
        if unit not in UNITS:
            raise ConfigError([problem("JC937", unit=unit)])
        estimated: set[int] = set()

        def look(d: date) -> Day:
            info = self.day(d)
            if info.estimated:
                estimated.add(d.year)
            return info

        moved_from = None
        if unit == CALENDAR_DAYS:
            d = start + timedelta(days=days)
            if not look(d).working:
                moved_from = d
                d += timedelta(days=1)
                while not look(d).working:
                    d += timedelta(days=1)
        else:
            d, counted = start, 0
            while counted < days:
                d += timedelta(days=1)
                if look(d).working:
                    counted += 1
        return Due(start, days, unit, d, bool(estimated), tuple(sorted(estimated)), moved_from)

    def year_days(self, year: int) -> list[Day]:
        """The days of *year* that differ from an ordinary week or carry a name: holidays
        (their weekends included) and make-up working weekends."""
        d, out = date(year, 1, 1), []
        while d.year == year:
            info = self.day(d)
            if info.special or info.name:
                out.append(info)
            d += timedelta(days=1)
        return out

    def warnings(self) -> list[Problem]:
        """JC935 for every year estimated so far."""
        where: dict[str, Any] = {"file": self.origin, "path": "/campaign/holidays"} \
            if self.origin else {"file": "--holidays"}
        return [problem("JC935", severity="warning", year=y, **where)
                for y in sorted(self.estimated_years)]
