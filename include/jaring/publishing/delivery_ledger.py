"""The delivery ledger `ops.delivery` (migration 0003): what of night D already reached whom.

One row per night, audience and address: an e-mail address a report was mailed to, or the BPJS
endpoint a share was PUT to, with the message's id (for the PUT, the document's digest). A retry or a
clear of a delivery task skips what the ledger holds, unless asked to deliver again.
"""

from __future__ import annotations

from datetime import date


class DeliveryLedger:
    def __init__(self, conn):
        self.conn = conn

    def delivered(self, night: date, audience: str) -> dict[str, str]:
        """Address -> message id of what night D's `audience` was already sent."""
        with self.conn.transaction():
            rows = self.conn.execute("SELECT address, message_id FROM ops.delivery WHERE night = %s AND audience = %s",
                                     (night, audience)).fetchall()
        return dict(rows)

    def record(self, night: date, audience: str, addresses: list[str], message_id: str) -> None:
        with self.conn.transaction():  # committed at once: a crash later must not deliver these again
            for address in addresses:
                self.conn.execute(
                    "INSERT INTO ops.delivery (night, audience, address, message_id) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (night, audience, address) DO UPDATE SET message_id = excluded.message_id, "
                    "sent_at = now(), times = ops.delivery.times + 1", (night, audience, address, message_id))
