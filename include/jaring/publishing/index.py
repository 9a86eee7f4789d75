"""The outbox's two faces.

- `index.html` at the root is the engineers' index: every night, every audience's report, the raw
  files (`findings.csv` holds every NIK of the city) and the Data Docs.
- `penerima/<audience>/index.html` is an official's: only that audience's reports, night by night.
  A deployment's web server gives each office `penerima/<its audience>/` and `<D>/<its audience>/`
  only, and the engineers everything.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from jaring.publishing import labels
from jaring.publishing.audiences import AGENCIES, KELURAHAN
from jaring.publishing.formatting import tanggal
from jaring.publishing.report import render_audience_index, render_index

_NIGHT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RAW_FILES = ("findings.csv", "resolved.csv", "summary.json")
OFFICIALS = "penerima"


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
                                  "audience": path.relative_to(folder).as_posix(), "night": name,
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
    """Rewrite the engineers' `<outbox>/index.html` and every official's `penerima/<audience>/index.html`
    (each written aside and renamed, so readers never see half a page)."""
    listed = nights(outbox)
    for audience, rows in by_audience(listed).items():
        folder = outbox / OFFICIALS / audience
        folder.mkdir(parents=True, exist_ok=True)
        up = "../" * (audience.count("/") + 2)  # from penerima/<audience>/ back to the outbox
        links = [{"label": r["label"], "html": up + r["html"], "xlsx": r["xlsx"] and up + r["xlsx"]} for r in rows]
        _replace(folder / "index.html", render_audience_index(labels.audience_name(audience), links))
    return _replace(outbox / "index.html", render_index(listed))


def by_audience(listed: list[dict]) -> dict[str, list[dict]]:
    """Each audience's reports, newest night first (with the night's label)."""
    found: dict[str, list[dict]] = {}
    for night in listed:
        for entry in night["audiences"]:
            found.setdefault(entry["audience"], []).append({**entry, "label": night["label"]})
    return found


def _replace(target: Path, html: str) -> Path:
    temp = target.with_name(f".{target.name}.{os.getpid()}")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, target)
    return target
