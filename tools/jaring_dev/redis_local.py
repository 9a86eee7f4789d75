"""A local Redis for Celery's broker, started like the project's PostgreSQL.

Debian's `redis-server` under a folder the project owns, on a loopback port,
with a generated password. Its configuration file (0600) holds the password,
so it never shows in a process listing; nothing is persisted (the broker's
queue is rebuilt by the scheduler, whose truth is the metadata database).
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from jaring_dev import processes
from jaring_dev.postgres import free_port

PROCESS = "redis-server"


class RedisNotFound(RuntimeError):
    pass


def find_server() -> str:
    found = shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()), None)
    if not found:
        raise RedisNotFound("redis-server not found: install Debian's `redis-server` "
                            "(`make system-packages` as root, or apt-get install redis-server)")
    return found


@dataclass
class LocalRedis:
    """A Redis under `root`: its configuration, PID file and log; its port and password in root/port, root/password."""

    root: Path

    @property
    def pid_file(self) -> Path:
        return self.root / f"{PROCESS}.pid"

    @property
    def log_file(self) -> Path:
        return self.root / f"{PROCESS}.log"

    @property
    def port(self) -> int:
        path = self.root / "port"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_text(str(free_port()))
        return int(path.read_text())

    @property
    def password(self) -> str:
        path = self.root / "password"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24))  # letters, digits, - and _: nothing to escape in a URL
        return path.read_text()

    def url(self, database: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{database}"

    def is_running(self) -> bool:
        return processes.read_pid(self.pid_file) is not None

    def write_config(self) -> Path:
        config = self.root / "redis.conf"
        config.touch(mode=0o600)
        config.chmod(0o600)  # it holds the password
        config.write_text("\n".join([
            "bind 127.0.0.1 -::1",
            f"port {self.port}",
            "protected-mode yes",
            f"requirepass {self.password}",
            f"dir {self.root}",
            "daemonize no",  # the project tracks it by PID, like every process it starts
            'logfile ""',
            'save ""',
            "appendonly no",
        ]) + "\n")
        return config

    def start(self, timeout: float = 30) -> None:
        """Start unless running; idempotent. Raises RedisNotFound when the package is missing."""
        if self.is_running():
            return
        server = find_server()
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        processes.start(PROCESS, [server, str(self.write_config())], self.root)
        processes.wait_for_port(self.port, timeout, "Redis", self.log_file)

    def stop(self) -> bool:
        return processes.stop(PROCESS, self.root)
