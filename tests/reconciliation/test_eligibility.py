"""ELIGIBLE_NOT_ENROLLED, the quota ranking, and policy changes that change findings."""

import dataclasses
from datetime import date

from staging_builder import KEL, Night, default_policy, reconcile

D = date(2026, 11, 20)


def nik(n: int) -> str:
    return f"15710312038{n:05d}"


def world() -> Night:
    n = Night(D)
    # DTSEN-eligible, desil 1 / 3 / 3 (older first among equals)
    n.person(nik(1), "ANI", date(1990, 1, 1), "P")
    n.dtsen(1, nik(1), "ANI", date(1990, 1, 1), "P", desil=1, status_pekerjaan=7)
    n.person(nik(2), "BUDI", date(1970, 1, 1))
    n.dtsen(2, nik(2), "BUDI", date(1970, 1, 1), desil=3)
    n.person(nik(3), "CICI", date(1965, 1, 1), "P")
    n.dtsen(3, nik(3), "CICI", date(1965, 1, 1), "P", desil=3)
    # proposed by the RT as GURU NGAJI, no DTSEN record: ranks after desil 5
    n.person(nik(4), "DEDI", date(1985, 1, 1))
    n.rt_row(6, nik(4), "DEDI", sheet="USULAN", kategori="Guru Ngaji")
    # DTSEN desil 3 and proposed: proposals first among desil 3
    n.person(nik(5), "EKO", date(1995, 1, 1))
    n.dtsen(5, nik(5), "EKO", date(1995, 1, 1), desil=3)
    n.rt_row(7, nik(5), "EKO", sheet="USULAN", kategori="PEKERJA RENTAN")
    # not eligible: formal work, too rich, too young, too old, dead, moved out, enrolled
    n.person(nik(6), "FANI", date(1990, 1, 1), "P")
    n.dtsen(6, nik(6), "FANI", date(1990, 1, 1), "P", status_pekerjaan=4)
    n.person(nik(7), "GITA", date(1990, 1, 1), "P")
    n.dtsen(7, nik(7), "GITA", date(1990, 1, 1), "P", desil=6)
    n.person(nik(8), "HADI", date(2008, 11, 21))  # 17 on D, 18 the next day
    n.dtsen(8, nik(8), "HADI", date(2008, 11, 21))
    n.person(nik(9), "IWAN", date(1961, 11, 20))  # 65 on D
    n.dtsen(9, nik(9), "IWAN", date(1961, 11, 20))
    n.person(nik(10), "JONI", date(1980, 1, 1), status="MATI", tgl_mati=date(2026, 1, 1))
    n.dtsen(10, nik(10), "JONI", date(1980, 1, 1))
    n.person(nik(11), "KIKI", date(1980, 1, 1), "P", kode_wilayah="1505011001")
    n.dtsen(11, nik(11), "KIKI", date(1980, 1, 1), "P")
    n.person(nik(12), "LALA", date(1980, 1, 1), "P")
    n.dtsen(12, nik(12), "LALA", date(1980, 1, 1), "P", desil=1)
    n.participant("22000000012", nik(12), "LALA", date(1980, 1, 1), "P")
    n.paid("22000000012", "2025-05", "2026-10")
    # proposed under a category not active: ASISTEN RUMAH TANGGA
    n.person(nik(13), "MAMAN", date(1980, 1, 1))
    n.rt_row(8, nik(13), "MAMAN", sheet="USULAN", kategori="ASISTEN RUMAH TANGGA")
    return n


def ranked(found) -> list[tuple[str, int, bool]]:
    rows = [f for (code, _), f in found.items() if code == "ELIGIBLE_NOT_ENROLLED"]
    return sorted((f["nik"], f["details"]["quota_rank"], f["details"]["within_quota"]) for f in rows)


def test_eligible_not_enrolled_and_priority(warehouse):
    found = reconcile(warehouse, world(), default_policy(apbd_quota_by_year={2026: 4}))
    # quota 4, one AKTIF APBD participant (LALA): 3 places left
    assert ranked(found) == [
        (nik(1), 1, True), (nik(2), 4, False), (nik(3), 3, True), (nik(4), 5, False), (nik(5), 2, True)]
    dedi = found["ELIGIBLE_NOT_ENROLLED", nik(4)]
    assert dedi["source"] == "rt" and dedi["source_ref"].endswith("#USULAN!6")
    assert dedi["ledger_kelurahan"] == KEL and dedi["severity"] == "RENDAH"
    ani = found["ELIGIBLE_NOT_ENROLLED", nik(1)]
    assert (ani["source"], ani["source_ref"], ani["severity"]) == ("dtsen", "dtsen:1", "SEDANG")


