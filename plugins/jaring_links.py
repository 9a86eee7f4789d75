"""Airflow UI links from every Jaring task to the night's reports and Great Expectations Data Docs.

The outbox is served read-only over HTTP at JARING_OUTBOX_URL (`make airflow`
serves the local outbox on 127.0.0.1). A scheduled or backfill run's id
carries its logical date, whose day in WIB is the night.
"""

from __future__ import annotations

import os

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

from jaring.nights import night_of_run_id


def _outbox_url() -> str:
    return os.environ.get("JARING_OUTBOX_URL", "http://127.0.0.1:8090").rstrip("/")


class NightReportLink(BaseOperatorLink):
    name = "Jaring: laporan malam ini"

    def get_link(self, operator, *, ti_key) -> str:
        night = night_of_run_id(ti_key.run_id)
        return f"{_outbox_url()}/{night}/index.html" if night else f"{_outbox_url()}/index.html"


class DataDocsLink(BaseOperatorLink):
    name = "Great Expectations Data Docs"

    def get_link(self, operator, *, ti_key) -> str:
        night = night_of_run_id(ti_key.run_id)
        return f"{_outbox_url()}/{night}/datadocs/index.html" if night else f"{_outbox_url()}/index.html"


class JaringLinksPlugin(AirflowPlugin):
    name = "jaring_links"
    global_operator_extra_links = [NightReportLink(), DataDocsLink()]
