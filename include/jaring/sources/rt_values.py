"""Cell parsers for RT ledgers: header names, NIK, amounts, dates, free-text codes.

Each parser takes the cell as a spreadsheet reader hands it over (str, float,
int, date, datetime or None) and returns the typed value, or a problem reason
from the vocabulary of `findings.md` (`nik_missing`, `nik_not_16_digits`,
`nik_stored_as_number`, `amount_missing`, `amount_unreadable`, `amount_out_of_range`,
`date_missing`, `date_unreadable`).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from jaring import nik as niks
from jaring.validation.suites import MAX_MONTHLY_AMOUNT

# ------------------------------------------------------------------ headers
FIELDS = ("no", "nik", "nama", "pekerjaan", "kpj", "iuran", "tgl_bayar", "sumber_dana", "kategori", "no_hp",
          "keterangan")

_HEADER_EXACT = {
    "NO": "no", "NOMOR": "no", "NOURUT": "no", "NOMORURUT": "no",
    "NIK": "nik", "NONIK": "nik", "NIKKTP": "nik", "NOMORNIK": "nik", "NOMORINDUKKEPENDUDUKAN": "nik",
    "NAMA": "nama", "NAMALENGKAP": "nama", "NAMAPEKERJA": "nama", "NAMAPESERTA": "nama",
    "PEKERJAAN": "pekerjaan", "JENISPEKERJAAN": "pekerjaan",
    "KPJ": "kpj", "NOKPJ": "kpj", "NOMORKPJ": "kpj", "NOKARTU": "kpj", "NOMORKARTU": "kpj",
    "IURAN": "iuran", "IURANRP": "iuran", "JUMLAHIURAN": "iuran", "JUMLAHIURANRP": "iuran", "JUMLAH": "iuran",
    "NOMINAL": "iuran", "BESARIURAN": "iuran", "JUMLAHRP": "iuran",
    "TGLBAYAR": "tgl_bayar", "TANGGALBAYAR": "tgl_bayar", "TGLPEMBAYARAN": "tgl_bayar",
    "TANGGALPEMBAYARAN": "tgl_bayar", "TGL": "tgl_bayar", "TANGGAL": "tgl_bayar",
    "SUMBERDANA": "sumber_dana", "SUMBER": "sumber_dana", "DIBAYAROLEH": "sumber_dana", "PEMBAYAR": "sumber_dana",
    "KATEGORI": "kategori", "KATEGORIPEKERJA": "kategori",
    "NOHP": "no_hp", "NOMORHP": "no_hp", "HP": "no_hp", "NOTELP": "no_hp", "TELEPON": "no_hp", "NOWA": "no_hp",
    "KETERANGAN": "keterangan", "KET": "keterangan",
}
# Fallbacks for wordings not listed above, tried in this order on the squeezed header.
_HEADER_CONTAINS = (
    ("NIK", "nik"), ("KPJ", "kpj"), ("KATEGORI", "kategori"), ("PEKERJAAN", "pekerjaan"), ("IURAN", "iuran"),
    ("NOMINAL", "iuran"), ("TGL", "tgl_bayar"), ("TANGGAL", "tgl_bayar"), ("SUMBER", "sumber_dana"),
    ("TELP", "no_hp"), ("NOHP", "no_hp"), ("NAMA", "nama"), ("KETERANGAN", "keterangan"),
)
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


def header_field(cell: object) -> str | None:
    """The template field a header cell names (`'Tgl. Bayar'` -> `tgl_bayar`), or None."""
    return _field_named(cell) if isinstance(cell, str) else None


@lru_cache(maxsize=4096)  # every ledger's header row is one of a few spellings
def _field_named(cell: str) -> str | None:
    squeezed = _NOT_ALNUM.sub("", cell.upper())
    if not squeezed or len(squeezed) > 40:
        return None
    if squeezed in _HEADER_EXACT:
        return _HEADER_EXACT[squeezed]
    for part, field in _HEADER_CONTAINS:
        if part in squeezed:
            return field
    return None


def header_columns(row: list) -> dict[str, int]:
    """Field -> column index of a header row (first occurrence wins)."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        field = header_field(cell)
        if field and field not in columns:
            columns[field] = index
    return columns


