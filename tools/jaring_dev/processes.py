"""Background processes of the local stack, tracked by PID files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def is_alive(pid: int) -> bool:
    try:  # a child of this process that exited is a zombie until reaped: reap it, it is gone
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if is_alive(pid) else None


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float, name: str, log_file: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    hint = f"; see {log_file}" if log_file else ""
    raise RuntimeError(f"{name} did not open port {port} within {timeout:.0f} s{hint}")


def start(name: str, argv: list[str], run_dir: Path, env: dict[str, str] | None = None) -> int:
    """Start argv in the background unless `name` already runs; returns its PID."""
    run_dir.mkdir(parents=True, exist_ok=True)
    pid_file = run_dir / f"{name}.pid"
    pid = read_pid(pid_file)
    if pid:
        return pid
    log_file = run_dir / f"{name}.log"
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )
    pid_file.write_text(str(proc.pid))
    return proc.pid


def stop(name: str, run_dir: Path, timeout: float = 20) -> bool:
    """Stop the process group started under `name`; True if something was stopped."""
    return bool(stop_all([name], run_dir, timeout))


def stop_all(names: list[str] | tuple[str, ...], run_dir: Path, timeout: float = 20) -> list[str]:
    """Stop the process groups started under `names` together (SIGTERM to each, then the wait, then SIGKILL
    to what is left); returns the names that were running."""
    running = {}
    for name in names:
        pid_file = run_dir / f"{name}.pid"
        pid = read_pid(pid_file)
        pid_file.unlink(missing_ok=True)
        if pid:
            try:
                os.killpg(pid, signal.SIGTERM)
                running[name] = pid
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(is_alive(pid) for pid in running.values()):
        time.sleep(0.2)
    killed = [pid for pid in running.values() if is_alive(pid)]
    for pid in killed:
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(is_alive(pid) for pid in killed):
        time.sleep(0.05)
    return list(running)
