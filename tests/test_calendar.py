"""Working days and due dates (core.calendar, core.deadlines, ``jointcheck calendar``):
the counting rule (docs/architecture.md#domain-campaign) across holidays, make-up working days (调休), month and
year ends, and years chinese-calendar does not cover (estimated, flagged, warned)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointcheck.core.calendar import WorkCalendar, load_holiday_file
from jointcheck.core.cli import main
from jointcheck.core.errors import ConfigError

HOLIDAYS_2027 = """\
schema_version: 1
holidays:
  year: 2027
  source: 测试用节假日安排
  rest_days:
    - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
    - {name: 春节, from: 2027-02-05, to: 2027-02-11}
  working_days:
    - {name: 春节调休, date: 2027-02-13}
"""


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def file_2027(tmp_path: Path) -> Path:
    path = tmp_path / "2027.yaml"
    path.write_text(HOLIDAYS_2027, encoding="utf-8")
    return path


# --------------------------------------------------------------------- the counting rule


def test_calendar_days_landing_in_national_day_move_past_the_holiday():
    cal = WorkCalendar()
    due = cal.due(d("2026-09-24"), 7, "calendar_days")  # 10-01 is 国庆节
    assert due.date == d("2026-10-08")
    assert due.moved_from == d("2026-10-01")
    assert not due.estimated


def test_working_days_skip_the_holiday_and_count_the_make_up_saturday():
    cal = WorkCalendar()
    # 10-08 Thu, 10-09 Fri, 10-10 Sat (调休, a working day)
    assert cal.due(d("2026-09-30"), 3, "working_days").date == d("2026-10-10")
    # 10-11 is an ordinary Sunday: the 4th working day is Monday 10-12
    assert cal.due(d("2026-09-30"), 4, "working_days").date == d("2026-10-12")


def test_a_deadline_on_a_make_up_working_weekend_stays_there():
    cal = WorkCalendar()
    assert cal.day(d("2026-10-10")).working and cal.day(d("2026-10-10")).name == "国庆节调休"
    due = cal.due(d("2026-09-30"), 10, "calendar_days")
    assert due.date == d("2026-10-10") and due.moved_from is None
    assert cal.due(d("2026-09-10"), 10, "calendar_days").date == d("2026-09-20")  # Sunday 调休


def test_start_day_not_counted_and_ordinary_weekend_moves_to_monday():
    cal = WorkCalendar()
    assert cal.due(d("2026-07-01"), 1, "calendar_days").date == d("2026-07-02")
    due = cal.due(d("2026-07-01"), 10, "calendar_days")  # Saturday 07-11
    assert (due.date, due.moved_from) == (d("2026-07-13"), d("2026-07-11"))
    assert cal.due(d("2026-07-03"), 1, "working_days").date == d("2026-07-06")  # Fri -> Mon


def test_month_ends():
    cal = WorkCalendar()
    # January 31 + 1 is Sunday February 1: Monday February 2
    assert cal.due(d("2026-01-31"), 1, "calendar_days").date == d("2026-02-02")
    # + 28 lands on Saturday February 28, a make-up working day of 春节
    assert cal.due(d("2026-01-31"), 28, "calendar_days").date == d("2026-02-28")
    # April 30 + 1 working day: 劳动节 05-01..05-05 -> May 6
    assert cal.due(d("2026-04-30"), 1, "working_days").date == d("2026-05-06")
    # June 30 (Tue) + 1: July 1
    assert cal.due(d("2026-06-30"), 1, "calendar_days").date == d("2026-07-01")


def test_twenty_working_days_after_closing():
    cal = WorkCalendar()
    # from Friday 2026-09-18; Sunday 09-20 is a make-up working day and counts
    due = cal.due(d("2026-09-18"), 20, "working_days")
    # 09-20 (调休), 21, 22, 23, 24, 28, 29, 30 = 8; 10-08, 09, 10 (调休) = 11;
    # 10-12..16 = 16; 10-19..22 = 20
    assert due.date == d("2026-10-22")


# --------------------------------------------------------------------- beyond the package


def test_year_end_2026_into_2027_is_an_estimate_naming_the_year():
    cal = WorkCalendar()
    due = cal.due(d("2026-12-25"), 10, "working_days")
    assert due.date == d("2027-01-08")
    assert due.estimated and due.estimated_years == (2027,)
    warnings = cal.warnings()
    assert [w.code for w in warnings] == ["JC935"]
    assert "2027" in warnings[0].message and "2027" in warnings[0].hint
    # calendar days: 01-01 is a Friday, a working day by the estimate
    due = WorkCalendar().due(d("2026-12-31"), 1, "calendar_days")
    assert due.date == d("2027-01-01") and due.estimated


def test_a_deadline_inside_2026_is_not_estimated_even_late_in_december():
    cal = WorkCalendar()
    due = cal.due(d("2026-12-20"), 10, "calendar_days")  # 12-30, a Wednesday
    assert due.date == d("2026-12-30") and not due.estimated
    assert cal.warnings() == []


def test_a_holiday_file_for_2027_replaces_the_estimate(file_2027: Path):
    cal = WorkCalendar.from_paths([file_2027])
    due = cal.due(d("2026-12-31"), 1, "calendar_days")
    assert due.date == d("2027-01-04") and not due.estimated  # 元旦 01-01..03
    # 12-28..31 (4), 01-04..08 (9), 01-11 (10)
    assert cal.due(d("2026-12-25"), 10, "working_days").date == d("2027-01-11")
    # 春节: 02-05..11 off, Saturday 02-13 worked
    assert cal.due(d("2027-02-04"), 1, "working_days").date == d("2027-02-12")
    assert cal.due(d("2027-02-12"), 1, "working_days").date == d("2027-02-13")
    assert cal.warnings() == []


def test_a_holiday_file_corrects_a_year_the_package_covers(tmp_path: Path):
    path = tmp_path / "2026.yaml"
    path.write_text("holidays:\n  year: 2026\n  rest_days:\n"
                    "    - {name: 国庆节, from: 2026-10-01, to: 2026-10-08}\n", encoding="utf-8")
    cal = WorkCalendar.from_paths([path])
    assert cal.due(d("2026-09-24"), 7, "calendar_days").date == d("2026-10-09")
    assert not cal.day(d("2026-10-10")).working  # the file lists no make-up day


# --------------------------------------------------------------------- holiday files


@pytest.mark.parametrize("body, code, line", [
    ("  rest_days:\n    - {date: 2027-02-30}\n", "JC931", 5),
    ("  rest_days:\n    - {date: 2028-01-01}\n", "JC932", 5),
    ("  rest_days:\n    - {from: 2027-05-05, to: 2027-05-01}\n", "JC933", 5),
    ("  rest_days:\n    - {date: 2027-05-01}\n  working_days:\n    - {date: 2027-05-01}\n",
     "JC934", 7),
    ("  rest_day:\n    - {date: 2027-05-01}\n", "JC201", 4),
    ("  rest_days:\n    - {date: 2027-05-01, to: 2027-05-02}\n", "JC299", 5),
])
def test_holiday_file_errors_are_located(tmp_path: Path, body: str, code: str, line: int):
    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: 1\nholidays:\n  year: 2027\n" + body, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_holiday_file(path)
    found = info.value.problems
    assert code in [p.code for p in found], [p.format() for p in found]
    p = next(p for p in found if p.code == code)
    assert (p.file, p.line) == (str(path), line)


def test_two_files_for_one_year_are_refused(file_2027: Path, tmp_path: Path):
    other = tmp_path / "again.yaml"
    other.write_text(HOLIDAYS_2027, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        WorkCalendar.from_paths([file_2027, other])
    assert [p.code for p in info.value.problems] == ["JC936"]


# --------------------------------------------------------------------- the commands


def test_calendar_check(file_2027: Path, tmp_path: Path):
    out = CliRunner().invoke(main, ["calendar", "check", str(file_2027)])
    assert out.exit_code == 0, out.output
    assert "2027 年，休息日 10 天，调休上班 1 天" in out.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("holidays:\n  year: 2027\n  rest_days:\n    - {date: 2027-13-01}\n",
                   encoding="utf-8")
    out = CliRunner().invoke(main, ["calendar", "check", str(bad)])
    assert out.exit_code == 1
    assert f"{bad}:4:" in out.output and "JC931" in out.output
    assert "Traceback" not in out.output


def test_calendar_show_2026_lists_national_day_and_its_make_up_days():
    out = CliRunner().invoke(main, ["calendar", "show", "2026", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    days = {x["date"]: x for x in data["days"]}
    assert data["source"] == "chinese-calendar" and not data["estimated"]
    assert days["2026-10-01"] == {"date": "2026-10-01", "working": False, "name": "国庆节",
                                  "estimated": False}
    assert days["2026-10-10"]["working"] and days["2026-09-20"]["working"]
    text = CliRunner().invoke(main, ["calendar", "show", "2026"]).output
    assert "2026-10-10  周六  上班  国庆节调休" in text


def test_calendar_show_2027_warns_and_a_file_fixes_it(file_2027: Path):
    out = CliRunner().invoke(main, ["calendar", "show", "2027"])
    assert out.exit_code == 0
    assert "按周一至周五为工作日估算" in out.output
    assert "JC935" in out.output and "2027 年的节假日安排未知" in out.output
    out = CliRunner().invoke(main, ["--lang", "en", "calendar", "show", "2027", "--holidays",
                                    str(file_2027)])
    assert out.exit_code == 0 and "JC935" not in out.output
    assert "from the holiday file" in out.output and "2027-02-13  Sat      working day  春节调休" in out.output


def test_calendar_due_marks_estimates():
    out = CliRunner().invoke(main, ["calendar", "due", "2026-12-25", "10", "--unit",
                                    "working_days"])
    assert out.exit_code == 0
    assert "2027-01-08（估算）" in out.output and "JC935" in out.output
    out = CliRunner().invoke(main, ["calendar", "due", "2026-02-30", "10"])
    assert out.exit_code == 2 and "YYYY-MM-DD" in out.output


def test_calendar_deadlines_of_the_example_campaign():
    out = CliRunner().invoke(main, ["calendar", "deadlines", "--format", "json"])
    assert out.exit_code == 0, out.output
    found = {x["id"]: x for x in json.loads(out.output)}
    assert list(found) == ["records_to_office", "referral_letter", "case_decision",
                           "case_result_report", "publication"]
    # 联合抽查结束 2020-07-31 + 10 calendar days: Monday 2020-08-10
    assert found["referral_letter"]["due"]["date"] == "2020-08-10"
    assert found["case_result_report"]["unit"] == "working_days"
    assert found["case_decision"]["due"] is None  # counts from each letter's receipt


def test_campaign_holiday_files_are_read_relative_to_the_campaign(tmp_path: Path):
    from recordsupport import campaign_copy

    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "2027.yaml").write_text(HOLIDAYS_2027, encoding="utf-8")
    path = campaign_copy(tmp_path, 1, holidays=["h/2027.yaml"],
                         period={"start": "2026-12-01", "end": "2026-12-31"})
    out = CliRunner().invoke(main, ["calendar", "deadlines", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    due = {x["id"]: x for x in json.loads(out.output)}["referral_letter"]["due"]
    # 12-31 + 10 = 2027-01-10, a Sunday: Monday 01-11 by the file, not estimated
    assert due["date"] == "2027-01-11" and due["estimated"] is False
    missing = campaign_copy(tmp_path, 1, holidays=["nowhere.yaml"])
    out = CliRunner().invoke(main, ["calendar", "deadlines", str(missing)])
    assert out.exit_code == 1 and "JC104" in out.output
