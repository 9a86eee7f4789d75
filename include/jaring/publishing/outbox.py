"""`<outbox>/<D>/`: findings.csv, resolved.csv, summary.json and one folder per audience, written atomically.

Three steps (`prepare`, `publish_part` for each part of the audiences, `release`), so that Airflow can
spread the audiences over workers (part 1 also writes the city-wide files); `write_outbox` runs all three.
How the folder is built and swapped into place: `building`.
"""

from __future__ import annotations

import csv
import ctypes
import io
import json
import logging
import os
import shutil
import signal
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from jaring import collector, config
from jaring.findings_contract import CODES
from jaring.logsafe import safe_text
from jaring.policy import Policy
from jaring.publishing import audiences as aud
from jaring.publishing import building, index, report, workbook
from jaring.publishing.formatting import compact_json
from jaring.publishing.night_data import Night, load, routing

log = logging.getLogger(__name__)

CSV_COLUMNS = ("finding_code", "nik", "kpj", "period", "source", "source_ref", "status", "first_seen",
               "severity", "nama", "kode_wilayah", "no_rt", "no_rw", "ledger_kelurahan", "details")
_PLAIN_COLUMNS = CSV_COLUMNS[:-1]  # every column but `details` (JSON), in order
XLSX_NAME, HTML_NAME = "temuan.xlsx", "laporan.html"
CITY_WIDE = ("findings.csv", "resolved.csv", "summary.json", HTML_NAME)  # written by part 1, beside its audiences
OWNED = frozenset({*CITY_WIDE, *aud.AGENCIES, aud.KELURAHAN})


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell of a finding's column (not `details`)."""
    if type(value) is str:  # most cells: one test, then written as they are
        return "'" + value if value.startswith(_FORMULA_START) else value
    if value is None:
        return ""
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
        details = row.get("details")
        cells = [*map(_cell, map(row.get, _PLAIN_COLUMNS)),
                 "" if details is None else compact_json(details)]  # a JSON object: starts with "{"
        (quoting if "\r" in "".join(cells) else writer).writerow(cells)
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


def audience_members(rows: list[dict], policy: Policy) -> dict[str, list[int]]:
    """The positions of the rows each audience receives, in order (every agency, even with none: it gets its
    report). One pass over the night, made before the audiences are shared out among processes."""
    members: dict[str, list[int]] = {a: [] for a in aud.AGENCIES}
    for position, row in enumerate(rows):
        for audience in aud.audiences_of(row, policy):
            members.setdefault(audience, []).append(position)
    return members


def split_by_audience(rows: list[dict], members: dict[str, list[int]], audiences,
                      masked: dict[int, dict]) -> dict[str, list[dict]]:
    """Each of `audiences`' rows (`members`: `audience_members` of `rows`), masked for that audience.
    `masked`: the rows masked so far, by position (the same for every audience that sees NIKs masked),
    kept by the caller across calls."""

    def view(position: int, audience: str) -> dict:
        if aud.sees_full_nik(audience):
            return rows[position]
        if position not in masked:
            masked[position] = aud.view_for(rows[position], audience)
        return masked[position]

    return {audience: [view(p, audience) for p in members.get(audience, ())] for audience in audiences}


def audience_sizes(rows: list[dict], policy: Policy) -> dict[str, int]:
    """How many findings each audience gets (every agency, even with none: it gets its report)."""
    return {audience: len(positions) for audience, positions in audience_members(rows, policy).items()}


def _write_city_wide(data: Night, place: Path) -> None:
    (place / "findings.csv").write_bytes(findings_csv(data.findings))
    (place / "resolved.csv").write_bytes(findings_csv(data.resolved))
    (place / "summary.json").write_text(_json(summary(data)), encoding="utf-8")
    (place / HTML_NAME).write_text(report.render_city(data), encoding="utf-8")


def _write_audiences(data: Night, place: Path, audiences: list[str], policy: Policy, members: dict,
                     masked: dict) -> None:
    """`members`: `audience_members` of the night's findings and of its resolved findings; `masked`: their
    rows masked so far in this process (`split_by_audience`)."""
    shares = split_by_audience(data.findings, members["findings"], audiences, masked["findings"])
    resolved = split_by_audience(data.resolved, members["resolved"], audiences, masked["resolved"])
    collector.keep(collect=True)  # the masked rows live as long as the night: the collector walked them again
    # and again while the workbooks' millions of cells were made (a quarter of publishing's time)
    for audience in audiences:
        rows, done = shares[audience], resolved[audience]
        target = place / audience
        target.mkdir(parents=True)
        workbook.write(target / XLSX_NAME, audience, rows, data.night, policy)
        (target / HTML_NAME).write_text(report.render_audience(data, audience, rows, done, policy), encoding="utf-8")
        (target / "ringkasan.json").write_text(_json(audience_counts(rows, done)), encoding="utf-8")


# The audiences' workbooks and pages are most of publishing's time and independent of each other: they are
# written in parts (config.task_parts(); Airflow maps one task over each); `jaring night` writes them in
# PROCESSES forked processes (they share the night's rows without copying them).
PROCESSES = min(2, os.cpu_count() or 1)


def _prepare(night: date, findings: list[dict], outbox: Path, policy: Policy, parts: int) -> tuple[Path, building.Plan]:
    Path(outbox).mkdir(parents=True, exist_ok=True)
    return building.start(outbox, night, balanced(audience_sizes(findings, policy), parts))


