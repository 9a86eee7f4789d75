"""Read ONE RT ledger file (xlsx, xls or csv) into typed rows and problems. Pure: no database.

Every data row of the sheets `IURAN` and `USULAN` (any case) becomes a `LedgerRow`,
readable or not; blank rows, the `JUMLAH` totals row and the signature block are
not data. A file that cannot be opened at all has `file_problem = 'file_unreadable'`
and no rows. See `rt-ledger.md` and the `INVALID_SOURCE_RECORD` rules of `findings.md`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jaring.sources import rt_values as values
from jaring.sources import xlsx_bounds
from jaring.validation.suites import MAX_NAME_LENGTH

LEDGER_SHEETS = ("IURAN", "USULAN")
FILE_UNREADABLE = "file_unreadable"
# what the RT is told (findings_contract.RT_FILE_REASONS) for each way a file cannot be read (`file_detail`)
FILE_REASONS = {
    "empty": "file_empty",
    xlsx_bounds.TOO_LARGE: "file_too_large",
    xlsx_bounds.NOT_A_WORKBOOK: "file_not_a_spreadsheet",
    "password_protected": "file_password_protected",
    "no_ledger_sheet": "file_without_ledger_sheet",
    "no_header": "file_without_ledger_sheet",
}
HEADER_SEARCH_ROWS = 12
_FOOTER_MARKERS = ("KETUA RT", "KETUA RUKUN", "MENGETAHUI", "JAMBI,", "JAMBI ,", "TTD", "DIBUAT OLEH",
                   "BENDAHARA", "LURAH ")
_TOTAL_MARKERS = ("JUMLAH", "TOTAL")
_TOTAL = re.compile(r"^(JUMLAH|TOTAL)\b")


@dataclass
class LedgerRow:
    sheet: str                 # the sheet's name as in the workbook (`IURAN` for CSV)
    kind: str                  # IURAN | USULAN
    row_no: int                # as the spreadsheet shows it, 1-based, header counted
    nik: str | None
    nik_raw: str | None
    nik_problem: str | None
    nama: str | None
    pekerjaan: str | None
    kpj: str | None
    jumlah: int | None
    tgl_bayar: date | None
    sumber_dana: str | None
    kategori: str | None
    no_hp: str | None
    keterangan: str | None
    problems: list[str]
    cells: dict[str, object]   # the raw cells by header text, JSON-ready

    @property
    def usable(self) -> bool:
        """Every linking route of `findings.md` needs a trusted NIK or a name."""
        return self.nik is not None or self.nama is not None

    def source_ref(self, relative_path: str) -> str:
        return f"rt:{relative_path}#{self.sheet}!{self.row_no}"


@dataclass
class LedgerFile:
    relative_path: str
    rows: list[LedgerRow] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)   # data rows per sheet name
    file_problem: str | None = None
    file_detail: str | None = None                             # empty | password_protected | not_a_spreadsheet | …

    @property
    def file_ref(self) -> str:
        return f"rt:{self.relative_path}#file"

    @property
    def reason(self) -> str | None:
        """Why the file as a whole is not used, in the words of `findings_contract.RT_FILE_REASONS`."""
        return FILE_REASONS[self.file_detail] if self.file_problem else None


def read_ledger(path: Path, relative_path: str, data: bytes | None = None) -> LedgerFile:
    """Parse the file at `path` (or its bytes `data`); `relative_path` (under the inbox) names source_refs."""
    result = LedgerFile(relative_path)
    if data is None:
        data = Path(path).read_bytes()
    if not data.strip():
        return _unreadable(result, "empty")
    if len(data) > xlsx_bounds.MAX_UNPACKED_BYTES:
        return _unreadable(result, xlsx_bounds.TOO_LARGE)
    if Path(path).suffix.lower() == ".csv":
        sheets = _csv_sheets(data)
    else:
        sheets = _workbook_sheets(data)
    if isinstance(sheets, str):
        return _unreadable(result, sheets)
    if not sheets:
        return _unreadable(result, "no_ledger_sheet")
    for name, grid in sheets:
        problem = _read_sheet(result, name, grid)
        if problem:
            return _unreadable(result, problem)
    return result


def _unreadable(result: LedgerFile, detail: str) -> LedgerFile:
    result.rows, result.rows_read = [], {}
    result.file_problem, result.file_detail = FILE_UNREADABLE, detail
    return result


def _workbook_sheets(data: bytes) -> list[tuple[str, list[list]]] | str:
    from python_calamine import CalamineError, PasswordError, load_workbook

    if data[:4] == b"\xd0\xcf\x11\xe0" and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00" in data:
        return "password_protected"  # an encrypted OOXML package inside an OLE container
    refused = xlsx_bounds.refusal(data)  # before calamine sizes a grid it may not survive
    if refused:
        return refused
    try:
        workbook = load_workbook(io.BytesIO(data))
        return [
            (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
            if name.strip().upper() in LEDGER_SHEETS
        ]
    except PasswordError:
        return "password_protected"
    except (CalamineError, ValueError, OSError):
        return "not_a_spreadsheet"
    except Exception as error:  # calamine raises its own zip/xml error types, not all CalamineError
        if type(error).__module__.startswith("python_calamine"):
            return "not_a_spreadsheet"
        raise


def _csv_sheets(data: bytes) -> list[tuple[str, list[list]]] | str:
    if b"\x00" in data[:4096]:
        return "not_a_spreadsheet"
    if data.startswith(b"\xef\xbb\xbf"):
        content = data[3:].decode("utf-8", errors="replace")
    else:
        try:
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            content = data.decode("cp1252", errors="replace")
    sample = "\n".join(content.splitlines()[:HEADER_SEARCH_ROWS])
    delimiter = max((";", ",", "\t"), key=sample.count)
    return [("IURAN", list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)))]


def _read_sheet(result: LedgerFile, name: str, grid: list[list]) -> str | None:
    """Append the sheet's data rows to `result`; a reason if the sheet has content but no header."""
    kind = name.strip().upper()
    header_index = next(
        (i for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]) if values.is_header(row)), None
    )
    if header_index is None:
        has_content = any(not values.is_empty(cell) for row in grid for cell in row)
        result.rows_read[name] = 0
        return "no_header" if has_content else None
    header = grid[header_index]
    columns = values.header_columns(header)
    labels = _labels(header)
    read = 0
    for index in range(header_index + 1, len(grid)):
        row = grid[index]
        cell = _getter(row, columns)
        if _is_footer(row, cell):
            if not any(_has_nik_digits(later, columns) for later in grid[index + 1:]):
                break  # the totals row and the signature block end the ledger
            continue  # a marker-like row with ledger rows after it: skip it, read on
        if all(values.is_empty(cell(f)) for f in values.FIELDS if f != "no"):
            continue
        read += 1
        result.rows.append(_parse_row(name, kind, index + 1, cell, row, labels))
    result.rows_read[name] = read
    return None


