"""PAYMENT_NOT_REMITTED and PAYMENT_AMOUNT_MISMATCH from RT ledger IURAN rows."""

from datetime import date

import pytest
from staging_builder import KEL, Night, reconcile

D = date(2026, 11, 20)
B = date(1980, 3, 12)
REF = "rt:{}/" + KEL + "-RT005-RW002.xlsx#IURAN!{}"


def base(night: date = D) -> Night:
    n = Night(night)
    n.person("1571031203800001", "AHMAD FAUZI", B)
    n.person("1571035203800002", "SITI AMINAH", B, "P")
    n.person("1571031203800003", "JOKO SUSILO", B)
    n.person("1571031203800004", "BUDI SANTOSO", B)
    n.participant("22000000001", "1571031203800001", "AHMAD FAUZI", B, pembiayaan="MANDIRI")
    n.participant("22000000002", "1571035203800002", "SITI AMINAH", B, "P", pembiayaan="MANDIRI")
    n.participant("22000000003", "1571031203800003", "JOKO SUSILO", B, pembiayaan="MANDIRI")
    # Budi has two participations; BPJS received October's premium on the second one
    n.participant("22000000004", "1571031203800004", "BUDI SANTOSO", B, pembiayaan="MANDIRI",
                  status="NONAKTIF")
    n.participant("22000000005", "1571031203800009", "BUDI SANTOSO", B, pembiayaan="DONATUR")
    return n


def test_not_remitted_mismatch_and_matching(warehouse):
    n = base()
    n.rt_row(6, "1571031203800001", "AHMAD FAUZI")  # nothing reached BPJS
    n.rt_row(7, "1571035203800002", "SITI AMINAH", jumlah=33600)  # BPJS got 16,800
    n.payment("22000000002", "2026-10", date(2026, 10, 9))
    n.rt_row(8, "1571031203800003", "JOKO SUSILO")  # BPJS got it
    n.payment("22000000003", "2026-10", date(2026, 10, 9))
    n.rt_row(9, "1571031203800004", "BUDI SANTOSO")  # paid on the other KPJ linked to him
    n.payment("22000000005", "2026-10", date(2026, 10, 9))
    found = reconcile(warehouse, n)
    remitted = found["PAYMENT_NOT_REMITTED", "1571031203800001|2026-10"]
    assert remitted["source"] == "rt" and remitted["source_ref"] == REF.format("2026-10", 6)
    assert remitted["ledger_kelurahan"] == KEL and remitted["period"] == "2026-10"
    assert remitted["details"]["kpjs"] == ["22000000001"]
    mismatch = found["PAYMENT_AMOUNT_MISMATCH", "1571035203800002|2026-10"]
    assert (mismatch["details"]["ledger_amount"], mismatch["details"]["bpjs_amount"]) == (33600, 16800)
    assert ("PAYMENT_NOT_REMITTED", "1571035203800002|2026-10") not in found
    ledger_codes = {code for code, _ in found if code.startswith("PAYMENT")}
    assert len([k for k in found if k[0] in ledger_codes]) == 2


def test_not_due_yet_and_payment_after_d(warehouse):
    n = base()
    n.rt_row(6, "1571031203800001", "AHMAD FAUZI", bulan="2026-11")  # due 15 December
    n.rt_row(7, "1571035203800002", "SITI AMINAH")
    n.payment("22000000002", "2026-10", date(2026, 11, 21))  # received after the night
    found = reconcile(warehouse, n)
    assert ("PAYMENT_NOT_REMITTED", "1571031203800001|2026-11") not in found
    assert ("PAYMENT_NOT_REMITTED", "1571035203800002|2026-10") in found


@pytest.mark.parametrize(("night", "due"), [(date(2026, 11, 14), False), (date(2026, 11, 15), True),
                                           (date(2026, 12, 14), True)])
def test_a_month_counts_from_its_due_date_on(warehouse, night, due):
    """October is due on 15 November: not remitted from that day on, not the day before."""
    n = base(night)
    n.rt_row(6, "1571031203800001", "AHMAD FAUZI", bulan="2026-10")
    n.rt_row(7, "1571035203800002", "SITI AMINAH", bulan="2026-09")  # due 15 October: always
    found = reconcile(warehouse, n)
    assert (("PAYMENT_NOT_REMITTED", "1571031203800001|2026-10") in found) is due
    assert ("PAYMENT_NOT_REMITTED", "1571035203800002|2026-09") in found


def test_truncated_nik_row_recovered_by_kpj_still_counts(warehouse):
    n = base()
    n.rt_row(6, None, "AHMAD FAUZI", kpj="22000000001", nik_raw="1571031203800000", no_rt="001")
    n.invalid("rt", REF.format("2026-10", 6).replace("RT005", "RT001"), "nik stored as a number")
    found = reconcile(warehouse, n)
    assert ("PAYMENT_NOT_REMITTED", "1571031203800001|2026-10") in found
    invalid = found["INVALID_SOURCE_RECORD", "rt|" + REF.format("2026-10", 6).replace("RT005", "RT001")]
    assert invalid["nik"] == "1571031203800001" and invalid["ledger_kelurahan"] == KEL


def test_unlinked_row_raises_nothing(warehouse):
    n = base()
    n.rt_row(6, None, "RAHMAT HIDAYAT")
    found = reconcile(warehouse, n)
    assert not [k for k in found if k[0].startswith("PAYMENT")]


def test_unreadable_amounts_count_as_payment_but_not_in_the_sum(warehouse):
    n = base()
    n.rt_row(6, "1571031203800001", "AHMAD FAUZI", jumlah=None)  # amount unreadable, not remitted
    n.rt_row(7, "1571035203800002", "SITI AMINAH", jumlah=None)  # unreadable, BPJS paid: no finding
    n.payment("22000000002", "2026-10", date(2026, 10, 9))
    n.rt_row(8, "1571031203800003", "JOKO SUSILO", jumlah=16800)  # two rows, one unreadable:
    n.rt_row(9, "1571031203800003", "JOKO SUSILO", jumlah=None)  # 16,800 readable vs 16,800 paid
    n.payment("22000000003", "2026-10", date(2026, 10, 9))
    found = reconcile(warehouse, n)
    assert {k for k in found if k[0].startswith("PAYMENT")} == {
        ("PAYMENT_NOT_REMITTED", "1571031203800001|2026-10")}
