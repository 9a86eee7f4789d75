"""The benchmark's stack and how it runs a step: a world, a throw-away PostgreSQL (warehouse + DTSEN),
the simulated agencies in their own process, and each step as `jaring night --steps <step>` in its own
process (seconds, peak RSS, the step's own journal)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from jaring import pipeline
from jaring.warehouse import db
from jaring_dev import processes
from jaring_dev.postgres import LocalPostgres, free_port
from jaring_dev.stack import connections_env

JARING = [sys.executable, "-m", "jaring.cli"]
# a step as an Airflow task runs it (warm_task.py); the step's own seconds exclude its imports
JARING_TASK = [sys.executable, str(Path(__file__).with_name("warm_task.py"))]
JARING_SIM = [sys.executable, "-m", "jaring_sim.cli"]
INGEST_STEPS = ("ingest_dukcapil", "ingest_bpjs", "ingest_dtsen", "ingest_rt")
BESIDE_RECONCILE = ("reconcile", "build_datadocs")  # after the ingests, at once (as the DAG runs them)
LATER_STEPS = ("publish_outbox",)
ROWS_OF_STEP = {
    "ingest_dukcapil": ["staging.person"],
    "ingest_bpjs": ["staging.participant", "staging.payment", "staging.claim"],
    "ingest_dtsen": ["staging.dtsen_individual"],
    "ingest_rt": ["staging.rt_row"],
    "reconcile": ["recon.link", "recon.finding"],
    "build_datadocs": [],
    "publish_outbox": ["recon.finding"],
}
# publishing is measured as `jaring night --steps publish` (its three steps in one process, the audiences in
# forked processes); its own seconds are the three steps' together
STEPS_MEASURED = {"publish_outbox": pipeline.PUBLISH_STEPS}
TOKEN = CLIENT = SECRET = "bench"


@dataclass
class Measured:
    """One process: wall seconds, CPU seconds (user + system: less sensitive to other load than the wall) and
    peak resident memory; `own` = the step's seconds in ops.step_run."""

    seconds: float
    cpu: float
    peak_mb: float
    rows: int = 0
    own: float | None = None
    counts: dict = field(default_factory=dict)


def run_measured(argv: list[str], env: dict, wrapper: list[str] | None = None) -> Measured:
    """Run a command to its end; a failure stops the benchmark with the command's last stderr."""
    t0 = time.monotonic()
    proc = subprocess.Popen([*(wrapper or []), *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = []
    reader = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)
    reader.start()
    done, peaks = threading.Event(), {}
    watcher = threading.Thread(target=_watch_peaks, args=(proc.pid, done, peaks), daemon=True)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - t0
    done.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:])} failed:\n{b''.join(stderr).decode(errors='replace')[-3000:]}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, max(peaks.values(), default=0) / 1024)


def _watch_peaks(root: int, done: threading.Event, peaks: dict[int, int]) -> None:
    """Peak resident memory (VmHWM, kB) of each process of a step's tree, read every 0.2 s. Not the
    child's ru_maxrss: Linux carries the forking parent's resident size into it, and this harness holds
    a world in memory."""
    while not done.is_set():
        for pid in _tree(root):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
            peaks[pid] = max(peaks.get(pid, 0), hwm)
        done.wait(0.2)