def _getter(row: list, columns: dict[str, int]):
    def cell(field_name: str) -> object:
        index = columns.get(field_name)
        return row[index] if index is not None and index < len(row) else None

    return cell


def _is_footer(row: list, cell) -> bool:
    """The totals row or a signature line: a marker text (totals: in the first cell) and no NIK."""
    nik = (values.text(cell("nik")) or "").upper()
    if nik and not nik.startswith(_FOOTER_MARKERS + _TOTAL_MARKERS):
        return False  # most rows, decided before reading the whole row
    texts = [t.upper() for t in (values.text(c) for c in row) if t]
    if not texts:
        return False
    if _TOTAL.match(texts[0]):
        return True
    # signature lines hold one or two cells ("Mengetahui," … "Ketua RT 005,"); a data row holds more
    return len(texts) <= 2 and any(t.startswith(_FOOTER_MARKERS) for t in texts)


def _has_nik_digits(row: list, columns: dict[str, int]) -> bool:
    value = _getter(row, columns)("nik")
    return sum(ch.isdigit() for ch in (values.text(value) or "")) >= 10


def _labels(header: list) -> list[str]:
    labels, seen = [], set()
    for index, cell in enumerate(header):
        label = values.text(cell) or f"col{index + 1}"
        while label in seen:
            label += "_"
        seen.add(label)
        labels.append(label)
    return labels


def _parse_row(sheet: str, kind: str, row_no: int, cell, row: list, labels: list[str]) -> LedgerRow:
    nik, nik_raw, nik_problem = values.parse_nik(cell("nik"))
    problems = [nik_problem] if nik_problem else []
    jumlah = tgl_bayar = None
    if kind == "IURAN":
        jumlah, amount_problem = values.parse_amount(cell("iuran"))
        tgl_bayar, date_problem = values.parse_date(cell("tgl_bayar"))
        problems += [p for p in (amount_problem, date_problem) if p]
    nama = values.text(cell("nama"))
    if nama is None:
        problems.append("nama_missing")
    elif len(nama) > MAX_NAME_LENGTH:
        nama = None
        problems.append("nama_too_long")
    kpj = values.kpj(cell("kpj"))
    if kpj is None and not values.is_empty(cell("kpj")):
        problems.append("kpj_not_11_digits")
    cells = {
        labels[i] if i < len(labels) else f"col{i + 1}": values.json_cell(c)
        for i, c in enumerate(row)
        if not values.is_empty(c)
    }
    return LedgerRow(
        sheet=sheet, kind=kind, row_no=row_no, nik=nik, nik_raw=nik_raw, nik_problem=nik_problem,
        nama=nama, pekerjaan=values.text(cell("pekerjaan")), kpj=kpj,
        jumlah=jumlah, tgl_bayar=tgl_bayar, sumber_dana=values.sumber_dana(cell("sumber_dana")),
        kategori=values.kategori(cell("kategori")), no_hp=values.no_hp(cell("no_hp")),
        keterangan=values.text(cell("keterangan")), problems=problems, cells=cells,
    )
