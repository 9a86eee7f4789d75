"""Routing and masking rules on single findings (no database)."""

from __future__ import annotations

import pytest
from staging_builder import default_policy

from jaring.findings_contract import PAYER
from jaring.publishing import audiences
from jaring.publishing.audiences import mask_text, mask_value, view_for

POLICY = default_policy()


def audiences_of(finding, policy=POLICY):
    return audiences.audiences_of(finding, policy)


def _finding(code, **fields):
    return {"finding_code": code, "source": "bpjs", "kode_wilayah": None, "ledger_kelurahan": None,
            "source_ref": None, "details": {}, **fields}


@pytest.mark.parametrize(("payer", "expected"), [("APBD_KOTA_JAMBI", ["bpjs-tk", "bpkad"]),
                                                  ("APBD_PROVINSI_JAMBI", ["bpjs-tk"]), (None, ["bpjs-tk"])])
def test_arrears_go_to_bpkad_only_when_the_city_pays(payer, expected):
    assert audiences_of(_finding("PREMIUM_ARREARS", details={PAYER: payer} if payer else {})) == expected


def test_invalid_ledger_row_goes_to_the_ledgers_kelurahan_from_the_file_name():
    ref = "rt:2026-10/1571031003-RT001-RW002.xlsx#IURAN!7"
    assert audiences_of(_finding("INVALID_SOURCE_RECORD", source="rt", source_ref=ref)) == ["kelurahan/1571031003"]
    assert audiences_of(_finding("INVALID_SOURCE_RECORD", source="dtsen")) == ["dinsos"]
    assert audiences_of(_finding("INVALID_SOURCE_RECORD", source="dukcapil")) == ["disdukcapil"]


def test_an_upload_naming_no_kelurahan_of_the_city_goes_to_dinas_sosial():
    stray = _finding("INVALID_SOURCE_RECORD", source="rt", source_ref="rt:Oktober/scan kk.xlsx#file")
    assert audiences_of(stray) == ["dinsos"]
    named = _finding("INVALID_SOURCE_RECORD", source="rt", source_ref="rt:Oktober/1571031003-RT005-RW002.xlsx#file",
                     ledger_kelurahan="1571031003")
    assert audiences_of(named) == ["kelurahan/1571031003"]


def test_kelurahan_of_domicile_and_of_ledger_but_never_outside_the_city():
    f = _finding("PAYMENT_NOT_REMITTED", kode_wilayah="1571031003", ledger_kelurahan="1571011001")
    assert audiences_of(f) == ["bpjs-tk", "kelurahan/1571011001", "kelurahan/1571031003"]
    assert audiences_of(_finding("ELIGIBLE_NOT_ENROLLED", kode_wilayah="1505011001")) == ["dinsos"]


def test_routing_follows_the_policys_city_prefix_and_apbd_payer():
    other_city = default_policy(city_prefix="1572", apbd_payer="APBD_KOTA_SUNGAI_PENUH")
    arrears = _finding("PREMIUM_ARREARS", details={PAYER: "APBD_KOTA_SUNGAI_PENUH"})
    assert audiences_of(arrears, other_city) == ["bpjs-tk", "bpkad"]
    assert audiences_of(arrears) == ["bpjs-tk"]  # not the payer Kota Jambi's policy names
    city_paid = _finding("PREMIUM_ARREARS", details={PAYER: "APBD_KOTA_JAMBI"})
    assert audiences_of(city_paid, other_city) == ["bpjs-tk"]
    eligible = _finding("ELIGIBLE_NOT_ENROLLED", kode_wilayah="1572011001")
    assert audiences_of(eligible, other_city) == ["dinsos", "kelurahan/1572011001"]
    assert audiences_of(eligible) == ["dinsos"]


@pytest.mark.parametrize(("raw", "shown"), [
    ("1571035203880004", "157103******0004"),
    ("ahli waris 1571 0352 0388 0004.", "ahli waris 157103******0004."),
    ("dukcapil:1571035203880004", "dukcapil:157103******0004"),
    ("1.57103520388E+15", "*****************"),
    ("1.571035E+15", "************"),  # the shortest float form the pattern masks
    ("157103520388000", "***************"),
    ("22014587310", "22014587310"),
    ("2026-10-01 2026-11-01", "2026-10-01 2026-11-01"),
])
def test_mask_text(raw, shown):
    assert mask_text(raw) == shown


@pytest.mark.parametrize("raw", ["1571035203880004", "157103520388000", "15710352038800041", "1571031004", "",
                                 "١٥٧١٠٣٥٢٠٣٨٨٠٠٠٤", "1571035203880004²", "-1571035203880004", "1571035203880004 "])
def test_a_run_of_digits_is_masked_as_the_patterns_say(raw):
    """Texts made only of digits take a shorter path: the same result as the patterns (Arabic-Indic digits
    are digits to them too)."""
    from jaring.publishing import audiences

    by_patterns = audiences._NIK_LIKE.sub(audiences._mask_match, audiences._NIK_AS_FLOAT.sub(
        lambda m: "*" * len(m.group(0)), raw))
    assert mask_text(raw) == by_patterns


def test_masked_view_reaches_nested_details():
    f = _finding("DEATH_BENEFIT_UNCLAIMED", nik="1571035203880004",
                 details={"heirs": [{"nik": "1571030101100011", "umur": 16}], "nik_as_number": 1571030101100011})
    seen = view_for(f, "kelurahan/1571031003")
    assert seen["nik"] == "157103******0004"
    assert seen["details"] == {"heirs": [{"nik": "157103******0011", "umur": 16}], "nik_as_number": "157103******0011"}
    assert view_for(f, "bpjs-tk") == f and mask_value(42000000) == 42000000
