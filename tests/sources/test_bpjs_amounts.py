"""Absurd numbers from BPJS (1e30, Infinity, NaN, beyond int64) fail their record, never all of BPJS; the raw
landing keeps the records as they came."""

from __future__ import annotations

import json
from datetime import date

import pytest

from jaring.sources import bpjs
from jaring.sources.http import decode_json
from jaring.warehouse import db

NIGHT = date(2026, 11, 20)
HOSTILE = {"1e30": 1e30, "Infinity": float("inf"), "-Infinity": float("-inf"), "NaN": float("nan"),
           "beyond_int64": 9999999999999999999, "Rp_16.8_trillion": 16_800_000_000_000}


class AnswersAsJson:
    """The client's interface over fixed listings; every answer goes through JSON as from the wire."""

    conn_id = "bpjs_tk_api"

    def __init__(self, roster, payments, claims):
        self.listings = {"/v1/peserta": roster, "/v1/iuran": payments, "/v1/klaim": claims}
        self.stats: dict[str, int] = {}

    def count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1

    def get_json(self, path: str, params: dict | None = None):
        rows = self.listings[path]
        if path == "/v1/iuran":
            rows = [r for r in rows if r["BULAN_IURAN"] == params["bulan"]]
        return decode_json(json.dumps({"data": rows, "next_cursor": None}).encode())


def peserta(n: int, **changes) -> dict:
    return {"KPJ": f"220145873{n:02d}", "NIK": f"15710352038800{n:02d}", "NAMA": f"PESERTA {n}",
            "TGL_LAHIR": "1988-03-12", "JENIS_KELAMIN": "P", "SEGMEN": "BPU", "PROGRAM": "JKK,JKM",
            "STATUS_KEPESERTAAN": "AKTIF", "TGL_KEPESERTAAN": "2026-01-01", "TGL_NONAKTIF": None,
            "PEMBIAYAAN": "APBD_KOTA_JAMBI", "KODE_WILAYAH": "1571031004", "UPAH_DILAPORKAN": 1000000,
            "IURAN_BULANAN": 16800} | changes


def payment(n: int, jumlah) -> dict:
    return {"ID_BAYAR": f"B{n}", "KPJ": "22014587301", "BULAN_IURAN": "2026-10", "JUMLAH": jumlah,
            "TGL_BAYAR": "2026-11-09", "KANAL": "PEMKOT"}


def claim(n: int, nilai) -> dict:
    return {"NO_KLAIM": f"K{n}", "KPJ": "22014587301", "JENIS_KLAIM": "JKM", "TGL_KEJADIAN": "2026-09-30",
            "TGL_PENGAJUAN": "2026-10-07", "STATUS": "DIAJUKAN", "NILAI": nilai}


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_one_absurd_number_per_listing_fails_only_its_record(warehouse, label):
    value = HOSTILE[label]
    roster = [peserta(1), peserta(2), peserta(3, IURAN_BULANAN=value), peserta(4, UPAH_DILAPORKAN=value)]
    payments = [payment(1, 16800), payment(2, 16800), payment(3, value)]
    claims = [claim(1, 42000000), claim(2, value)]
    with db.connect(warehouse, autocommit=True) as conn:
        counts = bpjs.ingest(NIGHT, conn, http=AnswersAsJson(roster, payments, claims))
        staged = {table: sorted(r[0] for r in conn.execute(f"SELECT {key} FROM {table} WHERE night = %s",
                                                           (NIGHT,)))
                  for table, key in (("staging.participant", "kpj"), ("staging.payment", "id_bayar"),
                                     ("staging.claim", "no_klaim"))}
        quarantined = {r[0] for r in conn.execute("SELECT reason FROM quarantine.record WHERE night = %s",
                                                  (NIGHT,))}
        flagged = conn.execute("SELECT source_ref FROM staging.invalid_record WHERE night = %s", (NIGHT,)).fetchall()
        raw_pages = [json.loads(text) for (text,) in conn.execute(
            "SELECT records::text FROM raw.bpjs_page_landed WHERE night = %s", (NIGHT,))]
    assert staged == {"staging.participant": ["22014587301", "22014587302", "22014587304"],
                      "staging.payment": ["B1", "B2"], "staging.claim": ["K1"]}
    assert flagged == [("bpjs:22014587304",)]  # the declared income is reported, the participant counts
    assert any("IURAN_BULANAN" in r for r in quarantined) and any("JUMLAH" in r for r in quarantined)
    assert any("NILAI" in r for r in quarantined)
    assert counts["payments"] == {"received": 3, "staged": 2, "quarantined": 1}
    # the raw landing keeps what was received, as JSON that PostgreSQL accepts
    assert sum(record.get("NAMA", "").startswith("PESERTA") for page in raw_pages for record in page) == 4


def test_the_raw_pages_keep_each_records_fields_in_the_order_they_came(warehouse):
    """What BPJS said, field by field in its order (jsonb would re-sort the keys by their length)."""
    sent = {"KANAL": "PEMKOT", "TGL_BAYAR": "2026-11-09", "JUMLAH": 16800, "BULAN_IURAN": "2026-10",
            "KPJ": "22014587301", "ID_BAYAR": "B1"}
    with db.connect(warehouse, autocommit=True) as conn:
        bpjs.ingest(NIGHT, conn, http=AnswersAsJson([peserta(1)], [sent], []))
        landed = conn.execute("SELECT records::text FROM raw.bpjs_page_landed WHERE night = %s AND listing = %s",
                              (NIGHT, "iuran:2026-10")).fetchone()[0]
    assert list(json.loads(landed, object_pairs_hook=lambda pairs: [key for key, _ in pairs])[0]) == list(sent)


def test_landing_json_never_carries_infinity_or_nan():
    from jaring.sources import landing

    text = landing.dumps([{"a": float("inf"), "b": [float("nan"), float("-inf")], "c": 1e30, "d": 10**20}])
    assert json.loads(text, parse_constant=pytest.fail) == [
        {"a": "Infinity", "b": ["NaN", "-Infinity"], "c": 1e30, "d": 10**20}]


def test_as_int_leaves_what_bigint_cannot_hold_empty():
    import pandas as pd

    from jaring.sources import landing

    series = pd.Series([16800, 1e30, float("inf"), float("nan"), "9999999999999999999", "16800", None],
                       dtype=object)
    assert landing.as_int(series).tolist() == [16800, pd.NA, pd.NA, pd.NA, pd.NA, 16800, pd.NA]
