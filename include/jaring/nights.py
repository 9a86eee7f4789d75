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


def night_of_run(requested: str | None, data_interval_start: datetime | None, run_after: datetime | None) -> date:
    """Which night an Airflow run reconciles.

    A scheduled (or backfill) run covers the day of its data interval's start
    (WIB); a manual run may name the night in its `night` parameter; a manual
    run without one reconciles the day before it was triggered.
    """
    if requested:
        return date.fromisoformat(str(requested))
    if data_interval_start is not None:
        return data_interval_start.astimezone(WIB).date()
    if run_after is not None:
        return run_after.astimezone(WIB).date() - timedelta(days=1)
    raise ValueError("cannot tell the night: no `night` parameter, data interval or run time")



def action_deadline(night: date, due_day: int = 15) -> date:
    """By when the offices should act on night D's findings: the next premium due day (the 15th), so
    arrears and unremitted premiums are settled before the next month falls due."""
    year, month = (night.year, night.month) if night.day < due_day else \
        (night.year + night.month // 12, night.month % 12 + 1)
    return date(year, month, due_day)
