"""The suites on hand-made frames: which rule catches what, and what each failure means."""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest

from jaring.sources.bpjs import BPJS_IURAN_COLUMNS, BPJS_KLAIM_COLUMNS, BPJS_PESERTA_COLUMNS
from jaring.sources.dtsen import DTSEN_COLUMNS
from jaring.sources.dukcapil import DUKCAPIL_COLUMNS
from jaring.sources.rt_inbox import RT_COLUMNS
from jaring.validation import SourceRejected, validate
from jaring.validation.suites import SUITES

SITI = "1571035203880004"  # a woman born 12-03-1988: day 12 + 40


def penduduk(**changes) -> dict:
    return {
        "NIK": SITI, "NO_KK": "1571030101100123", "NAMA_LGKP": "SITI  AMINAH ", "TMPT_LHR": "JAMBI",
        "TGL_LHR": "1988-03-12", "JENIS_KLMIN": "PEREMPUAN", "STAT_HBKEL": "ISTRI", "STATUS_KAWIN": "KAWIN",
        "JENIS_PKRJN": "PEDAGANG", "KODE_WILAYAH": "1571031004", "NO_RT": "005", "NO_RW": "002",
        "ALAMAT": "JL. SULTAN AGUNG NO. 12", "STATUS": "HIDUP", "TGL_MATI": None, "TGL_PINDAH": None,
        "TGL_UPDATE": "2026-10-02T09:14:00+07:00",
    } | changes


def peserta(kpj: str, **changes) -> dict:
    return {
        "KPJ": kpj, "NIK": SITI, "NAMA": "SITI AMINAH", "TGL_LAHIR": "1988-03-12", "JENIS_KELAMIN": "P",
        "SEGMEN": "BPU", "PROGRAM": "JKK,JKM", "STATUS_KEPESERTAAN": "AKTIF", "TGL_KEPESERTAAN": "2025-03-01",
        "TGL_NONAKTIF": None, "PEMBIAYAAN": "APBD_KOTA_JAMBI", "KODE_WILAYAH": "1571031004",
        "UPAH_DILAPORKAN": 1000000, "IURAN_BULANAN": 16800,
    } | changes


def individu(id_individu: int, **changes) -> dict:
    return {
        "periode": "2026-10", "id_individu": id_individu, "id_keluarga": 1, "nik": None, "nama": "X",
        "tgl_lahir": "1988-03-12", "jenis_kelamin": 2, "hub_kk": 1, "status_pekerjaan": 6,
        "lapangan_usaha": "KONSTRUKSI", "desil": 3, "kode_wilayah": "1571031004",
    } | changes


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows)


CONTRACT_COLUMNS = {
    "dukcapil": DUKCAPIL_COLUMNS, "bpjs_peserta": BPJS_PESERTA_COLUMNS, "bpjs_iuran": BPJS_IURAN_COLUMNS,
    "bpjs_klaim": BPJS_KLAIM_COLUMNS, "dtsen": DTSEN_COLUMNS, "rt": RT_COLUMNS,
}


@pytest.mark.parametrize("source", sorted(SUITES))
def test_a_missing_contract_column_is_blocking_for_every_suite(source):
    columns = list(CONTRACT_COLUMNS[source])
    incomplete = pd.DataFrame({c: ["1"] for c in columns[1:]})  # the first contract column is missing
    result = validate(source, incomplete, columns)
    assert "columns_as_contract" in result.blocking
    with pytest.raises(SourceRejected, match=f"'{source}'.*columns_as_contract"):
        result.raise_if_blocking()


