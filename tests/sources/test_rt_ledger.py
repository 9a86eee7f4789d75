"""The RT ledger reader: one test per quirk of rt-ledger.md, each file built here."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter

from jaring.sources.rt_ledger import read_ledger

NIK = "1571014507900012"
HEADER = ["NO", "NIK", "NAMA", "PEKERJAAN", "NO KPJ", "IURAN (Rp)", "TGL BAYAR", "SUMBER DANA", "KETERANGAN"]
ROW = [1, NIK, "SITI AMINAH", "PEDAGANG", "12345678901", 16800, "05/10/2026", "MANDIRI", ""]


def xlsx(tmp_path: Path, sheets: dict[str, list[list]], name: str = "1571031003-RT005-RW002.xlsx",
         hidden: tuple[str, ...] = (), merged_title: str | None = None) -> Path:
    """A workbook whose sheets hold the given grids (row 1 first); datetimes become real Excel dates."""
    path = tmp_path / name
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for sheet_name, grid in sheets.items():
        sheet = workbook.add_worksheet(sheet_name)
        if merged_title:
            sheet.merge_range(0, 0, 0, 8, merged_title)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif value not in ("", None) and not (merged_title and r == 0):
                    sheet.write_string(r, c, value)
        if sheet_name in hidden:
            sheet.hide()
    workbook.close()
    return path


def read(path: Path):
    return read_ledger(path, f"2026-10/{path.name}")


def one_row(tmp_path: Path, **changes) -> object:
    row = list(ROW)
    for field, value in changes.items():
        row[HEADER.index(field)] = value
    ledger = read(xlsx(tmp_path, {"IURAN": [HEADER, row]}))
    assert ledger.file_problem is None and len(ledger.rows) == 1
    return ledger.rows[0]


def test_template_row_reads_typed_and_clean(tmp_path):
    row = one_row(tmp_path)
    assert (row.nik, row.nama, row.pekerjaan, row.kpj, row.jumlah, row.tgl_bayar, row.sumber_dana) == (
        NIK, "SITI AMINAH", "PEDAGANG", "12345678901", 16800, date(2026, 10, 5), "MANDIRI")
    assert row.problems == [] and row.usable
    assert row.source_ref("2026-10/x.xlsx") == "rt:2026-10/x.xlsx#IURAN!2"


@pytest.mark.parametrize("title_rows", [0, 1, 4, 6])
def test_header_found_after_title_rows_and_row_numbers_count_them(tmp_path, title_rows):
    titles = [["BUKU IURAN BPJS KETENAGAKERJAAN"], ["KELURAHAN TALANG BANJAR - RT 005 / RW 002"],
              ["BULAN: OKTOBER 2026"], [], ["catatan"], []][:title_rows]
    ledger = read(xlsx(tmp_path, {"IURAN": titles + [HEADER, ROW]}))
    assert [r.row_no for r in ledger.rows] == [title_rows + 2]


def test_merged_title_cell(tmp_path):
    ledger = read(xlsx(tmp_path, {"IURAN": [[], [], [], [], HEADER, ROW]}, merged_title="BUKU IURAN"))
    assert [(r.row_no, r.nik) for r in ledger.rows] == [(6, NIK)]


def test_header_wording_case_and_order_vary(tmp_path):
    header = ["Tanggal Bayar", "No.", "Nama Lengkap", "nik ktp", "Jumlah Iuran", "No. KPJ", "Dibayar Oleh", "Ket."]
    row = ["5 Okt 2026", 1, "SITI AMINAH", NIK, "Rp 16.800", "12345678901", "donatur (Bp. Hasan)", "lunas"]
    ledger = read(xlsx(tmp_path, {"Iuran": [header, row]}))
    got = ledger.rows[0]
    assert (got.nik, got.nama, got.jumlah, got.tgl_bayar, got.kpj, got.sumber_dana, got.keterangan) == (
        NIK, "SITI AMINAH", 16800, date(2026, 10, 5), "12345678901", "DONATUR", "lunas")
    assert got.problems == []


@pytest.mark.parametrize("stored", [1571014507900010.0, 1571014507900012.0, 1571014507900012])
def test_nik_stored_as_number_is_never_trusted(tmp_path, stored):
    row = one_row(tmp_path, NIK=stored)
    assert row.nik is None and row.nik_problem == "nik_stored_as_number"
    assert row.problems == ["nik_stored_as_number"] and row.usable  # the name still allows linking


def test_nik_shown_in_scientific_notation_as_text(tmp_path):
    assert one_row(tmp_path, NIK="1.57101E+15").problems == ["nik_stored_as_number"]


@pytest.mark.parametrize("typed", ["'1571014507900012", "1571 0145 0790 0012", "1571.0145.0790.0012",
                                   " 1571014507900012 "])
def test_nik_with_apostrophe_spaces_or_dots_is_valid(tmp_path, typed):
    row = one_row(tmp_path, NIK=typed)
    assert row.nik == NIK and row.problems == []


@pytest.mark.parametrize("typed", ["157101450790001", "15710145079000123", "1571O14507900012"])
def test_nik_not_16_digits(tmp_path, typed):
    row = one_row(tmp_path, NIK=typed)
    assert row.nik is None and row.nik_raw == typed and row.problems == ["nik_not_16_digits"]


def test_nik_missing_but_name_and_kpj_present(tmp_path):
    row = one_row(tmp_path, NIK="")
    assert row.nik is None and row.problems == ["nik_missing"]
    assert row.usable and row.nama == "SITI AMINAH" and row.kpj == "12345678901"


def test_row_without_nik_and_name_is_unusable(tmp_path):
    row = one_row(tmp_path, NIK="", NAMA="")
    assert not row.usable and set(row.problems) == {"nik_missing", "nama_missing"}


@pytest.mark.parametrize("written", [16800, 16800.0, "16800", "Rp 16.800", "Rp16.800", "16.800,-", "16,800",
                                     "16800,00", "16.800,00", "IDR 16,800.00"])
def test_amount_formats(tmp_path, written):
    row = one_row(tmp_path, **{"IURAN (Rp)": written})
    assert row.jumlah == 16800 and row.problems == []


@pytest.mark.parametrize("written, reason", [("lunas", "amount_unreadable"), ("16,8", "amount_unreadable"),
                                             ("1.68.00", "amount_unreadable"), ("", "amount_missing")])
def test_amount_unreadable(tmp_path, written, reason):
    row = one_row(tmp_path, **{"IURAN (Rp)": written})
    assert row.jumlah is None and row.problems == [reason] and row.usable


@pytest.mark.parametrize("written", [datetime(2026, 10, 5), 46300, "46300", "05/10/2026", "5-10-2026",
                                     "5/10/26", "5 Okt 2026", "05 Oktober 2026", "5 OKTOBER 2026", "2026-10-05"])
def test_date_formats_day_first(tmp_path, written):
    row = one_row(tmp_path, **{"TGL BAYAR": written})
    assert row.tgl_bayar == date(2026, 10, 5) and row.problems == []


@pytest.mark.parametrize("written, reason", [("kemarin", "date_unreadable"), ("31/09/2026", "date_unreadable"),
                                             ("Okt 2026", "date_unreadable"), (5, "date_unreadable"),
                                             ("", "date_missing")])
def test_date_unreadable(tmp_path, written, reason):
    row = one_row(tmp_path, **{"TGL BAYAR": written})
    assert row.tgl_bayar is None and row.problems == [reason]


def test_blank_rows_totals_row_and_signature_block_are_not_data(tmp_path):
    second = [2, "1571014507900020", "BUDI", "", "", 16800, "06/10/2026", "Sendiri", ""]
    grid = [HEADER, ROW, [], [None, ""], second, ["JUMLAH", "", "", "", "", 33600], [],
            ["", "", "", "", "", "", "Jambi, 28 Oktober 2026"], ["", "", "", "", "", "", "Ketua RT 005,"], [],
            ["", "", "( SUPARMAN )"]]
    ledger = read(xlsx(tmp_path, {"IURAN": grid}))
    assert [(r.row_no, r.sumber_dana) for r in ledger.rows] == [(2, "MANDIRI"), (5, "MANDIRI")]
    assert ledger.rows_read == {"IURAN": 2}


def test_signature_without_totals_row_even_in_the_nik_column(tmp_path):
    grid = [HEADER, ROW, [], ["", "Ketua RT 005,"], [], ["", "(SUPARMAN)"]]
    assert read(xlsx(tmp_path, {"IURAN": grid})).rows_read == {"IURAN": 1}


def test_prenumbered_empty_template_rows_are_blank(tmp_path):
    grid = [HEADER, ROW, [2], [3], [4]]
    assert read(xlsx(tmp_path, {"IURAN": grid})).rows_read == {"IURAN": 1}


def test_only_iuran_and_usulan_sheets_any_case_are_data(tmp_path):
    usulan_header = ["NO", "NIK", "NAMA", "PEKERJAAN", "KATEGORI", "NO HP", "KETERANGAN"]
    usulan = [1, "1571014507900030", "SRI WAHYUNI", "ART", "asisten rumah tangga", 81234567890, "baru"]
    path = xlsx(tmp_path, {"REKAP": [["REKAP", 1]], "iuran": [HEADER, ROW], "IURAN LAMA": [HEADER, ROW, ROW],
                           "Usulan": [usulan_header, usulan]}, hidden=("IURAN LAMA",))
    ledger = read(path)
    assert ledger.rows_read == {"iuran": 1, "Usulan": 1}
    proposal = ledger.rows[1]
    assert (proposal.sheet, proposal.kind, proposal.kategori, proposal.no_hp, proposal.problems) == (
        "Usulan", "USULAN", "ASISTEN RUMAH TANGGA", "081234567890", [])
    assert proposal.jumlah is None and proposal.source_ref("p") == "p".join(["rt:", "#Usulan!2"])


def _csv_bytes(lines: list[str], encoding: str) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + text.encode(
        "utf-8" if encoding == "utf-8-sig" else encoding)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_csv_semicolon_decimal_comma(tmp_path, encoding):
    lines = ["BUKU IURAN;;;;;;;;", ";".join(HEADER),
             f"1;'{NIK};SITI AMINAH;PEDAGANG;;16800,00;05/10/2026;Mandiri;catatan é",
             "JUMLAH;;;;;16800,00;;;"]
    path = tmp_path / "1571031003-RT005-RW002.csv"
    path.write_bytes(_csv_bytes(lines, encoding))
    ledger = read(path)
    row = ledger.rows[0]
    assert (row.sheet, row.row_no, row.nik, row.jumlah, row.tgl_bayar, row.keterangan) == (
        "IURAN", 3, NIK, 16800, date(2026, 10, 5), "catatan é")
    assert ledger.rows_read == {"IURAN": 1}


def test_csv_comma_separated_with_quoted_amount(tmp_path):
    path = tmp_path / "1571031003-RT005-RW002.csv"
    path.write_text(",".join(HEADER) + "\n" + f'1,{NIK},BUDI,,,"16,800",5 Okt 2026,BAZNAS,\n', encoding="utf-8")
    row = read(path).rows[0]
    assert (row.jumlah, row.sumber_dana, row.tgl_bayar) == (16800, "BAZNAS", date(2026, 10, 5))


def _encrypted_workbook(tmp_path: Path) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = xlsx(tmp_path, {"IURAN": [HEADER, ROW]}, name="plain.xlsx")
    out = io.BytesIO()
    with open(plain, "rb") as f:
        OOXMLFile(f).encrypt("rahasia", out)
    return out.getvalue()


@pytest.mark.parametrize("kind, detail", [("photo", "not_a_spreadsheet"), ("empty", "empty"),
                                          ("password", "password_protected"), ("zip", "not_a_spreadsheet")])
def test_unreadable_files(tmp_path, kind, detail):
    content = {"photo": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(2000) + b"\xff\xd9", "empty": b"",
               "password": _encrypted_workbook(tmp_path) if kind == "password" else b"",
               "zip": b"PK\x03\x04" + bytes(100)}[kind]
    path = tmp_path / "1571031003-RT005-RW002.xlsx"
    path.write_bytes(content)
    ledger = read(path)
    assert (ledger.file_problem, ledger.file_detail, ledger.rows, ledger.rows_read) == (
        "file_unreadable", detail, [], {})
    assert ledger.file_ref == "rt:2026-10/1571031003-RT005-RW002.xlsx#file"


def test_workbook_without_ledger_sheet_or_header_is_unreadable(tmp_path):
    assert read(xlsx(tmp_path, {"Sheet1": [HEADER, ROW]})).file_detail == "no_ledger_sheet"
    assert read(xlsx(tmp_path, {"IURAN": [["daftar"], ["SITI", 16800]]})).file_detail == "no_header"


def test_raw_cells_are_kept_by_header(tmp_path):
    row = one_row(tmp_path, NIK=1571014507900010.0, **{"TGL BAYAR": datetime(2026, 10, 5)})
    assert row.cells["NIK"] == 1571014507900010 and row.cells["TGL BAYAR"].startswith("2026-10-05")
    assert row.nik_raw == "1571014507900010"


def test_kpj_not_11_digits_is_reported_and_not_used(tmp_path):
    row = one_row(tmp_path, **{"NO KPJ": "1234567"})
    assert row.kpj is None and row.problems == ["kpj_not_11_digits"] and row.cells["NO KPJ"] == "1234567"
    assert one_row(tmp_path, **{"NO KPJ": 12345678901}).kpj == "12345678901"


def test_marker_words_inside_data_do_not_end_the_ledger(tmp_path):
    """A name starting like 'Total…' or a job 'Bendahara RT' on a row without NIK is data, and rows go on."""
    grid = [HEADER, [1, "", "TOTALIA", "", "", 16800, "05/10/2026", "", ""],
            [2, "", "BUDI", "BENDAHARA RT", "", 16800, "05/10/2026", "", ""], ROW,
            ["JUMLAH", "", "", "", "", 50400], ["", "", "Ketua RT 005,"]]
    ledger = read(xlsx(tmp_path, {"IURAN": grid}))
    assert ledger.rows_read == {"IURAN": 3}
    assert [r.nama for r in ledger.rows] == ["TOTALIA", "BUDI", "SITI AMINAH"]
