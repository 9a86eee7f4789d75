"""Is a workbook small enough to hand to the spreadsheet reader? Decided from the zip, before any grid exists.

calamine sizes its grid from the sheet's `<dimension ref>` and from the farthest cell, and loads every
part whole: a 5 KB workbook claiming `A1:XFD1048576` aborted the process (uncatchable), and a few
hundred KB of compressed shared strings cost gigabytes. An RT ledger is a few hundred rows of nine
columns, so the bounds below are generous for a ledger and small for the machine.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from xml.parsers import expat

MAX_ROWS = 5_000
MAX_COLUMNS = 50
MAX_UNPACKED_BYTES = 20 * 2**20  # all parts together, as decompressed
MAX_MEMBERS = 500
# DEFLATE unpacks at most 1032 bytes from one (a 258-byte match coded in two bits): a package whose members'
# compressed sizes add up to at most MAX_UNPACKED_BYTES / 1032 (20 KB; a ledger is 6-10 KB) cannot unpack
# past the bound, whatever sizes it declares
DEFLATE_MAX_RATIO = 1032
TOO_LARGE = "too_large"
NOT_A_WORKBOOK = "not_a_spreadsheet"

_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


class _Exceeded(Exception):
    pass


def refusal(data: bytes) -> str | None:
    """`too_large` or `not_a_spreadsheet` when the workbook must not be loaded; None to go on.

    Data that is not a zip (an old .xls, a photo) is left to the reader, bounded only by its size.
    """
    if len(data) > MAX_UNPACKED_BYTES:
        return TOO_LARGE
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            if len(members) > MAX_MEMBERS:
                return TOO_LARGE
            if "xl/workbook.xml" not in package.namelist():
                return NOT_A_WORKBOOK  # ODS, XLSB, a zip of photos: not the ledger template
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                return TOO_LARGE
            _check_unpacked(data, members)
    except _Exceeded:
        return TOO_LARGE
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError,
            struct.error, zlib.error):
        return NOT_A_WORKBOOK  # corrupt, encrypted members, unknown compression
    return None


def _check_unpacked(data: bytes, members: list[zipfile.ZipInfo]) -> None:
    """Decompress every part, counting (a declared size may lie), unless the compressed sizes alone keep the
    package within the bound (then only the worksheets, a ledger's 1-3 of its ~10 parts); measure each
    worksheet's extent."""
    bounded = sum(m.compress_size for m in members) * DEFLATE_MAX_RATIO <= MAX_UNPACKED_BYTES
    unpacked = 0
    for member in members:
        if (bounded and not _SHEET.fullmatch(member.filename) and not member.flag_bits & 0x1
                and member.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)):
            continue
        content = _unpack(data, member, MAX_UNPACKED_BYTES - unpacked + 1)
        unpacked += len(content)
        if unpacked > MAX_UNPACKED_BYTES:
            raise _Exceeded
        if _SHEET.fullmatch(member.filename) and not _plainly_within(content):
            _SheetExtent().feed(content)


_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, (version … sizes), name length, extra field length


def _unpack(data: bytes, member: zipfile.ZipInfo, limit: int) -> bytes:
    """At most `limit` bytes of a member's content, decompressed in one call: zipfile's reader streams a
    member through several layers of Python, which was most of this check's time for a ledger of ten small
    parts. Only what a workbook uses: stored or deflated, not encrypted (anything else is no ledger)."""
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, member.header_offset)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile("no local header where the central directory points")
    if member.flag_bits & 0x1:
        raise NotImplementedError("an encrypted member")
    start = member.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    compressed = data[start:start + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        return compressed[:limit]
    if member.compress_type == zipfile.ZIP_DEFLATED:
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(compressed, limit)
    raise NotImplementedError(f"compression method {member.compress_type}")


# A plain worksheet names every cell (`<c r="B7" ...>`): its extent is then read by two scans in C, and
# the parser (a call per element) only reads a sheet where that does not show it within the bounds.
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_NAMED_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?(?<=\s)r=\"([A-Z]{1,3})(\d{1,7})\"")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?(?<=\s)ref=\"([^\"]*)\"")


def _plainly_within(xml: bytes) -> bool:
    """True when every cell is named and, like the dimension, within the bounds; False means: parse it."""
    named = _NAMED_CELL.findall(xml)
    if len(named) != len(_CELL_TAG.findall(xml)):
        return False
    if named and (max(int(row) for _, row in named) > MAX_ROWS
                  or max(_column(letters) for letters in {c for c, _ in named}) > MAX_COLUMNS):
        return False
    for ref in _DIMENSION.findall(xml):
        corner = _position(ref.decode("ascii", "replace").rpartition(":")[2])
        if corner is None or corner[0] > MAX_ROWS or corner[1] > MAX_COLUMNS:
            return False
    return True


def _column(letters: bytes) -> int:
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    return column


class _SheetExtent:
    """Streams a worksheet's XML and raises `_Exceeded` past the row or column bound."""

    def __init__(self):
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.row = self.column = 0
        self.cell: tuple[int, int] | None = None
        self.has_value = False

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except expat.ExpatError as error:
            raise ValueError("worksheet XML") from error

    def _start(self, name: str, attributes: dict) -> None:
        tag = name.rpartition(":")[2]
        if tag == "dimension":  # what the reader pre-sizes its grid by, whatever the cells say
            self._within(_position(attributes.get("ref", "").rpartition(":")[2]) or (0, 0))
        elif tag == "row":
            self.row = _number(attributes.get("r")) or self.row + 1
            self.column = 0
        elif tag == "c":
            self.cell = _position(attributes.get("r", "")) or (self.row, self.column + 1)
            self.row, self.column = self.cell
            self.has_value = False
        elif tag in ("v", "is", "f") and self.cell:
            self.has_value = True

    def _end(self, name: str) -> None:
        if name.rpartition(":")[2] == "c":
            if self.has_value:  # a cell that only carries a format is not read into the grid
                self._within(self.cell)
            self.cell = None

    @staticmethod
    def _within(position: tuple[int, int]) -> None:
        row, column = position
        if row > MAX_ROWS or column > MAX_COLUMNS:
            raise _Exceeded


def _position(ref: str) -> tuple[int, int] | None:
    """`'XFD1048576'` -> (1048576, 16384)."""
    match = _CELL_REF.match(ref.strip().upper())
    if not match:
        return None
    return int(match[2]), _column(match[1].encode())


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None
