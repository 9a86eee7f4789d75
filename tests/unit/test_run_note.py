"""The note on a night's Airflow run: the night, its counts in Indonesian, the links; failures named."""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest

from jaring import pipeline, run_note

NIGHT = date(2026, 11, 20)
NIK = "1571035203880004"


def _reconciled(night, conn):
    conn.execute("INSERT INTO recon.figures (night, figures) VALUES (%s, %s)",
                 (night, json.dumps({"compared_with": "2026-11-18"})))
    return {"DECEASED_STILL_ACTIVE": 1500, "ELIGIBLE_NOT_ENROLLED": 351, "resolved": 16, "links": 9000}


def _published(night, conn):
    return {}


def _refused(night, conn):
    raise RuntimeError(f"bpjs_tk_api: HTTP 401 for participant {NIK}")


@pytest.fixture
def steps(monkeypatch):
    monkeypatch.setattr(pipeline, "STEPS", {
        "ingest_bpjs": pipeline.Step("ingest_bpjs", _published),
        "reconcile": pipeline.Step("reconcile", _reconciled, ("ingest_bpjs",)),
        "publish_outbox": pipeline.Step("publish_outbox", _published, ("reconcile",)),
    })


def _note(dsn, url="https://jaring.example/outbox/") -> str:
    with psycopg.connect(dsn) as conn:
        return run_note.compose(NIGHT, conn, url)


def test_a_night_that_succeeded_names_itself_its_counts_its_comparison_and_its_reports(warehouse, steps):
    pipeline.run_night(NIGHT, conninfo=warehouse)
    note = _note(warehouse)
    headline, *rest = note.split("\n\n")  # Airflow shows the first line on the run's page
    assert headline == ("**Malam 20 November 2026**: 1.851 temuan, 16 selesai — "
                        "[Laporan kota](https://jaring.example/outbox/2026-11-20/laporan.html) · "
                        "[Data Docs](https://jaring.example/outbox/2026-11-20/datadocs/index.html)")
    assert "Dibandingkan dengan malam 18 November 2026." in rest


def test_a_failed_night_names_the_step_and_its_masked_error_and_links_no_report(warehouse, steps, monkeypatch):
    pipeline.STEPS["ingest_bpjs"] = pipeline.Step("ingest_bpjs", _refused)
    with pytest.raises(pipeline.NightFailed):
        pipeline.run_night(NIGHT, conninfo=warehouse)
    note = _note(warehouse)
    assert note.startswith("**Malam 20 November 2026 gagal** — `ingest_bpjs`: RuntimeError: bpjs_tk_api: HTTP 401")
    assert NIK not in note and "jaring status --date 2026-11-20" in note
    assert "laporan.html" not in note and "datadocs" not in note  # no Data Docs were built


def test_a_failed_night_links_the_data_docs_built_after_the_failure(warehouse, steps):
    pipeline.STEPS["ingest_bpjs"] = pipeline.Step("ingest_bpjs", _refused)
    pipeline.STEPS["build_datadocs"] = pipeline.Step("build_datadocs", _published, ("ingest_bpjs",),
                                                     after_failures=True)
    with pytest.raises(pipeline.NightFailed):
        pipeline.run_night(NIGHT, conninfo=warehouse)
    headline = _note(warehouse).split("\n\n")[0]  # the UI shows the first line, cut at the page's width
    assert headline.startswith("**Malam 20 November 2026 gagal** ([Data Docs]"
                               "(https://jaring.example/outbox/2026-11-20/datadocs/index.html)) — `ingest_bpjs`: ")
    assert "laporan.html" not in _note(warehouse)


def test_without_an_outbox_url_the_note_has_no_links(warehouse, steps):
    pipeline.run_night(NIGHT, conninfo=warehouse)
    assert "](" not in _note(warehouse, url=None)