def test_dukcapil_row_rules_and_the_birth_date_warning():
    rows = [
        penduduk(),
        penduduk(NIK="157103520388000"),  # 1: 15 digits
        penduduk(NIK="1571031213880011"),  # 2: month 13 in the date digits
        penduduk(NIK="1571035203880005", JENIS_KLMIN="WANITA"),  # 3
        penduduk(NIK="1571035203880006", KODE_WILAYAH="1505011001"),  # 4: resident outside the city
        penduduk(NIK="1571035203880007", KODE_WILAYAH="1505011001", TGL_PINDAH="2026-11-05"),  # moved out: fine
        penduduk(NIK="1571035203880008", STATUS="PINDAH"),  # 6
        penduduk(NIK="1571031203880009"),  # 7: a woman with a man's date digits: warning only
        penduduk(NIK="1571035203880010", TGL_LHR="1988-02-30"),  # 8: not a date
        penduduk(NIK=SITI),  # 9: the same NIK twice
        penduduk(NIK="0071035203880012"),  # 10: no province 00
        penduduk(NIK="1571035203880000"),  # 11: serial 0000
        # 12-14: first registered in Jakarta, Medan, Kab. Muaro Jambi: ordinary residents of the city
        penduduk(NIK="3171035203880004"), penduduk(NIK="1275015203880003"), penduduk(NIK="1505025203880002"),
    ]
    result = validate("dukcapil", frame(rows), CONTRACT_COLUMNS["dukcapil"])
    assert result.blocking == []
    assert result.row_failures == {
        0: ["nik_unique"], 9: ["nik_unique"],
        1: ["nik_plausible"], 2: ["nik_plausible"], 10: ["nik_plausible"], 11: ["nik_plausible"],
        3: ["jenis_klmin_in_set"],
        4: ["resident_kode_wilayah_in_kota_jambi"], 6: ["status_in_set"], 8: ["tgl_lhr_is_a_date"],
    }
    assert result.warnings == ["nik_date_digits_agree_with_birth_date: 2 rows"]  # 2 and 7


def test_every_failing_row_is_returned_not_only_gx_default_200():
    rows = [peserta(f"{k:010d}") for k in range(500)] + [peserta(f"{k:011d}") for k in range(10)]
    result = validate("bpjs_peserta", frame(rows), CONTRACT_COLUMNS["bpjs_peserta"])
    assert sorted(result.row_failures) == list(range(500))
    assert result.counts["kpj_11_digits"] == 500


def test_bpjs_roster_quarantines_duplicates_and_bad_sets_but_only_flags_a_bad_nik():
    rows = [
        peserta("22014587310"),
        peserta("22014587311", PEMBIAYAAN="APBN"),
        peserta("22014587312", STATUS_KEPESERTAAN="AKTIF "),
        peserta("22014587313", IURAN_BULANAN=0),
        peserta("22014587314", NIK="157103520388000"),  # 15 digits: staged with nik NULL
        peserta("22014587314", NIK="1571.0352.0388.0004"),  # same KPJ again; dots are cleaned
        peserta("22014587316", KODE_WILAYAH="1505011001"),  # kelurahan field emptied, reported
        peserta("22014587317", IURAN_BULANAN="16.800,-"),  # not a number
    ]
    result = validate("bpjs_peserta", frame(rows), CONTRACT_COLUMNS["bpjs_peserta"])
    assert result.row_failures == {
        1: ["pembiayaan_in_set"], 2: ["status_kepesertaan_in_set"], 3: ["iuran_bulanan_positive"],
        4: ["kpj_unique"], 5: ["kpj_unique"], 7: ["iuran_bulanan_positive"],
    }
    assert result.row_flags == {4: ["nik_16_digits"], 6: ["kode_wilayah_in_kota_jambi"]}
    assert result.rules["nik_16_digits"].clears == ("nik",)


