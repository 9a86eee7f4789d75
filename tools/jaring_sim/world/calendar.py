"""The world's time span and vectorised date helpers (numpy datetime64[D])."""

from __future__ import annotations

import numpy as np

FIRST_DAY = np.datetime64("2025-01-01")
LAST_DAY = np.datetime64("2026-11-30")
DEMO_NIGHTS = ("2026-11-18", "2026-11-19", "2026-11-20")
LAUNCH = np.datetime64("2025-05-01")  # the city programme's first coverage month
NAT = np.datetime64("NaT", "D")


def days(delta) -> np.ndarray:
    return np.asarray(delta).astype("timedelta64[D]").astype(int)


def month_index(day) -> np.ndarray:
    """Months since 1970-01 of a datetime64 array (or a 'YYYY-MM' string array)."""
    return np.asarray(day).astype("datetime64[M]").astype(int)


def month_text(index) -> np.ndarray:
    return np.datetime_as_string(np.asarray(index).astype("datetime64[M]"))


def month_start(index) -> np.ndarray:
    return np.asarray(index).astype("datetime64[M]").astype("datetime64[D]")


def age_on(birth: np.ndarray, day: np.datetime64) -> np.ndarray:
    """Whole years of age on `day` (NaT births give -1)."""
    b = np.asarray(birth).astype("datetime64[D]")
    years = day.astype("datetime64[Y]").astype(int) - b.astype("datetime64[Y]").astype(int)
    had_birthday = _md(np.array([day]).astype("datetime64[D]"))[0] >= _md(b)
    return np.where(np.isnat(b), -1, years - (~had_birthday).astype(int))


def _md(d: np.ndarray) -> np.ndarray:
    months = d.astype("datetime64[M]")
    return (months.astype(int) % 12 + 1) * 100 + (d - months.astype("datetime64[D]")).astype(int) + 1


def text(d: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD' strings, '' for NaT."""
    d = np.asarray(d).astype("datetime64[D]")
    out = np.datetime_as_string(d).astype(object)
    out[np.isnat(d)] = ""
    return out
