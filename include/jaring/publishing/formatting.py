"""How publishing writes a value, in every file it makes: dates and months in Indonesian, Rupiah,
numbers, JSON, and which `details` values are dates, amounts or missing. Imports nothing of Jaring."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache

_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONEY_WORDS = ("jumlah", "nilai", "iuran", "amount", "benefit", "santunan", "manfaat", "biaya", "premi", "tunggakan",
                "rupiah", "nominal")
_NOT_MONEY_WORDS = ("bulan", "month", "count", "hari", "rank", "urutan", "jumlah_temuan", "n_")


def is_missing(value) -> bool:
    """Nothing to show: an empty cell, a "–" in the report."""
    return value is None or value == ""


def compact_json(value) -> str:
    return _COMPACT.encode(value)


# what json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str) writes,
# without building an encoder for each of a night's tens of thousands of values
_COMPACT = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def as_date(value) -> date | None:
    """A date, or an ISO date written as text (how jsonb `details` carry dates); else None."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@cache
def is_money(key: str) -> bool:
    """Whether a `details` key names an amount of Rupiah (`arrears_amount`), by its words."""
    key = key.lower()
    return any(w in key for w in _MONEY_WORDS) and not any(w in key for w in _NOT_MONEY_WORDS)


def tanggal(day: date) -> str:
    """`20 November 2026`."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def bulan(period: str) -> str:
    """`2026-10` -> `Oktober 2026`."""
    return f"{_MONTHS[int(period[5:7]) - 1]} {period[:4]}" if period and len(period) >= 7 else period or ""


def rupiah(amount: float | int) -> str:
    """`Rp 42.000.000` (Indonesian thousands separator)."""
    return "Rp " + f"{round(amount):,}".replace(",", ".")


def angka(number: float | int) -> str:
    return f"{round(number):,}".replace(",", ".")
