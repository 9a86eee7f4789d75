"""`<outbox>/<D>/`: findings.csv, resolved.csv, summary.json and one folder per audience, written atomically.

The night's folder is built in a hidden sibling and swapped into place in one
rename (Linux `renameat2(RENAME_EXCHANGE)`, else two renames), so a reader sees
either the previous complete folder or the new one. Entries of the previous
folder that publishing does not write (`datadocs/` from validation) are carried over.
"""

from __future__ import annotations

import csv
import ctypes
import io
import json
import logging
import os
import shutil
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from jaring.findings_contract import CODES
from jaring.logsafe import safe_text
from jaring.policy import Policy
from jaring.publishing import audiences as aud
from jaring.publishing import index, report, workbook
from jaring.publishing.formatting import compact_json
from jaring.publishing.night_data import Night, load

log = logging.getLogger(__name__)

CSV_COLUMNS = ("finding_code", "nik", "kpj", "period", "source", "source_ref", "status", "first_seen",
               "severity", "nama", "kode_wilayah", "no_rt", "no_rw", "ledger_kelurahan", "details")
OWNED = frozenset({"findings.csv", "resolved.csv", "summary.json", "laporan.html", *aud.AGENCIES, aud.KELURAHAN})
XLSX_NAME, HTML_NAME = "temuan.xlsx", "laporan.html"


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(row: dict, column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if column == "details":
        return compact_json(value)  # starts with "{"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)  # a number of ours (a negative amount, say) stays a number
    return neutralise(str(value))


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, prefixed with `'` (shown as text). Applied to every text
    cell, not only names: a source_ref or a code carries the source's own characters too."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def findings_csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # Python 3.11's writer quotes a field holding "\n" but not one holding a lone "\r", which readers
    # take for a line break: such a row is written with every field quoted.
    quoting = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = [_cell(row, c) for c in CSV_COLUMNS]
        (quoting if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue().encode("utf-8")


def summary(data: Night) -> dict:
    def by_code(rows):
        counts = Counter(r["finding_code"] for r in rows)
        return {code: counts.get(code, 0) for code in sorted(set(CODES) | set(counts))}

    return {
        "night": data.night.isoformat(),
        "total_findings": len(data.findings),
        "findings_by_code": by_code(data.findings),
        "new_by_code": by_code([r for r in data.findings if r.get("status") == "NEW"]),
        "resolved_by_code": by_code(data.resolved),
        "figures": data.figures,
    }


def audience_counts(rows: list[dict], resolved: list[dict] | None = None) -> dict:
    """An audience's `ringkasan.json`: counts only (the e-mail body is built from it)."""
    per_code: dict[str, dict[str, int]] = {}
    for row in rows:
        entry = per_code.setdefault(row["finding_code"], {"jumlah": 0, "baru": 0})
        entry["jumlah"] += 1
        entry["baru"] += row.get("status") == "NEW"
    return {"jumlah": len(rows), "per_kode": per_code, "selesai": len(resolved or [])}


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"


def split_by_audience(rows: list[dict], policy: Policy) -> dict[str, list[dict]]:
    """Each audience's findings (already masked for that audience), keeping the sort order."""
    shares: dict[str, list[dict]] = {a: [] for a in aud.AGENCIES}
    for row in rows:
        masked = None  # the same for every audience that sees NIKs masked: computed once
        for audience in aud.audiences_of(row, policy):
            if aud.sees_full_nik(audience):
                view = row
            else:
                view = masked = masked or aud.view_for(row, audience)
            shares.setdefault(audience, []).append(view)
    return shares


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux); False when the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _swap_into_place(built: Path, target: Path) -> None:
    if not target.exists():
        os.rename(built, target)
        return
    for entry in target.iterdir():  # keep what other steps put there (datadocs/)
        if entry.name not in OWNED and not (built / entry.name).exists():
            if entry.is_dir():
                shutil.copytree(entry, built / entry.name, symlinks=True)
            else:
                shutil.copy2(entry, built / entry.name)
    if _exchange(built, target):
        shutil.rmtree(built)  # now the previous folder
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    os.rename(built, target)
    shutil.rmtree(old)


def _build(data: Night, folder: Path, policy: Policy) -> dict[str, int]:
    (folder / "findings.csv").write_bytes(findings_csv(data.findings))
    (folder / "resolved.csv").write_bytes(findings_csv(data.resolved))
    (folder / "summary.json").write_text(_json(summary(data)), encoding="utf-8")
    (folder / HTML_NAME).write_text(report.render_city(data), encoding="utf-8")
    shares = split_by_audience(data.findings, policy)
    resolved = split_by_audience(data.resolved, policy)

    def write_audiences(group: list[str]) -> None:
        for audience in group:
            rows, done = shares[audience], resolved.get(audience, [])
            target = folder / audience
            target.mkdir(parents=True)
            workbook.write(target / XLSX_NAME, audience, rows, data.night, policy)
            (target / HTML_NAME).write_text(report.render_audience(data, audience, rows, done, policy),
                                            encoding="utf-8")
            (target / "ringkasan.json").write_text(_json(audience_counts(rows, done)), encoding="utf-8")

    in_processes(balanced({a: len(rows) for a, rows in shares.items()}, PROCESSES), write_audiences)
    return {audience: len(rows) for audience, rows in shares.items()}


# The audiences' workbooks and pages are most of publishing's time and independent of each other: they
# are written by this many processes (forked: they share the night's rows without copying them).
PROCESSES = min(2, os.cpu_count() or 1)


def balanced(sizes: dict[str, int], groups: int) -> list[list[str]]:
    """The audiences in `groups` groups of about equal rows (the largest first, each to the lightest group)."""
    parts: list[list[str]] = [[] for _ in range(max(1, min(groups, len(sizes))))]
    loads = [0] * len(parts)
    for audience, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        lightest = loads.index(min(loads))
        parts[lightest].append(audience)
        loads[lightest] += size + 1
    return parts


def in_processes(groups: list[list[str]], work) -> None:
    """`work(group)` for every group: the first here, the others in forked children. A child never returns
    into the caller's code (it leaves with os._exit, so it closes nothing of the parent's, such as the
    warehouse connection); a failed child fails the whole publish."""
    children = []
    for group in groups[1:]:
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                work(group)
                status = 0
            except BaseException as error:  # noqa: BLE001 - reported by the exit status
                log.error("publishing %d audiences failed: %s: %s", len(group), type(error).__name__,
                          safe_text(error)[:300])
            finally:
                os._exit(status)
        children.append(pid)
    try:
        work(groups[0])
    finally:
        failed = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 for pid in children)
    if failed:
        raise RuntimeError(f"publishing failed in {failed} of {len(groups)} processes (see the log above)")


