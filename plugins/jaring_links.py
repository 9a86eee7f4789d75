"""Airflow UI links from every Jaring task to the night's reports and Great Expectations Data Docs.

The outbox is served read-only over HTTP at JARING_OUTBOX_URL (`make airflow`
serves the local outbox on 127.0.0.1). Global links are resolved by the API
server, which reads the run's night (its `night` parameter, else its data
interval, else the day before it ran) from the metadata database.
"""

from __future__ import annotations

import os

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink


def _outbox_url() -> str:
    return os.environ.get("JARING_OUTBOX_URL", "http://127.0.0.1:8090").rstrip("/")


def night_of(ti_key) -> str | None:
    """The night a task instance's run reconciles, or None if the run cannot be read."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from jaring.nights import night_of_run

    try:
        with create_session() as session:
            run = session.scalar(select(DagRun).where(DagRun.dag_id == ti_key.dag_id,
                                                      DagRun.run_id == ti_key.run_id))
            if run is None:
                return None
            return night_of_run((run.conf or {}).get("night"), run.data_interval_start, run.run_after).isoformat()
    except Exception:  # noqa: BLE001 - a link must never break the UI
        return None


class NightReportLink(BaseOperatorLink):
    name = "Jaring: laporan malam ini"

    def get_link(self, operator, *, ti_key) -> str:
        night = night_of(ti_key)
        return f"{_outbox_url()}/{night}/laporan.html" if night else f"{_outbox_url()}/index.html"


class DataDocsLink(BaseOperatorLink):
    name = "Great Expectations Data Docs"

    def get_link(self, operator, *, ti_key) -> str:
        night = night_of(ti_key)
        return f"{_outbox_url()}/{night}/datadocs/index.html" if night else f"{_outbox_url()}/index.html"


class JaringLinksPlugin(AirflowPlugin):
    name = "jaring_links"
    global_operator_extra_links = [NightReportLink(), DataDocsLink()]
