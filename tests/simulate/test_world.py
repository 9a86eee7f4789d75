"""The generated world: determinism, NIK and family consistency, events, the agencies' files."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from jaring import regions
from jaring.nik import birth_date_digits, is_plausible
from jaring_sim.world import generate

FILES = ("registry.csv", "dtsen_periode.csv", "dtsen_keluarga.csv", "dtsen_individu.csv", "bpjs_peserta.csv",
         "bpjs_iuran.csv", "bpjs_klaim.csv", "rt_rows.csv", "world.json")


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    root = tmp_path_factory.mktemp("worlds")
    first = generate(root / "a", "small", 1)
    generate(root / "b", "small", 1)
    generate(root / "c", "small", 2)
    return root, first


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def registry(worlds):
    return read(worlds[0] / "a" / "registry.csv")


def test_same_seed_same_bytes_other_seed_other_world(worlds):
    root, _ = worlds
    for name in FILES:
        assert (root / "a" / name).read_bytes() == (root / "b" / name).read_bytes(), name
    assert (root / "a" / "registry.csv").read_bytes() != (root / "c" / "registry.csv").read_bytes()
    assert (root / "a" / "bpjs_peserta.csv").read_bytes() != (root / "c" / "bpjs_peserta.csv").read_bytes()


def test_world_json(worlds):
    root, world = worlds
    assert json.loads((root / "a" / "world.json").read_text()) == world
    assert world["first_day"] == "2025-01-01" and world["last_day"] == "2026-11-30"
    assert world["demo_nights"][-1] == "2026-11-20" and world["scale"] == "small" and world["seed"] == 1
    assert 18_000 <= world["counts"]["registry.csv"] <= 22_000
    assert not (root / "a" / "inbox").exists()


def test_nik_shape_region_and_birth_digits(registry):
    valid = registry[registry["NIK"].map(is_plausible)]
    invalid = registry[~registry["NIK"].map(is_plausible)]
    # the planted invalid registry rows: a lost digit, or month 13 in the date digits
    assert 2 <= len(invalid) <= 10 and (invalid["NIK"].str.len() == 15).any() and (invalid["NIK"].str[8:10] == "13").any()
    assert valid["NIK"].is_unique
    # the NIK's region is where it was first issued: mostly the city's kecamatan, often not (in-migrants)
    in_city = valid["NIK"].str[:6].isin(set(regions.kecamatan()))
    assert 0.05 < 1 - in_city.mean() < 0.25
    elsewhere = valid.loc[~in_city, "NIK"]
    assert elsewhere.str[:2].nunique() >= 4 and (elsewhere.str[:4] != "1571").all()
    # their homes are still the city's kelurahan, and their KK was issued in the city
    assert set(valid.loc[~in_city & (valid["TGL_PINDAH"] == ""), "KODE_WILAYAH"]) <= set(regions.kelurahan())
    assert valid["NO_KK"].str.fullmatch(r"1571\d{12}").all()
    expected = [birth_date_digits(date.fromisoformat(b), sex == "PEREMPUAN")
                for b, sex in zip(valid["TGL_LHR"], valid["JENIS_KLMIN"], strict=True)]
    disagree = (valid["NIK"].str[6:12] != pd.Series(expected, index=valid.index)).sum()
    assert 1 <= disagree <= 10  # the registry's own handful of birth dates that contradict the NIK
    assert (valid["NIK"].str[12:] >= "0001").all()


def test_families_on_kk_cards(registry):
    valid = registry[registry["NIK"].str.len() == 16]
    heads = valid[valid["STAT_HBKEL"] == "KEPALA KELUARGA"].groupby("NO_KK").size()
    assert (heads == 1).all() and set(heads.index) == set(valid["NO_KK"])
    assert (valid[valid["STAT_HBKEL"] == "ISTRI"]["JENIS_KLMIN"] == "PEREMPUAN").all()
    assert (valid[valid["STAT_HBKEL"] == "SUAMI"]["JENIS_KLMIN"] == "LAKI-LAKI").all()
    head_birth = valid[valid["STAT_HBKEL"] == "KEPALA KELUARGA"].set_index("NO_KK")["TGL_LHR"]
    children = valid[valid["STAT_HBKEL"] == "ANAK"]
    assert (children["TGL_LHR"] > children["NO_KK"].map(head_birth)).all()
    assert valid[valid["STAT_HBKEL"] == "ISTRI"]["STATUS_KAWIN"].isin(["KAWIN", ""]).all()  # "" = not given
    assert set(valid["KODE_WILAYAH"]) <= set(regions.kelurahan())
    assert valid["NO_RT"].str.fullmatch(r"0\d\d").all() and valid["NO_RW"].str.fullmatch(r"0\d\d").all()
    both_sexes = valid.groupby("JENIS_KLMIN").size()
    assert both_sexes.min() > 0.4 * len(valid)
    # names from several traditions: Batak marga, Chinese-Indonesian and Arabic family names
    text = " ".join(valid["NAMA_LGKP"])
    for word in ("SIREGAR", "WIJAYA", "ALATAS", "SITI", "SUTRISNO"):
        assert word in text


def test_events_in_the_time_span(registry):
    dead = registry[registry["TGL_MATI"] != ""]
    assert len(dead) > 50
    assert ((dead["TGL_MATI"] >= dead["TGL_LHR"]) & (dead["TGL_MATI"] <= "2026-11-30")).all()
    moved = registry[registry["TGL_PINDAH"] != ""]
    out = moved[~moved["KODE_WILAYAH_PINDAH"].str.startswith("1571")]
    within = moved[moved["KODE_WILAYAH_PINDAH"].str.startswith("1571")]
    assert len(out) > 20 and len(within) > 20
    assert out["KODE_WILAYAH_PINDAH"].str.fullmatch(r"\d{10}").all()
    assert set(within["KODE_WILAYAH_PINDAH"]) <= set(regions.kelurahan())
    born = registry[registry["TGL_LHR"] >= "2025-01-01"]
    assert len(born) > 20 and (born["TGL_LHR"] <= "2026-11-30").all()


def test_dtsen_releases_and_dirt(worlds, registry):
    root = worlds[0] / "a"
    periods = read(root / "dtsen_periode.csv")
    assert list(periods["periode"]) == sorted(periods["periode"]) and len(periods) == 23
    assert (periods["tgl_rilis"].str[:7] == periods["periode"]).all()
    ind = read(root / "dtsen_individu.csv")
    fam = read(root / "dtsen_keluarga.csv")
    assert set(ind["id_individu"].groupby(ind["periode"]).size().index) == set(periods["periode"])
    # id_individu is stable: it always names the same true person
    assert (ind.groupby("id_individu")["_person_nik"].nunique() == 1).all()
    last = ind[ind["periode"] == "2026-11"]
    cleaned = last["nik"].str.replace(r"[ .]", "", regex=True)
    assert (last["nik"] == "").sum() > 0  # NULL NIKs
    assert (cleaned.str.len() == 15).sum() > 0  # lost a digit
    assert last["nik"].str.contains(r"[ .]").sum() > 0  # typed with separators
    assert (~cleaned.isin(set(registry["NIK"])) & (cleaned.str.len() == 16)).sum() > 0  # not in the registry
    assert cleaned[cleaned != ""].duplicated().sum() > 0  # the same NIK on two individuals
    assert (fam["desil"] == "").sum() > 0 and set(fam["desil"]) - {""} <= {str(d) for d in range(1, 11)}
    # desil changes between releases, and new families appear
    by_family = fam.groupby("id_keluarga")["desil"].nunique()
    assert (by_family > 1).sum() > 0
    assert set(fam[fam["periode"] == "2026-11"]["id_keluarga"]) - set(fam[fam["periode"] == "2025-01"]["id_keluarga"])
    assert set(last["status_pekerjaan"]) - {""} <= {str(c) for c in range(1, 8)}


def test_bpjs_files(worlds):
    root = worlds[0] / "a"
    p = read(root / "bpjs_peserta.csv")
    assert p["KPJ"].is_unique
    assert (p["KPJ"].str.fullmatch(r"\d{11}")).sum() >= len(p) - 10
    assert set(p["PEMBIAYAAN"]) == {"APBD_KOTA_JAMBI", "APBD_PROVINSI_JAMBI", "BAZNAS", "DONATUR", "CSR", "MANDIRI"}
    apbd = p[p["PEMBIAYAAN"] == "APBD_KOTA_JAMBI"]
    assert (apbd["TGL_KEPESERTAAN"] >= "2025-05-01").all()
    assert (apbd["TGL_KEPESERTAAN"] <= "2025-12-31").sum() < 3000  # within the 2025 quota
    assert ((p["TGL_NONAKTIF"] == "") | (p["TGL_NONAKTIF"] > p["TGL_KEPESERTAAN"])).all()
    assert (p["TGL_NONAKTIF"] != "").sum() > 0 and set(p["STATUS_KEPESERTAAN"]) == {"AKTIF"}
    pay = read(root / "bpjs_iuran.csv")
    assert pay["ID_BAYAR"].is_unique and set(pay["KPJ"]) <= set(p["KPJ"])
    assert (pay["JUMLAH"] == "16800").mean() > 0.9
    assert set(pay["KANAL"]) == {"PEMKOT", "RT", "BAZNAS", "BANK", "DONATUR"}
    assert (pay["TGL_BAYAR"] > pay["BULAN_IURAN"] + "-15").sum() > 0  # some paid after the due day
    claims = read(root / "bpjs_klaim.csv")
    assert {"JKM", "JKK"} <= set(claims["JENIS_KLAIM"])
    assert {"DIBAYAR", "DITOLAK"} <= set(claims["STATUS"])
    assert (claims["TGL_STATUS"] >= claims["TGL_PENGAJUAN"]).all()


def test_rt_rows(worlds):
    rows = read(worlds[0] / "a" / "rt_rows.csv")
    assert list(rows.columns) == ["row_id", "bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet", "no", "nik",
                                  "nama", "pekerjaan", "no_kpj", "iuran", "tgl_bayar", "sumber_dana", "kategori",
                                  "no_hp", "keterangan", "uploaded_on", "_person_nik"]
    assert list(rows["row_id"].astype(int)) == list(range(1, len(rows) + 1))
    assert set(rows["sheet"]) == {"IURAN", "USULAN"}
    iuran = rows[rows["sheet"] == "IURAN"]
    assert set(iuran["sumber_dana"]) <= {"MANDIRI", "DONATUR", "BAZNAS"}
    assert 0.2 < (iuran["no_kpj"] == "").mean() < 0.8
    assert (iuran["tgl_bayar"].str[:7] == iuran["bulan"]).all()
    assert (rows["uploaded_on"].str[:7] > rows["bulan"]).all() and (rows["uploaded_on"] <= "2026-11-30").all()
    usulan = rows[rows["sheet"] == "USULAN"]
    assert "ASISTEN RUMAH TANGGA" in set(usulan["kategori"]) and "PEKERJA RENTAN" in set(usulan["kategori"])
    # numbering restarts per file and sheet
    firsts = rows.groupby(["bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet"])["no"].min()
    assert (firsts == "1").all()
    assert rows["nik"].str.fullmatch(r"\d{16}").all() and (rows["nik"] == rows["_person_nik"]).all()


def test_optional_registry_fields_are_sometimes_null(registry):
    for column in ("TMPT_LHR", "JENIS_PKRJN", "STATUS_KAWIN", "ALAMAT", "TGL_UPDATE"):
        assert 0 < (registry[column] == "").mean() < 0.05, column