LEFTOVER_AGE_SECONDS = 3600  # a publish takes a minute: a building folder this old was left by a kill


def remove_leftovers(outbox: Path, night: date) -> None:
    """Folders of killed publishes hold full NIKs: night D's go now (no other publish of D runs: the
    step's lock), other nights' once they are older than any publish could be."""
    now = time.time()
    for stale in outbox.glob(".????-??-??.*"):
        if stale.name.startswith(f".{night.isoformat()}.") or now - stale.lstat().st_mtime > LEFTOVER_AGE_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)


def write_outbox(night: date, conn, outbox: Path, policy: Policy | None = None) -> Path:
    """Write night D's outbox folder from the warehouse; a rerun replaces it whole. Returns the folder.

    `policy` (default: the configured policy file) says which kelurahan are the city's and who the
    APBD payer is.
    """
    from jaring import policy as policies

    policy = policy or policies.load()
    data = load(conn, night)
    outbox = Path(outbox)
    outbox.mkdir(parents=True, exist_ok=True)
    target = outbox / night.isoformat()
    remove_leftovers(outbox, night)
    built = outbox / f".{night.isoformat()}.building-{os.getpid()}"
    built.mkdir()
    try:
        counts = _build(data, built, policy)
        _swap_into_place(built, target)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    index.write(outbox)
    log.info("outbox %s: %d findings, %d resolved, %d audiences (%s)", target, len(data.findings),
             len(data.resolved), len(counts), ", ".join(f"{a}={n}" for a, n in sorted(counts.items())))
    return target
