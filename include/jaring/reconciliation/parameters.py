"""The query parameters of night D: the policy's numbers and the months they imply."""

from __future__ import annotations

from datetime import date

from jaring.nights import add_months, due_date, month_of
from jaring.policy import Policy


def arrears_months(night: date, policy: Policy) -> list[str]:
    """The coverage months of the arrears window that are due by D (policy.md).

    The window is the `arrears_window_months` months before the month of D; a month
    counts once its premium is due (the `premium_due_day` of the following month) on or
    before D. The month of TGL_KEPESERTAAN bounds it per participant (in SQL).
    """
    month = month_of(night)
    window = [add_months(month, -k) for k in range(policy.arrears_window_months, 0, -1)]
    return [m for m in window if due_date(m, policy.premium_due_day) <= night]


def due_through(night: date, policy: Policy) -> str:
    """The latest coverage month whose premium is due by D: every earlier one is too (`due_date` grows with
    the month; the month before D's is due in D's month, the one before it in the month before)."""
    previous = add_months(month_of(night), -1)
    return previous if due_date(previous, policy.premium_due_day) <= night else add_months(previous, -1)


def build(night: date, policy: Policy) -> dict:
    return {
        "night": night,
        "month": month_of(night),
        "city_prefix": policy.city_prefix,
        "age_min": policy.age_min,
        "age_max": policy.age_max,
        "max_desil": policy.max_desil,
        "informal": sorted(policy.informal_status_pekerjaan),
        "categories": sorted(policy.rt_categories(night)),
        "apbd_payer": policy.apbd_payer,
        "quota": policy.apbd_quota(night),
        "premium": policy.monthly_premium,
        "due_through": due_through(night, policy),
        "jkm_benefit": policy.jkm_death_benefit,
        "arrears_months": arrears_months(night, policy),
    }
