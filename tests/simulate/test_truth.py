"""The truth's rules on tiny hand-made worlds, and on the generated small world."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from jaring.config import PACKAGE_DATA
from jaring.policy import load
from jaring_sim import truth

POLICY = load(PACKAGE_DATA / "policy.yaml")
NIGHT = date(2026, 11, 20)

REGISTRY = ["NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_HBKEL", "STATUS_KAWIN",
            "JENIS_PKRJN", "KODE_WILAYAH", "NO_RT", "NO_RW", "ALAMAT", "TGL_UPDATE", "TGL_MATI", "TGL_PINDAH",
            "KODE_WILAYAH_PINDAH", "NO_RT_PINDAH", "NO_RW_PINDAH"]
PESERTA = ["KPJ", "NIK", "NAMA", "TGL_LAHIR", "JENIS_KELAMIN", "SEGMEN", "PROGRAM", "STATUS_KEPESERTAAN",
           "TGL_KEPESERTAAN", "TGL_NONAKTIF", "PEMBIAYAAN", "KODE_WILAYAH", "UPAH_DILAPORKAN", "IURAN_BULANAN",
           "_person_nik", "_cacat"]
IURAN = ["ID_BAYAR", "KPJ", "BULAN_IURAN", "JUMLAH", "TGL_BAYAR", "KANAL"]
KLAIM = ["NO_KLAIM", "KPJ", "JENIS_KLAIM", "TGL_KEJADIAN", "TGL_PENGAJUAN", "STATUS", "NILAI", "TGL_STATUS"]
INDIVIDU = ["periode", "id_individu", "id_keluarga", "nik", "nama", "tgl_lahir", "jenis_kelamin", "hub_kk",
            "status_pekerjaan", "lapangan_usaha", "_person_nik"]
KELUARGA = ["periode", "id_keluarga", "no_kk", "kode_wilayah", "alamat", "desil"]
RT_ROWS = ["row_id", "bulan", "kode_kelurahan", "no_rt", "no_rw", "sheet", "no", "nik", "nama", "pekerjaan",
           "no_kpj", "iuran", "tgl_bayar", "sumber_dana", "kategori", "no_hp", "keterangan", "uploaded_on",
           "_person_nik"]

SITI = "1571035203880004"  # SITI AMINAH, born 1988-03-12, female
BUDI = "1571031505800001"  # BUDI SANTOSO, born 1980-05-15, male


def person(nik, nama, lahir, female, **kw):
    row = {"NIK": nik, "NO_KK": "1571030101100123", "NAMA_LGKP": nama, "TMPT_LHR": "JAMBI", "TGL_LHR": lahir,
           "JENIS_KLMIN": "PEREMPUAN" if female else "LAKI-LAKI", "STAT_HBKEL": "KEPALA KELUARGA",
           "STATUS_KAWIN": "KAWIN", "JENIS_PKRJN": "PEDAGANG", "KODE_WILAYAH": "1571031004", "NO_RT": "005",
           "NO_RW": "002", "ALAMAT": "JL. SULTAN AGUNG NO. 12", "TGL_UPDATE": "2020-01-01T09:00:00+07:00"}
    row.update(kw)
    return row


def peserta(kpj, nik, nama, lahir, female, person_nik, payer="APBD_KOTA_JAMBI", kep="2025-05-01", **kw):
    row = {"KPJ": kpj, "NIK": nik, "NAMA": nama, "TGL_LAHIR": lahir, "JENIS_KELAMIN": "P" if female else "L",
           "SEGMEN": "BPU", "PROGRAM": "JKK,JKM", "STATUS_KEPESERTAAN": "AKTIF", "TGL_KEPESERTAAN": kep,
           "PEMBIAYAAN": payer, "KODE_WILAYAH": "1571031004", "UPAH_DILAPORKAN": "1000000",
           "IURAN_BULANAN": "16800", "_person_nik": person_nik}
    row.update(kw)
    return row


def paid_months(kpj, first="2025-05", last="2026-10", skip=(), amount=16800):
    rows, m = [], first
    while m <= last:
        if m not in skip:
            y, mo = int(m[:4]), int(m[5:])
            nxt = f"{y + (mo == 12):04d}-{mo % 12 + 1:02d}"
            rows.append({"ID_BAYAR": f"{kpj}-{m}", "KPJ": kpj, "BULAN_IURAN": m, "JUMLAH": amount,
                         "TGL_BAYAR": f"{nxt}-08", "KANAL": "PEMKOT"})
        y, mo = int(m[:4]), int(m[5:])
        m = f"{y + (mo == 12):04d}-{mo % 12 + 1:02d}"
    return rows


def poor(nik, nama, lahir, female, desil=2, status=6, periode="2026-11"):
    return ({"periode": periode, "id_individu": "31" + nik[-8:], "id_keluarga": "7" + nik[-8:], "nik": nik,
             "nama": nama, "tgl_lahir": lahir, "jenis_kelamin": "2" if female else "1", "hub_kk": "1",
             "status_pekerjaan": str(status), "lapangan_usaha": "PERDAGANGAN", "_person_nik": nik},
            {"periode": periode, "id_keluarga": "7" + nik[-8:], "no_kk": "", "kode_wilayah": "1571031004",
             "alamat": "", "desil": str(desil)})


def write_world(root: Path, registry=(), peserta_rows=(), iuran=(), klaim=(), dtsen=(), rt_rows=(),
                manifest=None) -> Path:
    def put(name, columns, rows):
        with open(root / name, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, restval="")
            w.writeheader()
            w.writerows(rows)

    root.mkdir(parents=True, exist_ok=True)
    put("registry.csv", REGISTRY, registry)
    put("bpjs_peserta.csv", PESERTA, peserta_rows)
    put("bpjs_iuran.csv", IURAN, iuran)
    put("bpjs_klaim.csv", KLAIM, klaim)
    put("dtsen_periode.csv", ["periode", "tgl_rilis"], [{"periode": "2026-10", "tgl_rilis": "2026-10-06"},
                                                        {"periode": "2026-11", "tgl_rilis": "2026-11-05"}])
    put("dtsen_individu.csv", INDIVIDU, [i for i, _ in dtsen])
    put("dtsen_keluarga.csv", KELUARGA, [k for _, k in dtsen])
    put("rt_rows.csv", RT_ROWS, rt_rows)
    if manifest is not None:
        put("inbox_manifest.csv", ["source_ref", "row_id", "bulan", "sheet", "_person_nik", "defect", "counts"],
            manifest)
    return root


def codes(world: Path, night: date = NIGHT) -> set[tuple]:
    return {truth.finding_key(r) for r in truth.compute(world, night, POLICY)}


def base_people():
    return [person(SITI, "SITI AMINAH", "1988-03-12", True), person(BUDI, "BUDI SANTOSO", "1980-05-15", False)]


def test_dead_participant_with_rejected_claim_is_unclaimed_and_with_paid_claim_is_not(tmp_path):
    dead = person(SITI, "SITI AMINAH", "1988-03-12", True, TGL_MATI="2026-07-03")
    p = peserta("22014587310", SITI, "Siti  Aminah", "1988-03-12", True, SITI)
    pay = paid_months("22014587310")
    rejected = {"NO_KLAIM": "K1", "KPJ": "22014587310", "JENIS_KLAIM": "JKM", "TGL_KEJADIAN": "2026-07-03",
                "TGL_PENGAJUAN": "2026-07-20", "STATUS": "DITOLAK", "NILAI": "42000000", "TGL_STATUS": "2026-08-10"}
    found = codes(write_world(tmp_path / "a", [dead], [p], pay, [rejected]))
    assert ("DEATH_BENEFIT_UNCLAIMED", ("22014587310",)) in found
    assert ("DECEASED_STILL_ACTIVE", ("22014587310",)) in found
    assert not any(c == "PREMIUM_ARREARS" for c, _ in found)  # suppressed by the death

    paid_claim = dict(rejected, STATUS="DIBAYAR")
    found = codes(write_world(tmp_path / "b", [dead], [p], pay, [paid_claim]))
    assert ("DEATH_BENEFIT_UNCLAIMED", ("22014587310",)) not in found

    # rejected only after D: at D the claim is still DIAJUKAN, which counts as a claim
    late = dict(rejected, TGL_STATUS="2026-11-25")
    assert ("DEATH_BENEFIT_UNCLAIMED", ("22014587310",)) not in codes(write_world(tmp_path / "c", [dead], [p], pay,
                                                                                  [late]))
    # not covered at death (no premium for the month of death or the month before): no benefit due
    unpaid = paid_months("22014587310", skip=("2026-06", "2026-07"))
    assert ("DEATH_BENEFIT_UNCLAIMED", ("22014587310",)) not in codes(write_world(tmp_path / "d", [dead], [p],
                                                                                  unpaid))


def test_death_and_move_after_the_night_are_not_seen(tmp_path):
    later = person(SITI, "SITI AMINAH", "1988-03-12", True, TGL_MATI="2026-11-21")
    p = peserta("22014587310", SITI, "SITI AMINAH", "1988-03-12", True, SITI)
    world = write_world(tmp_path, [later], [p], paid_months("22014587310"), dtsen=[poor(SITI, "SITI AMINAH",
                                                                                        "1988-03-12", True)])
    assert codes(world) == set()
    assert ("DECEASED_STILL_ACTIVE", ("22014587310",)) in codes(world, date(2026, 11, 21))


def test_precedence_moved_out_then_not_eligible(tmp_path):
    moved = person(SITI, "SITI AMINAH", "1988-03-12", True, TGL_PINDAH="2026-03-01",
                   KODE_WILAYAH_PINDAH="1505011003", NO_RT_PINDAH="001", NO_RW_PINDAH="001")
    not_poor = person(BUDI, "BUDI SANTOSO", "1980-05-15", False)
    rows = [peserta("22014587310", SITI, "SITI AMINAH", "1988-03-12", True, SITI),
            peserta("22014587311", BUDI, "BUDI SANTOSO", "1980-05-15", False, BUDI)]
    pay = paid_months("22014587310", skip=("2026-09",)) + paid_months("22014587311", skip=("2026-09",))
    found = codes(write_world(tmp_path, [moved, not_poor], rows, pay))
    assert ("MOVED_OUT_OF_CITY", ("22014587310",)) in found
    assert ("NO_LONGER_ELIGIBLE", ("22014587310",)) not in found
    assert ("PREMIUM_ARREARS", ("22014587310",)) not in found  # suppressed by the move
    assert ("NO_LONGER_ELIGIBLE", ("22014587311",)) in found
    assert ("PREMIUM_ARREARS", ("22014587311",)) in found  # NO_LONGER_ELIGIBLE does not suppress arrears


def test_identity_errors(tmp_path):
    typo = SITI[:13] + "9" + SITI[14:]
    rows = [
        peserta("10000000001", typo, "SITI AMINAH", "1988-03-12", True, SITI, payer="MANDIRI"),  # digit
        peserta("10000000002", BUDI, "RUDY HALIM", "1980-05-15", False, BUDI, payer="MANDIRI", _cacat="nama"),
        peserta("10000000003", BUDI, "YOHANES SIREGAR", "1979-05-15", False, BUDI, payer="MANDIRI",
                _cacat="nama+tgl_lahir"),
        peserta("10000000004", "1571019999990001", "ANTON", "1990-01-01", False, "", payer="MANDIRI"),
    ]
    found = truth.compute(write_world(tmp_path, base_people(), rows), NIGHT, POLICY)
    by_kpj = Counter((r["finding_code"], r["kpj"]) for r in found)
    assert by_kpj[("NIK_MISMATCH", "10000000001")] == 1
    assert by_kpj[("IDENTITY_MISMATCH", "10000000002")] == 1
    assert by_kpj[("IDENTITY_MISMATCH", "10000000003")] == 1
    assert by_kpj[("NIK_NOT_IN_REGISTRY", "10000000004")] == 1
    # linked by step 3 (name only wrong): its other findings still apply (arrears; no payments at all)
    assert by_kpj[("PREMIUM_ARREARS", "10000000002")] == 1
    # not linked: only the identity finding
    assert by_kpj[("PREMIUM_ARREARS", "10000000003")] == 0 and by_kpj[("PREMIUM_ARREARS", "10000000004")] == 0
    # BUDI has two active participations linked to him? No: the unlinked one does not count
    assert not any(r["finding_code"] == "DUPLICATE_PARTICIPANT" for r in found)


def test_a_wrong_name_and_birth_date_that_are_another_residents_link_to_that_resident(tmp_path):
    # the city world had this: BPJS wrote both the name and the birth date wrong, and together they are
    # exactly another resident's (findings.md step 2: a single person agreeing on name, birth, sex)
    namesake = "1571065211690099"  # YULIANA SARI, born 1969-11-12, female
    people = [*base_people(), person(namesake, "YULIANA SARI", "1969-11-12", True)]
    rows = [peserta("10000000005", SITI, "YULIANA  SARI", "1969-11-12", True, SITI, payer="MANDIRI",
                    _cacat="nama+tgl_lahir")]
    by_kpj = Counter((r["finding_code"], r["kpj"]) for r in
                     truth.compute(write_world(tmp_path, people, rows), NIGHT, POLICY))
    assert by_kpj[("NIK_MISMATCH", "10000000005")] == 1
    assert by_kpj[("IDENTITY_MISMATCH", "10000000005")] == 0


def test_invalid_kpj_gets_only_the_invalid_record_finding(tmp_path):
    rows = [peserta("2201458731", SITI, "SITI AMINAH", "1988-03-12", True, SITI)]
    found = truth.compute(write_world(tmp_path, base_people(), rows), NIGHT, POLICY)
    assert [(r["finding_code"], r["source_ref"]) for r in found] == [("INVALID_SOURCE_RECORD", "bpjs:2201458731")]


def test_arrears_window_uses_the_due_date(tmp_path):
    rows = [peserta("22014587310", SITI, "SITI AMINAH", "1988-03-12", True, SITI)]
    pay = paid_months("22014587310", last="2026-09")  # October not paid (due 2026-11-15)
    world = write_world(tmp_path, base_people(), rows, pay, dtsen=[poor(SITI, "SITI AMINAH", "1988-03-12", True)])
    assert ("PREMIUM_ARREARS", ("22014587310",)) not in codes(world, date(2026, 11, 14))
    assert ("PREMIUM_ARREARS", ("22014587310",)) in codes(world, date(2026, 11, 15))
    # a gap before the 12-month window does not count
    old_gap = paid_months("22014587310", skip=("2025-06",))
    world = write_world(tmp_path / "b", base_people(), rows, old_gap,
                        dtsen=[poor(SITI, "SITI AMINAH", "1988-03-12", True)])
    assert codes(world) == set()


def test_duplicate_and_eligible_not_enrolled_with_quota(tmp_path):
    rows = [peserta("22014587310", SITI, "SITI AMINAH", "1988-03-12", True, SITI),
            peserta("22014587311", SITI, "SITI AMINAH", "1988-03-12", True, SITI, payer="APBD_PROVINSI_JAMBI")]
    pay = paid_months("22014587310") + paid_months("22014587311")
    dtsen = [poor(SITI, "SITI AMINAH", "1988-03-12", True), poor(BUDI, "BUDI  SANTOSO", "1980-05-15", False)]
    found = truth.compute(write_world(tmp_path, base_people(), rows, pay, dtsen=dtsen), NIGHT, POLICY)
    keys = {truth.finding_key(r) for r in found}
    assert ("DUPLICATE_PARTICIPANT", (SITI,)) in keys
    assert ("ELIGIBLE_NOT_ENROLLED", (BUDI,)) in keys
    assert [r["within_quota"] for r in found if r["finding_code"] == "ELIGIBLE_NOT_ENROLLED"] == [True]

    # desil 6 or a formal job is not poor enough; an old DTSEN release is not the current one
    for i, d in enumerate([poor(BUDI, "BUDI SANTOSO", "1980-05-15", False, desil=6),
                           poor(BUDI, "BUDI SANTOSO", "1980-05-15", False, status=4),
                           poor(BUDI, "BUDI SANTOSO", "1980-05-15", False, periode="2026-10")]):
        world = write_world(tmp_path / str(i), base_people(), rows, pay, dtsen=[dtsen[0], d])
        assert ("ELIGIBLE_NOT_ENROLLED", (BUDI,)) not in codes(world)


def rt_row(row_id, nik, nama, person_nik, sheet="IURAN", bulan="2026-08", uploaded="2026-09-05", **kw):
    row = {"row_id": row_id, "bulan": bulan, "kode_kelurahan": "1571031004", "no_rt": "005", "no_rw": "002",
           "sheet": sheet, "no": row_id, "nik": nik, "nama": nama, "pekerjaan": "PEDAGANG", "no_kpj": "",
           "iuran": "16800" if sheet == "IURAN" else "", "tgl_bayar": "2026-08-10" if sheet == "IURAN" else "",
           "sumber_dana": "MANDIRI" if sheet == "IURAN" else "", "kategori": "", "no_hp": "081234567890",
           "keterangan": "", "uploaded_on": uploaded, "_person_nik": person_nik}
    row.update(kw)
    return row


def test_rt_ledger_payments_and_proposals(tmp_path):
    rows = [peserta("22014587311", BUDI, "BUDI SANTOSO", "1980-05-15", False, BUDI, payer="MANDIRI")]
    pay = [p for p in paid_months("22014587311") if p["BULAN_IURAN"] != "2026-08"]
    pay += [dict(paid_months("22014587311", "2026-07", "2026-07")[0], JUMLAH=10000)]
    pay = [p for p in pay if not (p["BULAN_IURAN"] == "2026-07" and p["JUMLAH"] == 16800)]
    ledger = [
        rt_row(1, BUDI, "Budi Santoso", BUDI, bulan="2026-08"),  # BPJS got nothing for August
        rt_row(2, BUDI, "BUDI SANTOSO", BUDI, bulan="2026-07", no_kpj="22014587311"),  # BPJS got 10000
        rt_row(3, SITI, "SITI AMINAH", SITI, sheet="USULAN", kategori="GURU NGAJI"),
        rt_row(4, BUDI, "BUDI SANTOSO", BUDI, bulan="2026-10", uploaded="2026-11-25"),  # not uploaded by D
    ]
    found = codes(write_world(tmp_path, base_people(), rows, pay, rt_rows=ledger))
    assert ("PAYMENT_NOT_REMITTED", (BUDI, "2026-08")) in found
    assert ("PAYMENT_AMOUNT_MISMATCH", (BUDI, "2026-07")) in found
    assert ("ELIGIBLE_NOT_ENROLLED", (SITI,)) in found  # GURU NGAJI is active in 2026
    assert not any(k[1][-1:] == ("2026-10",) for k in found)

    # with the inbox manifest: an unreadable amount still counts as not remitted, but not as a mismatch;
    # a NIK stored as a number is untrusted: the row links through the RT and the name
    manifest = [
        {"source_ref": "rt:2026-08/1571031004-RT005-RW002.xlsx#IURAN!7", "row_id": "1", "bulan": "2026-08",
         "sheet": "IURAN", "_person_nik": BUDI, "defect": "nik_stored_as_number", "counts": "1"},
        {"source_ref": "rt:2026-08/1571031004-RT005-RW002.xlsx#IURAN!6", "row_id": "2", "bulan": "2026-07",
         "sheet": "IURAN", "_person_nik": BUDI, "defect": "amount_unreadable", "counts": "1"},
        {"source_ref": "rt:2026-08/1571031004-RT005-RW002.xlsx#USULAN!6", "row_id": "3", "bulan": "2026-08",
         "sheet": "USULAN", "_person_nik": SITI, "defect": "", "counts": "1"},
        {"source_ref": "rt:2026-10/1571031004-RT005-RW002.csv#file", "row_id": "", "bulan": "2026-10",
         "sheet": "", "_person_nik": "", "defect": "file_unreadable", "counts": "0"},
    ]
    found = codes(write_world(tmp_path / "m", base_people(), rows, pay, rt_rows=ledger, manifest=manifest))
    assert ("PAYMENT_NOT_REMITTED", (BUDI, "2026-08")) in found
    assert ("PAYMENT_AMOUNT_MISMATCH", (BUDI, "2026-07")) not in found
    invalid = {k[1][0] for k in found if k[0] == "INVALID_SOURCE_RECORD"}
    # the unreadable October file is uploaded after D: not yet a finding
    assert invalid == {"rt:2026-08/1571031004-RT005-RW002.xlsx#IURAN!7",
                       "rt:2026-08/1571031004-RT005-RW002.xlsx#IURAN!6"}
    assert ("INVALID_SOURCE_RECORD", ("rt:2026-10/1571031004-RT005-RW002.csv#file",)) in codes(
        tmp_path / "m", date(2026, 11, 25))


def test_a_proposal_without_nik_naming_two_residents_of_its_rt_links_to_nobody(tmp_path):
    # the city world had this: "M. SYAHPUTRA" and "MUHAMMAD SYAHPUTRA" live in one RT; their names agree
    # (findings.md lists M. / MUHAMMAD as one name), so a NIK-less row naming either is not "the single
    # person ... whose name agrees"
    elder, younger = "1571031405780013", "1571030506000021"
    people = [*base_people(), person(elder, "MUHAMMAD SYAHPUTRA", "1978-05-14", False),
              person(younger, "M. SYAHPUTRA", "2000-06-05", False)]
    ledger = [rt_row(1, "", "MUHAMMAD SAHPUTRA", elder, sheet="USULAN", kategori="PEKERJA RENTAN")]
    assert not any(code == "ELIGIBLE_NOT_ENROLLED" for code, _ in codes(write_world(tmp_path, people,
                                                                                  rt_rows=ledger)))
    alone = [*base_people(), person(elder, "MUHAMMAD SYAHPUTRA", "1978-05-14", False)]
    assert ("ELIGIBLE_NOT_ENROLLED", (elder,)) in codes(write_world(tmp_path / "alone", alone, rt_rows=ledger))


def test_asisten_rumah_tangga_is_never_an_active_category(tmp_path):
    ledger = [rt_row(1, SITI, "SITI AMINAH", SITI, sheet="USULAN", kategori="ASISTEN RUMAH TANGGA")]
    assert codes(write_world(tmp_path, base_people(), rt_rows=ledger)) == set()


def test_score_compares_by_code_and_key():
    t = [{"finding_code": "NIK_MISMATCH", "kpj": "1", "nik": ""}, {"finding_code": "NIK_MISMATCH", "kpj": "2"},
         {"finding_code": "ELIGIBLE_NOT_ENROLLED", "nik": SITI, "kpj": ""}]
    f = [{"finding_code": "NIK_MISMATCH", "kpj": "1", "nik": "157103******0004", "severity": "x"},
         {"finding_code": "NIK_MISMATCH", "kpj": "3"}, {"finding_code": "ELIGIBLE_NOT_ENROLLED", "nik": SITI}]
    s = truth.score(t, f)
    assert s["NIK_MISMATCH"] == {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5}
    assert s["ELIGIBLE_NOT_ENROLLED"]["recall"] == 1.0


@pytest.fixture(scope="module")
def small_world(tmp_path_factory):
    from jaring_sim.world import generate

    out = tmp_path_factory.mktemp("world") / "small"
    generate(out, "small", 1)
    return out


def test_every_code_is_in_the_small_worlds_truth_at_the_demo_night(small_world):
    night = date.fromisoformat("2026-11-20")
    path = truth.write(small_world, night, POLICY)
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(truth.COLUMNS)
    per_code = Counter(r["finding_code"] for r in rows)
    assert set(per_code) == set(truth.KEY_COLUMNS) - {"INVALID_SOURCE_RECORD"} | {"INVALID_SOURCE_RECORD"}
    assert all(n >= 3 for n in per_code.values()), per_code
    # key columns only
    for r in rows:
        filled = {c for c in ("nik", "kpj", "period", "source_ref") if r[c]}
        assert filled == set(truth.KEY_COLUMNS[r["finding_code"]])
    assert rows == sorted(rows, key=lambda r: tuple(r[c] for c in truth.COLUMNS))
    ene = [r for r in truth.compute(small_world, night, POLICY) if r["finding_code"] == "ELIGIBLE_NOT_ENROLLED"]
    assert any(r["within_quota"] for r in ene) and not all(r["within_quota"] for r in ene)


def test_dtsen_nik_dirt(tmp_path):
    short_ind, short_fam = poor(BUDI, "BUDI SANTOSO", "1980-05-15", False)
    short_ind["nik"] = BUDI[:10] + BUDI[11:]  # lost a digit: reported, but the person is still found by step 2
    dotted_ind, dotted_fam = poor(SITI, "SITI AMINAH", "1988-03-12", True)
    dotted_ind["nik"] = "1571.0352.0388.0004"  # separators are cleaned: not a finding
    found = codes(write_world(tmp_path, base_people(), dtsen=[(short_ind, short_fam), (dotted_ind, dotted_fam)]))
    assert found == {("INVALID_SOURCE_RECORD", (f"dtsen:{short_ind['id_individu']}",)),
                     ("ELIGIBLE_NOT_ENROLLED", (BUDI,)), ("ELIGIBLE_NOT_ENROLLED", (SITI,))}
