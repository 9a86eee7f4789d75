"""temuan.xlsx read back with openpyxl: sheets, frozen header, autofilter, types and formats."""

from __future__ import annotations

from datetime import datetime

import pytest
from publishing_sample import NIGHT, TALANG_BANJAR, sample_findings

from jaring.publishing import labels, write_outbox
from jaring.warehouse import db


@pytest.fixture
def books(sample_night, tmp_path):
    from openpyxl import load_workbook

    with db.connect(sample_night) as conn:
        folder = write_outbox(NIGHT, conn, tmp_path)
    return lambda audience: load_workbook(folder / audience / "temuan.xlsx")


def _header(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def _column(sheet, title: str) -> list:
    index = _header(sheet).index(title)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_one_sheet_per_code_with_indonesian_titles(books):
    book = books("bpjs-tk")
    codes = {f["finding_code"] for f in sample_findings() if f["finding_code"] != "ELIGIBLE_NOT_ENROLLED"
             and f["finding_code"] != "NO_LONGER_ELIGIBLE"}
    assert book.sheetnames == ["Ringkasan"] + [labels.CODE_TEXT[c].judul for c in labels.CODE_TEXT if c in codes]
    summary = book["Ringkasan"]
    assert _header(summary)[:3] == ["Kode temuan", "Temuan", "Jumlah"]
    assert sum(_column(summary, "Jumlah")) == 13


def test_frozen_header_autofilter_and_widths(books):
    book = books("dinsos")
    for sheet in book.worksheets:
        # the header row stays in view, and on a code's sheet the name column too
        assert sheet.freeze_panes == ("A2" if sheet.title == "Ringkasan" else "B2")
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
        widths = [d.width for d in sheet.column_dimensions.values() if d.width]
        assert widths and all(8 <= w <= 80 for w in widths)


def test_nik_text_dates_dates_rupiah_formatted(books):
    book = books("bpjs-tk")
    sheet = book[labels.CODE_TEXT["DEATH_BENEFIT_UNCLAIMED"].judul]
    header = _header(sheet)
    for row in sheet.iter_rows(min_row=2):
        nik_cell = row[header.index("NIK")]
        assert nik_cell.data_type == "s" and len(nik_cell.value) == 16 and nik_cell.value.isdigit()
        assert row[header.index("No. KPJ")].data_type == "s"
        died = row[header.index("Tanggal meninggal")]
        assert isinstance(died.value, datetime) and died.is_date
        benefit = row[header.index("Santunan JKM")]
        assert benefit.value == 42000000 and "Rp" in benefit.number_format
        seen = row[header.index("Pertama ditemukan")]
        assert isinstance(seen.value, datetime)
    assert sorted(_column(sheet, "Status")) == ["Baru", "Berlanjut"]


def test_kelurahan_workbook_masks_niks(books):
    sheet = books(f"kelurahan/{TALANG_BANJAR}")[labels.CODE_TEXT["ELIGIBLE_NOT_ENROLLED"].judul]
    (nik,) = _column(sheet, "NIK")
    assert nik[6:12] == "******" and len(nik) == 16
    assert _column(sheet, "Kelurahan") == ["Talang Banjar"]


def test_name_first_print_setup_and_number_formats(books):
    book = books("dinsos")
    for sheet in book.worksheets[1:]:
        assert _header(sheet)[:2] == ["Nama", "NIK"]
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1)  # 1 = default
        assert sheet.page_setup.fitToHeight == 0  # as many pages down as needed
        assert sheet.print_title_rows == "$1:$1"
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, int | float):
                    assert cell.number_format in ("#,##0", '"Rp" #,##0'), (sheet.title, cell.coordinate)
    heirs = books("bpjs-tk")[labels.CODE_TEXT["DEATH_BENEFIT_UNCLAIMED"].judul]
    column = _header(heirs).index("Ahli waris (satu KK)")
    cell = next(row[column] for row in heirs.iter_rows(min_row=2) if "\n" in (row[column].value or ""))
    assert cell.value.count("\n") == 1 and cell.alignment.wrap_text  # one heir a line


