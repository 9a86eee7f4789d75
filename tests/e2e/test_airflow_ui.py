"""The night from Airflow's UI, as the city's data engineer runs it (Playwright driving Debian's Chromium).

Log in, find `jaring_nightly`, trigger a night with its `night` parameter, wait for the run to succeed
under the real scheduler, read the run's note and open its report link; then break one source and
watch the run turn red within the bound while exactly one alert reaches the engineers.

Screenshots go to $JARING_SCREENSHOTS (the README's runbook pictures: `JARING_SCREENSHOTS=docs/runbook`)
or the test's temp folder. Skipped only when no Chromium is installed and not in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import psycopg
import pytest
from scheduler_stack import UI_PASSWORD, alerts, runs_under_way, wait

from jaring import pipeline

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="no chromium installed (apt-get install -y chromium)")
NIK = re.compile(rb"\b\d{16}\b")
RED_WITHIN_SECONDS = 16 * 60  # the DAG's bound for a source down for good (3 attempts, 30 s apart)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("JARING_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def page(scheduler):
    from playwright.sync_api import sync_playwright

    *_, ui = scheduler
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1366, "height": 860}, device_scale_factor=1)
        tab.set_default_timeout(120_000)  # a loaded 2-core machine renders slowly
        tab.goto(f"{ui}/")
        tab.get_by_label(re.compile("username", re.I)).fill("admin")
        tab.get_by_label(re.compile("password", re.I)).fill(UI_PASSWORD)
        tab.get_by_role("button", name=re.compile("sign in|log ?in", re.I)).click()
        tab.wait_for_url(f"{ui}/", timeout=120_000)
        yield tab
        browser.close()


def trigger_from_the_ui(page, ui: str, night: str) -> None:
    page.goto(f"{ui}/dags/{pipeline.DAG_ID}")
    page.get_by_role("button", name=re.compile("^Trigger", re.I)).first.click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#element_night").fill(night)
    dialog.get_by_role("button", name=re.compile("^Trigger$")).click()
    dialog.wait_for(state="hidden")


def latest_manual_run(meta: str) -> tuple[str, str] | None:
    with psycopg.connect(meta) as conn:
        return conn.execute("SELECT run_id, state FROM dag_run WHERE dag_id = %s AND run_type = 'manual' "
                            "ORDER BY id DESC LIMIT 1", (pipeline.DAG_ID,)).fetchone()


def test_a_night_triggered_from_the_ui_succeeds_and_its_note_links_the_report(scheduler, hub, page, screenshots):
    env, meta, run_dir, ui = scheduler
    night = hub.nights[-1]
    page.goto(f"{ui}/dags")
    page.get_by_text(pipeline.DAG_ID).first.wait_for()
    page.screenshot(path=str(screenshots / "1-dags.png"))

    trigger_from_the_ui(page, ui, night.isoformat())
    run_id, _ = wait(lambda: latest_manual_run(meta), 120, "the triggered run", run_dir)
    wait(lambda: latest_manual_run(meta)[1] in ("success", "failed"), 2400, "the triggered night", run_dir)
    assert latest_manual_run(meta)[1] == "success", open(run_dir / "scheduler.log").read()[-3000:]

    page.goto(f"{ui}/dags/{pipeline.DAG_ID}/runs/{run_id}")
    report = page.get_by_role("link", name="Laporan kota")
    report.wait_for()
    page.screenshot(path=str(screenshots / "2-night-succeeded.png"))
    assert page.get_by_text(f"Malam {night.day} November {night.year}").first.is_visible()
    href = report.get_attribute("href")
    assert href.endswith(f"/{night.isoformat()}/laporan.html"), href
    page.goto(href)
    assert f"{night.day} November {night.year}" in page.content()


def test_a_source_that_breaks_turns_the_run_red_within_the_bound_and_alerts_once(scheduler, hub, postgres, page,
                                                                                screenshots):
    env, meta, run_dir, ui = scheduler
    night = hub.nights[-1]
    failure_alerts_before = len(alerts(hub.maildir, "failed"))
    # the source breaks for this run alone: the nights the scheduler is catching up must not meet it
    wait(lambda: runs_under_way(meta) == 0, 1800, "the runs under way before the source breaks", run_dir)
    with psycopg.connect(postgres.dsn("e2e_dtsen"), autocommit=True) as dtsen:
        dtsen.execute("ALTER SCHEMA dtsen RENAME TO dtsen_offline")  # Dinas Sosial's database breaks
    try:
        started = time.monotonic()
        trigger_from_the_ui(page, ui, night.isoformat())
        wait(lambda: latest_manual_run(meta)[1] in ("success", "failed"), RED_WITHIN_SECONDS,
             "the run with a broken source to end", run_dir)
        took = time.monotonic() - started
    finally:
        with psycopg.connect(postgres.dsn("e2e_dtsen"), autocommit=True) as dtsen:
            dtsen.execute("ALTER SCHEMA dtsen_offline RENAME TO dtsen")
    run_id, state = latest_manual_run(meta)
    assert state == "failed" and took < RED_WITHIN_SECONDS
    print(f"run red {took:.0f} s after the trigger")

    page.goto(f"{ui}/dags/{pipeline.DAG_ID}/runs/{run_id}")
    page.get_by_text(f"Malam {night.day} November {night.year} gagal").first.wait_for()
    page.screenshot(path=str(screenshots / "3-night-failed.png"))
    # the note links the night's Data Docs, built after the failure: the sources that did validate
    docs = page.get_by_role("link", name="Data Docs")
    docs.wait_for()
    assert docs.get_attribute("href").endswith(f"/{night.isoformat()}/datadocs/index.html")
    page.goto(docs.get_attribute("href"))
    assert "dukcapil" in page.content() and "bpjs_peserta" in page.content()

    # one failure, one mail: the failed task's, not one per retry and none more for the run
    wait(lambda: len(alerts(hub.maildir, "failed")) > failure_alerts_before, 180, "the failure alert", run_dir)
    time.sleep(10)  # a duplicate would come within seconds
    (alert,) = alerts(hub.maildir, "failed")[failure_alerts_before:]
    assert alert["Subject"] == f"[Jaring] {pipeline.DAG_ID}: task ingest_dtsen failed, night {night}"
    body = alert.get_body(("html",)).get_content()
    assert "dtsen_db" in body and not NIK.search(alert.as_bytes())