def _tree(root: int) -> list[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def generate_world(world: Path, scale: str) -> None:
    if (world / "world.json").exists():
        return
    result = subprocess.run([*JARING_SIM, "world", "--help"], capture_output=True, text=True)
    if scale not in result.stdout:
        raise SystemExit(f"jaring-sim world has no --scale {scale} yet (helper B adds it); nothing measured")
    m = run_measured([*JARING_SIM, "world", "--scale", scale, "--out", str(world)], dict(os.environ))
    print(f"{scale} world generated and its inbox rendered in {m.seconds:.1f} s (peak {m.peak_mb:.0f} MB)")


class Stack:
    """PostgreSQL (databases `jaring` and `dtsen`) and the agencies' simulators, for one world."""

    def __init__(self, world: Path, scratch: Path, faults: str):
        self.world, self.scratch, self.faults = world, scratch, faults
        self.pg = LocalPostgres(scratch / "pg")
        dukcapil = free_port()  # two calls can return the same just-released port: the agencies then fail to bind
        self.ports = {"dukcapil": dukcapil, "bpjs": next(p for p in iter(free_port, None) if p != dukcapil)}
        self.outbox = scratch / "outbox"

    def start(self) -> None:
        from jaring_sim import dtsen_db

        self.pg.start()
        self.pg.ensure_role("dinsos_ro")
        for name in ("dtsen", "jaring"):
            self.pg.ensure_database(name)
        with psycopg.connect(self.pg.dsn("jaring")) as conn:
            db.migrate(conn)
        t0 = time.monotonic()
        dtsen_db.load(self.world, self.pg.dsn("dtsen"))
        print(f"DTSEN extract (all releases) loaded in {time.monotonic() - t0:.1f} s")
        processes.start("bench-agencies", [
            *JARING_SIM, "serve", "--world", str(self.world), "--dukcapil-port", str(self.ports["dukcapil"]),
            "--bpjs-port", str(self.ports["bpjs"]), "--token", TOKEN, "--client-id", CLIENT,
            "--client-secret", SECRET, "--faults", self.faults,
        ], self.scratch)
        log = self.scratch / "bench-agencies.log"
        processes.wait_for_port(self.ports["dukcapil"], 300, "the Disdukcapil simulator", log)
        processes.wait_for_port(self.ports["bpjs"], 300, "the BPJS simulator", log)

    def stop(self, keep: bool) -> None:
        processes.stop("bench-agencies", self.scratch)
        if keep:
            print(f"\nwarehouse kept: {self.pg.dsn('jaring')} (stop: pg_ctl -D {self.pg.data_dir} stop)")
        else:
            self.pg.destroy()

    @property
    def warehouse(self) -> str:
        return self.pg.dsn("jaring")

    def env(self) -> dict:
        return {**os.environ, **connections_env(
            warehouse_dsn=self.warehouse, dtsen_dsn=self.pg.dsn("dtsen", user="dinsos_ro"),
            dukcapil_port=self.ports["dukcapil"], dukcapil_token=TOKEN, bpjs_port=self.ports["bpjs"],
            bpjs_client=(CLIENT, SECRET), smtp_port=free_port(), inbox=self.world / "inbox", outbox=self.outbox,
        )}

    def journal(self, night: date, step: str) -> tuple[int, float, dict]:
        """(rows the step left for night D, its own seconds, its counts) from the warehouse."""
        seconds, counts = 0.0, {}
        with psycopg.connect(self.warehouse) as conn:
            rows = sum(conn.execute(f"SELECT count(*) FROM {t} WHERE night = %s", (night,)).fetchone()[0]
                       for t in ROWS_OF_STEP[step])
            for name in STEPS_MEASURED.get(step, (step,)):
                status, journaled, message = conn.execute(
                    "SELECT status, counts, message FROM ops.step_run WHERE night = %s AND step = %s"
                    " ORDER BY attempt DESC LIMIT 1", (night, name)).fetchone() or ("not run", None, None)
                if status != "success":  # a profiler's exit status is its own, not the step's
                    raise SystemExit(f"{name} of night {night}: {status}: {message}")
                seconds += float(journaled.get("seconds") or 0)
                counts |= journaled
        return rows, seconds, counts


@dataclass
class NightRun:
    """A whole night as the DAG runs it: the four ingests at once (or one by one), then reconcile and
    build_datadocs at once, then publish_outbox; `wall` from the first ingest's start to publish_outbox's end."""

    night: date
    label: str
    parallel: bool = True
    wall: float = 0.0
    steps: dict[str, Measured] = field(default_factory=dict)

    @property
    def as_tasks(self) -> float:
        """The night as warm Airflow tasks take it: the slowest ingest, then the slower of reconcile and
        build_datadocs, then publish_outbox, each step's own seconds (Airflow adds ~1 s a task, measured
        under the scheduler)."""
        def took(steps: tuple[str, ...], at_once: bool) -> float:
            seconds = [self.steps[s].own or 0.0 for s in steps if s in self.steps]
            return max(seconds, default=0.0) if at_once else sum(seconds)

        return (took(INGEST_STEPS, self.parallel) + took(BESIDE_RECONCILE, self.parallel)
                + took(LATER_STEPS, at_once=False))


def run_night(stack: Stack, night: date, label: str, parallel: bool,
              wrapper_of=None, extra_args: tuple[str, ...] = ()) -> NightRun:
    """`wrapper_of(label, step)`: a command to run each step under (a profiler), or None."""
    env = stack.env()
    run = NightRun(night, label, parallel)

    def one(step: str, env: dict = env) -> None:
        named = "publish" if step in STEPS_MEASURED else step
        argv = [*JARING_TASK, "night", "--date", night.isoformat(), "--steps", named, *extra_args]
        run.steps[step] = run_measured(argv, env, wrapper_of(label, step) if wrapper_of else None)

    def stage(steps: tuple[str, ...]) -> None:
        if not parallel:
            for step in steps:
                one(step)
            return
        errors: list[BaseException] = []
        with tempfile.TemporaryDirectory(prefix="jaring-barrier-") as barrier:
            at_once = env | {"JARING_BENCH_BARRIER": barrier}
            threads = [threading.Thread(target=_capturing(lambda s: one(s, at_once), step, errors)) for step in steps]
            for thread in threads:
                thread.start()
            _release_when_imported(Path(barrier), threads)
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]

    t0 = time.monotonic()
    stage(INGEST_STEPS)
    stage(BESIDE_RECONCILE)
    for step in LATER_STEPS:
        one(step)
    run.wall = time.monotonic() - t0
    for step, measured in run.steps.items():
        measured.rows, measured.own, measured.counts = stack.journal(night, step)
    return run


