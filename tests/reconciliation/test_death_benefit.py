"""DEATH_BENEFIT_UNCLAIMED: coverage at death, the DITOLAK vs other claim statuses, heirs, scholarship."""

from datetime import date

import pytest
from staging_builder import Night, reconcile

D = date(2026, 11, 20)
KK = "1571030101109999"
DEATH = date(2026, 9, 10)
DEAD, KPJ = "1571031203800001", "22000000001"


def family(n: Night, tgl_kepesertaan=date(2022, 1, 1)):
    n.person(DEAD, "AHMAD FAUZI", date(1980, 3, 12), no_kk=KK, status="MATI", tgl_mati=DEATH)
    n.person("1571035203850002", "SITI AMINAH", date(1985, 3, 12), "P", no_kk=KK, stat_hbkel="ISTRI")
    n.person("1571031005100003", "RIDWAN", date(2010, 5, 10), no_kk=KK, stat_hbkel="ANAK")
    n.person("1571035005080004", "NUR HALIZA", date(2008, 5, 10), "P", no_kk=KK, stat_hbkel="ANAK")
    n.person("1571031005000005", "BAYU", date(2000, 5, 10), no_kk=KK, stat_hbkel="ANAK")  # 26: too old
    n.person("1571031005150006", "DIMAS", date(2015, 5, 10), no_kk=KK, stat_hbkel="ANAK",
             status="MATI", tgl_mati=date(2020, 1, 1))  # not a living heir
    n.participant(KPJ, DEAD, "AHMAD FAUZI", date(1980, 3, 12), status="NONAKTIF",
                  tgl_kepesertaan=tgl_kepesertaan, tgl_nonaktif=date(2026, 10, 1))


def test_covered_death_without_claim_lists_heirs_and_scholarship(warehouse):
    n = Night(D)
    family(n)
    n.payment(KPJ, "2026-08", date(2026, 9, 5))  # the month before death
    found = reconcile(warehouse, n)
    finding = found["DEATH_BENEFIT_UNCLAIMED", KPJ]
    details = finding["details"]
    assert finding["nik"] == DEAD and finding["severity"] == "TINGGI"
    assert details["covered_at_death"] and details["jkm_benefit"] == 42_000_000
    assert [h["nama"] for h in details["heirs"]] == ["SITI AMINAH", "BAYU", "NUR HALIZA", "RIDWAN"]
    assert [c["nama"] for c in details["scholarship_children"]] == ["NUR HALIZA", "RIDWAN"]
    assert details["three_years_contributions"] is True
    assert details["scholarship_children_payable"] == 2


def test_less_than_three_years_of_contributions(warehouse):
    n = Night(D)
    family(n, tgl_kepesertaan=date(2024, 1, 1))
    n.payment(KPJ, "2026-09", date(2026, 9, 5))  # the month of death
    details = reconcile(warehouse, n)["DEATH_BENEFIT_UNCLAIMED", KPJ]["details"]
    assert details["three_years_contributions"] is False
    assert details["scholarship_children_payable"] == 0


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ([], True),
        ([("DITOLAK", "JKM")], True),
        ([("DITOLAK", "JKM"), ("DIAJUKAN", "JKM")], False),
        ([("DIPROSES", "JKM")], False),
        ([("DIBAYAR", "JKM")], False),
        ([("DIBAYAR", "JKK")], True),
    ],
)
def test_only_a_claim_not_rejected_settles_it(warehouse, claims, expected):
    n = Night(D)
    family(n)
    n.payment(KPJ, "2026-09", date(2026, 10, 5))
    for i, (status, kind) in enumerate(claims):
        n.claim(f"K{i}", KPJ, status, jenis=kind)
    found = reconcile(warehouse, n)
    assert (("DEATH_BENEFIT_UNCLAIMED", KPJ) in found) is expected


@pytest.mark.parametrize(
    ("months", "tgl_kepesertaan", "expected"),
    [
        (["2026-07"], date(2022, 1, 1), False),  # paid two months before death only
        (["2026-10"], date(2022, 1, 1), False),  # paid only after death
        (["2026-09"], date(2026, 9, 11), False),  # enrolled after the death
        (["2026-09"], DEATH, True),  # enrolled on the day of death
    ],
)
def test_coverage_at_death(warehouse, months, tgl_kepesertaan, expected):
    n = Night(D)
    family(n, tgl_kepesertaan=tgl_kepesertaan)
    for m in months:
        n.payment(KPJ, m, date(2026, 11, 1))
    assert (("DEATH_BENEFIT_UNCLAIMED", KPJ) in reconcile(warehouse, n)) is expected


def test_a_payment_received_after_the_night_does_not_count(warehouse):
    n = Night(D)
    family(n)
    n.payment(KPJ, "2026-09", date(2026, 11, 21))
    assert ("DEATH_BENEFIT_UNCLAIMED", KPJ) not in reconcile(warehouse, n)
