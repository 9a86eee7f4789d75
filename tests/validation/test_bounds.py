"""Plausibility bounds: amounts nobody pays and names nobody has are row-level findings, never a whole source."""

from __future__ import annotations

import pandas as pd
import pytest

from jaring.sources.bpjs import BPJS_IURAN_COLUMNS, BPJS_KLAIM_COLUMNS, BPJS_PESERTA_COLUMNS
from jaring.sources.rt_inbox import RT_COLUMNS
from jaring.validation import validate
from jaring.validation.suites import MAX_CLAIM_AMOUNT, MAX_MONTHLY_AMOUNT, MAX_NAME_LENGTH

HOSTILE_NUMBERS = [1e30, float("inf"), float("-inf"), "Infinity", "NaN", 9999999999999999999, "1e30"]


def payment(id_bayar: str, jumlah) -> dict:
    return {"ID_BAYAR": id_bayar, "KPJ": "22014587310", "BULAN_IURAN": "2026-10", "JUMLAH": jumlah,
            "TGL_BAYAR": "2026-11-09", "KANAL": "PEMKOT"}


def peserta(kpj: str, **changes) -> dict:
    return {
        "KPJ": kpj, "NIK": "1571035203880004", "NAMA": "SITI AMINAH", "TGL_LAHIR": "1988-03-12",
        "JENIS_KELAMIN": "P", "SEGMEN": "BPU", "PROGRAM": "JKK,JKM", "STATUS_KEPESERTAAN": "AKTIF",
        "TGL_KEPESERTAAN": "2025-03-01", "TGL_NONAKTIF": None, "PEMBIAYAAN": "APBD_KOTA_JAMBI",
        "KODE_WILAYAH": "1571031004", "UPAH_DILAPORKAN": 1000000, "IURAN_BULANAN": 16800,
    } | changes


def test_the_bounds_are_far_above_what_the_programme_pays():
    assert MAX_MONTHLY_AMOUNT >= 100 * 16800 and MAX_CLAIM_AMOUNT >= 100 * 42_000_000 and MAX_NAME_LENGTH >= 60


@pytest.mark.parametrize("amount", [*HOSTILE_NUMBERS, 16_800_000_000_000, MAX_MONTHLY_AMOUNT + 1])
def test_a_payment_amount_out_of_range_quarantines_only_its_row(amount):
    df = pd.DataFrame([payment("B1", 16800), payment("B2", amount), payment("B3", MAX_MONTHLY_AMOUNT)])
    result = validate("bpjs_iuran", df, BPJS_IURAN_COLUMNS)
    assert result.blocking == []
    assert list(result.row_failures) == [1]


@pytest.mark.parametrize("column", ["IURAN_BULANAN", "UPAH_DILAPORKAN"])
@pytest.mark.parametrize("amount", [*HOSTILE_NUMBERS, 16_800_000_000_000])
def test_a_roster_amount_out_of_range_is_a_finding_of_its_row_only(column, amount):
    df = pd.DataFrame([peserta("22014587310"), peserta("22014587311", **{column: amount})])
    result = validate("bpjs_peserta", df, BPJS_PESERTA_COLUMNS)
    assert result.blocking == []
    assert set(result.row_failures) | set(result.row_flags) == {1}


@pytest.mark.parametrize("nilai", [*HOSTILE_NUMBERS, MAX_CLAIM_AMOUNT + 1])
def test_a_claim_value_out_of_range_quarantines_only_its_row(nilai):
    klaim = {"NO_KLAIM": "K1", "KPJ": "22014587310", "JENIS_KLAIM": "JKM", "TGL_KEJADIAN": "2026-09-30",
             "TGL_PENGAJUAN": "2026-10-07", "STATUS": "DIAJUKAN", "NILAI": 42000000}
    df = pd.DataFrame([klaim, klaim | {"NO_KLAIM": "K2", "NILAI": nilai}])
    result = validate("bpjs_klaim", df, BPJS_KLAIM_COLUMNS)
    assert result.blocking == [] and list(result.row_failures) == [1]


@pytest.mark.parametrize("nama", ["A" * 10_000, "B" * (MAX_NAME_LENGTH + 1)])
def test_an_implausibly_long_name_quarantines_only_its_participant(nama):
    df = pd.DataFrame([peserta("22014587310"), peserta("22014587311", NAMA=nama),
                       peserta("22014587312", NAMA="C" * MAX_NAME_LENGTH), peserta("22014587313", NAMA=12345)])
    result = validate("bpjs_peserta", df, BPJS_PESERTA_COLUMNS)
    assert result.blocking == [] and list(result.row_failures) == [1]


def test_rt_rows_out_of_bounds_are_flagged_with_the_field_emptied():
    rows = [{"source_ref": f"rt:x#IURAN!{n}", "sheet": "IURAN", "kode_kelurahan": "1571031004",
             "nik": "1571035203880004", "nama": nama, "kpj": None, "jumlah": jumlah}
            for n, (nama, jumlah) in enumerate([("SITI", "16800"), ("X" * 10_000, "16800"),
                                               ("BUDI", str(MAX_MONTHLY_AMOUNT + 1))], start=2)]
    result = validate("rt", pd.DataFrame(rows).assign(tgl_bayar=None), RT_COLUMNS)
    assert result.blocking == [] and result.row_failures == {}
    assert {i: sorted(names) for i, names in result.row_flags.items()} == {
        1: ["nama_length_plausible"], 2: ["jumlah_plausible"]}
    assert result.rules["nama_length_plausible"].clears == ("nama",)
    assert result.rules["jumlah_plausible"].clears == ("jumlah",)
