"""send_reports against a real SMTP server on loopback (aiosmtpd) that refuses some recipients."""

from __future__ import annotations

import json
import re
import socket
from email import message_from_bytes, policy

import pytest
from publishing_sample import NIGHT, SIMPANG_IV, TALANG_BANJAR

from jaring.publishing import send_reports, write_outbox
from jaring.publishing.email import DeliveryError
from jaring.warehouse import db

FULL_NIK = re.compile(r"\b\d{16}\b")
REFUSED = "anggaran@bpkad.example"  # 550, every time
FLAKY = f"kel.{SIMPANG_IV}@kelurahan.example"  # 451 the first time only


class Mailbox:
    def __init__(self):
        self.messages: list[tuple[list[str], object]] = []
        self.flaky_seen = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 mailbox unavailable"
        if address == FLAKY and self.flaky_seen == 0:
            self.flaky_seen += 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": port,
        "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "jaring@jambikota.example"}}))
    yield mailbox
    controller.stop()


@pytest.fixture
def outbox(sample_night, tmp_path):
    with db.connect(sample_night) as conn:
        write_outbox(NIGHT, conn, tmp_path)
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(f"""
kontak: "Tim Data Jaring — data@jambikota.example, 0741 000000"
bpjs-tk: [rekon@bpjs.example]
dinsos: [dinsos@jambikota.example, pkh@jambikota.example]
disdukcapil: [dukcapil@jambikota.example]
bpkad: [{REFUSED}]
kelurahan:
  default: "kel.{{kode}}@kelurahan.example"
  "{TALANG_BANJAR}": [lurah.tb@kelurahan.example]
""")
    return tmp_path, recipients


def _parts(message) -> tuple[str, str | None, dict[str, bytes]]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",))
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    return text, html.get_content() if html is not None else None, attachments


def test_each_audience_gets_its_report_and_a_refusal_is_reported(smtp, outbox):
    folder, recipients = outbox
    with pytest.raises(DeliveryError, match="bpkad") as failure:
        send_reports(NIGHT, folder, recipients, backoff=0)
    result = failure.value.result
    assert set(result["failed"]) == {"bpkad"} and "550" in result["failed"]["bpkad"]
    assert result["sent"] == {
        "bpjs-tk": ["rekon@bpjs.example"],
        "dinsos": ["dinsos@jambikota.example", "pkh@jambikota.example"],
        "disdukcapil": ["dukcapil@jambikota.example"],
        f"kelurahan/{SIMPANG_IV}": [FLAKY],
        f"kelurahan/{TALANG_BANJAR}": ["lurah.tb@kelurahan.example"],
    }
    delivered = sorted(address for rcpt, _ in smtp.messages for address in rcpt)
    assert delivered == sorted(a for addresses in result["sent"].values() for a in addresses)  # no duplicates

    by_first = {rcpt[0]: message for rcpt, message in smtp.messages}
    for address, message in by_first.items():
        subject = message["Subject"]
        assert "20 November 2026" in subject and not FULL_NIK.search(subject)
        assert message["Date"] is not None and message["Date"].datetime.utcoffset().total_seconds() == 7 * 3600
        text, html, attachments = _parts(message)
        assert not FULL_NIK.search(text)
        assert any(name.endswith(".xlsx") and data[:2] == b"PK" for name, data in attachments.items())
        # every audience: a short HTML body (no personal data) and the report attached
        assert html is not None and "paling lambat 15 Desember 2026" in html and not FULL_NIK.search(html)
        for body in (text, html):  # whom to ask, from the recipients file
            assert "Pertanyaan tentang laporan ini: Tim Data Jaring — data@jambikota.example, 0741 000000" in body
        assert len(html) < 6000 and "<table" in html and "Laporan Rekonsiliasi" not in html
        report = attachments["laporan-2026-11-20.html"]
        assert "Laporan Rekonsiliasi" in report.decode() if isinstance(report, bytes) else report
        if address in ("rekon@bpjs.example", "dukcapil@jambikota.example"):
            assert FULL_NIK.search(report.decode() if isinstance(report, bytes) else report)
    assert "Santunan JKM belum diklaim: 2" in _parts(by_first["rekon@bpjs.example"])[0]
    assert "Talang Banjar" in by_first["lurah.tb@kelurahan.example"]["Subject"]
    bpjs_text = _parts(by_first["rekon@bpjs.example"])[0]
    assert "Yang perlu dilakukan, paling lambat 15 Desember 2026:" in bpjs_text
    assert "1. Santunan JKM belum diklaim: 2" in bpjs_text and "2. Tunggakan iuran: 2" in bpjs_text  # most first


def test_a_rerun_does_not_mail_an_audience_again_unless_asked(smtp, outbox, sample_night):
    folder, recipients = outbox
    with pytest.raises(DeliveryError):
        send_reports(NIGHT, folder, recipients, backoff=0)
    first = len(smtp.messages)
    # the retry after the refusal: only BPKAD is tried again (and fixed), nobody else mailed twice
    recipients.write_text(recipients.read_text().replace(REFUSED, "ok@bpkad.example"))
    result = send_reports(NIGHT, folder, recipients, backoff=0)
    assert result["sent"] == {"bpkad": ["ok@bpkad.example"]}
    assert sorted(result["already_sent"]) == sorted(["bpjs-tk", "dinsos", "disdukcapil",
                                                     f"kelurahan/{SIMPANG_IV}", f"kelurahan/{TALANG_BANJAR}"])
    assert len(smtp.messages) == first + 1
    assert send_reports(NIGHT, folder, recipients, backoff=0)["sent"] == {}  # a rerun: nothing
    assert len(smtp.messages) == first + 1
    again = send_reports(NIGHT, folder, recipients, backoff=0, again=True)
    assert len(again["sent"]) == 6 and len(smtp.messages) == first + 1 + 6
    with db.connect(sample_night) as conn:
        times = dict(conn.execute("SELECT address, times FROM ops.delivery WHERE night = %s", (NIGHT,)).fetchall())
    assert times["rekon@bpjs.example"] == 2 and times["ok@bpkad.example"] == 2 and REFUSED not in times


def test_all_delivered_returns_result(smtp, outbox):
    folder, recipients = outbox
    recipients.write_text(recipients.read_text().replace(REFUSED, "ok@bpkad.example"))
    result = send_reports(NIGHT, folder, recipients, backoff=0)
    assert result["failed"] == {} and len(result["sent"]) == 6
    assert len(smtp.messages) == 6


def test_jaring_send_mails_whoever_has_not_had_the_night_and_everyone_again_when_asked(
        smtp, outbox, sample_night, monkeypatch, capsys):
    from jaring import cli

    folder, recipients = outbox
    recipients.write_text(recipients.read_text().replace(REFUSED, "ok@bpkad.example"))
    monkeypatch.setenv("JARING_OUTBOX", str(folder))
    monkeypatch.setenv("JARING_RECIPIENTS", str(recipients))
    assert cli.main(["send", "--night", NIGHT.isoformat()]) == 0
    assert len(smtp.messages) == 6 and "mailed 6 audiences; 0 had it already" in capsys.readouterr().out
    assert cli.main(["send", "--night", NIGHT.isoformat()]) == 0
    assert len(smtp.messages) == 6 and "mailed 0 audiences; 6 had it already" in capsys.readouterr().out
    assert cli.main(["send", "--night", NIGHT.isoformat(), "--again"]) == 0
    assert len(smtp.messages) == 12