def test_payments_and_claims_amounts():
    iuran = frame([
        {"ID_BAYAR": "B1", "KPJ": "22014587310", "BULAN_IURAN": "2026-10", "JUMLAH": 16800,
         "TGL_BAYAR": "2026-11-09", "KANAL": "PEMKOT"},
        {"ID_BAYAR": "B2", "KPJ": "22014587310", "BULAN_IURAN": "2026-13", "JUMLAH": -16800,
         "TGL_BAYAR": "2026-11-09", "KANAL": "KANTOR POS"},
        {"ID_BAYAR": "B2", "KPJ": "22014587310", "BULAN_IURAN": "2026-09", "JUMLAH": 16800,
         "TGL_BAYAR": "09/11/2026", "KANAL": "RT"},
    ])
    result = validate("bpjs_iuran", iuran, CONTRACT_COLUMNS["bpjs_iuran"])
    assert {k: sorted(v) for k, v in result.row_failures.items()} == {
        1: ["bulan_iuran_is_a_month", "id_bayar_unique", "jumlah_positive"],
        2: ["id_bayar_unique", "tgl_bayar_is_a_date"],
    }
    assert result.warnings == ["kanal_in_set: 1 rows"]
    klaim = frame([
        {"NO_KLAIM": "K1", "KPJ": "22014587310", "JENIS_KLAIM": "JKM", "TGL_KEJADIAN": "2026-09-30",
         "TGL_PENGAJUAN": "2026-10-07", "STATUS": "DIAJUKAN", "NILAI": 0},
        {"NO_KLAIM": "K2", "KPJ": "22014587310", "JENIS_KLAIM": "JHT", "TGL_KEJADIAN": None,
         "TGL_PENGAJUAN": "2026-10-07", "STATUS": "DIBAYAR", "NILAI": -5},
    ])
    result = validate("bpjs_klaim", klaim, CONTRACT_COLUMNS["bpjs_klaim"])
    assert {k: sorted(v) for k, v in result.row_failures.items()} == {
        1: ["jenis_klaim_in_set", "nilai_not_negative"]}


def test_dtsen_desil_region_and_nik_cleaning():
    rows = [
        individu(1, nik="1571035203880004"),
        individu(2, nik=None),  # NULL NIK: normal
        individu(3, nik="1571 0352 0388 0004"),  # cleans to 16 digits
        individu(4, nik="157103520388000"),  # 15 digits: flagged
        individu(5, desil=11),
        individu(6, desil=None),  # not ranked yet: fine
        individu(7, desil=0),
        individu(8, kode_wilayah="1505011001"),
    ]
    df = frame(rows).astype({"desil": "Int64", "jenis_kelamin": "Int64", "hub_kk": "Int64",
                             "status_pekerjaan": "Int64"})
    result = validate("dtsen", df, CONTRACT_COLUMNS["dtsen"])
    assert result.row_failures == {4: ["desil_1_to_10"], 6: ["desil_1_to_10"], 7: ["kode_wilayah_in_kota_jambi"]}
    assert result.row_flags == {3: ["nik_16_digits"]}


@pytest.mark.parametrize(("rows", "blocked"), [(79, True), (80, False), (120, False), (121, True)])
def test_volume_within_20_percent_of_the_previous_night(rows, blocked):
    df = frame([individu(k) for k in range(rows)])
    result = validate("dtsen", df, DTSEN_COLUMNS, previous_count=100)
    assert ("volume_within_20_percent_of_previous_night" in result.blocking) is blocked


def test_reports_and_data_docs_carry_no_record_values(tmp_path):
    from jaring.validation import datadocs

    rows = [penduduk(), penduduk(NIK="157103520388000"), penduduk(NIK="1571031203880009")]
    result = validate("dukcapil", frame(rows), CONTRACT_COLUMNS["dukcapil"])
    text = json.dumps(result.report)
    assert "157103520388000" not in text and "SITI" not in text
    index = datadocs.build(date(2026, 11, 20), [result, {"source": "dtsen", "report": validate(
        "dtsen", frame([individu(1)]), DTSEN_COLUMNS).report}], tmp_path)
    assert index == tmp_path / "2026-11-20" / "datadocs" / "index.html" and index.exists()
    pages = list(index.parent.rglob("*.html"))
    assert any("dukcapil" in p.as_posix() for p in pages) and any("dtsen" in p.as_posix() for p in pages)
    html = "".join(p.read_text(encoding="utf-8") for p in pages)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html))
    # the NIK rule is shown with its failure share; the failing values are not
    shown = re.search(r"values must match this regular expression: \^\(\?:11\|12\S* \. (\d+) unexpected values "
                      r"found\. ≈33\.33% of 3 total rows", text)
    assert shown and shown.group(1) == "1"
    assert "157103520388000" not in html and "SITI" not in html
    # nothing fetched from outside the intranet, and no beacon (GX's logo reports the context id)
    fetched = re.findall(r"(?:src|href)=\"(https?://[^\"]*)|url\(\s*['\"]?(https?://[^)'\"]*)", html)
    assert fetched == [] and "dataContextId" not in html
