"""The RT inbox parsed by several mapped tasks (`parse_rt`), each a part of the files: every file parsed
once whatever the parts, and the night staged from them exactly as an ingest that parsed everything itself."""

from __future__ import annotations

from datetime import date

import pytest
from test_rt_inbox import at, night_rows, person, put

from jaring.sources import rt_inbox
from jaring.warehouse import db

D = date(2026, 11, 5)
KELURAHAN = ("1571031003", "1571011001", "1571021002")


@pytest.fixture
def conn(warehouse):
    with db.connect(warehouse, autocommit=True) as connection:
        yield connection


def _inbox(root):
    for i, kel in enumerate(KELURAHAN):
        for rt in range(1, 5):
            put(root, f"2026-{9 + i % 2}/{kel}-RT{rt:03d}-RW001.xlsx", [person(10 * rt + i), person(10 * rt + i + 5)],
                at(D))
    put(root, "2026-10/1571031003-RT009-RW001.xlsx", [person(1)], at(date(2026, 11, 6)))  # after the night
    put(root, "2026-10/catatan.pdf", [], at(D), content=b"%PDF-1.4")
    return root


def _staged(conn):
    return sorted(conn.execute("SELECT source_ref, nik, nama, jumlah FROM staging.rt_row WHERE night = %s",
                               (D,)).fetchall())


def test_the_parts_parse_every_visible_file_once_and_the_ingest_parses_nothing_more(conn, tmp_path):
    inbox = _inbox(tmp_path / "inbox")
    parts = [rt_inbox.parse_new(D, conn, inbox, {"part": n, "of": 3}) for n in (1, 2, 3)]
    assert sum(p["files_parsed"] for p in parts) == 13  # 12 ledgers and the pdf, not the file of the next day
    assert sum(p["files_parsed"] > 0 for p in parts) >= 2  # the files are shared out
    assert rt_inbox.parse_new(D, conn, inbox, {"part": 2, "of": 3})["files_parsed"] == 0  # a retry: nothing new
    counts = rt_inbox.ingest(D, conn, inbox)
    assert (counts["files_parsed"], counts["files_unchanged"]) == (0, 13)
    assert conn.execute("SELECT count(*) FROM raw.rt_file").fetchone()[0] == 13


def test_a_night_staged_from_the_parts_equals_one_that_parsed_everything_itself(warehouse, tmp_path):
    inbox = _inbox(tmp_path / "inbox")
    with db.connect(warehouse, autocommit=True) as conn:
        rt_inbox.ingest(D, conn, inbox)
        whole, rows = _staged(conn), night_rows(conn, D)
        conn.execute("TRUNCATE raw.rt_file, raw.rt_file_version, raw.rt_file_row CASCADE")
        for n in (1, 2):
            rt_inbox.parse_new(D, conn, inbox, {"part": n, "of": 2})
        rt_inbox.ingest(D, conn, inbox)
        assert _staged(conn) == whole and night_rows(conn, D) == rows
