"""The time people read: Beijing time (UTC+8, no daylight saving since 1991).

Stored times stay UTC (core.canonical.format_time, the audit chain, JSON). What a person
reads — tables, ``show`` commands, the app, letters, forms, the publication — is Beijing
time, and a *day* (a deadline's start, 成文日期, 检查日期, "today") is a Beijing calendar
day, whatever time zone the machine runs in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

BEIJING = timezone(timedelta(hours=8), "UTC+08:00")


def beijing(at: datetime | str) -> datetime:
    """A stored time (UTC when naive; ISO 8601 text accepted) in Beijing time."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at.replace("Z", "+00:00"))
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return aware.astimezone(BEIJING)


def beijing_date(at: datetime | str) -> date:
    """The Beijing calendar day of a stored time: 2026-11-02T17:30Z is 2026-11-03."""
    return beijing(at).date()


def today() -> date:
    """Today's Beijing date (never the machine's local or the UTC date), from
    :func:`utcnow`: a test that sets the time sets the day with it."""
    return beijing_date(utcnow())


def reading_time(at: Any) -> str:
    """``YYYY-MM-DD HH:MM`` in Beijing time, for tables and ``show`` output; ``""`` for
    nothing. Text that is not a time is returned as it is."""
    if at is None or at == "":
        return ""
    try:
        return beijing(at).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(at)


def chinese_date(d: date) -> str:
    """``2026年12月6日``: a day as documents of record write it (成文日期, 检查日期)."""
    return f"{d.year}年{d.month}月{d.day}日"


def chinese_time(at: datetime | str) -> str:
    """``2026年12月6日 20:20`` (Beijing time), for documents of record."""
    b = beijing(at)
    return f"{chinese_date(b)} {b:%H:%M}"


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (microsecond precision): what the store
    records. Called as ``clock.utcnow()`` everywhere, so that a test sets the time here."""
    return datetime.now(UTC)
