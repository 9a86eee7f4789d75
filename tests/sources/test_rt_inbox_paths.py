"""What the RT inbox's file names and links can do: nothing outside the inbox is read, nothing personal is logged."""

from __future__ import annotations

import logging
import os
import re
from datetime import date

import pytest
from test_rt_inbox import PATH, at, person, put

from jaring.logsafe import safe_name, safe_text
from jaring.sources import rt_inbox
from jaring.warehouse import db

D = date(2026, 11, 5)
NIK = "1571034507900001"


@pytest.fixture
def conn(warehouse):
    with db.connect(warehouse, autocommit=True) as connection:
        yield connection


def staged_paths(conn) -> list[str]:
    return [p for (p,) in conn.execute("SELECT DISTINCT path FROM staging.rt_row WHERE night = %s ORDER BY 1", (D,))]


def test_safe_text_escapes_control_characters_and_masks_long_numbers():
    assert safe_text(f"a\nb\r\tc\x1b[31m {NIK} RT 005 12345") == "a\\nb\\r\\tc\\x1b[31m ################ RT 005 12345"
    assert safe_text("baris\u2028palsu") == "baris\\u2028palsu"


def test_safe_name_keeps_the_inbox_forms_and_hides_any_other_name():
    assert safe_name(PATH) == PATH
    hidden = safe_name(f"2026-10/{NIK} SITI AMINAH\nINFO forged.xlsx")
    assert hidden.startswith("2026-10/") and NIK[:6] not in hidden and "SITI" not in hidden and "\n" not in hidden
    assert hidden == safe_name(f"2026-10/{NIK} SITI AMINAH\nINFO forged.xlsx")  # stable: the same file, the same name
    assert safe_name("2026-10/a.xlsx") != safe_name("2026-10/b.xlsx")
    assert "\n" not in safe_name("2026-1\n0/x.csv") and safe_name("2026-10/1571031003-RT005-RW002.xlsx\n") != PATH


def test_links_in_the_inbox_are_not_followed(conn, tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    put(inbox, PATH, [person(1)], at(D))
    put(outside, "2026-10/1571031003-RT007-RW002.xlsx", [person(7)], at(D))
    month = inbox / "2026-10"
    os.symlink(outside / "2026-10/1571031003-RT007-RW002.xlsx", month / "1571031003-RT007-RW002.xlsx")
    os.symlink("/etc/passwd", month / "1571031003-RT008-RW002.csv")
    os.symlink(outside / "2026-10", inbox / "2026-09")  # a linked month folder
    os.symlink(month / "1571031003-RT005-RW002.xlsx", month / "1571031003-RT009-RW002.xlsx")  # even inside
    counts = rt_inbox.ingest(D, conn, inbox)
    assert staged_paths(conn) == [PATH]
    assert conn.execute("SELECT count(*) FROM quarantine.record WHERE night = %s", (D,)).fetchone()[0] == 0
    assert conn.execute("SELECT array_agg(path) FROM raw.rt_file").fetchone()[0] == [PATH]
    assert (counts["links_skipped"], counts["files_seen"]) == (4, 1)


def test_personal_file_names_never_reach_the_log_in_clear(conn, tmp_path, caplog):
    forged = f"{NIK} SITI AMINAH\nERROR jaring: forged line"
    put(tmp_path, f"2026-10/{forged}.xlsx", [person(1)], at(D))  # not the name form: reported, logged
    put(tmp_path, "2026-10/1571031003-RT006-RW002.xlsx", [], at(D), content=b"\x89PNG\r\n")  # unreadable
    put(tmp_path, PATH, [person(2)], at(D))
    os.symlink(tmp_path / PATH, tmp_path / f"2026-10/{NIK} BUDI SANTOSO.xlsx")
    with caplog.at_level(logging.DEBUG, logger="jaring"):
        counts = rt_inbox.ingest(D, conn, tmp_path)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "file name not in" in logged and "unreadable" in logged and "link" in logged
    for secret in (NIK, NIK[:8], "SITI", "AMINAH", "BUDI", "SANTOSO", "forged line"):
        assert secret not in logged
    assert not any("\n" in r.getMessage().split(":", 1)[0] for r in caplog.records if "forged" in r.getMessage())
    assert counts["rows_staged"] == 1


def test_a_file_that_cannot_be_opened_is_skipped_counted_and_named_safely(conn, tmp_path, caplog, monkeypatch):
    put(tmp_path, PATH, [person(1)], at(D))
    secret = put(tmp_path, f"2026-10/{NIK} SITI.xlsx", [person(2)], at(D))
    opened = rt_inbox._open  # every read of an upload (a ledger's bytes, another file's digest) goes through it

    def denied(file):
        if file.path == secret:
            raise PermissionError(13, "Permission denied", str(file.path))
        return opened(file)

    monkeypatch.setattr(rt_inbox, "_open", denied)
    with caplog.at_level(logging.WARNING, logger="jaring"):
        counts = rt_inbox.ingest(D, conn, tmp_path)
    assert (counts["files_not_readable"], counts["rows_staged"]) == (1, 1)
    assert "not readable" in caplog.text and NIK not in caplog.text and "SITI" not in caplog.text


def test_a_nul_character_in_a_cell_does_not_fail_the_inbox(conn, tmp_path):
    rows = "\n".join(f"{n};157103450790{n:04d};WARGA {n};PEDAGANG;;16800;05/10/2026;MANDIRI;" for n in range(1, 80))
    content = ("NO;NIK;NAMA;PEKERJAAN;NO KPJ;IURAN;TGL BAYAR;SUMBER DANA;KETERANGAN\n" + rows
               + "\n80;1571034507900080;WARGA\x00NUL;PEDAGANG;;16800;05/10/2026;MANDIRI;catatan\x00\n")
    put(tmp_path, "2026-10/1571031003-RT005-RW002.csv", [], at(D), content=content.encode())
    counts = rt_inbox.ingest(D, conn, tmp_path)
    assert counts["rows_staged"] == 80


def test_a_value_the_warehouse_refuses_fails_with_a_message_safe_to_log(conn, tmp_path, monkeypatch):
    from jaring.sources import rt_values

    monkeypatch.setattr(rt_values, "parse_amount", lambda cell: (10**30, None))  # past every bound of the reader
    put(tmp_path, f"2026-10/{NIK} SITI.xlsx", [person(1)], at(D))
    put(tmp_path, PATH, [person(2)], at(D))
    with pytest.raises(RuntimeError) as raised:
        rt_inbox.ingest(D, conn, tmp_path)
    message = str(raised.value)
    assert "rt inbox" in message and "\n" not in message and NIK not in message and "SITI" not in message
    assert not re.search(r"\d{6,}", message.replace(str(D), ""))
