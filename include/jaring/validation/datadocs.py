"""Great Expectations Data Docs of a night: the suites and their verdicts as a static site.

The verdicts are the reports `validate` produced (record values already
removed); they are replayed into a throw-away file data context, the site is
built there and copied to `<outbox>/<D>/datadocs/`.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path

from jaring.nights import WIB


def load_results(conn, night: date) -> list[dict]:
    """The verdicts of night D stored by the ingests (`ops.validation_result`)."""
    rows = conn.execute("SELECT suite, report FROM ops.validation_result WHERE night = %s ORDER BY suite",
                        (night,)).fetchall()
    return [{"source": suite, "report": report} for suite, report in rows]


def build(night: date, results: Iterable, outbox: Path) -> Path:
    """Write the Data Docs of night D under `<outbox>/<D>/datadocs/`; returns its index.html.

    `results`: `ValidationResult`s, or dicts `{"source", "report"}` as `load_results` gives.
    """
    from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from jaring.validation import _gx

    gx = _gx()
    target = Path(outbox) / night.isoformat() / "datadocs"
    run_time = datetime.combine(night, time(23, 59, 59), tzinfo=WIB)
    with tempfile.TemporaryDirectory(prefix="jaring-gx-") as root:
        context = gx.get_context(mode="file", project_root_dir=root)
        for item in results:
            source = item["source"] if isinstance(item, dict) else item.source
            report = item["report"] if isinstance(item, dict) else item.report
            # the suite as it ran that night (its contract's columns, its volume rule), from the report itself
            expectations = [outcome["expectation_config"] for outcome in report["results"]]
            context.suites.add(gx.ExpectationSuite(name=source, expectations=expectations))
            key = ValidationResultIdentifier(
                ExpectationSuiteIdentifier(name=source),
                RunIdentifier(run_name=f"night-{night.isoformat()}", run_time=run_time),
                source,
            )
            context.validation_results_store.set(key, expectationSuiteValidationResultSchema.load(report))
        site = Path(context.build_data_docs()["local_site"].removeprefix("file://")).parent
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(site, target)
    for page in target.rglob("*.html"):
        page.write_text(local_only(page.read_text(encoding="utf-8")), encoding="utf-8")
    return target / "index.html"


# GX's pages load Bootstrap, jQuery and Vega from CDNs and a logo that reports the context id to S3:
# on the city's intranet these fail or leak. The pages keep GX's own stylesheet (static/, copied with
# them) and stay readable as plain tables; what needed the scripts (filters, charts) is lost.
_EXTERNAL_TAG = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)=\"https?://[^\"]*\"[^>]*>(?:\s*</script>)?",
                           re.IGNORECASE)
_EXTERNAL_IMG = re.compile(r"<img\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>", re.IGNORECASE | re.DOTALL)
_EXTERNAL_LINK = re.compile(r"<a\b([^>]*)\bhref=\"https?://[^\"]*\"([^>]*)>", re.IGNORECASE | re.DOTALL)
_EXTERNAL_CSS = re.compile(r"url\(\s*['\"]?https?://[^)]*\)", re.IGNORECASE)


# a little of what Bootstrap gave, inline: the pages stay readable offline
_LOCAL_STYLE = ("<style>body{font-family:Helvetica,Arial,sans-serif;margin:1rem auto;max-width:1100px;padding:0 1rem}"
                "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d5dbe3;padding:.3rem .5rem;"
                "text-align:left;vertical-align:top}a{color:#1f4e79}</style>")


def local_only(html: str) -> str:
    """The page without anything fetched from outside (scripts, stylesheets, images, CSS urls) and
    without links out (they become plain text)."""
    html = _EXTERNAL_TAG.sub("", html).replace("</head>", _LOCAL_STYLE + "</head>", 1)
    html = _EXTERNAL_IMG.sub("", html)
    html = _EXTERNAL_CSS.sub("none", html)
    return _EXTERNAL_LINK.sub(r"<a\1\2>", html)
