"""Render the publishing tests' sample night (with 30 nights of history) into an outbox, for looking at it.

    .venv/bin/python tests/publishing/render_sample.py /tmp/outbox
    chromium --headless --no-sandbox --window-size=900,1700 --screenshot=docs/summary.png \\
        file:///tmp/outbox/2026-11-20/laporan.html

Uses a throw-away PostgreSQL cluster; the names and NIKs are invented.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from publishing_sample import NIGHT, insert, insert_figures, sample_figures, sample_findings  # noqa: E402

from jaring.publishing import write_outbox  # noqa: E402
from jaring.warehouse import db  # noqa: E402
from jaring_dev.postgres import LocalPostgres  # noqa: E402


def main(outbox: Path) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="jaring-render-"))
    scratch.chmod(0o755)  # the server runs as `postgres` when we are root
    cluster = LocalPostgres(scratch / "pg")
    cluster.start()
    try:
        cluster.ensure_database("render")
        dsn = cluster.dsn("render")
        with db.connect(dsn) as conn:
            db.migrate(conn)
        rows = sample_findings()
        insert(dsn, NIGHT, rows)
        insert_figures(dsn, NIGHT, sample_figures())
        pick = random.Random(1)
        for back in range(1, 30):
            insert(dsn, NIGHT - timedelta(days=back), [r for r in rows if pick.random() < 0.4 + back / 60])
        with db.connect(dsn) as conn:
            print(write_outbox(NIGHT, conn, outbox))
    finally:
        cluster.destroy()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "outbox"))
