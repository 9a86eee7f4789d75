"""The note on night D's Airflow run: which night it reconciled, what it found, where the reports are.

Airflow shows a run's note (Markdown) on the run's page and in the run list, so the engineer reading
the UI at 06:00 sees the night, its counts and the links to the city report and the Data Docs without
opening a task. Written through Airflow's REST API (a task cannot set its run's note otherwise), with
the connection `airflow_api` (the API server's URL, a user allowed to edit runs).
"""

from __future__ import annotations

import os
from datetime import date
from urllib.parse import quote

from jaring import stale_history
from jaring.findings_contract import CODES
from jaring.publishing.formatting import angka, tanggal
from jaring.warehouse import sqlfile

AIRFLOW_API_CONN_ID = "airflow_api"


def compose(night: date, conn, outbox_url: str | None = None) -> str:
    """The note, in Indonesian like the reports; counts and step names only, never personal data."""
    latest = {step: (status, counts or {}, message)
              for step, status, counts, message in sqlfile.execute(conn, __name__, "latest_step_runs",
                                                                    {"night": night})}
    failed = {step: message for step, (status, _, message) in latest.items() if status == "failed"}
    published = outbox_url and latest.get("publish_outbox", ("",))[0] == "success"
    base = f"{outbox_url.rstrip('/')}/{night.isoformat()}" if published else ""
    # Airflow shows a note's first line on the run's page: the night, its counts and its links go there
    lines = []
    if failed:
        # the Data Docs are built after a failed source too (a rejected source's verdicts): linked before the
        # messages, which the UI cuts at the width of the page
        docs = (f" ([Data Docs]({outbox_url.rstrip('/')}/{night.isoformat()}/datadocs/index.html))"
                if outbox_url and latest.get("build_datadocs", ("",))[0] == "success" else "")
        lines.append(f"**Malam {tanggal(night)} gagal**{docs} — " + "; ".join(
            f"`{step}`: {(message or '').splitlines()[0][:160]}" for step, message in sorted(failed.items())))
        lines.append(f"Baca log tugas yang merah; `jaring status --date {night}` memuat setiap percobaan.")
    elif "reconcile" in latest and latest["reconcile"][0] == "success":
        counts = latest["reconcile"][1]
        found = sum(int(counts.get(code, 0)) for code in CODES)
        headline = f"**Malam {tanggal(night)}**: {angka(found)} temuan, {angka(int(counts.get('resolved', 0)))} selesai"
        if published:
            headline += f" — [Laporan kota]({base}/laporan.html) · [Data Docs]({base}/datadocs/index.html)"
        lines.append(headline)
        previous = conn.execute("SELECT figures->>'compared_with' FROM recon.figures WHERE night = %s",
                                (night,)).fetchone()
        if previous and previous[0]:
            lines.append(f"Dibandingkan dengan malam {tanggal(date.fromisoformat(previous[0]))}.")
    else:
        lines.append(f"**Malam {tanggal(night)}**: belum direkonsiliasi.")
    recomputed = stale_history.stale_nights(conn).get(night)
    if recomputed:
        lines.append(f"Riwayat malam ini usang: malam {tanggal(recomputed)} dihitung ulang sesudahnya "
                     "(`jaring backfill --stale`).")
    if published:
        lines.append(f"[Semua laporan]({outbox_url.rstrip('/')}/index.html)")
    return "\n\n".join(lines)


def outbox_url() -> str | None:
    """Where the deployment serves the outbox (the compose file's `outbox` service), if anywhere."""
    return os.environ.get("JARING_OUTBOX_URL") or None


def write(dag_id: str, run_id: str, note: str, timeout: float = 30) -> None:
    """Set the run's note through Airflow's REST API (`airflow_api`: its URL, login and password)."""
    import requests

    from jaring import config

    api = config.endpoint(AIRFLOW_API_CONN_ID)
    with requests.Session() as http:
        login = http.post(f"{api.base_url}/auth/token", json={"username": api.login, "password": api.password},
                          timeout=timeout)
        if login.status_code >= 400:
            raise config.ConfigurationError(f"{AIRFLOW_API_CONN_ID}: Airflow refused the login "
                                            f"(HTTP {login.status_code}); check the connection's login/password")
        answer = http.patch(f"{api.base_url}/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}",
                            params={"update_mask": "note"}, json={"note": note}, timeout=timeout,
                            headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        answer.raise_for_status()
