"""The outbox root's `index.html`: every night's folder, its reports and its Data Docs when present."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from jaring.publishing import labels
from jaring.publishing.audiences import AGENCIES, KELURAHAN
from jaring.publishing.formatting import tanggal
from jaring.publishing.report import render_index

_NIGHT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RAW_FILES = ("findings.csv", "resolved.csv", "summary.json")


def _audiences(folder: Path) -> list[Path]:
    found = [folder / a for a in AGENCIES if (folder / a).is_dir()]
    if (folder / KELURAHAN).is_dir():
        found += sorted(p for p in (folder / KELURAHAN).iterdir() if p.is_dir())
    return found


def nights(outbox: Path) -> list[dict]:
    """What the index lists, newest night first (paths relative to the outbox)."""
    rows = []
    for folder in sorted((p for p in outbox.iterdir() if p.is_dir() and _NIGHT.match(p.name)), reverse=True):
        name = folder.name
        audiences = []
        for path in _audiences(folder):
            rel = path.relative_to(outbox).as_posix()
            if (path / "laporan.html").exists():
                audiences.append({"name": labels.audience_name(path.relative_to(folder).as_posix()),
                                  "html": f"{rel}/laporan.html",
                                  "xlsx": f"{rel}/temuan.xlsx" if (path / "temuan.xlsx").exists() else None})
        rows.append({
            "label": tanggal(date.fromisoformat(name)),
            "city": f"{name}/laporan.html" if (folder / "laporan.html").exists() else None,
            "audiences": audiences,
            "files": [f"{name}/{f}" for f in RAW_FILES if (folder / f).exists()],
            "datadocs": f"{name}/datadocs/index.html" if (folder / "datadocs" / "index.html").exists() else None,
        })
    return rows


def write(outbox: Path) -> Path:
    """Rewrite `<outbox>/index.html` (written aside and renamed, so readers never see half a page)."""
    target = outbox / "index.html"
    temp = outbox / f".index.html.{os.getpid()}"
    temp.write_text(render_index(nights(outbox)), encoding="utf-8")
    os.replace(temp, target)
    return target
