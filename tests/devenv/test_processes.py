"""The local stack's processes: started by name with a PID file, stopped by PID (never by name)."""

from __future__ import annotations

import sys
import time

from jaring_dev import processes

IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"


def test_stop_all_stops_every_named_group_and_kills_what_ignores_sigterm(tmp_path):
    sleeper = processes.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path)
    stubborn = processes.start("stubborn", [sys.executable, "-c", IGNORES_SIGTERM], tmp_path)
    deadline = time.monotonic() + 60
    while "ready" not in (tmp_path / "stubborn.log").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # until its SIGTERM handler is in place
    assert processes.start("sleeper", ["false"], tmp_path) == sleeper  # a running name is not started twice

    assert sorted(processes.stop_all(["sleeper", "stubborn", "never-started"], tmp_path, timeout=1)) == [
        "sleeper", "stubborn"]
    assert not processes.is_alive(sleeper) and not processes.is_alive(stubborn)  # exited and reaped
    assert not list(tmp_path.glob("*.pid"))
    assert processes.stop_all(["sleeper"], tmp_path) == []
