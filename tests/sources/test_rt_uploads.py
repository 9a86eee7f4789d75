"""No upload is dropped without a word (issue 9, item 10): every file that is not a usable ledger is one
file-level INVALID_SOURCE_RECORD whose reason tells the RT why, in findings_contract.RT_FILE_REASONS."""

from __future__ import annotations

import logging
import os
from datetime import date

import pytest
import xlsxwriter
from test_rt_inbox import HEADER, PATH, at, person, put

from jaring.findings_contract import RT_FILE_REASONS
from jaring.sources import rt_inbox
from jaring.sources.xlsx_bounds import MAX_UNPACKED_BYTES
from jaring.warehouse import db

D = date(2026, 11, 5)
KEL = "1571031003"
NIK = "1571034507900001"
ENCRYPTED = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptionInfo".encode("utf-16-le") + bytes(500))


def workbook_without_ledger_sheet(path) -> bytes:
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("REKAP").write_row(0, 0, HEADER)
    book.close()
    return path.read_bytes()


@pytest.fixture
def conn(warehouse):
    with db.connect(warehouse, autocommit=True) as connection:
        yield connection


def file_records(conn, night=D) -> dict[str, tuple]:
    return {ref: (reason, kel) for ref, reason, kel in conn.execute(
        "SELECT source_ref, reason, raw_record->>'kode_kelurahan' FROM quarantine.record "
        "WHERE night = %s AND source_ref LIKE '%%#file'", (night,))}


def test_every_upload_that_is_no_usable_ledger_is_one_finding_with_its_reason(conn, tmp_path, caplog):
    inbox = tmp_path / "inbox"
    put(inbox, PATH, [person(1), person(2)], at(D))  # a good ledger beside them: still staged
    uploads = {
        f"2026-10/{KEL}-RT006-RW002.xlsx": (b"", "file_empty"),
        f"2026-10/{KEL}-RT007-RW002.xlsx": (b"\xff\xd8\xff\xe0JFIF" + bytes(900), "file_not_a_spreadsheet"),
        f"2026-10/{KEL}-RT008-RW002.xlsx": (ENCRYPTED, "file_password_protected"),
        f"2026-10/{KEL}-RT009-RW002.xlsx": (workbook_without_ledger_sheet(tmp_path / "rekap.xlsx"),
                                            "file_without_ledger_sheet"),
        f"2026-10/{KEL}-RT010-RW002.xlsm": (b"PK\x03\x04macro", "file_type_not_supported"),
        f"2026-10/{KEL}-RT011-RW002.ods": (b"PK\x03\x04ods", "file_type_not_supported"),
        f"2026-10/{KEL}-RT012-RW002.pdf": (b"%PDF-1.4", "file_type_not_supported"),
        f"2026-10/{KEL}-RT013-RW002.jpg": (b"\xff\xd8\xff\xe0", "file_type_not_supported"),
        "2026-10/buku iuran rt 5.xlsx": (None, "file_name_not_a_ledger"),
        f"2026-10/{KEL} RT 5 RW 2.xlsx": (None, "file_name_not_a_ledger"),
        f"2026-10/{NIK} SITI.xlsx": (None, "file_name_not_a_ledger"),
        f"Oktober 2026/{KEL}-RT005-RW002.xlsx": (None, "folder_not_a_month"),
        "2026-13/buku.xlsx": (None, "folder_not_a_month"),
        f"{KEL}-RT005-RW002.csv": (b"NO;NIK;NAMA\n", "folder_not_a_month"),  # beside the month folders
    }
    for relative, (content, _) in uploads.items():
        put(inbox, relative, [person(3)], at(D), content=content)
    large = inbox / f"2026-10/{KEL}-RT014-RW002.xlsx"
    with open(large, "wb") as f:
        f.truncate(MAX_UNPACKED_BYTES + 1)
    os.utime(large, (at(D).timestamp(),) * 2)
    uploads[f"2026-10/{KEL}-RT014-RW002.xlsx"] = (None, "file_too_large")
    # not uploads: Office's lock file, a hidden file; uploaded after the night: not seen yet
    put(inbox, f"2026-10/~${KEL}-RT005-RW002.xlsx", [], at(D), content=b"lock")
    put(inbox, "2026-10/.DS_Store", [], at(D), content=b"\x00")
    put(inbox, "2026-11/laporan.pdf", [], at(date(2026, 11, 6)), content=b"%PDF")

    with caplog.at_level(logging.INFO, logger="jaring"):
        counts = rt_inbox.ingest(D, conn, inbox)
    found = file_records(conn)
    assert {ref: reason for ref, (reason, _) in found.items()} == {
        f"rt:{relative}#file": reason for relative, (_, reason) in uploads.items()}
    assert set(RT_FILE_REASONS) == {reason for _, reason in uploads.values()}  # each reason occurs
    assert counts["rows_staged"] == 2 and counts["rows_read"] == counts["rows_staged"] + counts["rows_quarantined"]
    assert counts["entries_ignored"] == 2 and counts["files_unreadable"] == len(uploads)
    # a path that names a city kelurahan keeps it (the finding goes there); a NIK is no kelurahan
    assert found[f"rt:2026-10/{KEL} RT 5 RW 2.xlsx#file"][1] == KEL
    assert found[f"rt:Oktober 2026/{KEL}-RT005-RW002.xlsx#file"][1] == KEL
    assert found[f"rt:2026-10/{NIK} SITI.xlsx#file"][1] is None
    assert found["rt:2026-10/buku iuran rt 5.xlsx#file"][1] is None
    assert NIK not in caplog.text and "SITI" not in caplog.text


def test_an_unsupported_upload_is_kept_as_a_version_and_not_read_again(conn, tmp_path):
    put(tmp_path, f"2026-10/{KEL}-RT005-RW002.ods", [], at(D), content=b"PK\x03\x04ods")
    first = rt_inbox.ingest(D, conn, tmp_path)
    again = rt_inbox.ingest(date(2026, 11, 6), conn, tmp_path)
    assert (first["files_parsed"], again["files_parsed"], again["files_unchanged"]) == (1, 0, 1)
    assert list(file_records(conn, date(2026, 11, 6)).values()) == [("file_type_not_supported", KEL)]


def test_a_file_parsed_before_the_reasons_existed_is_reported_in_their_words(conn, tmp_path):
    """raw.rt_file keeps each content's parse: an unchanged file is never parsed again."""
    put(tmp_path, PATH, [], at(D), content=b"")
    put(tmp_path, "2026-10/buku.xlsx", [person(1)], at(D))
    rt_inbox.ingest(D, conn, tmp_path)
    conn.execute("UPDATE raw.rt_file SET file_problem = 'file_unreadable' WHERE path = %s", (PATH,))
    conn.execute("UPDATE raw.rt_file SET file_problem = 'file_name_invalid' WHERE path = '2026-10/buku.xlsx'")
    rt_inbox.ingest(D, conn, tmp_path)
    assert {reason for reason, _ in file_records(conn).values()} == {"file_empty", "file_name_not_a_ledger"}
