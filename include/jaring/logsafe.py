"""Text from outside the hub made safe for a log line.

A file name in the RT inbox is chosen by whoever uploads it: it may hold a NIK and a person's name,
or a newline that forges a log line. `safe_text` escapes control characters and masks long digit
runs (a NIK, a KPJ, a phone number); `safe_name` keeps an inbox path only when every part has the
inbox's own form (`YYYY-MM/<KODE>-RTrrr-RWwww.xlsx`, which carries no personal data) and shows any
other part as a short, stable hash of it.
"""

from __future__ import annotations

import hashlib
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LONG_DIGITS = re.compile(r"\d{6,}")
_INBOX_PARTS = (re.compile(r"\d{4}-(?:0[1-9]|1[0-2])"),
                re.compile(r"\d{10}-RT\d{3}-RW\d{3}\.(?:xlsx|xls|csv)", re.IGNORECASE))


def safe_text(text: object) -> str:
    """One line, no control characters, no run of six or more digits."""
    escaped = _CONTROL.sub(lambda m: _ESCAPES.get(m[0]) or _escape(m[0]), str(text))
    return _LONG_DIGITS.sub(lambda m: "#" * len(m[0]), escaped)


def safe_name(relative_path: str) -> str:
    """An inbox path for the log: its parts in the inbox's own form, any other part as `~<hash>`."""
    return "/".join(part if any(p.fullmatch(part) for p in _INBOX_PARTS) else _hashed(part)
                    for part in relative_path.split("/"))


def _hashed(part: str) -> str:
    digest = hashlib.sha256(part.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"~{digest}"


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
