"""Issue 10: reports an official can act on — every label and value in Indonesian from labels.py, Dinas
Sosial's eligible people by the quota rank, a reason per row, a kelurahan's lists by RT/RW."""

from __future__ import annotations

import re

import language_check
import pytest
from publishing_sample import (
    NIGHT,
    SIMPANG_IV,
    TALANG_BANJAR,
    evidence,
    finding,
    insert,
    insert_figures,
    sample_figures,
    sample_findings,
)

from jaring import findings_contract as contract
from jaring import policy as policies
from jaring.publishing import labels, report, write_outbox
from jaring.warehouse import db

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")

# Every reason code the RT reader writes today (sources/rt_values.py, rt_ledger.py, rt_inbox.py) and the
# file-level codes announced for findings_contract.RT_FILE_REASONS.
RT_REASONS = ("nik_stored_as_number", "nik_missing", "nik_not_16_digits", "amount_missing", "amount_unreadable",
              "amount_out_of_range", "date_missing", "date_unreadable", "nama_missing", "nama_too_long",
              "kpj_not_11_digits", "no_header", "file_unreadable", "no_ledger_sheet", "file_name_invalid",
              "empty", "password_protected", "not_a_spreadsheet",
              "file_empty", "file_not_a_spreadsheet", "file_password_protected", "file_too_large",
              "file_without_ledger_sheet", "file_type_not_supported", "file_name_not_a_ledger", "folder_not_a_month")
# Reasons of the validation rules (validation/suites.py) as they reach `details.reason`.
RULE_REASONS = ("nik is not 16 digits once spaces and dots are removed", "KPJ is not 11 digits",
                "KPJ is not 11 digits (ID_BAYAR IB2600028448)", "NO KPJ is not 11 digits", "NIK is not 16 digits",
                "NIK is not 16 digits with a province, regency, district, birth date and serial",
                "NAMA_LGKP is empty", "TGL_LHR is not a YYYY-MM-DD date", "STATUS is not one of the contract's values",
                "NIK appears on more than one record", "JUMLAH is not a positive number",
                "UPAH_DILAPORKAN is not a not-negative number", "JUMLAH is above 1,000,000: not a plausible amount",
                "NAMA is longer than 100 characters: not a plausible name", "BULAN_IURAN is not YYYY-MM",
                "KODE_WILAYAH is not 10 digits", "NO_RT is not 3 digits",
                "KODE_WILAYAH of someone who never moved is not one of the city's kelurahan",
                "birth date disagrees with the NIK's date digits", "desil is not 1..10",
                "NO_KLAIM appears on more than one record (NO_KLAIM KL-0001)")


def test_every_details_key_has_an_indonesian_label_and_no_fallback():
    keys = set().union(*contract.DETAILS.values(), contract.HEIR, contract.PARTICIPATION)
    for key in keys:
        label = labels.detail_label(key)
        assert key in labels.DETAIL_LABELS and label and not SNAKE.search(label), key
        assert not language_check.ENGLISH.search(label), label
    with pytest.raises(KeyError, match="no_such_key"):
        labels.detail_label("no_such_key")


def test_codes_and_values_in_words():
    assert labels.payer_name("APBD_KOTA_JAMBI") == "APBD Kota Jambi"
    assert labels.payer_name("APBD_PROVINSI_JAMBI") == "APBD Provinsi Jambi"
    assert [labels.payer_name(p) for p in ("BAZNAS", "DONATUR", "CSR", "MANDIRI")] == \
        ["BAZNAS", "Donatur", "CSR", "Mandiri"]
    assert labels.detail_lines("missing_months", ["2026-09", "2026-10"]) == ["September 2026", "Oktober 2026"]
    assert labels.status_pekerjaan(1).startswith("berusaha sendiri")
    assert labels.status_pekerjaan(7).startswith("pekerja keluarga/tidak dibayar")
    assert labels.region_name(TALANG_BANJAR) == "Kelurahan Talang Banjar, Kecamatan Jambi Timur"
    assert labels.region_name("1271010001") == "luar Kota Jambi (Sumatera Utara)"
    assert labels.source_ref_text("rt:2026-10/1571031003-RT005-RW002.xlsx#IURAN!7") == \
        "Berkas Oktober 2026, RT 005/RW 002, lembar IURAN, baris 7"
    assert labels.detail_lines("age_range", [18, 64]) == ["18–64 tahun"]
    assert labels.detail_lines("disagree", ["nama", "tgl_lahir"]) == ["nama, tanggal lahir"]
    heirs = labels.detail_lines("heirs", [{"nik": "1571030101800001", "nama": "SITI", "stat_hbkel": "ISTRI",
                                           "tgl_lahir": "1980-01-01", "umur": 46}])
    assert heirs == ["SITI (Istri, 46 tahun, NIK 1571030101800001)"]


@pytest.mark.parametrize("reason", RT_REASONS + RULE_REASONS)
def test_every_reason_is_a_sentence_telling_the_source_what_to_fix(reason):
    sentence = labels.reason_text(reason)
    assert sentence != labels._UNKNOWN_REASON and " — " in sentence, sentence
    assert not SNAKE.search(sentence) and not re.search(r"\b[A-Z]+_[A-Z_]+\b", sentence), sentence
    assert not re.search(r"\b(is|not|empty|digits|record)\b", sentence), sentence


def test_the_announced_file_reasons_are_covered():
    announced = getattr(contract, "RT_FILE_REASONS", ())
    assert set(announced) <= set(labels.REASONS)


