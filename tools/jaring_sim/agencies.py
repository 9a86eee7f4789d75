"""All simulated agencies in one process, for `jaring-sim serve`."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path

from jaring_sim import bpjs_api, dukcapil_api
from jaring_sim.faults import FaultPlan
from jaring_sim.http_server import ServerHandle

log = logging.getLogger(__name__)


def start(world_dir: Path, dukcapil_port: int = 0, bpjs_port: int = 0, faults: FaultPlan | None = None,
          token: str = "demo-token", client_id: str = "jaring", client_secret: str = "demo-secret",
          host: str = "127.0.0.1", state_dir: Path | None = None, varied: bool = True) -> dict[str, ServerHandle]:
    """Start the Dukcapil and BPJS servers in background threads; returns them by name.

    `varied` (default): every shape of answer the contracts allow (fields they do not list, short
    pages); off, only the contract's fields in full pages.
    """
    faults = faults or FaultPlan.none()
    dukcapil = dukcapil_api.make_server(world_dir, host, dukcapil_port, token=token, faults=faults, varied=varied,
                                         precompute=True)
    bpjs = bpjs_api.make_server(world_dir, host, bpjs_port, client_id=client_id, client_secret=client_secret,
                                state_dir=state_dir, faults=faults, varied=varied)
    return {"dukcapil": dukcapil.start(), "bpjs": bpjs.start()}


def serve(world_dir: Path, dukcapil_port: int = 8081, bpjs_port: int = 8082, faults: FaultPlan | None = None,
          token: str = "demo-token", client_id: str = "jaring", client_secret: str = "demo-secret", *,
          host: str = "127.0.0.1", state_dir: Path | None = None, dtsen_admin_dsn: str | None = None,
          ready_file: Path | None = None, stop: threading.Event | None = None, varied: bool = True) -> None:
    """Serve until SIGTERM/SIGINT (or `stop` is set).

    With `dtsen_admin_dsn`, the DTSEN database is (re)loaded from the world first.
    `ready_file` receives `{"dukcapil": url, "bpjs": url}` once both listen (useful with port 0).
    """
    world_dir = Path(world_dir)
    faults = faults or FaultPlan.none()
    if dtsen_admin_dsn:
        from jaring_sim import dtsen_db

        counts = dtsen_db.load(world_dir, dtsen_admin_dsn)
        log.info("DTSEN loaded: %s", counts)
    servers = start(world_dir, dukcapil_port, bpjs_port, faults, token, client_id, client_secret,
                    host, state_dir, varied)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    urls = {name: handle.url for name, handle in servers.items()}
    if ready_file:
        Path(ready_file).write_text(json.dumps(urls))
    log.info("simulated agencies up (%s): %s", faults.describe(), urls)
    try:
        while not stop.wait(0.5):  # short waits: the signal handler runs between them
            pass
    finally:
        for handle in servers.values():
            handle.shutdown()
        log.info("simulated agencies stopped")
