"""The real outbox of a night, read as its officials read it: every word Indonesian, no raw codes."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "publishing"))

import language_check  # noqa: E402


def test_every_report_and_workbook_speaks_indonesian(hub, last_night):
    night, _ = last_night
    folder = hub.outbox / night.isoformat()
    opened = language_check.files(folder)
    assert "dinsos/laporan.html" in opened and "bpkad/temuan.xlsx" in opened
    assert sum(1 for f in opened if f.startswith("kelurahan/")) > 20  # the kelurahan folders were opened too
    found = language_check.problems(folder)
    shown = {name: issues[:5] for name, issues in list(found.items())[:8]}
    assert not found, f"{len(found)} files show words officials cannot read, e.g. {shown}"
