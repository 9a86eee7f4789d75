"""PREMIUM_ARREARS: the window, the due date on the 15th, TGL_KEPESERTAAN's month, months after D."""

from datetime import date

import pytest
from staging_builder import Night, default_policy, reconcile

from jaring.reconciliation.parameters import arrears_months, due_through

NIK, KPJ = "1571031203800001", "22000000001"


def night_with(d: date, tgl_kepesertaan: date, paid_until: str | None, extra=()):
    n = Night(d)
    n.person(NIK, "AHMAD FAUZI", date(1980, 3, 12))
    n.dtsen(1, NIK, "AHMAD FAUZI", date(1980, 3, 12))  # eligible: no other finding
    n.participant(KPJ, NIK, "AHMAD FAUZI", date(1980, 3, 12), tgl_kepesertaan=tgl_kepesertaan)
    if paid_until:
        n.paid(KPJ, "2025-01", paid_until)
    for month, paid_on in extra:
        n.payment(KPJ, month, paid_on)
    return n


def missing(warehouse, n):
    found = reconcile(warehouse, n)
    finding = found.get(("PREMIUM_ARREARS", KPJ))
    return finding["details"]["missing_months"] if finding else []


def test_window_is_the_twelve_months_before_the_month_of_d():
    policy = default_policy()
    assert arrears_months(date(2026, 11, 20), policy) == [f"2025-{m}" for m in ("11", "12")] + [
        f"2026-{m:02d}" for m in range(1, 11)]
    assert arrears_months(date(2026, 11, 14), policy)[-1] == "2026-09"  # October not due before the 15th
    assert arrears_months(date(2026, 11, 15), policy)[-1] == "2026-10"


def test_due_through_is_the_last_month_of_the_window_due_by_d():
    policy = default_policy()
    for night in (date(2026, 11, 14), date(2026, 11, 15), date(2027, 1, 14), date(2027, 1, 15), date(2026, 3, 1)):
        assert due_through(night, policy) == arrears_months(night, policy)[-1]


@pytest.mark.parametrize(
    ("night", "expected"),
    [(date(2026, 11, 14), []), (date(2026, 11, 15), ["2026-10"]), (date(2026, 11, 30), ["2026-10"])],
)
def test_due_date_on_the_15th(warehouse, night, expected):
    assert missing(warehouse, night_with(night, date(2025, 1, 1), "2026-09")) == expected


def test_months_before_tgl_kepesertaan_do_not_count(warehouse):
    n = night_with(date(2026, 11, 20), date(2026, 8, 25), None, [("2026-08", date(2026, 9, 1))])
    assert missing(warehouse, n) == ["2026-09", "2026-10"]


def test_months_after_d_and_payments_after_d_do_not_count(warehouse):
    n = night_with(date(2026, 11, 20), date(2025, 1, 1), "2026-09",
                   [("2026-10", date(2026, 11, 21)), ("2026-11", date(2026, 11, 1))])
    assert missing(warehouse, n) == ["2026-10"]


def test_fully_paid_has_no_arrears(warehouse):
    assert missing(warehouse, night_with(date(2026, 11, 20), date(2025, 1, 1), "2026-10")) == []