def prepare(night: date, conn, outbox: Path, policy: Policy | None = None, parts: int | None = None) -> dict:
    """Step 1 of 3: night D's building folder and its plan; returns each part's argument."""
    policy = policy or _configured_policy()
    _, plan = _prepare(night, routing(conn, night), outbox, policy, parts or config.task_parts())
    return {"parts": [{"night": night.isoformat(), **plan.part(n)} for n in range(1, len(plan.parts) + 1)]}


def publish_part(night: date, conn, outbox: Path, part: dict | None = None, policy: Policy | None = None) -> dict:
    """Step 2 of 3: the audiences of one part (`prepare`'s argument), or of every part when `part` is None;
    part 1 also writes the city-wide files."""
    policy = policy or _configured_policy()
    place = building.folder(outbox, night)
    plan = building.plan_of(place, part and part["build"])
    data = load(conn, night)
    collector.keep()
    numbers = [part["part"]] if part else list(range(1, len(plan.parts) + 1))
    _write_parts(data, place, plan, numbers, policy)
    return {"parts": len(numbers), "audiences": sum(len(plan.parts[n - 1]) for n in numbers)}


def _write_parts(data: Night, place: Path, plan: building.Plan, numbers: list[int], policy: Policy) -> None:
    """The parts `numbers`, in up to one process a part (two when part 1 is among them: its city-wide files
    are written beside its audiences). The processes share the parts' audiences in quarters (a part's
    audiences come largest first: every fourth one makes quarters of about equal rows), so that the others
    are shared out while one process writes the largest audience (Dinas Sosial's workbook is over a third
    of the city's rows)."""
    for number in numbers:
        building.begin_part(place, plan, number)
    items: list = [quarter for number in numbers for start in range(4) if (quarter := plan.parts[number - 1][start::4])]
    if 1 in numbers:
        for name in CITY_WIDE:
            (place / name).unlink(missing_ok=True)
        items.insert(1, CITY_WIDE)  # after the largest audience's quarter: the other process takes it
    members = {"findings": audience_members(data.findings, policy), "resolved": audience_members(data.resolved, policy)}
    masked: dict[str, dict] = {"findings": {}, "resolved": {}}  # each process fills its own copy

    def write(item) -> None:
        if item is CITY_WIDE:
            _write_city_wide(data, place)
        else:
            _write_audiences(data, place, item, policy, members, masked)

    in_processes(items, write, processes=min(PROCESSES, len(numbers) + (1 in numbers)))
    for number in numbers:
        building.finish_part(place, plan, number)


def release(night: date, outbox: Path) -> Path:
    """Step 3 of 3: swap the complete building folder in as `<outbox>/<D>/` and index the outbox."""
    target = Path(outbox) / night.isoformat()
    building.release(building.folder(outbox, night), target, OWNED)
    index.write(Path(outbox))
    log.info("outbox %s published", target)
    return target


def write_outbox(night: date, conn, outbox: Path, policy: Policy | None = None, parts: int | None = None) -> Path:
    """Night D's outbox folder from the warehouse, the three steps in one call; a rerun replaces it whole.

    `policy` (default: the configured policy file) says which kelurahan are the city's and who the
    APBD payer is.
    """
    policy = policy or _configured_policy()
    data = load(conn, night)
    collector.keep()
    place, plan = _prepare(night, data.findings, outbox, policy, parts or config.task_parts())
    try:
        _write_parts(data, place, plan, list(range(1, len(plan.parts) + 1)), policy)
    except BaseException:
        shutil.rmtree(place, ignore_errors=True)
        raise
    return release(night, outbox)


def _configured_policy() -> Policy:
    from jaring import policy

    return policy.load()


def balanced(sizes: dict[str, int], groups: int) -> list[list[str]]:
    """The audiences in `groups` groups of about equal rows (the largest first, each to the lightest group)."""
    parts: list[list[str]] = [[] for _ in range(max(1, min(groups, len(sizes))))]
    loads = [0] * len(parts)
    for audience, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        lightest = loads.index(min(loads))
        parts[lightest].append(audience)
        loads[lightest] += size + 1
    return parts


def in_processes(items: list, work, processes: int = PROCESSES) -> None:
    """`work(item)` for every item, in `processes` processes: this one and forked children, each taking the
    next item as soon as it is free (the audiences' parts differ in cost: a fixed share would leave one
    process idle while the other still writes). A child never returns into the caller's code (it leaves with
    os._exit, so it closes nothing of the parent's, such as the warehouse connection); a failed item fails
    the whole publish once the others are done, and a killed parent takes its children with it (else they
    would go on writing into the building folder its rerun uses)."""
    # the queue: the items' numbers in a pipe, written before any process reads; a read of 4 bytes is one
    # number, taken by exactly one process (a pipe holds 16k of them)
    taken, queue = os.pipe()
    for number in range(len(items)):
        os.write(queue, number.to_bytes(4, "little"))
    os.close(queue)

    def work_through_queue() -> None:
        while number := os.read(taken, 4):
            work(items[int.from_bytes(number, "little")])

    children = []
    parent = os.getpid()
    try:
        for _ in range(min(processes, len(items)) - 1):
            pid = os.fork()
            if pid == 0:
                status = 1
                try:
                    _die_with(parent)
                    work_through_queue()
                    status = 0
                except BaseException as error:  # noqa: BLE001 - reported by the exit status
                    log.error("publishing failed in a forked process: %s: %s", type(error).__name__,
                              safe_text(error)[:300])
                finally:
                    os._exit(status)
            children.append(pid)
        work_through_queue()
    finally:
        failed = sum(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0 for pid in children)
        os.close(taken)
    if failed:
        raise RuntimeError(f"publishing failed in {failed} of {len(children) + 1} processes (see the log above)")


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """This (forked) process is killed when its parent dies (Linux; elsewhere a no-op)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
