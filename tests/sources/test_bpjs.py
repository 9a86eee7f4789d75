"""BPJS ingestion against the real simulated partner API and the real warehouse."""

from __future__ import annotations

import csv
import json
import time

import pytest
from simulate.tiny_world import build

from jaring.sources import bpjs
from jaring.sources.http import SourceAuthError
from jaring.validation import SourceRejected
from jaring.warehouse import db
from jaring_sim import bpjs_api
from jaring_sim.faults import FaultPlan

NOT_KELURAHAN = {"1571021001": "1571021002", "1571071003": "1571071004"}  # tiny_world codes outside the 68
# planted roster rows: KPJ -> (changes, the expectation that must catch it)
PLANTED_ROSTER = {
    "2201458731": ({}, "kpj_11_digits"),
    "22014587390": ({}, "kpj_unique"),  # written twice
    "22014587391": ({"PEMBIAYAAN": "APBN"}, "pembiayaan_in_set"),
}
FLAGGED_KPJ = "22014587392"  # NIK of 15 digits: staged with nik NULL, reported


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    built = build(tmp_path_factory.mktemp("bpjs-world"), extra_participants=250)
    for path in built.dir.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for bad, good in NOT_KELURAHAN.items():
            text = text.replace(bad, good)
        path.write_text(text, encoding="utf-8")
    with open(built.dir / "bpjs_peserta.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))

    def row(kpj, nik="1571035203880099", **changes):
        values = {"KPJ": kpj, "NIK": nik, "NAMA": "PESERTA TANAM", "TGL_LAHIR": "1988-03-12",
                  "JENIS_KELAMIN": "P", "SEGMEN": "BPU", "PROGRAM": "JKK,JKM", "STATUS_KEPESERTAAN": "AKTIF",
                  "TGL_KEPESERTAAN": "2025-06-01", "PEMBIAYAAN": "MANDIRI", "KODE_WILAYAH": "1571031004",
                  "UPAH_DILAPORKAN": 1000000, "IURAN_BULANAN": 16800} | changes
        return [values.get(c, "") for c in header]

    planted = [row(kpj, **changes) for kpj, (changes, _) in PLANTED_ROSTER.items()]
    planted += [row("22014587390"), row(FLAGGED_KPJ, nik="157103520388009")]
    with open(built.dir / "bpjs_peserta.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(planted)
    with open(built.dir / "bpjs_iuran.csv", "a", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerow(["B9999", built.kpj["active"], "2026-08", -16800,
                                                     "2026-09-10", "BANK"])
    return built


def serve(world, tmp_path, faults=None, secret="demo-secret"):
    return bpjs_api.make_server(world.dir, client_secret=secret, state_dir=tmp_path, faults=faults).start()


def point_at(monkeypatch, server, secret="demo-secret"):
    monkeypatch.setenv("AIRFLOW_CONN_BPJS_TK_API", json.dumps({
        "conn_type": "http", "host": server.host, "port": server.port, "schema": "http", "login": "jaring",
        "password": secret, "extra": {"retry_base_delay": 0.05, "retry_max_delay": 0.3, "retry_total_seconds": 20}}))


class PausingClient(bpjs.HttpClient):
    """The real client, once pausing longer than the cursor TTL before following a cursor (a slow night)."""

    def __init__(self, *args, pause: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.pause, self.cursor_calls = pause, 0

    def get_json(self, path, params=None):
        if params and params.get("cursor"):
            self.cursor_calls += 1
            if self.cursor_calls == 3:
                time.sleep(self.pause)
        return super().get_json(path, params)


def roster_as_of(world) -> int:
    with open(world.dir / "bpjs_peserta.csv", encoding="utf-8") as f:
        return sum(1 for r in csv.DictReader(f) if r["TGL_KEPESERTAAN"] <= world.night.isoformat())


def counts(conn, night) -> dict:
    tables = ("raw.bpjs_page", "staging.participant", "staging.payment", "staging.claim", "quarantine.record",
              "staging.invalid_record", "ops.validation_result")
    return {t: conn.execute(f"SELECT count(*) FROM {t} WHERE night = %s", (night,)).fetchone()[0] for t in tables}


def test_roster_payments_and_claims_as_of_d_surviving_token_and_cursor_expiry(world, warehouse, monkeypatch,
                                                                              tmp_path):
    # tokens live 1 s, cursors 1 s; the client once waits 1.3 s before following a cursor
    faults = FaultPlan(token_ttl_seconds=1, cursor_ttl_seconds=1, rate_limit_every=11, retry_after=0)
    server = serve(world, tmp_path, faults)
    try:
        point_at(monkeypatch, server)
        plain = bpjs.client()
        http = PausingClient(plain.endpoint, plain.auth, plain.policy, pause=1.3)
        with db.connect(warehouse, autocommit=True) as conn:
            result = bpjs.ingest(world.night, conn, http=http, limit=50)
            first = counts(conn, world.night)
            participants = {r[0]: r[1:] for r in conn.execute(
                "SELECT kpj, status_kepesertaan, tgl_nonaktif, nik FROM staging.participant WHERE night = %s",
                (world.night,))}
            payments = {r[0] for r in conn.execute("SELECT id_bayar FROM staging.payment WHERE night = %s",
                                                   (world.night,))}
            claims = dict(conn.execute("SELECT no_klaim, status FROM staging.claim WHERE night = %s",
                                       (world.night,)).fetchall())
            quarantined = {(r[0], r[1]) for r in conn.execute(
                "SELECT source_ref, expectation FROM quarantine.record WHERE night = %s", (world.night,))}
            flagged = [r[0] for r in conn.execute("SELECT source_ref FROM staging.invalid_record WHERE night = %s",
                                                  (world.night,))]
            bpjs.ingest(world.night, conn, limit=50)
            second = counts(conn, world.night)
    finally:
        server.shutdown()
    assert result["http"]["cursor_restarts"] == 1 and result["http"]["token_refreshes"] >= 1
    kpj = world.kpj
    assert participants[kpj["nonaktif_before"]][0] == "NONAKTIF"
    assert participants[kpj["nonaktif_after"]][:2] == ("AKTIF", None)  # deactivated after D: not yet
    assert kpj["joins_after"] not in participants and kpj["joins_on_night"] in participants
    assert participants[FLAGGED_KPJ][2] is None and flagged == [f"bpjs:{FLAGGED_KPJ}"]
    # 1 + the duplicate pair (both rows) + the planted quarantines are not staged
    assert len(participants) == roster_as_of(world) - 4
    assert quarantined == {(f"bpjs:{k}", rule) for k, (_, rule) in PLANTED_ROSTER.items()} | {
        (f"bpjs:{kpj['active']}", "jumlah_positive")}
    assert payments == {"B0001", "B0002", "B0004", "B0005"}  # B0003 paid after D, B9999 negative
    assert claims == {"K0001": "DIAJUKAN", "K0002": "DITOLAK"}  # K0003 filed after D; K0001 decided after D
    assert first == second  # a rerun of the night replaces, never adds


def test_a_blocking_failure_rejects_bpjs_and_leaves_other_sources_alone(world, warehouse, monkeypatch, tmp_path):
    server = serve(world, tmp_path)
    try:
        point_at(monkeypatch, server)
        with db.connect(warehouse, autocommit=True) as conn:
            bpjs.ingest(world.night, conn)
            before = counts(conn, world.night)
            conn.execute("INSERT INTO quarantine.record (night, source, source_ref, reason) "
                         "VALUES (%s, 'dukcapil', 'dukcapil:x', 'other source')", (world.night,))
            # last night's roster was twice tonight's: tonight's is a drop of 50 %
            for copy in range(2):
                conn.execute(
                    "INSERT INTO staging.participant (night, kpj, nama, nama_key, status_kepesertaan,"
                    " tgl_kepesertaan, pembiayaan) SELECT night - 1, lpad((kpj::bigint + %s)::text, 11, '0'),"
                    " nama, nama_key, status_kepesertaan, tgl_kepesertaan, pembiayaan FROM staging.participant"
                    " WHERE night = %s", (copy * 10**10 // 2, world.night))
            with pytest.raises(SourceRejected, match="bpjs_peserta.*volume_within_20_percent"):
                bpjs.ingest(world.night, conn)
            after = counts(conn, world.night)
            other = conn.execute("SELECT count(*) FROM quarantine.record WHERE source = 'dukcapil'").fetchone()[0]
    finally:
        server.shutdown()
    assert other == 1
    assert {k: v for k, v in after.items() if k != "quarantine.record"} == {
        k: v for k, v in before.items() if k != "quarantine.record"}


def test_wrong_client_secret_fails_fast_naming_the_connection(world, warehouse, monkeypatch, tmp_path):
    server = serve(world, tmp_path)
    try:
        point_at(monkeypatch, server, secret="wrong-secret")
        started = time.monotonic()
        with db.connect(warehouse, autocommit=True) as conn, pytest.raises(SourceAuthError, match="bpjs_tk_api") as e:
            bpjs.ingest(world.night, conn)
    finally:
        server.shutdown()
    assert time.monotonic() - started < 2 and "wrong-secret" not in str(e.value)
