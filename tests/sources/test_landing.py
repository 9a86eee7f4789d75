"""The one ingest skeleton: every source pulls outside the warehouse transaction, and night D is replaced
whole or not at all."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from psycopg.pq import TransactionStatus
from sources.test_bpjs_amounts import AnswersAsJson, claim, payment, peserta
from sources.test_rt_inbox import PATH, at, person, put

from jaring.sources import bpjs, dukcapil, landing, rt_inbox
from jaring.sources.dtsen import DTSEN_COLUMNS
from jaring.validation import SourceRejected
from jaring.warehouse import db

NIGHT = date(2026, 11, 20)
SOURCE = landing.Source("dtsen", ("raw.dtsen_individu",), {"dtsen": DTSEN_COLUMNS})


@pytest.fixture
def conn(warehouse):
    with db.connect(warehouse, autocommit=True) as connection:
        yield connection


def individu(n: int, **changes) -> dict:
    return {"periode": "2026-10", "id_individu": n, "id_keluarga": 1, "nik": None, "nama": f"WARGA {n}",
            "tgl_lahir": "1988-03-12", "jenis_kelamin": 2, "hub_kk": 1, "status_pekerjaan": 6,
            "lapangan_usaha": "KONSTRUKSI", "desil": 3, "kode_wilayah": "1571031004"} | changes


def ingest(conn, rows: list[dict], fail_in_stage: bool = False) -> dict:
    def pull():
        assert conn.info.transaction_status == TransactionStatus.IDLE, "pulled inside the warehouse transaction"
        return pd.DataFrame(rows)

    def land(conn, frame):
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        return {"dtsen": frame}

    def stage(conn, frame, frames, results):
        staged = landing.copy_frame(conn, "raw.dtsen_individu", frame.assign(night=NIGHT), ("night", *DTSEN_COLUMNS))
        if fail_in_stage:
            raise RuntimeError("the warehouse went away halfway through staging")
        return {"staged": staged}

    return landing.ingest(SOURCE, NIGHT, conn, pull, land, stage)


def rows_of_night(conn) -> dict[str, list]:
    return {
        "staged": [r[0] for r in conn.execute(
            "SELECT id_individu FROM raw.dtsen_individu WHERE night = %s ORDER BY 1", (NIGHT,))],
        "quarantined": [r[0] for r in conn.execute(
            "SELECT source_ref FROM quarantine.record WHERE night = %s AND source = 'dtsen' ORDER BY 1", (NIGHT,))],
        "verdicts": conn.execute("SELECT suite, success FROM ops.validation_result WHERE night = %s",
                                 (NIGHT,)).fetchall(),
    }


def test_a_rerun_replaces_the_night_and_counts_have_the_common_shape(conn):
    ingest(conn, [individu(1), individu(2), individu(3)])
    counts = ingest(conn, [individu(1), individu(2)])
    assert rows_of_night(conn) == {"staged": [1, 2], "quarantined": [], "verdicts": [("dtsen", True)]}
    assert {"source", "received", "warnings", "seconds", "fetch_seconds", "validate_seconds",
            "rows_per_second", "staged"} == set(counts)
    assert counts["source"] == "dtsen" and counts["received"] == 2 and counts["staged"] == 2


def test_a_stage_that_fails_leaves_the_previous_rows_of_the_night_in_place(conn):
    from jaring.validation import quarantine

    ingest(conn, [individu(1), individu(2)])
    quarantine.record(conn, NIGHT, "dtsen", [("dtsen:9", "kept from the first run", None, None)])
    before = rows_of_night(conn)
    with pytest.raises(RuntimeError, match="halfway"):
        ingest(conn, [individu(1), individu(2), individu(3)], fail_in_stage=True)
    assert rows_of_night(conn) == before == {"staged": [1, 2], "quarantined": ["dtsen:9"],
                                             "verdicts": [("dtsen", True)]}
    assert conn.info.transaction_status == TransactionStatus.IDLE


def test_a_rejected_night_keeps_the_previous_rows_and_stores_its_verdict(conn):
    ingest(conn, [individu(1), individu(2)])
    with pytest.raises(SourceRejected, match="columns_as_contract"):
        ingest(conn, [{k: v for k, v in individu(3).items() if k != "desil"}])
    assert rows_of_night(conn) == {"staged": [1, 2], "quarantined": [], "verdicts": [("dtsen", False)]}


def test_a_pull_must_not_leave_a_transaction_open(warehouse):
    with db.connect(warehouse) as conn:  # not autocommit: a read opens a transaction that nobody commits
        def pull():
            conn.execute("SELECT 1")

        with pytest.raises(RuntimeError, match="outside a transaction"):
            landing.ingest(SOURCE, NIGHT, conn, pull, None, None)


# ---------------------------------------------------------------- each adapter reads its agency outside


def idle_while(conn, call):
    """`call` wrapped so that it fails when the warehouse connection is inside a transaction."""

    def checked(*args, **kwargs):
        assert conn.info.transaction_status == TransactionStatus.IDLE, "agency read inside the transaction"
        return call(*args, **kwargs)

    return checked


class Registry:
    """Disdukcapil's paging over fixed persons."""

    conn_id = "dukcapil_api"

    def __init__(self, persons: list[dict]):
        self.persons, self.stats = persons, {}

    def get_json(self, path: str, params: dict):
        page, per_page = params["page"], params["per_page"]
        data = self.persons[(page - 1) * per_page:page * per_page]
        return json.loads(json.dumps({"data": data, "meta": {"page": page, "per_page": per_page,
                                                             "total": len(self.persons)}}))


