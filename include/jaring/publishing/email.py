"""E-mail each audience its report through the `smtp_default` connection (smtplib).

Connection fields as the Airflow SMTP provider reads them: host, port,
login/password when set, and extra `disable_ssl` (default false: SMTP over
SSL), `disable_tls` (default false: STARTTLS on a plain connection),
`from_email`, `timeout`. Masked audiences get the HTML report as the body;
BPJS and Disdukcapil (full NIKs) get counts in the body and the report as an
attachment. A failing audience is retried a few times and reported; the others
are still sent.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from jaring.config import SMTP_CONN_ID, endpoint
from jaring.publishing import labels
from jaring.publishing.audiences import AGENCIES, KELURAHAN, sees_full_nik
from jaring.publishing.formatting import angka, tanggal

log = logging.getLogger(__name__)
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class DeliveryError(RuntimeError):
    """Some audiences did not receive their report; `result` says which and why."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = result


def load_recipients(path: Path) -> dict:
    import yaml

    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a mapping of audience to addresses")
    return doc


def recipients_for(audience: str, doc: dict) -> list[str]:
    """Addresses of an audience; a kelurahan falls back to `kelurahan.default` (`{kode}` is replaced)."""
    kind, _, kode = audience.partition("/")
    entry = doc.get(kind)
    if kind == KELURAHAN:
        entry = entry or {}
        entry = entry.get(kode) or entry.get(int(kode) if kode.isdigit() else kode) or entry.get("default")
    if entry is None:
        return []
    addresses = [entry] if isinstance(entry, str) else list(entry)
    return [a.replace("{kode}", kode) for a in addresses]


def audiences_in(folder: Path) -> list[str]:
    found = [a for a in AGENCIES if (folder / a / "laporan.html").exists()]
    if (folder / KELURAHAN).is_dir():
        found += [f"{KELURAHAN}/{p.name}" for p in sorted((folder / KELURAHAN).iterdir())
                  if (p / "laporan.html").exists()]
    return found


def _counts_text(night: date, audience: str, counts: dict) -> str:
    lines = [f"Yth. {labels.audience_name(audience)},", "",
             f"Berikut hasil rekonsiliasi data Jaring untuk keadaan sampai akhir tanggal {tanggal(night)}.", ""]
    total = sum(c["jumlah"] for c in counts.values())
    lines.append(f"Jumlah temuan: {angka(total)}")
    for code, c in counts.items():
        judul = labels.CODE_TEXT[code].judul if code in labels.CODE_TEXT else code
        lines.append(f"- {judul}: {angka(c['jumlah'])} (baru {angka(c['baru'])})")
    lines += ["", "Rincian ada di lampiran: laporan.html (dibuka dengan peramban) dan temuan.xlsx.",
              "Lampiran memuat data pribadi; perlakukan sebagai dokumen rahasia (UU 27/2022).", "",
              "Pesan ini dikirim otomatis oleh Jaring, Pemerintah Kota Jambi."]
    return "\n".join(lines) + "\n"


def build_message(night: date, audience: str, folder: Path, sender: str, to: list[str]) -> EmailMessage:
    counts = json.loads((folder / "ringkasan.json").read_text(encoding="utf-8"))["per_kode"]
    message = EmailMessage()
    message["Subject"] = f"[Jaring] Temuan rekonsiliasi {tanggal(night)} — {labels.audience_name(audience)}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    html = (folder / "laporan.html").read_text(encoding="utf-8")
    message.set_content(_counts_text(night, audience, counts))
    if sees_full_nik(audience):
        message.add_attachment(html.encode("utf-8"), maintype="text", subtype="html", filename="laporan.html")
    else:
        message.add_alternative(html, subtype="html")
    xlsx = folder / "temuan.xlsx"
    if xlsx.exists():
        message.add_attachment(xlsx.read_bytes(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                               filename=f"temuan-{night.isoformat()}.xlsx")
    return message


class _Smtp:
    def __init__(self):
        self.ep = endpoint(SMTP_CONN_ID)
        extra = self.ep.extra
        self.ssl = not _flag(extra.get("disable_ssl"))
        self.tls = not _flag(extra.get("disable_tls")) and not self.ssl
        self.timeout = float(extra.get("timeout", 30))
        self.sender = extra.get("from_email") or self.ep.login or "jaring@localhost"

    def send(self, message: EmailMessage, to: list[str]) -> dict:
        """Send once; returns the refused recipients ({address: (code, reply)})."""
        port = self.ep.port or (465 if self.ssl else 25)
        client_type = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        with client_type(self.ep.host, port, timeout=self.timeout) as client:
            if self.tls:
                client.starttls()
            if self.ep.login:
                client.login(self.ep.login, self.ep.password or "")
            return client.send_message(message, from_addr=self.sender, to_addrs=to)


def _flag(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes") if value is not None else False


def _deliver(smtp: _Smtp, night: date, audience: str, folder: Path, to: list[str], attempts: int,
             backoff: float) -> tuple[list[str], str | None]:
    """Deliver to `to`; returns (delivered addresses, error or None). Retries transient failures only."""
    delivered: list[str] = []
    pending = list(to)
    error = None
    for attempt in range(1, attempts + 1):
        message = build_message(night, audience, folder, smtp.sender, to)
        try:
            refused = smtp.send(message, pending)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("mail to %s failed (attempt %d/%d): %s", audience, attempt, attempts, error)
            time.sleep(backoff * attempt)
            continue
        delivered += [a for a in pending if a not in refused]
        permanent = {a: r for a, r in refused.items() if r[0] >= 500}
        pending = [a for a in refused if a not in permanent]
        if permanent:
            codes = ", ".join(f"{a} ({r[0]})" for a, r in sorted(permanent.items()))
            return delivered, f"refused by the server: {codes}"
        if not pending:
            return delivered, None
        error = f"temporarily refused: {', '.join(sorted(pending))}"
        time.sleep(backoff * attempt)
    return delivered, error


def send_reports(night: date, outbox: Path, recipients_file: Path, *, attempts: int = 3,
                 backoff: float = 2.0) -> dict:
    """E-mail every audience of night D its report; raises `DeliveryError` naming the audiences that failed."""
    folder = Path(outbox) / night.isoformat()
    if not folder.is_dir():
        raise FileNotFoundError(f"no outbox folder for {night}: {folder} (run write_outbox first)")
    doc = load_recipients(recipients_file)
    smtp = _Smtp()
    result: dict = {"night": night.isoformat(), "sent": {}, "failed": {}, "no_recipients": []}
    for audience in audiences_in(folder):
        to = recipients_for(audience, doc)
        if not to:
            result["no_recipients"].append(audience)
            continue
        delivered, error = _deliver(smtp, night, audience, folder / audience, to, attempts, backoff)
        if delivered:
            result["sent"][audience] = delivered
        if error:
            result["failed"][audience] = error
    log.info("reports of %s mailed to %d audiences; %d failed; %d without recipients", night,
             len(result["sent"]), len(result["failed"]), len(result["no_recipients"]))
    if result["failed"]:
        raise DeliveryError(f"reports of {night} not delivered to: {', '.join(sorted(result['failed']))}", result)
    return result
