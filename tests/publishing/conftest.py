"""Fixtures of the publishing tests (the sample night lives in `publishing_sample`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from publishing_sample import (
    NIGHT,
    SIMPANG_IV,
    TALANG_BANJAR,
    evidence,
    finding,
    insert,
    insert_figures,
    kpj,
    sample_figures,
    sample_findings,
)


@pytest.fixture
def sample_night(warehouse):
    """Night D with every code, its resolved rows and figures, plus two earlier nights of history."""
    rows = sample_findings()
    insert(warehouse, NIGHT, rows)
    resolved = [finding("PREMIUM_ARREARS", kpj(30 + i), kel=tb_or_si, serial=30 + i, nama=f"LUNAS {i}",
                        status="PERSISTING", details=evidence("PREMIUM_ARREARS", payer="APBD_KOTA_JAMBI"))
                for i, tb_or_si in enumerate((TALANG_BANJAR, SIMPANG_IV))]
    insert(warehouse, NIGHT, resolved, "recon.resolved")
    insert_figures(warehouse, NIGHT, sample_figures())
    for back in (1, 2):
        insert(warehouse, NIGHT - timedelta(days=back), rows[: len(rows) - 3 * back] + resolved)
    return warehouse