def test_nik_stored_as_number_says_what_to_do():
    assert labels.reason_text("nik_stored_as_number").startswith(
        "NIK tersimpan sebagai angka di Excel (digit terakhirnya hilang) — ketik ulang sebagai teks (awali dengan "
        "tanda petik")


def test_the_sample_outbox_speaks_indonesian(sample_night, tmp_path):
    with db.connect(sample_night) as conn:
        folder = write_outbox(NIGHT, conn, tmp_path)
    assert len(language_check.files(folder)) == 13  # the city summary and six audiences, HTML and XLSX
    assert language_check.problems(folder) == {}


def test_language_check_catches_what_it_must(tmp_path):
    found = language_check.text_problems(['Pembayar: APBD_KOTA_JAMBI', 'Quota left: 3', '{"a": 1}', 'Bulan 2026-10',
                                          'rt_proposal', 'DECEASED_STILL_ACTIVE', 'Berkas «iuran_rt5.xlsx»'])
    assert len(found) == 5


# ---------------------------------------------------------------- who Dinas Sosial sees first
def _eligible(serial: int, rank: int, within: bool, kel=TALANG_BANJAR, rt="003") -> dict:
    row = finding("ELIGIBLE_NOT_ENROLLED", str(serial), kel=kel, serial=serial, nama=f"WARGA RANK {rank:03d}",
                  with_kpj=False, source="dtsen", source_ref=f"dtsen:{serial}",
                  details=evidence("ELIGIBLE_NOT_ENROLLED", quota_rank=rank, within_quota=within, umur=40, desil=1))
    row["no_rt"] = rt
    return row


@pytest.fixture
def ranked_night(warehouse):
    """Eligible people whose NIK order is the reverse of their quota rank; ranks 1-3 within the quota."""
    rows = [r for r in sample_findings() if r["finding_code"] != "ELIGIBLE_NOT_ENROLLED"]
    rows += [_eligible(100 + i, rank=6 - i, within=6 - i <= 3, rt=f"00{1 + i % 2}") for i in range(6)]
    insert(warehouse, NIGHT, rows)
    insert_figures(warehouse, NIGHT, sample_figures())
    return warehouse


def test_dinsos_sees_the_eligible_by_quota_rank_within_the_quota_first(ranked_night, tmp_path):
    from openpyxl import load_workbook

    with db.connect(ranked_night) as conn:
        folder = write_outbox(NIGHT, conn, tmp_path)
    html = (folder / "dinsos" / "laporan.html").read_text(encoding="utf-8")
    inside, waiting = html.index(">Dalam kuota — daftarkan <"), html.index(">Daftar tunggu <")
    positions = [html.index(f"WARGA RANK {rank:03d}") for rank in range(1, 7)]
    assert positions == sorted(positions) and inside < positions[0] < positions[2] < waiting < positions[3]
    sheet = load_workbook(folder / "dinsos" / "temuan.xlsx")[labels.CODE_TEXT["ELIGIBLE_NOT_ENROLLED"].judul]
    header = [c.value for c in sheet[1]]
    names = [row[header.index("Nama")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == [f"WARGA RANK {rank:03d}" for rank in range(1, 7)]
    actions = [row[header.index("Yang dilakukan")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert actions[0] == "Dalam kuota — daftarkan (urutan 1)" and actions[3] == "Daftar tunggu — belum perlu dihubungi (urutan 4)"


def test_a_kelurahan_gets_one_checklist_per_rt(ranked_night, tmp_path):
    with db.connect(ranked_night) as conn:
        folder = write_outbox(NIGHT, conn, tmp_path)
    html = (folder / "kelurahan" / TALANG_BANJAR / "laporan.html").read_text(encoding="utf-8")
    section = html[html.index('id="ELIGIBLE_NOT_ENROLLED"'):]
    first, second = section.index("RT 001/RW 001"), section.index("RT 002/RW 001")
    assert first < second
    assert section[first:second].count("WARGA RANK") == 3  # ranks 5, 3, 1 live in RT 001
    assert "☐" in section and "<th>Selesai</th>" in html


def test_no_longer_eligible_says_why_in_one_sentence(sample_night, tmp_path):
    policy = policies.load()
    because = report.not_eligible_because
    assert because({"umur": 65, "age_range": [18, 64]}, policy) == "umur 65 melebihi batas 64"
    assert because({"umur": 17, "age_range": [18, 64]}, policy) == "umur 17 di bawah batas 18"
    assert because({"umur": 40, "age_range": [18, 64], "desil": 6, "status_pekerjaan": 1, "in_dtsen": True},
                   policy) == "desil 6 > 5; tidak diusulkan RT"
    assert because({"umur": 40, "age_range": [18, 64], "desil": 2, "status_pekerjaan": 4, "in_dtsen": True},
                   policy) == ("status pekerjaan buruh/karyawan/pegawai (kode 4) bukan pekerjaan informal; "
                               "tidak diusulkan RT")
    assert because({"umur": 40, "age_range": [18, 64], "in_dtsen": False}, policy) == \
        "tidak terdaftar di DTSEN; tidak diusulkan RT"
    with db.connect(sample_night) as conn:
        folder = write_outbox(NIGHT, conn, tmp_path)
    assert "Umur 66 melebihi batas 64" in (folder / "dinsos" / "laporan.html").read_text(encoding="utf-8")
    assert SIMPANG_IV  # the sample's person lives in Simpang IV Sipin