def is_header(row: list) -> bool:
    columns = header_columns(row)
    return "nik" in columns and "nama" in columns and len(columns) >= 3


# ------------------------------------------------------------------ plain text
def text(cell: object) -> str | None:
    """A cell as trimmed text (numbers without a spurious `.0`); None if empty."""
    if cell is None or cell == "":  # most cells of a grid: the empty string
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    value = " ".join(str(cell).replace("\x00", " ").split())  # PostgreSQL text cannot hold NUL
    return value or None


def is_empty(cell: object) -> bool:
    return text(cell) is None


# ------------------------------------------------------------------ NIK
_SCIENTIFIC = re.compile(r"^\d(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)


def parse_nik(cell: object) -> tuple[str | None, str | None, str | None]:
    """(nik, nik_raw, problem): nik is 16 digits only when the cell can be trusted."""
    if isinstance(cell, bool):
        cell = str(cell)
    if isinstance(cell, int | float):
        raw = str(int(cell)) if float(cell).is_integer() else repr(cell)
        return None, raw, "nik_stored_as_number"
    raw = text(cell)
    if raw is None:
        return None, None, "nik_missing"
    if _SCIENTIFIC.match(raw.replace(" ", "")):
        return None, raw, "nik_stored_as_number"
    cleaned = niks.clean(raw)
    if cleaned is None:
        return None, raw, "nik_missing"
    if niks.is_valid(cleaned):
        return cleaned, raw, None
    return None, raw, "nik_not_16_digits"


# ------------------------------------------------------------------ amounts
_CURRENCY = re.compile(r"^(RP|IDR)\.?", re.IGNORECASE)
_DASH_TAIL = re.compile(r"[.,]?-+$")


def parse_amount(cell: object) -> tuple[int | None, str | None]:
    """Whole Rupiah from `16800`, `'Rp 16.800'`, `'16.800,-'`, `'16,800'`, `'16800,00'`.

    An amount beyond the plausibility bound is the row's problem, not a number to stage: one typo of
    many nines must neither overflow the warehouse's bigint nor become a payment of billions.
    """
    if isinstance(cell, bool):
        return None, "amount_unreadable"
    if isinstance(cell, int | float):
        number = cell
    else:
        raw = text(cell)
        if raw is None:
            return None, "amount_missing"
        number = _decimal_number(_DASH_TAIL.sub("", _CURRENCY.sub("", raw.replace(" ", ""))))
    if number is None or isinstance(number, float) and not number.is_integer():  # NaN, infinities too
        return None, "amount_unreadable"
    if abs(number) > MAX_MONTHLY_AMOUNT:
        return None, "amount_out_of_range"
    return int(number), None


def _decimal_number(value: str) -> float | None:
    """Read a number written with `.` or `,` as thousands or decimal separator."""
    if not value or not re.fullmatch(r"\d[\d.,]*", value) or value[-1] in ".,":
        return None
    last_dot, last_comma = value.rfind("."), value.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal = "." if last_dot > last_comma else ","
    elif last_dot >= 0 or last_comma >= 0:
        sep = "." if last_dot >= 0 else ","
        groups = value.split(sep)
        thousands = len(groups) > 2 or len(groups[-1]) == 3
        decimal = None if thousands else sep
    else:
        decimal = None
    integer, _, fraction = value.rpartition(decimal) if decimal else (value, "", "")
    thousands_sep = {".", ","} - {decimal}
    groups = re.split("[.,]", integer)
    if any(sep in integer for sep in ({".", ","} - thousands_sep)):
        return None
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    return float("".join(groups) + ("." + fraction if fraction else ""))


# ------------------------------------------------------------------ dates
MONTHS = {
    "JAN": 1, "JANUARI": 1, "JANUARY": 1, "FEB": 2, "PEB": 2, "FEBRUARI": 2, "PEBRUARI": 2, "FEBRUARY": 2,
    "MAR": 3, "MARET": 3, "MARCH": 3, "APR": 4, "APRIL": 4, "MEI": 5, "MAY": 5, "JUN": 6, "JUNI": 6, "JUNE": 6,
    "JUL": 7, "JULI": 7, "JULY": 7, "AGU": 8, "AGT": 8, "AGS": 8, "AGUS": 8, "AGUSTUS": 8, "AUG": 8,
    "AUGUST": 8, "SEP": 9, "SEPT": 9, "SEPTEMBER": 9, "OKT": 10, "OKTOBER": 10, "OCT": 10, "OCTOBER": 10,
    "NOV": 11, "NOP": 11, "NOVEMBER": 11, "NOPEMBER": 11, "DES": 12, "DESEMBER": 12, "DEC": 12, "DECEMBER": 12,
}
_EXCEL_EPOCH = date(1899, 12, 30)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_WORDED_DATE = re.compile(r"^(\d{1,2})[\s\-.]*([A-Z]+)\.?[\s\-.,]*(\d{4})$")


def excel_serial(serial: float) -> date | None:
    if not 20000 <= serial <= 80000:  # 1954..2119: anything else in a payment-date column is not a serial
        return None
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_date(cell: object) -> tuple[date | None, str | None]:
    """Day-first dates: real Excel dates, serials, `05/10/2026`, `5-10-2026`, `5 Okt 2026`."""
    if isinstance(cell, datetime):
        return cell.date(), None
    if isinstance(cell, date):
        return cell, None
    if isinstance(cell, bool):
        return None, "date_unreadable"
    if isinstance(cell, int | float):
        day = excel_serial(float(cell))
        return (day, None) if day else (None, "date_unreadable")
    raw = text(cell)
    if raw is None:
        return None, "date_missing"
    raw = raw.upper()
    try:
        if raw.isdigit():
            day = excel_serial(float(raw))
            return (day, None) if day else (None, "date_unreadable")
        if match := _ISO_DATE.match(raw):
            return date(int(match[1]), int(match[2]), int(match[3])), None
        if match := _NUMERIC_DATE.match(raw):
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return date(year, int(match[2]), int(match[1])), None
        if (match := _WORDED_DATE.match(raw)) and match[2] in MONTHS:
            return date(int(match[3]), MONTHS[match[2]], int(match[1])), None
    except ValueError:  # 31/09/2026 and the like
        pass
    return None, "date_unreadable"


# ------------------------------------------------------------------ codes
_SUMBER_DANA = (
    ("BAZNAS", "BAZNAS"), ("ZAKAT", "BAZNAS"),
    ("DONATUR", "DONATUR"), ("DONASI", "DONATUR"), ("SPONSOR", "DONATUR"), ("MAJIKAN", "DONATUR"),
    ("DERMAWAN", "DONATUR"),
    ("MANDIRI", "MANDIRI"), ("SENDIRI", "MANDIRI"), ("PRIBADI", "MANDIRI"), ("SWADAYA", "MANDIRI"),
    ("APBD", "APBD"), ("PEMKOT", "APBD"), ("CSR", "CSR"),
)


def sumber_dana(cell: object) -> str | None:
    """`'donatur (Bp. Hasan)'` -> `DONATUR`, `'Sendiri'` -> `MANDIRI`; unknown text upper-cased."""
    raw = text(cell)
    if raw is None:
        return None
    upper = raw.upper()
    for marker, code in _SUMBER_DANA:
        if marker in upper:
            return code
    return upper


def kategori(cell: object) -> str | None:
    raw = text(cell)
    return " ".join(re.sub(r"[^A-Z ]", " ", raw.upper()).split()) or None if raw else None


def kpj(cell: object) -> str | None:
    """An 11-digit KPJ, or None (the raw cell stays in the file's raw record)."""
    raw = text(cell)
    digits = re.sub(r"[\s.\-']", "", raw) if raw else ""
    return digits if len(digits) == 11 and digits.isdigit() else None


def no_hp(cell: object) -> str | None:
    raw = text(cell)
    if raw is None:
        return None
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):  # typed as a number, the leading 0 is gone
        digits = "0" + digits
    return digits or None


def json_cell(cell: object) -> object:
    """A cell as JSON can hold it (dates as ISO text)."""
    if isinstance(cell, date | datetime):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, float) and not math.isfinite(cell):
        return str(cell)  # jsonb has no NaN nor Infinity
    if isinstance(cell, str):
        return cell.replace("\x00", "")  # nor NUL
    return cell