def test_a_name_that_looks_like_a_date_or_a_month_stays_the_text_it_is(tmp_path):
    """A name or a place is written as typed: never turned into a date cell or a month in words."""
    from openpyxl import load_workbook

    from jaring.publishing import workbook

    rows = [dict(row, nama=name) for row, name in zip(
        [f for f in sample_findings() if f["finding_code"] == "DECEASED_STILL_ACTIVE"][:1] * 2,
        ["2026-10-05", "2026-10"], strict=True)]
    workbook.write(tmp_path / "temuan.xlsx", "bpjs-tk", rows, NIGHT)
    sheet = load_workbook(tmp_path / "temuan.xlsx")[labels.CODE_TEXT["DECEASED_STILL_ACTIVE"].judul]
    cells = [row[_header(sheet).index("Nama")] for row in sheet.iter_rows(min_row=2)]
    assert [(c.data_type, c.value) for c in cells] == [("s", "2026-10-05"), ("s", "2026-10")]


def test_the_short_path_writes_the_same_file(tmp_path, monkeypatch):
    """The report's worksheet and shared strings classes write, byte for byte, the file XlsxWriter's own methods
    write: every code's sheet, texts with XML's special characters and line breaks, whitespace at either end,
    control characters, text that looks like Excel's `_xHHHH_` escape, a non-character, a text too long for a
    cell (first in its row or after usual cells), amounts, counts, dates, yes/no, and rows whose columns differ
    from one block of 16 rows to the next (the rows' spans)."""
    from xlsxwriter.sharedstrings import SharedStrings
    from xlsxwriter.worksheet import Worksheet

    from jaring.publishing import workbook

    class Stock(Worksheet):  # each cell through XlsxWriter's own write()
        def put_row(self, row, cells):
            for col, value, style in cells:
                self.write(row, col, value, style)

    rows = sample_findings()
    mismatch = next(r for r in rows if r["finding_code"] == "IDENTITY_MISMATCH")
    amounts = next(r for r in rows if r["finding_code"] == "PAYMENT_AMOUNT_MISMATCH")
    rows += [dict(mismatch, nama='SITI & "ANI" <BINTI>\nHASAN', details={"nama_bpjs": "A < B & C > D 'E'"}),
             dict(mismatch, nama="A" * 40_000, details={}),
             dict(mismatch, details={"nama_bpjs": "B" * 40_000}),  # a usual row's last cell is not
             dict(amounts, details={"ledger_amount": 16800.5, "bpjs_amount": 1e15})]
    rows += [dict(mismatch, nama=name) for name in (
        " SITI", "SITI ", "SITI\t", "SITI\n", "\u00a0SITI", "SITI\u2003", "A\x01B", "A\x0bB", "_x0041_ ANI", "ANI _x0041_ HASAN",
        "ANI_HASAN", "NON\ufffeCHAR", "NON\uffffCHAR", "A\tB", "A\nB", "ÁNÍ ÇİTRA", "<r>RICH</r>")]
    rows += [dict(amounts, kpj=None if n % 7 else amounts["kpj"], details={"ledger_amount": n} if n > 20 else {})
             for n in range(40)]
    for audience in ("dinsos", "bpjs-tk", f"kelurahan/{TALANG_BANJAR}"):
        workbook.write(tmp_path / "short.xlsx", audience, rows, NIGHT)
        with monkeypatch.context() as patched:
            patched.setattr(workbook, "_sheet_class", lambda: Stock)
            patched.setattr(workbook, "_shared_strings_class", lambda: SharedStrings)
            workbook.write(tmp_path / "stock.xlsx", audience, rows, NIGHT)
        assert (tmp_path / "short.xlsx").read_bytes() == (tmp_path / "stock.xlsx").read_bytes(), audience


def test_each_part_of_a_workbook_is_deflated_at_the_chosen_level_and_reads_back(tmp_path):
    """Level 4, not zlib's default 6 (faster, somewhat larger): each part's stored size is what zlib makes of
    it at that level; openpyxl reads the workbook."""
    import zipfile
    import zlib

    from openpyxl import load_workbook

    from jaring.publishing import workbook

    workbook.write(tmp_path / "temuan.xlsx", "dinsos", sample_findings(), NIGHT)
    with zipfile.ZipFile(tmp_path / "temuan.xlsx") as package:
        for part in package.infolist():
            deflate = zlib.compressobj(workbook.DEFLATE_LEVEL, zlib.DEFLATED, -15)
            expected = len(deflate.compress(package.read(part)) + deflate.flush())
            assert (part.compress_type, part.compress_size) == (zipfile.ZIP_DEFLATED, expected), part.filename
    assert load_workbook(tmp_path / "temuan.xlsx").sheetnames[0] == "Ringkasan"
