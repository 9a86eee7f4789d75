"""What an official reads in a report or a workbook, and the words that must not be there.

`problems(folder)` opens every `laporan.html` and `temuan.xlsx` under a night's outbox folder and
returns what a reader would see that is not Bahasa Indonesia for people: a snake_case key, a raw
upper-case code (the finding code itself excepted), JSON, an ISO month or date shown as a value,
or a common English word. Text the source wrote itself (a file name, shown between « »), names and
NIKs are not words of ours and are left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from jaring.findings_contract import CODES

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
UPPER_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
ISO = re.compile(r"(?<![\d/.-])\d{4}-\d{2}(?:-\d{2})?(?![\d-])")
ENGLISH = re.compile(r"\b(eligible|quota|link|payer|months|children|quarantined|disagree|proposal|none|"
                     r"unreadable|missing|true|false|null)\b", re.IGNORECASE)
QUOTED = re.compile(r"«[^»]*»")


class _Visible(HTMLParser):
    """The text a browser shows: not the style sheet, not attribute values."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def html_text(path: Path) -> list[str]:
    parser = _Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return [p for p in parser.parts if p.strip()]


def xlsx_text(path: Path) -> list[str]:
    """Every text cell (dates and numbers are typed cells: the spreadsheet shows them its own way)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    texts = [f"{sheet.title}: {v}" for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for v in row if isinstance(v, str)]
    texts += book.sheetnames
    book.close()
    return texts


def text_problems(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        shown = QUOTED.sub("«»", text)
        for what, pattern in (("snake_case", SNAKE), ("ISO", ISO), ("English", ENGLISH)):
            found += [f"{what} {m.group(0)!r} in {text[:120]!r}" for m in pattern.finditer(shown)]
        found += [f"code {m.group(0)!r} in {text[:120]!r}" for m in UPPER_CODE.finditer(shown)
                  if m.group(0) not in CODES]
        if '{"' in shown or "{'" in shown:
            found.append(f"JSON in {text[:120]!r}")
    return found


def problems(folder: Path) -> dict[str, list[str]]:
    """{file under the folder: its problems} for every report and workbook (none: {})."""
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.name == "laporan.html":
            found = text_problems(html_text(path))
        elif path.name == "temuan.xlsx":
            found = text_problems(xlsx_text(path))
        else:
            continue
        if found:
            result[path.relative_to(folder).as_posix()] = sorted(set(found))
    return result


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.name in ("laporan.html", "temuan.xlsx"))