def penduduk(n: int) -> dict:
    return {"NIK": f"157103520388{n:04d}", "NO_KK": "1571030101100123", "NAMA_LGKP": f"WARGA {n}",
            "TMPT_LHR": "JAMBI", "TGL_LHR": "1988-03-12", "JENIS_KLMIN": "PEREMPUAN", "STAT_HBKEL": "ISTRI",
            "STATUS_KAWIN": "KAWIN", "JENIS_PKRJN": "PEDAGANG", "KODE_WILAYAH": "1571031004", "NO_RT": "005",
            "NO_RW": "002", "ALAMAT": "JL. X", "STATUS": "HIDUP", "TGL_MATI": None, "TGL_PINDAH": None,
            "TGL_UPDATE": "2026-10-02T09:14:00+07:00"}


def test_dukcapil_pages_are_pulled_before_the_transaction(conn):
    http = Registry([penduduk(n) for n in range(1, 6)])
    http.get_json = idle_while(conn, http.get_json)
    counts = dukcapil.ingest(NIGHT, conn, http=http, per_page=2, workers=1)
    assert counts["staged"] == 5 and counts["pages"] == 3


def test_dukcapil_lands_each_page_as_served(conn):
    persons = [penduduk(n) | {"AGAMA": "ISLAM"} for n in range(1, 6)]  # a field beyond the contract is kept
    persons[2]["NAMA_LGKP"] = "JOSÉ  WARGA "
    dukcapil.ingest(NIGHT, conn, http=Registry(persons), per_page=2, workers=2)
    stored = conn.execute("SELECT page, records FROM raw.dukcapil_page WHERE night = %s ORDER BY page",
                          (NIGHT,)).fetchall()
    assert stored == [(1, persons[0:2]), (2, persons[2:4]), (3, persons[4:5])]


def test_bpjs_listings_are_pulled_before_the_transaction(conn):
    http = AnswersAsJson([peserta(1), peserta(2)], [payment(1, 16800)], [claim(1, 42000000)])
    http.get_json = idle_while(conn, http.get_json)
    assert bpjs.ingest(NIGHT, conn, http=http, workers=1)["participants"]["staged"] == 2


def test_dtsen_release_is_read_before_the_transaction(conn, monkeypatch):
    from jaring.sources import dtsen

    extract = pd.DataFrame([individu(1)]).assign(night=NIGHT)[["night", *DTSEN_COLUMNS]].to_csv(index=False)
    monkeypatch.setattr(dtsen, "read_release", idle_while(conn, lambda night, dsn: ("2026-10", extract.encode())))
    assert dtsen.ingest(NIGHT, conn, dsn="not used")["staged"] == 1


def test_rt_inbox_files_are_read_before_the_transaction(conn, tmp_path, monkeypatch):
    put(tmp_path, PATH, [person(1), person(2)], at(NIGHT))
    monkeypatch.setattr(rt_inbox, "read_file", idle_while(conn, rt_inbox.read_file))
    assert rt_inbox.ingest(NIGHT, conn, tmp_path)["rows_staged"] == 2


def test_rt_inbox_reads_what_it_knows_without_leaving_a_transaction_open(warehouse, tmp_path):
    put(tmp_path, PATH, [person(1), person(2)], at(NIGHT))
    with db.connect(warehouse) as conn:  # not autocommit, as a step's connection
        assert rt_inbox.ingest(NIGHT, conn, tmp_path)["rows_staged"] == 2
