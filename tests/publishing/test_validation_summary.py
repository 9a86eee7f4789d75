"""Officials read how each source's checks went, in Indonesian, without a word of GX's English."""

from __future__ import annotations

import re
from datetime import date

from jaring.publishing.night_data import Night
from jaring.publishing.report import render_city

D = date(2026, 11, 20)


def test_the_city_report_says_which_sources_were_accepted_and_how_many_records_each_must_fix():
    invalid = [{"finding_code": "INVALID_SOURCE_RECORD", "source": "rt", "status": "NEW"}] * 3 + [
        {"finding_code": "INVALID_SOURCE_RECORD", "source": "bpjs", "status": "NEW"}]
    validation = [("bpjs_iuran", True, []), ("bpjs_peserta", True, []), ("dtsen", False, ["volume_at_least_policy_floor"]),
                  ("dukcapil", True, []), ("rt", True, [])]
    html = render_city(Night(D, invalid, [], {}, {}, validation))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Pemeriksaan data malam ini" in text
    assert re.search(r"Buku kas RT diterima 3", text)
    assert re.search(r"BPJS Ketenagakerjaan — iuran diterima 1 BPJS Ketenagakerjaan — peserta diterima –", text)
    assert re.search(r"DTSEN Dinas Sosial ditolak malam ini", text) and "volume_at_least" not in html
