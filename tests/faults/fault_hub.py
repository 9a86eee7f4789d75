"""The fault suite's tiny hub: the world's shape, `jaring night` as a subprocess a test may kill, and what a
night must leave behind (each row once, the RT invariant, nothing personal in its output)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
import xlsxwriter
from simulate.tiny_world import NIGHT

from jaring.nights import WIB

TOKEN, CLIENT = "faults-token", ("jaring", "faults-secret")
HEADER = ["NO", "NIK", "NAMA", "PEKERJAAN", "NO KPJ", "IURAN (Rp)", "TGL BAYAR", "SUMBER DANA", "KETERANGAN"]
NIK_RUN = re.compile(r"(?<!\d)\d{16}(?!\d)")


@dataclass
class World:
    dir: Path
    niks: list[str]
    names: list[str]


def ledger(path: Path, rows: list[list], uploaded: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("IURAN")
    sheet.write_row(0, 0, ["BUKU IURAN BPJS KETENAGAKERJAAN"])
    for r, row in enumerate([HEADER, *rows], start=2):
        sheet.write_row(r, 0, row)
    book.close()
    stamp = (uploaded or datetime(2026, 11, 3, 20, tzinfo=WIB)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


@dataclass
class Hub:
    """One scenario's warehouse and outbox, and how to run `jaring night` against them."""

    dsn: str
    outbox: Path
    env: dict[str, str]
    runs: list[subprocess.CompletedProcess] = field(default_factory=list)

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "jaring.cli", "night", "--date", NIGHT.isoformat(), "--no-deliver", *args]
        return subprocess.Popen(command, env={**self.env, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def night(self, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
        process = self.start(*args, **env)
        out, err = process.communicate(timeout=timeout)
        done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
        self.runs.append(done)
        return done

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(sql, params).fetchall()

    def wait_for_running(self, process: subprocess.Popen, step: str, after_id: int = 0,
                         timeout: float = 120) -> int:
        """The attempt number of the `running` journal row of `step` (the step holds its lock and works)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.query("SELECT attempt FROM ops.step_run WHERE night = %s AND step = %s "
                              "AND status = 'running' AND attempt > %s", (NIGHT, step, after_id))
            if rows:
                return rows[0][0]
            if process.poll() is not None:
                raise AssertionError(f"jaring night ended before {step} ran: {process.stderr.read()[-2000:]}")
            time.sleep(0.02)
        raise AssertionError(f"{step} never started")

    def kill(self, process: subprocess.Popen) -> subprocess.CompletedProcess:
        process.send_signal(signal.SIGKILL)  # only the child this test started, by its id
        out, err = process.communicate(timeout=30)
        done = subprocess.CompletedProcess(process.args, process.returncode, out, err)
        self.runs.append(done)
        return done

    def wait_for_locks_released(self, timeout: float = 30) -> None:
        """A killed step's advisory lock goes with its connection, once the server sees the socket close."""
        deadline = time.monotonic() + timeout
        while self.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")[0][0]:
            if time.monotonic() > deadline:
                raise AssertionError("a killed step's lock was never released")
            time.sleep(0.05)

    def findings(self) -> bytes:
        return (self.outbox / NIGHT.isoformat() / "findings.csv").read_bytes()

    def building_left(self) -> list[str]:
        return [p.name for p in self.outbox.glob(".*building*")]


# night D's rows per table, and what makes a row of it unique
KEYS = {
    "staging.person": "nik", "staging.participant": "kpj", "staging.payment": "id_bayar",
    "staging.claim": "no_klaim", "staging.dtsen_individual": "id_individu", "staging.rt_row": "source_ref",
    "quarantine.record": "source, source_ref, reason", "staging.invalid_record": "source, source_ref, reason",
    "recon.finding": "finding_code, finding_key", "recon.link": "source, source_key",
}


def night_counts(hub: Hub) -> dict[str, int]:
    return {table: hub.query(f"SELECT count(*) FROM {table} WHERE night = %s", (NIGHT,))[0][0] for table in KEYS}


def duplicates(hub: Hub) -> dict[str, int]:
    """Rows of night D beyond one per key, per table (all zero when nothing landed twice)."""
    out = {}
    for table, key in KEYS.items():
        total, distinct = hub.query(f"SELECT count(*), count(DISTINCT ({key})) FROM {table} WHERE night = %s",
                                    (NIGHT,))[0]
        out[table] = total - distinct
    return out


def rt_invariant(hub: Hub) -> tuple[int, int, int]:
    """(rows read, rows staged, rows quarantined) of the RT source on night D, as ingest_rt journaled them."""
    (counts,) = hub.query("SELECT counts FROM ops.step_run WHERE night = %s AND step = 'ingest_rt' "
                          "AND status = 'success' ORDER BY attempt DESC LIMIT 1", (NIGHT,))[0]
    return counts["rows_read"], counts["rows_staged"], counts["rows_quarantined"]


def assert_nothing_personal(world: World, *runs: subprocess.CompletedProcess) -> None:
    """No NIK (a run of 16 digits) and no name of the world in what the night printed."""
    for run in runs:
        text = run.stdout + run.stderr
        assert not NIK_RUN.search(text), NIK_RUN.search(text)
        named = [name for name in world.names if len(name) > 6 and name in text]
        assert not named, named[:3]
