"""Issue 9, "Done when": faults replayed against real processes — one bad record, one killed process, one
agency down or talking garbage, one restarted database must never stop or falsify a night.

Each scenario runs `jaring night` as a subprocess on the tiny world and checks that the night ends as an
uninterrupted one does (findings.csv byte for byte, each row once), that the RT source keeps rows read =
rows staged + rows quarantined, and that nothing the night printed holds a NIK or a name.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from fault_hub import (
    KEYS,
    NIGHT,
    assert_nothing_personal,
    duplicates,
    ledger,
    night_counts,
    rt_invariant,
)

from jaring_sim import dukcapil_api
from jaring_sim.faults import FaultPlan


def slow_registry(world, seconds: float):
    """Disdukcapil answering every request after `seconds`: a step that is surely still running."""
    return dukcapil_api.make_server(world.dir, token="faults-token",
                                    faults=FaultPlan(slow_every=1, slow_seconds=seconds), varied=False).start()


def journal(hub, step: str) -> list[tuple[int, str]]:
    return hub.query("SELECT attempt, status FROM ops.step_run WHERE night = %s AND step = %s ORDER BY attempt",
                     (NIGHT, step))


def test_sigkill_during_an_ingest_then_the_rerun_lands_each_row_once(make_hub, baseline, fault_world):
    _, findings, counts = baseline
    slow = slow_registry(fault_world, 1.0)
    try:
        hub = make_hub(dukcapil_port=slow.port)
        process = hub.start()
        hub.wait_for_running(process, "ingest_dukcapil")
        time.sleep(0.5)  # inside the pull of the registry's pages
        killed = hub.kill(process)
        assert journal(hub, "ingest_dukcapil") == [(1, "running")]  # killed mid-step: no end recorded
        hub.wait_for_locks_released()
        rerun = hub.night()
    finally:
        slow.shutdown()
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert journal(hub, "ingest_dukcapil") == [(1, "running"), (2, "success")]
    assert hub.findings() == findings
    assert duplicates(hub) == dict.fromkeys(KEYS, 0) and night_counts(hub) == counts
    assert hub.building_left() == []
    read, staged, quarantined = rt_invariant(hub)
    assert read == staged + quarantined
    assert_nothing_personal(fault_world, killed, rerun)


def test_sigkill_while_the_audiences_are_published_then_the_rerun_writes_the_same_bytes(baseline, fault_world):
    hub, findings, counts = baseline
    process = hub.start("--steps", "publish")
    hub.wait_for_running(process, "publish_audiences", after_id=1)
    assert hub.building_left()  # the folder built aside: killed before it is swapped into place
    killed = hub.kill(process)
    assert journal(hub, "publish_audiences") == [(1, "success"), (2, "running")]
    assert journal(hub, "publish_outbox") == [(1, "success")]
    assert hub.building_left()  # what the killed run left …
    hub.wait_for_locks_released()
    rerun = hub.night("--steps", "publish")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert hub.building_left() == []  # … the rerun cleared
    assert hub.findings() == findings
    assert duplicates(hub) == dict.fromkeys(KEYS, 0) and night_counts(hub) == counts
    assert_nothing_personal(fault_world, killed, rerun)


def test_a_source_down_for_good_fails_naming_its_connection_and_the_others_land(make_hub, fault_world):
    down = dukcapil_api.make_server(fault_world.dir, token="faults-token", faults=FaultPlan(always_fail=True),
                                     varied=False).start()
    try:
        hub = make_hub(dukcapil_port=down.port,
                       dukcapil_extra={"retry_total_seconds": 3, "retry_base_delay": 0.2, "retry_max_delay": 0.5})
        done = hub.night()
    finally:
        down.shutdown()
    assert done.returncode == 1
    assert "ingest_dukcapil" in done.stderr and "dukcapil_api" in done.stderr
    assert "reconcile: skipped" in done.stderr
    # while it waited, each retry said so (not only the final give-up)
    assert re.search(r"dukcapil_api: GET /v1/penduduk failed \(HTTP 500\), attempt 1; retrying in",
                     done.stdout + done.stderr)  # the log goes where the logging configuration sends it
    counts = night_counts(hub)
    assert counts["staging.person"] == 0
    assert counts["staging.participant"] > 0 and counts["staging.dtsen_individual"] > 0
    assert counts["staging.rt_row"] > 0
    read, staged, quarantined = rt_invariant(hub)
    assert read == staged + quarantined
    assert_nothing_personal(fault_world, done)


# the page of issue 9 (`KeyError: 'meta'`); the other shapes of garbage (data not a list, not JSON, records
# not objects, …) are replayed in-process by tests/sources/test_http_malformed.py: a process costs seconds
GARBAGE = json.dumps({"data": [{"NIK": "1571034507900001", "NAMA_LGKP": "SITI AMINAH"}]}).encode()


def test_a_garbage_page_fails_the_source_naming_its_connection(make_hub, fault_world):
    payload = GARBAGE

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        hub = make_hub(dukcapil_port=server.server_address[1])
        done = hub.night("--steps", "ingest_dukcapil")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1
    assert re.search(r"ingest_dukcapil.*SourceError: dukcapil_api: ", done.stdout + done.stderr)
    assert "KeyError" not in done.stderr and "Traceback" not in done.stderr
    assert hub.query("SELECT count(*) FROM staging.person")[0][0] == 0
    assert_nothing_personal(fault_world, done)
    assert "1571034507900001" not in done.stdout + done.stderr and "SITI" not in done.stdout + done.stderr


def test_two_runs_of_one_ingest_at_once_the_second_fails_fast_and_the_data_is_intact(make_hub, postgres, baseline,
                                                                                       fault_world):
    _, _, counts = baseline
    hub = make_hub()
    # hold the agency's table, so the first run waits inside its step while holding the step's lock
    with psycopg.connect(postgres.dsn("faults_dtsen")) as agency:
        agency.execute("LOCK TABLE dtsen.individu IN ACCESS EXCLUSIVE MODE")
        running = hub.start("--steps", "ingest_dtsen")
        hub.wait_for_running(running, "ingest_dtsen")
        started = time.monotonic()
        second = hub.night("--steps", "ingest_dtsen", timeout=120)
        waited = time.monotonic() - started
        assert running.poll() is None  # still waiting for the agency
        agency.rollback()
    out, err = running.communicate(timeout=120)
    assert running.returncode == 0, err[-3000:]
    assert second.returncode == 1 and "already running" in second.stderr and waited < 30
    assert journal(hub, "ingest_dtsen") == [(1, "success")]  # the refused run left no row
    assert night_counts(hub)["staging.dtsen_individual"] == counts["staging.dtsen_individual"]
    assert duplicates(hub) == dict.fromkeys(KEYS, 0)
    assert_nothing_personal(fault_world, second)


def bloated(workbook: bytes) -> bytes:
    """The workbook with 40 MB of shared strings (a few dozen KB compressed) and a sheet claiming XFD1048576."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', content)
            if info.filename != "xl/sharedStrings.xml":
                target.writestr(info.filename, content)
        target.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><si><t>' + b"A" * (40 * 2**20) + b"</t></si></sst>")
    return out.getvalue()


