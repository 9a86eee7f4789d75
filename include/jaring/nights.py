"""Night D: the run that reconciles every source as of the end of day D (WIB)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def end_of_night(night: date) -> datetime:
    """The last instant of day D in Asia/Jakarta, timezone-aware."""
    return datetime.combine(night, time.max, tzinfo=WIB)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, delta: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def due_date(coverage_month: str, due_day: int = 15) -> date:
    """The premium for coverage month M is due on the `due_day` of month M+1."""
    following = add_months(coverage_month, 1)
    return date(int(following[:4]), int(following[5:7]), due_day)


def previous_night(night: date) -> date:
    return night - timedelta(days=1)
