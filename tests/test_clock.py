"""Beijing time wherever a person reads a time, and deadlines counted on Beijing days
(core/clock.py); stored times stay UTC."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

import pytest
from referralsupport import cli, problems_store

from jointcheck.core import clock
from jointcheck.core.records import results as RS

CAMPAIGN = "hebi-2020-industrial-safety"
# 01:30 on 2020-08-03 in Beijing is still 2020-08-02 in UTC
LATE_NIGHT = datetime(2020, 8, 2, 17, 30, 5, 954530, tzinfo=UTC)


@pytest.fixture
def machine_in_utc(monkeypatch):
    """A server whose clock runs in UTC (most do): nothing may read its zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_read_in_beijing_on_a_utc_machine(machine_in_utc):
    assert clock.reading_time(LATE_NIGHT) == "2020-08-03 01:30"
    assert clock.reading_time(LATE_NIGHT.replace(tzinfo=None)) == "2020-08-03 01:30"
    assert clock.reading_time("2020-08-02T17:30:05.954530Z") == "2020-08-03 01:30"
    assert clock.chinese_time(LATE_NIGHT) == "2020年8月3日 01:30"
    assert clock.beijing_date(LATE_NIGHT) == date(2020, 8, 3)
    assert clock.reading_time(None) == ""


def test_today_is_the_beijing_day_of_the_clock(machine_in_utc, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: LATE_NIGHT)
    assert clock.today() == date(2020, 8, 3)  # the UTC date is still the 2nd


def test_a_settlement_after_midnight_in_beijing_counts_from_that_beijing_day(
        store_url, tmp_path, monkeypatch, machine_in_utc):
    drawn = problems_store(store_url, tmp_path, count=2, submit=2)
    try:
        monkeypatch.setattr(clock, "utcnow", lambda: LATE_NIGHT)
        RS.settle(drawn.engine, CAMPAIGN, allow_missing=True, actor="clerk")
        out = cli(drawn, "status", str(drawn.campaign_path), "--as-of", "2020-08-27",
                  "--format", "json")
        assert out.exit_code == 0, out.output
        due = {g["deadline"]: g for g in json.loads(out.output)["due"]}["publication"]
        # from Monday 08-03 (Beijing), 20 working days: 08-31; from 08-02 it would be 08-28
        assert due["date"] == "2020-08-31"
        # the audit log keeps UTC; its table shows Beijing time
        out = cli(drawn, "audit", "list")
        assert out.exit_code == 0, out.output
        assert "时间（北京时间）" in out.output and "2020-08-03 01:30" in out.output
        assert "2020-08-02T17:30" not in out.output
    finally:
        drawn.engine.dispose()


def test_utcnow_is_aware_utc():
    now = clock.utcnow()
    assert now.tzinfo is not None and now.utcoffset().total_seconds() == 0