def test_policy_changes_change_findings(warehouse, fresh_database, monkeypatch):
    policy = default_policy(
        apbd_quota_by_year={2026: 100},
        rt_categories_by_year={2026: frozenset({"PEKERJA RENTAN", "ASISTEN RUMAH TANGGA"})},
        max_desil=6, age_min=17, age_max=65,
    )
    found = reconcile(warehouse, world(), policy)
    eligible = {f["nik"] for (code, _), f in found.items() if code == "ELIGIBLE_NOT_ENROLLED"}
    assert eligible == {nik(i) for i in (1, 2, 3, 5, 7, 8, 9, 13)}  # DEDI's category is off now
    assert all(within for _, _, within in ranked(found))


def test_no_longer_eligible_when_the_policy_narrows(warehouse):
    found = reconcile(warehouse, world(), default_policy(max_desil=0))
    assert ("NO_LONGER_ELIGIBLE", "22000000012") in found


def test_a_proposal_without_desil_ranks_after_every_desil(warehouse):
    n = Night(D)
    n.person(nik(1), "ANI", date(1990, 1, 1), "P")  # proposed, DTSEN desil 7 (not DTSEN-eligible)
    n.dtsen(1, nik(1), "ANI", date(1990, 1, 1), "P", desil=7)
    n.rt_row(6, nik(1), "ANI", sheet="USULAN", kategori="PEKERJA RENTAN")
    n.person(nik(2), "BUDI", date(1970, 1, 1))  # proposed, no DTSEN record, older
    n.rt_row(7, nik(2), "BUDI", sheet="USULAN", kategori="PEKERJA RENTAN")
    n.person(nik(3), "CICI", date(1962, 6, 1), "P")  # DTSEN desil 5, not proposed
    n.dtsen(3, nik(3), "CICI", date(1962, 6, 1), "P", desil=5)
    found = reconcile(warehouse, n, default_policy(apbd_quota_by_year={2026: 0}))
    assert ranked(found) == [(nik(1), 2, False), (nik(2), 3, False), (nik(3), 1, False)]


def test_eligibility_and_apbd_counting_follow_the_policys_prefix_and_payer(warehouse):
    n = world()
    # a participant of another city's budget, in a kelurahan of that city
    n.person(nik(14), "NINA", date(1980, 1, 1), "P", kode_wilayah="1572011001")
    n.dtsen(14, nik(14), "NINA", date(1980, 1, 1), "P", desil=1, kode_wilayah="1572011001")
    other_city = default_policy(city_prefix="1572", apbd_payer="APBD_KOTA_SUNGAI_PENUH",
                                apbd_quota_by_year={2026: 1})
    found = reconcile(warehouse, n, other_city)
    eligible = {f["nik"] for (code, _), f in found.items() if code == "ELIGIBLE_NOT_ENROLLED"}
    assert eligible == {nik(14)}  # only who lives in the policy's city
    # LALA (paid by APBD_KOTA_JAMBI) does not use this policy's quota of 1: NINA is within it
    assert found["ELIGIBLE_NOT_ENROLLED", nik(14)]["details"]["within_quota"] is True
    assert reconcile(warehouse, D, dataclasses.replace(other_city, apbd_payer="APBD_KOTA_JAMBI"))[
        "ELIGIBLE_NOT_ENROLLED", nik(14)]["details"]["within_quota"] is False


def test_a_resident_whose_nik_was_issued_elsewhere_is_linked_and_eligible(warehouse):
    n = Night(D)
    medan = "1275015203880007"  # first registered in Medan, lives in Kota Jambi
    n.person(medan, "RINA SIREGAR", date(1988, 3, 12), "P")
    n.dtsen(1, medan, "RINA SIREGAR", date(1988, 3, 12), "P", desil=2)
    jakarta = "3171031505900003"
    n.person(jakarta, "ANDI", date(1990, 5, 15))
    n.participant("22000000099", jakarta, "ANDI", date(1990, 5, 15), pembiayaan="MANDIRI")
    n.paid("22000000099", "2025-05", "2026-10")
    found = reconcile(warehouse, n)
    assert set(found) == {("ELIGIBLE_NOT_ENROLLED", medan)}
