"""E-mail each audience its report through the `smtp_default` connection (smtplib).

Connection fields as the Airflow SMTP provider reads them: host, port,
login/password when set, and extra `disable_ssl` (default false: SMTP over
SSL), `disable_tls` (default false: STARTTLS on a plain connection),
`from_email`, `timeout`. Every audience gets a short message (the totals, its
top actions and a deadline, in HTML and plain text) with its report
(`laporan.html`) and workbook attached; personal data only travel in the
attachments. A failing audience is retried a few times and reported; the others
are still sent. Each delivered address is written to the delivery ledger
(`ops.delivery`), so a retry or a rerun of the same night does not mail it
again unless asked (`again=True`).
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from pathlib import Path

from jaring.config import SMTP_CONN_ID, endpoint
from jaring.nights import action_deadline
from jaring.publishing import labels
from jaring.publishing.audiences import AGENCIES, KELURAHAN
from jaring.publishing.delivery_ledger import DeliveryLedger
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


WIB = timezone(timedelta(hours=7))
TOP_ACTIONS = 3
CONTACT = "kontak"  # the recipients file's contact for questions, printed in every report mail


def _summary(night: date, audience: str, counts: dict, due: date) -> dict:
    """What the message says, for its HTML and its plain text."""
    per_code = counts.get("per_kode", counts)
    order = list(labels.CODE_TEXT)
    ranked = sorted(per_code.items(), key=lambda item: (-item[1]["jumlah"], order.index(item[0])
                                                        if item[0] in order else len(order)))
    top = []
    for code, c in ranked[:TOP_ACTIONS]:
        text = labels.CODE_TEXT.get(code)
        top.append({"judul": text.judul if text else code, "jumlah": c["jumlah"], "baru": c.get("baru", 0),
                    "tindakan": text.what_to_do(audience) if text else ""})
    return {
        "to": labels.audience_name(audience), "night": tanggal(night), "due": tanggal(due),
        "total": sum(c["jumlah"] for c in per_code.values()),
        "new": sum(c.get("baru", 0) for c in per_code.values()),
        "resolved": counts.get("selesai", 0), "top": top, "more": max(len(ranked) - TOP_ACTIONS, 0),
    }


def _counts_text(s: dict) -> str:
    lines = [f"Yth. {s['to']},", "",
             f"Berikut hasil rekonsiliasi data Jaring untuk keadaan sampai akhir tanggal {s['night']}.", "",
             f"Jumlah temuan: {angka(s['total'])} (baru {angka(s['new'])}, selesai sejak malam sebelumnya "
             f"{angka(s['resolved'])})"]
    if s["top"]:
        lines += ["", f"Yang perlu dilakukan, paling lambat {s['due']}:"]
        for n, item in enumerate(s["top"], 1):
            lines.append(f"{n}. {item['judul']}: {angka(item['jumlah'])} (baru {angka(item['baru'])}) — "
                         f"{item['tindakan']}")
        if s["more"]:
            lines.append(f"… dan {s['more']} jenis temuan lainnya di laporan.")
    else:
        lines += ["", "Tidak ada temuan untuk malam ini. Terima kasih, data sudah selaras."]
    lines += ["", "Rincian per orang ada di lampiran: laporan.html (dibuka dengan peramban, juga di ponsel) dan "
              "temuan.xlsx.", "Lampiran memuat data pribadi; perlakukan sebagai dokumen rahasia (UU 27/2022).", "",
              "Pesan ini dikirim otomatis oleh Jaring, Pemerintah Kota Jambi."]
    if s.get("contact"):
        lines.insert(-1, f"Pertanyaan tentang laporan ini: {s['contact']}")
    return "\n".join(lines) + "\n"


def _counts_html(s: dict) -> str:
    e = escape
    top = "".join(f"<li><b>{e(i['judul'])}: {angka(i['jumlah'])}</b> (baru {angka(i['baru'])})<br>"
                  f"{e(i['tindakan'])}</li>" for i in s["top"])
    actions = (f"<p><b>Yang perlu dilakukan, paling lambat {e(s['due'])}:</b></p><ol>{top}</ol>"
               + (f"<p>… dan {s['more']} jenis temuan lainnya di laporan.</p>" if s["more"] else "")
               if s["top"] else "<p>Tidak ada temuan untuk malam ini. Terima kasih, data sudah selaras.</p>")
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body style="font-family:Helvetica,Arial,sans-serif;line-height:1.5;color:#1c2430;max-width:640px">'
        f"<p>Yth. {e(s['to'])},</p>"
        f"<p>Berikut hasil rekonsiliasi data Jaring untuk keadaan sampai akhir tanggal {e(s['night'])}.</p>"
        '<table style="border-collapse:collapse"><tr>'
        + "".join(f'<td style="padding:.4rem .8rem;background:#f3f5f8;border:2px solid #fff">'
                  f'<b style="font-size:1.4rem">{angka(n)}</b><br>{w}</td>'
                  for n, w in ((s["total"], "temuan"), (s["new"], "baru"), (s["resolved"], "selesai")))
        + "</tr></table>" + actions
        + "<p>Rincian per orang ada di lampiran <b>laporan.html</b> (dibuka dengan peramban, juga di ponsel) dan "
          "<b>temuan.xlsx</b>. Lampiran memuat data pribadi; perlakukan sebagai dokumen rahasia (UU 27/2022).</p>"
          + (f"<p>Pertanyaan tentang laporan ini: {e(s['contact'])}</p>" if s.get("contact") else "")
        + '<p style="color:#5b6574;font-size:.85rem">Pesan ini dikirim otomatis oleh Jaring, Pemerintah Kota '
          "Jambi.</p></body></html>"
    )


def build_message(night: date, audience: str, folder: Path, sender: str, to: list[str],
                  due: date | None = None, now: datetime | None = None, contact: str | None = None) -> EmailMessage:
    counts = json.loads((folder / "ringkasan.json").read_text(encoding="utf-8"))
    summary = _summary(night, audience, counts, due or action_deadline(night)) | {"contact": contact}
    message = EmailMessage()
    message["Subject"] = f"[Jaring] Temuan rekonsiliasi {tanggal(night)} — {labels.audience_name(audience)}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now or datetime.now(WIB))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(_counts_text(summary))
    message.add_alternative(_counts_html(summary), subtype="html")
    html = folder / "laporan.html"
    message.add_attachment(html.read_bytes(), maintype="text", subtype="html",
                           filename=f"laporan-{night.isoformat()}.html")
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
             backoff: float, record=None, contact: str | None = None) -> tuple[list[str], str | None]:
    """Deliver to `to`; returns (delivered addresses, error or None). Retries transient failures only.
    `record(addresses, message_id)` is told each delivery as soon as the server accepted it."""
    delivered: list[str] = []
    pending = list(to)
    error = None
    for attempt in range(1, attempts + 1):
        message = build_message(night, audience, folder, smtp.sender, pending, contact=contact)
        try:
            refused = smtp.send(message, pending)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("mail to %s failed (attempt %d/%d): %s", audience, attempt, attempts, error)
            time.sleep(backoff * attempt)
            continue
        accepted = [a for a in pending if a not in refused]
        delivered += accepted
        if record and accepted:
            record(accepted, message["Message-ID"])
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


def send_reports(night: date, outbox: Path, recipients_file: Path, *, conn=None, again: bool = False,
                 attempts: int = 3, backoff: float = 2.0) -> dict:
    """E-mail every audience of night D its report; raises `DeliveryError` naming the audiences that failed.

    An address that already received night D's report (the delivery ledger `ops.delivery`, in the warehouse
    `conn`, default: a connection to `jaring_db`) is not mailed again unless `again`; the result lists the
    audiences skipped so under `already_sent`."""
    folder = Path(outbox) / night.isoformat()
    if not folder.is_dir():
        raise FileNotFoundError(f"no outbox folder for {night}: {folder} (run write_outbox first)")
    doc = load_recipients(recipients_file)
    if conn is None:
        from jaring.warehouse import db

        with db.connect(autocommit=True) as own:
            return send_reports(night, outbox, recipients_file, conn=own, again=again, attempts=attempts,
                                backoff=backoff)
    ledger = DeliveryLedger(conn)
    smtp = _Smtp()
    result: dict = {"night": night.isoformat(), "sent": {}, "failed": {}, "no_recipients": [], "already_sent": []}
    for audience in audiences_in(folder):
        to = recipients_for(audience, doc)
        if not to:
            result["no_recipients"].append(audience)
            continue
        if not again:
            done = ledger.delivered(night, audience)
            to = [a for a in to if a not in done]
            if not to:
                result["already_sent"].append(audience)
                continue
        delivered, error = _deliver(smtp, night, audience, folder / audience, to, attempts, backoff,
                                    lambda addresses, mid, a=audience: ledger.record(night, a, addresses, mid),
                                    contact=doc.get(CONTACT))
        if delivered:
            result["sent"][audience] = delivered
        if error:
            result["failed"][audience] = error
    log.info("reports of %s mailed to %d audiences; %d failed; %d without recipients; %d already sent", night,
             len(result["sent"]), len(result["failed"]), len(result["no_recipients"]), len(result["already_sent"]))
    if result["failed"]:
        raise DeliveryError(f"reports of {night} not delivered to: {', '.join(sorted(result['failed']))}", result)
    return result
