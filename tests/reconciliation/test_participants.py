"""Findings about participants: death, move, eligibility, identity, duplicates, precedence."""

from datetime import date

from staging_builder import Night, codes_for, reconcile

D = date(2026, 11, 20)
B = date(1980, 3, 12)
OUTSIDE = "1505011001"  # Kabupaten Muaro Jambi


def nik(n: int) -> str:
    return f"15710312038{n:05d}"


def kpj(n: int) -> str:
    return f"220{n:08d}"


def paid_all_year(night: Night, k: str):
    night.paid(k, "2025-05", "2026-10")


def test_deceased_moved_and_no_longer_eligible(warehouse):
    n = Night(D)
    n.person(nik(1), "ANI", B, "P", status="MATI", tgl_mati=date(2026, 8, 3))
    n.person(nik(2), "BUDI", B, kode_wilayah=OUTSIDE, tgl_pindah=date(2026, 6, 1))
    n.person(nik(3), "CICI", B, "P")  # living resident, not eligible (no DTSEN, no proposal)
    n.person(nik(4), "DEDI", B)  # living resident, eligible through DTSEN
    n.person(nik(5), "EKO", B, kode_wilayah=OUTSIDE)  # moved, but paid by BAZNAS
    n.person(nik(6), "FANI", B, "P", status="MATI", tgl_mati=date(2026, 8, 3))
    for i, (name, sex) in enumerate([("ANI", "P"), ("BUDI", "L"), ("CICI", "P"), ("DEDI", "L")], start=1):
        n.participant(kpj(i), nik(i), name, B, sex)
        paid_all_year(n, kpj(i))
    n.participant(kpj(5), nik(5), "EKO", B, pembiayaan="BAZNAS")
    paid_all_year(n, kpj(5))
    n.participant(kpj(6), nik(6), "FANI", B, "P", status="NONAKTIF", tgl_nonaktif=date(2026, 9, 1))
    n.dtsen(1, nik(4), "DEDI", B, desil=2, status_pekerjaan=6)
    found = reconcile(warehouse, n)

    assert codes_for(found, kpj(1)) == {"DECEASED_STILL_ACTIVE", "DEATH_BENEFIT_UNCLAIMED"}
    dead = found["DECEASED_STILL_ACTIVE", kpj(1)]
    assert dead["nik"] == nik(1) and dead["details"]["tgl_mati"] == "2026-08-03"
    assert dead["details"]["months_paid_after_death"] == ["2026-09", "2026-10"]
    assert codes_for(found, kpj(2)) == {"MOVED_OUT_OF_CITY"}
    assert found["MOVED_OUT_OF_CITY", kpj(2)]["kode_wilayah"] == OUTSIDE
    assert codes_for(found, kpj(3)) == {"NO_LONGER_ELIGIBLE"}
    assert codes_for(found, kpj(4)) == set()
    assert codes_for(found, kpj(5)) == set()  # only the city's participants can move out of its budget
    assert "DECEASED_STILL_ACTIVE" not in codes_for(found, kpj(6))  # NONAKTIF


def test_precedence_suppresses_arrears_of_dead_and_moved(warehouse):
    n = Night(D)
    n.person(nik(1), "ANI", B, "P", status="MATI", tgl_mati=date(2026, 8, 3))
    n.person(nik(2), "BUDI", B, kode_wilayah=OUTSIDE)
    n.person(nik(3), "CICI", B, "P")
    n.person(nik(4), "DEDI", B, kode_wilayah=OUTSIDE)
    n.participant(kpj(1), nik(1), "ANI", B, "P")
    n.participant(kpj(2), nik(2), "BUDI", B)
    n.participant(kpj(3), nik(3), "CICI", B, "P")
    n.participant(kpj(4), nik(4), "DEDI", B, pembiayaan="MANDIRI")  # moved, not the city's: arrears stay
    found = reconcile(warehouse, n)
    assert codes_for(found, kpj(1)) == {"DECEASED_STILL_ACTIVE"}
    assert codes_for(found, kpj(2)) == {"MOVED_OUT_OF_CITY"}
    assert codes_for(found, kpj(3)) == {"NO_LONGER_ELIGIBLE", "PREMIUM_ARREARS"}
    assert codes_for(found, kpj(4)) == {"PREMIUM_ARREARS"}
    arrears = found["PREMIUM_ARREARS", kpj(3)]
    assert arrears["severity"] == "TINGGI" and arrears["details"]["payer"] == "APBD_KOTA_JAMBI"


def test_identity_findings_and_unlinked_get_only_them(warehouse):
    n = Night(D)
    n.person(nik(1), "AHMAD FAUZI", B)
    n.person(nik(2), "RINA MARLINA", B, "P")
    n.person(nik(3), "JOKO SUSILO", B)
    n.participant(kpj(1), "1571031203899999", "AHMAD FAUZI", B)  # wrong NIK, found by step 2
    n.participant(kpj(2), "1571031203899998", "SRI WAHYUNI", B, "P")  # unknown NIK, nobody
    n.participant(kpj(3), None, "SRI WAHYUNI", B, "P")  # NIK unusable, nobody
    n.participant(kpj(4), nik(2), "RINA MARLINA", date(1981, 3, 12), "P")  # birth differs: step 3
    n.participant(kpj(5), nik(3), "BAMBANG", date(1990, 1, 1))  # both differ: not linked
    found = reconcile(warehouse, n)
    assert codes_for(found, kpj(1)) == {"NIK_MISMATCH", "NO_LONGER_ELIGIBLE", "PREMIUM_ARREARS"}
    assert found["NIK_MISMATCH", kpj(1)]["details"]["participant_nik"] == "1571031203899999"
    assert found["NIK_MISMATCH", kpj(1)]["nik"] == nik(1)
    assert codes_for(found, kpj(2)) == {"NIK_NOT_IN_REGISTRY"}  # unlinked: no arrears, no eligibility
    assert codes_for(found, kpj(3)) == {"NIK_NOT_IN_REGISTRY"}
    assert "IDENTITY_MISMATCH" in codes_for(found, kpj(4))
    assert found["IDENTITY_MISMATCH", kpj(4)]["details"]["disagree"] == ["tgl_lahir"]
    assert codes_for(found, kpj(5)) == {"IDENTITY_MISMATCH"}
    assert found["IDENTITY_MISMATCH", kpj(5)]["details"]["disagree"] == ["nama", "tgl_lahir"]


def test_duplicate_participants(warehouse):
    n = Night(D)
    n.person(nik(1), "AHMAD FAUZI", B)
    n.person(nik(2), "RINA", B, "P")
    n.participant(kpj(1), nik(1), "AHMAD FAUZI", B)
    n.participant(kpj(2), "1571031203899999", "H. AHMAD FAUZI", B, pembiayaan="APBD_PROVINSI_JAMBI")
    n.participant(kpj(3), nik(2), "RINA", B, "P", pembiayaan="MANDIRI")
    n.participant(kpj(4), nik(2), "RINA", B, "P", pembiayaan="BAZNAS", status="NONAKTIF")
    found = reconcile(warehouse, n)
    dup = found["DUPLICATE_PARTICIPANT", nik(1)]
    assert dup["details"]["kpjs"] == [kpj(1), kpj(2)] and dup["severity"] == "TINGGI"
    assert ("DUPLICATE_PARTICIPANT", nik(2)) not in found  # one of the two is NONAKTIF
