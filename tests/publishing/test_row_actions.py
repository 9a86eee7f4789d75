"""Every finding row says first, in one sentence, what to do about this person (issue 10)."""

from __future__ import annotations

import pytest

from jaring import findings_contract as contract
from jaring.publishing.report import row_action


def _row(code: str, **details) -> dict:
    return {"finding_code": code, "period": None, "source_ref": None, "details": details}


@pytest.mark.parametrize(("row", "says"), [
    (_row("NIK_NOT_IN_REGISTRY"), "perbaiki NIK di BPJS"),
    (_row("NIK_MISMATCH"), "ganti NIK di BPJS dengan NIK Disdukcapil"),
    (_row("IDENTITY_MISMATCH", disagree=["nama"]), "cocokkan dengan KTP"),
    (_row("DUPLICATE_PARTICIPANT", kpjs=["22014587310", "22014587311"]), "Satu orang, 2 kartu aktif"),
])
def test_the_identity_codes_say_what_to_fix(row, says):
    (line,) = row_action(row, None)
    assert says in line


def test_every_code_has_its_own_action_line():
    samples = {"ELIGIBLE_NOT_ENROLLED": {"quota_rank": 1, "within_quota": True},
               "INVALID_SOURCE_RECORD": {"reason": "nik_missing"},
               "DECEASED_STILL_ACTIVE": {"tgl_mati": "2026-02-06"}, "DEATH_BENEFIT_UNCLAIMED": {"tgl_mati": "2026-02-06"},
               "MOVED_OUT_OF_CITY": {"kode_wilayah_baru": "1505011003"},
               "NO_LONGER_ELIGIBLE": {"umur": 66, "age_range": [18, 64]}}
    for code in contract.CODES:
        row = {**_row(code, **samples.get(code, {})), "period": "2026-10", "source_ref": "rt:2026-10/x.xlsx#IURAN!7"}
        assert row_action(row, None), code
