"""The real outbox of a night: every audience file holds only its own people, NIKs masked."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from jaring.nik import mask

FULL_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
MASKED_NIK = re.compile(r"(?<!\d)\d{6}\*{6}\d{4}(?!\d)")
FULL_NIK_AUDIENCES = {"bpjs-tk", "disdukcapil"}
EXAMPLE = "157103******0004"  # the contract's example, shown in each report's note on masking


def _text(path: Path) -> str:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        text = "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for v in row if v is not None)
        book.close()
        return text
    return path.read_text(encoding="utf-8")


def test_every_audience_file_is_scoped_and_masked(hub, last_night):
    night, _ = last_night
    folder = hub.outbox / night.isoformat()
    with open(folder / "findings.csv", encoding="utf-8") as f:
        findings = list(csv.DictReader(f))
    allowed: dict[str, set[str]] = {}
    for row in findings:
        people = {mask(n) for n in FULL_NIK.findall(row["nik"] + " " + row["details"])}
        for kelurahan in {row["kode_wilayah"], row.get("ledger_kelurahan", "")} - {""}:
            allowed.setdefault(kelurahan, set()).update(people)

    checked = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".xlsx", ".html", ".json")):
        relative = path.relative_to(folder)
        audience = relative.parts[0]
        if audience in FULL_NIK_AUDIENCES or audience == "datadocs" or len(relative.parts) == 1:
            continue
        text = _text(path)
        assert not FULL_NIK.search(text), f"unmasked NIK in {relative}"
        if audience == "kelurahan":
            seen = set(MASKED_NIK.findall(text)) - {EXAMPLE}
            foreign = seen - allowed.get(relative.parts[1], set())
            assert not foreign, f"{relative} shows {len(foreign)} people of other kelurahan"
        checked += 1
    assert checked > 50  # the four masked agency folders and the kelurahan folders were all opened


def test_the_city_summary_and_csv_outside_audience_folders_carry_no_nik_in_html(hub, last_night):
    night, _ = last_night
    summary = hub.outbox / night.isoformat() / "laporan.html"
    assert not FULL_NIK.search(summary.read_text(encoding="utf-8"))
    assert set(MASKED_NIK.findall(summary.read_text(encoding="utf-8"))) <= {EXAMPLE}
