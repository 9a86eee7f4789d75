"""A trend that means something: its own codes per office, a chart only once there are nights to show,
and each code's count against the night compared with."""

from __future__ import annotations

import re
from datetime import date, timedelta

from jaring.publishing.night_data import Night
from jaring.publishing.report import MIN_TREND_NIGHTS, _city_charts, render_audience

D = date(2026, 11, 20)


def night_with_history(nights: int) -> Night:
    history = {D - timedelta(days=i): {"ELIGIBLE_NOT_ENROLLED": 10 + i, "NIK_MISMATCH": 3} for i in range(nights)}
    return Night(D, [], [], {}, history)


def test_the_chart_waits_for_enough_computed_nights():
    assert _city_charts(night_with_history(2), None)["history_svg"] is None
    assert _city_charts(night_with_history(MIN_TREND_NIGHTS), None)["history_svg"]


def test_an_office_sees_the_trend_of_its_own_codes_only():
    city = _city_charts(night_with_history(10), None)["history_svg"]
    dinsos = _city_charts(night_with_history(10), "dinsos")["history_svg"]
    assert "NIK berbeda" in city  # BPJS's and Disdukcapil's identity code is in the city's trend
    assert "Layak belum terdaftar" in dinsos and "NIK berbeda" not in dinsos


def test_each_code_says_how_many_there_were_and_how_many_now():
    row = {"finding_code": "ELIGIBLE_NOT_ENROLLED", "nik": "157103******0004", "kpj": None, "period": None,
           "source": "dtsen", "source_ref": "dtsen:1", "severity": "SEDANG", "nama": "ANI", "kode_wilayah":
           "1571031004", "no_rt": "005", "no_rw": "002", "ledger_kelurahan": None, "first_seen": D,
           "details": {"quota_rank": 1, "within_quota": True}}
    persisting, new = {**row, "status": "PERSISTING"}, {**row, "status": "NEW", "source_ref": "dtsen:2"}
    resolved = [{**row, "status": "PERSISTING", "source_ref": "dtsen:3"}] * 3
    html = render_audience(Night(D, [persisting, new], resolved, {}, {}), "dinsos", [persisting, new], resolved)
    text = re.sub(r"<[^>]+>", "", html)
    assert re.search(r"4 → 2 \(turun 2\)", text)  # before: 1 persisting + 3 resolved; now 2


def test_bpkad_sees_the_rupiah_each_code_puts_at_stake():
    from staging_builder import default_policy

    base = {"nik": "157103******0004", "kpj": "22014587310", "period": None, "source": "bpjs", "source_ref": None,
            "severity": "TINGGI", "nama": "ANI", "kode_wilayah": "1571031004", "no_rt": "005", "no_rw": "002",
            "ledger_kelurahan": None, "first_seen": D, "status": "NEW"}
    rows = [{**base, "finding_code": "MOVED_OUT_OF_CITY", "details": {}}] * 2 + [
        {**base, "finding_code": "DUPLICATE_PARTICIPANT", "details": {"kpjs": ["1", "2", "3"]}},
        {**base, "finding_code": "PREMIUM_ARREARS", "details": {"arrears_amount": 50400, "payer": "APBD_KOTA_JAMBI"}}]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", render_audience(Night(D, rows, [], {}, {}), "bpkad", rows, [],
                                                                      default_policy())))
    assert "Anggaran terdampak" in text
    # two people who moved out, Rp 16.800 each; one person on three cards: two cards too many
    assert text.count("Rp 33.600 per bulan") == 2
    assert "tunggakan Rp 50.400" in text


def test_the_report_opens_with_what_this_office_must_do_by_when():
    from staging_builder import default_policy

    row = {"finding_code": "ELIGIBLE_NOT_ENROLLED", "nik": "157103******0004", "kpj": None, "period": None,
           "source": "dtsen", "source_ref": "dtsen:1", "severity": "SEDANG", "nama": "ANI", "kode_wilayah":
           "1571031004", "no_rt": "005", "no_rw": "002", "ledger_kelurahan": None, "first_seen": D,
           "status": "NEW", "details": {"quota_rank": 1, "within_quota": True}}
    html = render_audience(Night(D, [row], [], {}, {}), "dinsos", [row], [], default_policy())
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    todo = text.index("Yang perlu dilakukan, paling lambat 15 Desember 2026:")
    assert todo < text.index("Ringkasan temuan")  # the action first, the figures after
    assert re.search(r"Layak belum terdaftar : 1 orang/catatan — Daftarkan", text[todo:])


def test_a_kelurahan_sees_its_own_eligible_enrolled_and_waiting():
    figures = {"coverage_by_kelurahan": {"1571031004": {"eligible": 40, "enrolled": 25, "within_quota": 9,
                                                         "waiting": 6}}}
    html = render_audience(Night(D, [], [], figures, {}), "kelurahan/1571031004", [], [])
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert re.search(r"40 warga layak .* 25 sudah terdaftar .* 9 belum terdaftar, dalam kuota: daftarkan 6 daftar tunggu",
                     text)
    assert "warga layak di kelurahan ini" not in render_audience(Night(D, [], [], figures, {}), "dinsos", [], []).lower()
