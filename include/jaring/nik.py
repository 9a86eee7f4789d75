"""The NIK (Nomor Induk Kependudukan): 16 digits `PP KK CC DDMMYY SSSS`."""

from __future__ import annotations

import re
from datetime import date

_SEPARATORS = re.compile(r"[\s.\-]")


def clean(raw: object) -> str | None:
    """Digits of a NIK typed with spaces, dots or a leading apostrophe; None if empty."""
    if raw is None:
        return None
    text = _SEPARATORS.sub("", str(raw)).lstrip("'")
    return text or None


def is_valid(nik: str | None) -> bool:
    return nik is not None and len(nik) == 16 and nik.isdigit()


def birth_date_digits(birth: date, female: bool) -> str:
    """The DDMMYY part of a NIK for this birth date and sex (women: day + 40)."""
    day = birth.day + (40 if female else 0)
    return f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"


def agrees_with_birth(nik: str, birth: date, female: bool) -> bool:
    return is_valid(nik) and nik[6:12] == birth_date_digits(birth, female)


def mask(nik: str | None) -> str:
    """`1571035203880004` -> `157103******0004`, as the reports show it."""
    if not nik:
        return ""
    if len(nik) != 16:
        return "*" * len(nik)
    return nik[:6] + "******" + nik[12:]