def _release_when_imported(barrier: Path, threads: list[threading.Thread]) -> None:
    """Let a stage's steps begin their work together, once each has imported (warm_task.py), or at once when
    one of them ended before (it failed: the others must not wait for it)."""
    while len(list(barrier.glob("*.ready"))) < len(threads) and all(t.is_alive() for t in threads):
        time.sleep(0.01)
    (barrier / "go").touch()


COMPARED_TABLES = ("staging.person", "staging.dtsen_individual", "staging.participant", "staging.payment",
                   "staging.claim", "staging.rt_row", "recon.link", "recon.finding")


def fingerprints(stack: Stack, night: date) -> dict[str, list]:
    """Per staging table: rows of night D and a digest of them in a stable order."""
    with psycopg.connect(stack.warehouse) as conn:
        return {table: list(conn.execute(
            f"SELECT count(*), md5(string_agg(h, '' ORDER BY h)) FROM (SELECT md5(t::text) AS h FROM {table} t"
            " WHERE night = %s) x", (night,)).fetchone()) for table in COMPARED_TABLES}


def full_pull_again(stack: Stack, night: date) -> tuple[dict, dict]:
    """Night D's ingests and reconcile once more with `--full` (one by one); (their Measured, the differing
    tables). An incremental night must stage, link and find exactly what a full pull of the same night does."""
    before = fingerprints(stack, night)
    env = stack.env()
    steps = {step: run_measured([*JARING, "night", "--date", night.isoformat(), "--steps", step, "--full"], env)
             for step in (*INGEST_STEPS, "reconcile")}
    for step, measured in steps.items():
        measured.rows, measured.own, measured.counts = stack.journal(night, step)
    after = fingerprints(stack, night)
    return steps, {t: {"incremental": before[t], "full": after[t]} for t in COMPARED_TABLES if before[t] != after[t]}


def _capturing(function, argument, errors: list):
    def target():
        try:
            function(argument)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller once all threads ended
            errors.append(exc)
    return target


def machine() -> dict:
    """What the figures depend on: load, cores, the commit measured."""
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "include"], capture_output=True, text=True,
                           cwd=Path(__file__).parent).stdout.strip()
    return {"load_average": list(os.getloadavg()), "cores": os.cpu_count(), "git_commit": commit,
            "product_changed_since_commit": bool(dirty)}


def dumps(value) -> str:
    return json.dumps(value, indent=1, sort_keys=True, default=str) + "\n"
