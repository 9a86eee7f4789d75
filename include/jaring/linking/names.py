"""Name agreement for Indonesian names (placeholder: the linking module refines it)."""

from __future__ import annotations

import re
import unicodedata

_NON_LETTERS = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r" +")


def normalise(name: str | None) -> str:
    """Upper case, ASCII letters and single spaces only."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().upper()
    return _SPACES.sub(" ", _NON_LETTERS.sub(" ", text)).strip()
