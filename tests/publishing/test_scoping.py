"""Open every file of every audience and prove it holds only that audience's people, NIKs masked."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from publishing_sample import NIGHT, SIMPANG_IV, TALANG_BANJAR, sample_findings
from staging_builder import default_policy

from jaring.publishing import write_outbox
from jaring.publishing.audiences import audiences_of, mask_text
from jaring.warehouse import db

FULL_NIK = re.compile(r"\b\d{16}\b")

# The "goes to" column of findings.md, restated by hand for the sample night (names of the people).
EXPECTED_NAMES = {
    "bpjs-tk": {"ALMARHUM TALANG SATU", "ALMARHUMAH SIPIN DUA", "PINDAHAN MUARO", "TANPA NIK TALANG",
                "SALAH KETIK SIPIN", "BEDA NAMA SIPIN", "GANDA TALANG", "NUNGGAK APBD TALANG",
                "NUNGGAK MANDIRI SIPIN", "SETOR TALANG", "KURANG SIPIN"},
    "dinsos": {"ALMARHUM TALANG SATU", "ALMARHUMAH SIPIN DUA", "PINDAHAN MUARO", "LEWAT USIA SIPIN",
               "LAYAK TALANG", "LAYAK SIPIN"},
    "disdukcapil": {"TANPA NIK TALANG", "SALAH KETIK SIPIN"},
    "bpkad": {"PINDAHAN MUARO", "GANDA TALANG", "LEWAT USIA SIPIN", "NUNGGAK APBD TALANG"},
    f"kelurahan/{TALANG_BANJAR}": {"ALMARHUM TALANG SATU", "LAYAK TALANG", "SETOR TALANG"},
    # the Talang Banjar resident's payment was recorded in a Simpang IV Sipin ledger
    f"kelurahan/{SIMPANG_IV}": {"ALMARHUMAH SIPIN DUA", "LAYAK SIPIN", "SETOR TALANG", "KURANG SIPIN"},
}
# rows: a person may have two findings (kpj 1: deceased and benefit unclaimed) plus invalid records
EXPECTED_ROWS = {"bpjs-tk": 13, "dinsos": 8, "disdukcapil": 3, "bpkad": 4, f"kelurahan/{TALANG_BANJAR}": 4,
                 f"kelurahan/{SIMPANG_IV}": 4}
HEIRS = {"ANAK SATU TALANG", "ISTRI TALANG", "ANAK SIPIN"}
EXPECTED_HEIRS = {"bpjs-tk": HEIRS, "dinsos": HEIRS, "disdukcapil": set(), "bpkad": set(),
                  f"kelurahan/{TALANG_BANJAR}": {"ANAK SATU TALANG", "ISTRI TALANG"},
                  f"kelurahan/{SIMPANG_IV}": {"ANAK SIPIN"}}


def _texts(folder: Path) -> dict[str, str]:
    """Every file of an audience folder as text (workbooks: every cell of every sheet)."""
    from openpyxl import load_workbook

    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        assert not FULL_NIK.search(path.name)
        if path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None]
            texts[path.name] = "\n".join(cells + [sheet.title for sheet in book.worksheets])
            book.close()
        else:
            texts[path.name] = path.read_text(encoding="utf-8")
    assert texts, f"{folder} is empty"
    return texts


@pytest.fixture
def outbox(sample_night, tmp_path):
    with db.connect(sample_night) as conn:
        return write_outbox(NIGHT, conn, tmp_path)


def test_routing_follows_the_goes_to_column():
    routes = Counter(a for f in sample_findings() for a in audiences_of(f, default_policy()))
    assert routes == EXPECTED_ROWS


@pytest.mark.parametrize("audience", sorted(EXPECTED_NAMES))
def test_every_file_holds_only_the_audiences_people(outbox, audience):
    everyone = {f["nama"]: f for f in sample_findings() if f["nama"]}
    texts = _texts(outbox / audience)
    assert set(texts) == {"laporan.html", "temuan.xlsx", "ringkasan.json"}
    full = audience in ("bpjs-tk", "disdukcapil")
    for name, text in texts.items():
        for person, f in everyone.items():
            shown = mask_text(f["nik"]) if f["nik"] else None
            if person in EXPECTED_NAMES[audience]:
                if name != "ringkasan.json":  # counts only
                    assert person in text, (name, person)
                    if shown and not full:
                        assert shown in text
            else:
                assert person not in text, (name, person)
                if f["nik"] and not any(f["nik"] == g["nik"] for g in sample_findings()
                                        if g["nama"] in EXPECTED_NAMES[audience]):
                    assert f["nik"] not in text and mask_text(f["nik"]) not in text, (name, person)
        for heir in HEIRS:
            assert (heir in text) == (heir in EXPECTED_HEIRS[audience] and name != "ringkasan.json"), (name, heir)
        if not full:
            assert not FULL_NIK.search(text), (name, FULL_NIK.search(text).group(0))
            assert "1571 0301 0181 0016" not in text and "E+15" not in text  # raw NIKs of invalid records


def test_full_nik_audiences_see_full_niks(outbox):
    bpjs = _texts(outbox / "bpjs-tk")
    registry_nik = next(f["nik"] for f in sample_findings() if f["nama"] == "SALAH KETIK SIPIN")
    assert registry_nik in bpjs["laporan.html"] and registry_nik in bpjs["temuan.xlsx"]
    assert registry_nik in _texts(outbox / "disdukcapil")["temuan.xlsx"]


def test_city_summary_has_no_personal_data(outbox):
    text = (outbox / "laporan.html").read_text(encoding="utf-8")
    assert not FULL_NIK.search(text)
    assert not any(f["nama"] and f["nama"] in text for f in sample_findings())
    assert "<svg" in text and "<script" not in text and "http://" not in text.replace("http://www.w3.org", "")
