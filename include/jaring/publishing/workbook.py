"""`temuan.xlsx`: a summary sheet and one sheet per finding code, in Bahasa Indonesia (xlsxwriter).

Each code's sheet starts with who (name, NIK, KPJ, where), then what to do, then the evidence; codes are
written in words (labels), lists one entry per line in a wrapped cell, amounts and counts as numbers with
a format, dates as dates. Panes are frozen after the name; the sheet prints on A4 landscape, fit to the
page width, the header row repeated on every page.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from jaring.findings_contract import CODES
from jaring.publishing import labels, report
from jaring.publishing.formatting import as_date, is_missing, is_money

_BASE = ("nama", "nik", "kpj", "kelurahan", "no_rt", "no_rw", "action", "status", "severity", "first_seen",
         "period", "source", "source_ref")
_ALWAYS = frozenset({"nama", "nik", "kpj", "action"})
# Text written as it is, never read as a date, month or number (a name that looks like a date stays a name).
_AS_TYPED = frozenset({"nama", "nik", "kpj", "kelurahan", "source_ref"})
_COLUMNS = labels.COLUMNS | {"action": "Yang dilakukan"}
# zlib's level 4 for the package's parts, not its default 6 (XlsxWriter has no option for it: `_packaged`):
# a city's 72 workbooks are written 0.3 s sooner (the audiences, two processes: 4.66 -> 4.35 s over eight
# pairs), Dinas Sosial's 14 % larger (4.7 -> 5.3 MB; the night's folder 1.6 %; level 1: as fast, 28 % larger)
DEFLATE_LEVEL = 4


def _base_values(row: dict, policy=None) -> list:
    """The row's values of `_BASE`, in that order, as the reader sees them."""
    get = row.get
    kode, period, ref = get("kode_wilayah"), get("period"), get("source_ref")
    kelurahan = _place(kode)
    status, severity, source = get("status"), get("severity"), get("source")
    return [get("nama"), get("nik"), get("kpj"), kelurahan, get("no_rt"), get("no_rw"),
            report.row_action(row, policy) or None, labels.STATUS.get(status, status),
            labels.SEVERITY.get(severity, severity), get("first_seen"), labels.plain(period) if period else None,
            labels.SOURCES.get(source, source), labels.source_ref_text(ref) if ref else None]


@cache  # a few hundred places, asked for on every row of every workbook
def _place(kode: str | None) -> str | None:
    """A row's `kode_wilayah` in words: the city's kelurahan by name, elsewhere the region (None for none)."""
    return (labels.kelurahan_name(kode) if labels.is_city_kelurahan(kode) else labels.region_name(kode)) or None


def _detail_keys(rows: list[dict]) -> list[str]:
    keys: set[str] = set()
    for row in rows:
        keys.update((row.get("details") or {}).keys())
    return sorted(keys)


