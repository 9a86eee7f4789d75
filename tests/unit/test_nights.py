from datetime import UTC, date, datetime

from jaring.nights import add_months, due_date, end_of_night, night_of_run


def test_scheduled_run_reconciles_the_day_of_its_interval_in_wib():
    # 02:00 WIB on 20 Nov is 19:00 UTC on 19 Nov
    start = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)
    assert night_of_run(None, start, None) == date(2026, 11, 20)


def test_manual_run_may_name_its_night_or_takes_the_day_before():
    assert night_of_run("2026-11-03", None, None) == date(2026, 11, 3)
    triggered = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 WIB
    assert night_of_run(None, None, triggered) == date(2026, 11, 23)


def test_premium_due_dates_and_month_arithmetic():
    assert due_date("2026-10") == date(2026, 11, 15)
    assert due_date("2026-12") == date(2027, 1, 15)
    assert add_months("2026-01", -12) == "2025-01"
    assert end_of_night(date(2026, 11, 20)).isoformat().startswith("2026-11-20T23:59:59.999999+07:00")


def test_failure_messages_never_carry_a_nik():
    from jaring.pipeline import describe_failure

    error = RuntimeError('duplicate key value: Key (nik)=(1571035203880004) already exists; 157103520388000 too')
    text = describe_failure(error)
    assert "1571035203880004" not in text and "157103******0004" in text
    assert "157103520388000" not in text