def test_a_hostile_inbox_lands_what_is_good_and_reports_the_rest(make_hub, fault_world, tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    shutil.copytree(fault_world.dir / "inbox", inbox)  # the good ledgers, their upload times kept
    nik, name = fault_world.niks[3], fault_world.names[3]
    rows = [[1, nik, name, "PEDAGANG", "", 16800, "05/10/2026", "MANDIRI", ""]]
    bomb = ledger(tmp_path / "bomb.xlsx", rows).read_bytes()
    (inbox / "2026-10/1571031003-RT020-RW002.xlsx").write_bytes(bloated(bomb))
    ledger(inbox / f"2026-10/{nik} {name}.xlsx", rows)  # a NIK and a name in the file name
    ledger(inbox / "Oktober/1571031003-RT021-RW002.xlsx", rows)  # not a month folder
    ledger(outside / "2026-10/1571031003-RT022-RW002.xlsx", rows)
    os.symlink(outside / "2026-10/1571031003-RT022-RW002.xlsx", inbox / "2026-10/1571031003-RT022-RW002.xlsx")
    os.symlink("/etc/passwd", inbox / "2026-10/1571031003-RT023-RW002.csv")
    for path in inbox.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, (time.mktime((2026, 11, 3, 12, 0, 0, 0, 0, -1)),) * 2)
    hub = make_hub(inbox=inbox)
    done = hub.night("--steps", "ingest_rt")
    assert done.returncode == 0, done.stderr[-3000:]
    read, staged, quarantined = rt_invariant(hub)
    assert read == staged + quarantined and staged == 30  # the six good ledgers, five rows each
    files = dict(hub.query("SELECT source_ref, reason FROM quarantine.record WHERE source_ref LIKE %s",
                           ("%#file",)))
    assert files == {
        "rt:2026-10/1571031003-RT020-RW002.xlsx#file": "file_too_large",
        f"rt:2026-10/{nik} {name}.xlsx#file": "file_name_not_a_ledger",
        "rt:Oktober/1571031003-RT021-RW002.xlsx#file": "folder_not_a_month",
    }  # the links were not followed: nothing of theirs is anywhere
    assert hub.query("SELECT count(*) FROM raw.rt_file WHERE path LIKE %s", ("%RT02_-RW002%",))[0][0] == 2
    assert_nothing_personal(fault_world, done)


def test_a_warehouse_restart_mid_step_fails_it_naming_jaring_db_and_the_rerun_completes(make_hub, postgres,
                                                                                         baseline, fault_world):
    _, _, counts = baseline
    slow = slow_registry(fault_world, 2.5)
    try:
        hub = make_hub(dukcapil_port=slow.port)
        process = hub.start("--steps", "ingest_dukcapil")
        hub.wait_for_running(process, "ingest_dukcapil")
        postgres.stop()  # fast shutdown: every connection of the step is cut
        postgres.start()  # the same data, the same port
        out, err = process.communicate(timeout=120)
        rerun = hub.night("--steps", "ingest_dukcapil")
    finally:
        slow.shutdown()
    assert process.returncode == 1
    assert "jaring_db" in err and "ingest_dukcapil" in err
    assert journal(hub, "ingest_dukcapil")[0] == (1, "failed")  # the journal has the end, on a new connection
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert night_counts(hub)["staging.person"] == counts["staging.person"]
    assert duplicates(hub)["staging.person"] == 0
