"""The warehouse keeps JARING_KEEP_NIGHTS nights of raw answers, staged rows and links, and no more.

At city scale a night is ~1.9 M rows (~650 MB with the raw pages); before the retention nothing removed
them, and personal data must not be kept longer than needed (UU 27/2022).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from staging_builder import Night

from jaring import config, pipeline
from jaring.warehouse import db

D = date(2026, 11, 20)
NIK = "1571031203800001"
B = date(1980, 3, 12)


def _night(d: date) -> Night:
    n = Night(d)
    n.person(NIK, "AHMAD FAUZI", B)
    n.participant("22000000001", NIK, "AHMAD FAUZI", B)
    n.invalid("rt", "rt:2026-10/1571031004-RT005-RW002.xlsx#IURAN!7")
    return n


def _write_nights(dsn: str, nights: list[date]) -> None:
    with db.connect(dsn) as conn:
        for d in nights:
            with db.night_replacement(conn, ["staging.person", "staging.participant"], d):
                _night(d).write(conn)


def _nights_of(conn, table: str) -> list[date]:
    return [n for (n,) in conn.execute(f"SELECT DISTINCT night FROM {table} ORDER BY 1")]


def test_prune_keeps_the_latest_nights_and_records_what_it_removed(warehouse):
    nights = [D - timedelta(days=k) for k in (3, 2, 1, 0)]
    _write_nights(warehouse, nights)
    with db.connect(warehouse, autocommit=True) as conn:
        assert db.prune(conn, D, keep=2) == nights[:2]
        assert _nights_of(conn, "staging.person") == nights[2:]
        assert _nights_of(conn, "staging.invalid_record") == nights[2:]
        pruned = conn.execute("SELECT table_name, night FROM ops.pruned_night ORDER BY 1, 2").fetchall()
        assert db.prune(conn, D, keep=2) == []  # nothing more to remove
    assert pruned == [(table, n) for table in ("staging.invalid_record", "staging.participant", "staging.person")
                      for n in nights[:2]]


def test_the_night_prunes_after_publishing_and_a_pruned_night_needs_its_sources_again(warehouse, monkeypatch):
    monkeypatch.setenv("JARING_KEEP_NIGHTS", "2")
    nights = [D - timedelta(days=k) for k in (2, 1, 0)]
    _write_nights(warehouse, nights)
    for d in nights:
        assert pipeline.run_step("reconcile", d, warehouse)["links"] == 1
        counts = pipeline.run_step("prune_warehouse", d, warehouse)
    assert counts["nights_pruned"] == 1
    assert pipeline.STEPS["prune_warehouse"].needs == ("publish_outbox",)  # never on the reports' path
    with db.connect(warehouse) as conn:
        assert _nights_of(conn, "staging.person") == nights[1:] and _nights_of(conn, "recon.link") == nights[1:]
        assert _nights_of(conn, "recon.finding") == nights  # the findings are the record: kept
    with pytest.raises(pipeline.StepFailed, match=r"night 2026-11-18's staged rows .* were removed by the "
                                                  r"retention .*jaring backfill --from 2026-11-18") as failed:
        pipeline.run_step("reconcile", nights[0], warehouse)
    assert failed.value.permanent
    _write_nights(warehouse, nights[:1])  # its sources pulled again
    with db.connect(warehouse) as conn:
        for table in ("staging.payment", "staging.claim", "staging.dtsen_individual", "staging.rt_row"):
            with db.night_replacement(conn, table, nights[0]):
                pass
    assert pipeline.run_step("reconcile", nights[0], warehouse)["links"] == 1


@pytest.mark.parametrize("value", ["1", "0", "-3", "dua", "2.5"])
def test_keeping_fewer_than_two_nights_or_not_a_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("JARING_KEEP_NIGHTS", value)
    with pytest.raises(config.ConfigurationError, match="JARING_KEEP_NIGHTS"):
        config.keep_nights()


def test_the_retention_leaves_a_page_text_that_a_landing_counts_on_until_its_night_names_it(warehouse):
    """A BPJS landing looks up which page texts are kept, then names them: a text no night names yet must not
    go in between (the retention would delete what the landing counted on, or fail on the night naming it)."""
    import threading

    text = ("0" * 64, '[{"KPJ": "22000000001"}]')
    with db.connect(warehouse, autocommit=True) as landing, db.connect(warehouse, autocommit=True) as retention:
        db.copy_rows(landing, "raw.bpjs_page_text", ("sha256", "records"), [text])  # kept, named by no night
        with landing.transaction():
            db.content_lock(landing, "raw.bpjs_page_text")
            assert landing.execute("SELECT count(*) FROM raw.bpjs_page_text").fetchone() == (1,)
            pruning = threading.Thread(target=db.prune, args=(retention, D, 2))
            pruning.start()
            pruning.join(0.5)
            assert pruning.is_alive()  # waits for the landing's commit
            db.copy_rows(landing, "raw.bpjs_page", ("night", "listing", "seq", "sha256"), [(D, "klaim", 1, text[0])])
        pruning.join(10)
        assert not pruning.is_alive()
        assert landing.execute("SELECT count(*) FROM raw.bpjs_page_landed WHERE night = %s", (D,)).fetchone() == (1,)
        db.prune(retention, D + timedelta(days=2), 2)  # night D forgotten: its text with it
        assert landing.execute("SELECT count(*) FROM raw.bpjs_page_text").fetchone() == (0,)
