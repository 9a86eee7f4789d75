"""A local SMTP server that keeps every message as an .eml file (the demo's mailbox)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path


class MaildirHandler:
    def __init__(self, maildir: Path):
        self.maildir = maildir
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.count += 1
            number = self.count
        recipients = ",".join(envelope.rcpt_tos)
        body = envelope.original_content or envelope.content
        header = f"X-Jaring-Envelope-To: {recipients}\r\n".encode()
        (self.maildir / f"{number:06d}.eml").write_bytes(header + body)
        return "250 Message accepted for delivery"


def serve(port: int, maildir: Path, host: str = "127.0.0.1") -> None:
    """Run until SIGTERM or SIGINT."""
    from aiosmtpd.controller import Controller

    maildir.mkdir(parents=True, exist_ok=True)
    handler = MaildirHandler(maildir)
    handler.count = len(list(maildir.glob("*.eml")))
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
