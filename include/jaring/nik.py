"""The NIK (Nomor Induk Kependudukan): 16 digits `PP KK CC DDMMYY SSSS`."""

from __future__ import annotations

import re
from datetime import date

_SEPARATORS = re.compile(r"[\s.\-]")

# Province codes (Kemendagri) a NIK's `PP` may carry: a NIK is first issued wherever a person first
# registered, so a resident of the city may hold any of them.
PROVINCES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "DI Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat", "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan", "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "75": "Gorontalo",
    "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara", "91": "Papua", "92": "Papua Barat",
    "93": "Papua Selatan", "94": "Papua Tengah", "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}
# PP KK CC (regency and district never 00) DD (women +40) MM YY SSSS (serial from 0001)
PLAUSIBLE = (rf"^(?:{'|'.join(PROVINCES)})(?!00)\d{{2}}(?!00)\d{{2}}"
             r"(?:0[1-9]|[12]\d|3[01]|4[1-9]|[56]\d|7[01])(?:0[1-9]|1[0-2])\d{2}(?!0000)\d{4}$")
_PLAUSIBLE = re.compile(PLAUSIBLE)


def clean(raw: object) -> str | None:
    """Digits of a NIK typed with spaces, dots or a leading apostrophe; None if empty."""
    if raw is None:
        return None
    text = _SEPARATORS.sub("", str(raw)).lstrip("'")
    return text or None


def is_valid(nik: str | None) -> bool:
    return nik is not None and len(nik) == 16 and nik.isdigit()


def is_plausible(nik: str | None) -> bool:
    """16 digits whose region part names a real province and whose date digits are a day and month.

    Says nothing about where the person lives now: the region is where the NIK was first issued.
    """
    return nik is not None and _PLAUSIBLE.match(nik) is not None


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