class _Writer:
    def __init__(self, book):
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF",
                                       "text_wrap": True, "valign": "top", "border": 1})
        self.date = book.add_format({"num_format": "dd/mm/yyyy", "valign": "top"})
        self.money = book.add_format({"num_format": '"Rp" #,##0', "valign": "top"})
        self.count = book.add_format({"num_format": "#,##0", "valign": "top"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.text = book.add_format({"valign": "top"})
        # numbered now, in this order, so that a row's cells are written out as it is put (ReportSheet.put_row)
        for style in (self.header, self.date, self.money, self.count, self.wrap, self.text):
            style._get_xf_index()
        self.seen: dict[str, dict] = {}  # column key -> value -> plan

    def how(self, key: str, value) -> tuple:
        """`plan`, computed once per workbook and column for a hashable value."""
        seen = self.seen.setdefault(key, {})
        known = (bool, value) if value is True or value is False else value  # True == 1, written differently
        try:
            how = seen.get(known)
        except TypeError:  # a list or a dict: not cached
            return self.plan(key, value)
        if how is None:
            how = seen[known] = self.plan(key, value)
        return how

    def plan(self, key: str, value) -> tuple:
        """How a value is written: (what, format, width); text, a number or a date (`ReportSheet.put_row`). Values repeat
        (dates, codes, places): the plan of a hashable value is computed once per workbook."""
        if isinstance(value, bool):
            value = "Ya" if value else "Tidak"
        if isinstance(value, str) and not labels.is_coded(key):
            day = as_date(value)
            if day is None:
                if labels.is_month(value):
                    value = labels.plain(value)
                return value, self.text, len(value)  # NIKs, KPJs: text, never numbers
        day = as_date(value)
        if day is not None:
            return datetime.combine(day, time()), self.date, 10
        if isinstance(value, int | float) and not labels.is_coded(key):
            return (value, self.money if is_money(key) else self.count,
                    len(f"{value:,.0f}") + (4 if is_money(key) else 0))
        lines = value if key == "action" else labels.detail_lines(key, value)  # action: report.row_action's lines
        return "\n".join(lines), self.wrap, max(len(line) for line in lines)

    def table(self, sheet, headers: list[str], keys: list[str], rows: list[list], freeze_col: int = 0) -> None:
        widths = [max(8, min(len(h), 30)) for h in headers]
        for c, head in enumerate(headers):
            sheet.write_string(0, c, head, self.header)
        # a city's workbooks hold millions of cells: this loop is publishing's hottest, kept lean
        text, how, put_row = self.text, self.how, sheet.put_row
        as_typed = [key in _AS_TYPED for key in keys]
        for r, values in enumerate(rows, start=1):
            cells = []
            for c, value in enumerate(values):
                if value is None or value == "" or value == []:
                    continue
                if as_typed[c]:
                    cells.append((c, value, text))
                    width = len(value)
                else:
                    content, style, width = how(keys[c], value)
                    cells.append((c, content, style))
                if width > widths[c]:
                    widths[c] = width
            put_row(r, cells)
        for c, width in enumerate(widths):
            sheet.set_column(c, c, min(width + 2, 50))
        sheet.freeze_panes(1, freeze_col)
        sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # the page width, as many pages down as needed
        sheet.repeat_rows(0)
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.set_footer("&L&A&RHalaman &P dari &N")


@cache
def _sheet_class():
    """XlsxWriter's worksheet with a shorter path for the cells of a report. XlsxWriter keeps every cell as an
    object until the workbook is closed and puts it through general methods (cell references in A1 notation,
    formulas, rich text, row and column formats, attributes escaped one by one); a report's data cells all
    carry their own (already numbered) format and are text (a shared string), a number or a date, written a
    row at a time (`put_row`), and no row has formats or comments: such a row's XML is made as it is put.
    The same bytes as XlsxWriter's own methods (`test_the_short_path_writes_the_same_file`)."""
    from math import isfinite

    from xlsxwriter.utility import xl_col_to_name
    from xlsxwriter.worksheet import Worksheet

    class ReportSheet(Worksheet):
        def __init__(self) -> None:
            super().__init__()
            self.rendered: dict[int, tuple[int, int, str]] = {}  # row -> (first column, last column, cells' XML)
            self.letters: list[str] = []  # column number -> its letters

        def put_row(self, row: int, cells: list[tuple]) -> None:
            """Row `row`'s cells (column, value, format), columns ascending: what `write_string`,
            `write_number` and `write_datetime` would write; from a cell with anything unusual on (a long text,
            a number Excel cannot hold), the row's cells go through XlsxWriter's own checks."""
            if not cells:
                return
            if row in self.rendered or self.table.get(row):
                raise ValueError(f"row {row + 1} of sheet {self.name!r} is put twice")
            usual = (row < self.xls_rowmax and cells[-1][0] < self.xls_colmax and not self.constant_memory
                     and not self._check_dimensions(row, cells[0][0]) and not self._check_dimensions(row, cells[-1][0]))
            letters, shared, number, half = self.letters, self.str_table._get_shared_string_index, row + 1, self.xls_strmax // 2
            while len(letters) <= cells[-1][0]:
                letters.append(xl_col_to_name(len(letters)))
            parts = []
            for at, (col, value, style) in enumerate(cells):
                kind = type(value)
                if usual and kind is str and len(value) <= half:  # `<v>`: the shared string's index
                    parts.append(f'<c r="{letters[col]}{number}" s="{style.xf_index}" t="s"><v>{shared(value)}</v></c>')
                    continue
                if usual and (kind is datetime or ((kind is int or kind is float) and isfinite(value))):
                    amount = self._convert_date_time(value) if kind is datetime else value
                    parts.append(f'<c r="{letters[col]}{number}" s="{style.xf_index}"><v>{amount:.16G}</v></c>')
                    continue
                for col_after, value_after, style_after in cells[at:]:
                    self.write(row, col_after, value_after, style_after)
                break
            if parts:
                self.rendered[row] = (cells[0][0], cells[len(parts) - 1][0], "".join(parts))

        def _write_rows(self) -> None:
            if (self.row_info or self.comments or self.constant_memory or self.excel_version != 2007
                    or self.default_row_height != self.original_row_height):
                if self.rendered:
                    raise RuntimeError("a report sheet's row was given a format or comment after its cells")
                super()._write_rows()
                return
            # the header and the cells from an unusual one on: XlsxWriter's, after the row's rendered cells
            stored = {row: cells for row, cells in self.table.items() if cells}
            spans: dict[int, tuple[int, int]] = {}  # per block of 16 rows: the columns used, as XlsxWriter's
            bounds = [(row, min(cells), max(cells)) for row, cells in stored.items()]
            for row, low, high in bounds + [(row, low, high) for row, (low, high, _) in self.rendered.items()]:
                block = spans.get(row // 16)
                spans[row // 16] = (min(low, block[0]), max(high, block[1])) if block else (low, high)
            self.row_spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in spans.items()}
            write = self.fh.write
            for row in sorted(stored.keys() | self.rendered.keys()):
                write(f'<row r="{row + 1}" spans="{self.row_spans[row // 16]}">')
                if row in self.rendered:
                    write(self.rendered[row][2])
                for col in sorted(stored.get(row, ())):
                    self._write_cell(row, col, stored[row][col])
                write("</row>")

    return ReportSheet


@contextmanager
def _packaged(level: int):
    """XlsxWriter's `Workbook.close` deflating at `level` (it makes its `zipfile.ZipFile` by that module's name) and
    writing the shared strings with `_shared_strings_class` (its packager makes `SharedStrings` by that name)."""
    import xlsxwriter.packager as packager
    import xlsxwriter.workbook as package

    made = package.ZipFile, packager.SharedStrings
    package.ZipFile, packager.SharedStrings = _zip_file_class(level), _shared_strings_class()
    try:
        yield
    finally:
        package.ZipFile, packager.SharedStrings = made


@cache
def _zip_file_class(level: int):
    import zipfile

    class ZipFileAtLevel(zipfile.ZipFile):
        def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
            super().writestr(zinfo_or_arcname, data, compress_type, level if compresslevel is None else compresslevel)

    return ZipFileAtLevel


@cache
def _shared_strings_class():
    """XlsxWriter's shared strings part with a shorter path for a plain text: XlsxWriter puts each of a workbook's
    texts (most of a report's are distinct: names, NIKs, places) through five regular expressions and as many
    calls; a text with no control character, XML special character, `_` (of an `_xHHHH_` escape) or non-character,
    and no whitespace at either end is written as it is, the others by XlsxWriter. The same bytes
    (`test_the_short_path_writes_the_same_file`)."""
    import re

    from xlsxwriter.sharedstrings import SharedStrings

    edge, inside = r"[^\s\x00-\x1f&<>_\ufffe\uffff]", r"[^\x00-\x08\x0b-\x1f&<>_\ufffe\uffff]"
    plain = re.compile(f"{edge}(?:{inside}*{edge})?").fullmatch

    class ReportSharedStrings(SharedStrings):
        def _write_sst_strings(self) -> None:
            run: list[str] = []  # plain texts' XML, written at once
            for string in self.string_table.string_array:
                if plain(string):
                    run.append(f"<si><t>{string}</t></si>")
                    continue
                self.fh.write("".join(run))
                run.clear()
                self._write_si(string)
            self.fh.write("".join(run))

    return ReportSharedStrings


def write(path: Path, audience: str, rows: list[dict], night: date | None = None, policy=None) -> None:
    """The audience's workbook (rows are already masked for it)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False, "in_memory": True})
    book.set_properties({"title": f"Temuan rekonsiliasi untuk {labels.audience_name(audience)}",
                         "author": "Jaring — Pemerintah Kota Jambi", "created": datetime.combine(night or date(2000, 1, 1), time())})
    out = _Writer(book)
    sheet_class = _sheet_class()
    by_code: dict[str, list[dict]] = {}
    for row in rows:
        by_code.setdefault(row["finding_code"], []).append(row)
    order = {code: i for i, code in enumerate(CODES)}
    by_code = dict(sorted(by_code.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))
    if "ELIGIBLE_NOT_ENROLLED" in by_code:  # as the report: by the quota rank, within the quota first
        by_code["ELIGIBLE_NOT_ENROLLED"].sort(key=report.quota_order)
    counts = Counter(row["finding_code"] for row in rows)

    first = book.add_worksheet("Ringkasan", worksheet_class=sheet_class)
    summary_rows = [[code, labels.CODE_TEXT[code].judul if code in labels.CODE_TEXT else code, counts[code],
                     _text(code).arti, _text(code).what_to_do(audience)] for code in by_code]
    out.table(first, ["Kode temuan", "Temuan", "Jumlah", "Artinya", "Yang perlu dilakukan"],
              ["finding_code", "judul", "n", "arti", "tindakan"], summary_rows)
    first.set_column(3, 4, 70, out.wrap)

    for code, code_rows in by_code.items():
        sheet = book.add_worksheet(_text(code).judul[:31], worksheet_class=sheet_class)
        values = [_base_values(r, policy) for r in code_rows]
        shown = [i for i, c in enumerate(_BASE) if c in _ALWAYS or any(not is_missing(v[i]) for v in values)]
        base = [_BASE[i] for i in shown]
        details = _detail_keys(code_rows)
        headers = [_COLUMNS[c] for c in base] + [labels.detail_label(k) for k in details]
        table = [[v[i] for i in shown] + [(r.get("details") or {}).get(k) for k in details]
                 for r, v in zip(code_rows, values, strict=True)]
        out.table(sheet, headers, base + details, table, freeze_col=1)
    with _packaged(DEFLATE_LEVEL):
        book.close()


def _text(code: str) -> labels.CodeText:
    return labels.CODE_TEXT.get(code) or labels.CodeText(code, "", {"*": ""})
