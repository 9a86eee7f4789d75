"""Hostile RT ledgers: a file must never take the night down, nor more memory than a ledger needs.

Each hostile workbook is read in a child process with a memory ceiling: before the reader was
bounded, calamine aborted (exit 134) or swallowed gigabytes, which a test in-process cannot survive.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from jaring.sources import rt_inbox
from jaring.sources.rt_ledger import read_ledger
from jaring.warehouse import db

HEADER = ["NO", "NIK", "NAMA", "PEKERJAAN", "NO KPJ", "IURAN (Rp)", "TGL BAYAR", "SUMBER DANA", "KETERANGAN"]
ROW = [1, "1571014507900012", "SITI AMINAH", "PEDAGANG", "", 16800, "05/10/2026", "MANDIRI", ""]
PATH = "2026-10/1571031003-RT005-RW002.xlsx"
MEMORY_CEILING = 1536 * 2**20

_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({ceiling}, {ceiling}))
from jaring.sources.rt_ledger import read_ledger
ledger = read_ledger(sys.argv[1], "2026-10/x.xlsx")
print(json.dumps([ledger.file_problem, ledger.file_detail, len(ledger.rows)]))
"""


def workbook_bytes(rows: list[list], far_cell: tuple[int, int] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "IURAN"
    for row in [HEADER, *rows]:
        sheet.append(row)
    if far_cell:
        sheet.cell(*far_cell, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, change) -> bytes:
    """The workbook with `change(name, content) -> content` applied to every member, plus what it adds."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, content in getattr(change, "extra", {}).items():
            target.writestr(name, content)
    return out.getvalue()


def huge_dimension(name: str, content: bytes) -> bytes:
    if name.startswith("xl/worksheets/sheet"):
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', content)
    return content


def bloated_shared_strings(name: str, content: bytes) -> bytes:
    return content


# 40 MB of one repeated string: a few dozen KB compressed
bloated_shared_strings.extra = {"xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/'
                                b'spreadsheetml/2006/main"><si><t>' + b"A" * (40 * 2**20) + b"</t></si></sst>"}


def declared_small(data: bytes, member: str = "xl/sharedStrings.xml") -> bytes:
    """The workbook with `member`'s uncompressed size declared as 100 bytes, in its local header and in the
    central directory: a reader that trusts the declared sizes unpacks all of it."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        offset = package.getinfo(member).header_offset
    patched = bytearray(data)
    struct.pack_into("<I", patched, offset + 22, 100)
    end = data.rfind(b"PK\x05\x06")  # the end record says where the central directory starts
    central = struct.unpack_from("<I", data, end + 16)[0]
    while data[central + 46:central + 46 + len(member)] != member.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", patched, central + 24, 100)
    return bytes(patched)


def many_members(name: str, content: bytes) -> bytes:
    return content


many_members.extra = {f"xl/media/image{i}.bin": b"" for i in range(5000)}


def read_in_child(path: Path) -> tuple[int, list | None]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run([sys.executable, "-c", _CHILD.format(ceiling=MEMORY_CEILING), str(path)],
                          capture_output=True, text=True, timeout=120, env=env)
    lines = done.stdout.strip().splitlines()
    return done.returncode, (json.loads(lines[-1]) if done.returncode == 0 and lines else None)


@pytest.mark.parametrize("hostile", [
    pytest.param(lambda: rewrite(workbook_bytes([ROW]), huge_dimension), id="dimension_XFD1048576"),
    pytest.param(lambda: workbook_bytes([ROW], far_cell=(1048576, 16384)), id="cell_at_XFD1048576"),
    pytest.param(lambda: workbook_bytes([ROW], far_cell=(9000, 2)), id="cell_at_row_9000"),
    pytest.param(lambda: workbook_bytes([ROW], far_cell=(2, 200)), id="cell_at_column_200"),
    pytest.param(lambda: rewrite(workbook_bytes([ROW]), bloated_shared_strings), id="shared_strings_40MB"),
    pytest.param(lambda: rewrite(workbook_bytes([ROW]), many_members), id="5000_zip_members"),
    pytest.param(lambda: declared_small(rewrite(workbook_bytes([ROW]), bloated_shared_strings)),
                 id="shared_strings_40MB_declared_100_bytes"),
])
def test_hostile_workbook_is_refused_as_too_large_before_it_is_loaded(tmp_path, hostile):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(hostile())
    assert path.stat().st_size < 1024 * 1024  # small on disk: the harm is in what it unpacks to
    code, result = read_in_child(path)
    assert (code, result) == (0, ["file_unreadable", "too_large", 0])


def test_a_ledger_within_the_bounds_still_reads(tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(workbook_bytes([[n, f"157101450790{n:04d}", "WARGA", "", "", 16800, "05/10/2026", "", ""]
                                     for n in range(1, 301)], far_cell=(400, 40)))
    ledger = read_ledger(path, "2026-10/x.xlsx")
    assert ledger.file_problem is None and len(ledger.rows) == 300


@pytest.mark.parametrize("cell, problem", [
    (999999999999999999999, "amount_out_of_range"),
    ("999999999999999999999", "amount_out_of_range"),
    ("Rp 16.800.000.000", "amount_out_of_range"),
    (1e30, "amount_out_of_range"),
    (-1e30, "amount_out_of_range"),
    (float("inf"), "amount_unreadable"),
    (float("nan"), "amount_unreadable"),
])
def test_an_amount_out_of_range_is_a_problem_of_its_row(cell, problem):
    from jaring.sources.rt_values import parse_amount

    assert parse_amount(cell) == (None, problem)


def test_one_absurd_amount_is_its_rows_finding_and_the_rest_of_the_inbox_lands(warehouse, tmp_path):
    from test_rt_inbox import at, person, put

    night = date(2026, 11, 5)
    put(tmp_path, PATH, [person(1), person(2, amount="999999999999999999999"), person(3, amount=16800000000)],
        at(night))
    put(tmp_path, "2026-10/1571031003-RT006-RW002.xlsx", [person(4)], at(night))
    with db.connect(warehouse, autocommit=True) as conn:
        counts = rt_inbox.ingest(night, conn, tmp_path)
        invalid = conn.execute("SELECT source_ref, reason FROM staging.invalid_record WHERE night = %s ORDER BY 1",
                               (night,)).fetchall()
        amounts = conn.execute("SELECT jumlah FROM staging.rt_row WHERE night = %s ORDER BY source_ref, row_no",
                               (night,)).fetchall()
    assert invalid == [(f"rt:{PATH}#IURAN!5", "amount_out_of_range"), (f"rt:{PATH}#IURAN!6", "amount_out_of_range")]
    assert (counts["rows_read"], counts["rows_staged"], counts["rows_quarantined"]) == (4, 4, 0)
    assert amounts == [(16800,), (None,), (None,), (16800,)]


def test_a_name_nobody_has_is_a_problem_of_its_row(tmp_path):
    path = tmp_path / "ledger.xlsx"
    long_name = [2, "1571014507900020", "SITI " * 2000, "", "", 16800, "05/10/2026", "", ""]
    path.write_bytes(workbook_bytes([ROW, long_name]))
    ledger = read_ledger(path, "2026-10/x.xlsx")
    assert [(r.nama, r.problems, r.usable) for r in ledger.rows] == [
        ("SITI AMINAH", [], True), (None, ["nama_too_long"], True)]


def test_a_part_compressed_otherwise_than_deflate_is_refused_though_the_package_is_small(tmp_path):
    """The compressed sizes bound what DEFLATE unpacks to, not what bzip2 does (a few bytes can stand for
    megabytes): a small ledger with one such part, even one the size check would otherwise leave packed, is no
    ledger (the check refuses it; today's calamine would too, a later one may read bzip2)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook_bytes([ROW]))) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == "xl/styles.xml" else zipfile.ZIP_DEFLATED
            target.writestr(info.filename, source.read(info.filename), compress_type=method)
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(out.getvalue())
    assert len(out.getvalue()) * 1032 < 20 * 2**20  # within what the sizes alone would clear
    code, result = read_in_child(path)
    assert (code, result) == (0, ["file_unreadable", "not_a_spreadsheet", 0])
