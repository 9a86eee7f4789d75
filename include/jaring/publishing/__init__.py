"""Publishing: night D's findings to every agency (outbox files, XLSX and HTML reports, e-mail, BPJS API)."""

from jaring.publishing.bpjs_put import put_bpjs
from jaring.publishing.email import send_reports
from jaring.publishing.outbox import write_outbox

__all__ = ["put_bpjs", "send_reports", "write_outbox"]
