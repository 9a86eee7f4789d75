"""A small, fast, deterministic xlsx writer for the simulated RT ledgers.

xlsxwriter costs ~2 ms a workbook (most of it the fixed parts: theme, styles,
properties); the city's ~25k ledgers a month range need less. This writes the
parts a spreadsheet reader needs (shared strings, a `dd/mm/yyyy` date style, a
bold title style, merged cells, hidden sheets, fixed document properties) and
nothing else; the same content always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from xml.sax.saxutils import escape

_EPOCH = date(1899, 12, 30)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DATE_STYLE, BOLD_STYLE = 1, 2

_STYLES = _XML + (
    f'<styleSheet {_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_ROOT_RELS = _XML + (
    f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>'
)
_APP = _XML + ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
               "<Application>Microsoft Excel</Application></Properties>")


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Sheet:
    def __init__(self, name: str, hidden: bool):
        self.name, self.hidden = name, hidden
        self.cells: dict[int, dict[int, tuple[object, int]]] = {}
        self.merged: list[str] = []

    def write(self, row: int, column: int, value: object, style: int = 0) -> None:
        """0-based row and column; `None` and `''` leave the cell empty; dates get the date style."""
        if value is None or value == "":
            return
        if isinstance(value, date):
            style = DATE_STYLE
        self.cells.setdefault(row, {})[column] = (value, style)

    def write_row(self, row: int, column: int, values: list) -> None:
        for offset, value in enumerate(values):
            self.write(row, column + offset, value)

    def merge(self, row: int, first_column: int, last_column: int, value: object, style: int = BOLD_STYLE) -> None:
        self.write(row, first_column, value, style)
        self.merged.append(f"{column_letter(first_column)}{row + 1}:{column_letter(last_column)}{row + 1}")

    def xml(self, strings: dict[str, int]) -> str:
        parts = [_XML, f"<worksheet {_NS} {_NS_R}><sheetData>"]
        for row in sorted(self.cells):
            parts.append(f'<row r="{row + 1}">')
            for column, (value, style) in sorted(self.cells[row].items()):
                ref = f"{column_letter(column)}{row + 1}"
                styled = f' s="{style}"' if style else ""
                if isinstance(value, str):
                    index = strings.setdefault(value, len(strings))
                    parts.append(f'<c r="{ref}"{styled} t="s"><v>{index}</v></c>')
                else:
                    parts.append(f'<c r="{ref}"{styled}><v>{_number(value)}</v></c>')
            parts.append("</row>")
        parts.append("</sheetData>")
        if self.merged:
            refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in self.merged)
            parts.append(f'<mergeCells count="{len(self.merged)}">{refs}</mergeCells>')
        parts.append("</worksheet>")
        return "".join(parts)


def _number(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return str((value - _EPOCH).days)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g").upper()
    return str(value)


class Workbook:
    def __init__(self, created: datetime, author: str = ""):
        self.created, self.author = created, author
        self.sheets: list[Sheet] = []

    def add_sheet(self, name: str, hidden: bool = False) -> Sheet:
        sheet = Sheet(name, hidden)
        self.sheets.append(sheet)
        return sheet

    def to_bytes(self) -> bytes:
        strings: dict[str, int] = {}
        sheet_xml = [sheet.xml(strings) for sheet in self.sheets]
        entries = {
            "[Content_Types].xml": self._content_types(),
            "_rels/.rels": _ROOT_RELS,
            "docProps/app.xml": _APP,
            "docProps/core.xml": self._core(),
            "xl/workbook.xml": self._workbook(),
            "xl/_rels/workbook.xml.rels": self._workbook_rels(),
            "xl/styles.xml": _STYLES,
            "xl/sharedStrings.xml": _XML + f'<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings) + "</sst>",
        }
        entries.update({f"xl/worksheets/sheet{i + 1}.xml": xml for i, xml in enumerate(sheet_xml)})
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, text in entries.items():
                archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode("utf-8"),
                                 compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
        return buffer.getvalue()

    def _content_types(self) -> str:
        main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{main}.worksheet+xml"/>'
                         for i in range(len(self.sheets)))
        return _XML + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>{sheets}'
            f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{main}.sharedStrings+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'
        )

    def _core(self) -> str:
        stamp = self.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        return _XML + (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(self.author)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i + 1}"'
            f'{" state=" + chr(34) + "hidden" + chr(34) if s.hidden else ""} r:id="rId{i + 1}"/>'
            for i, s in enumerate(self.sheets)
        )
        return _XML + f"<workbook {_NS} {_NS_R}><sheets>{sheets}</sheets></workbook>"

    def _workbook_rels(self) -> str:
        count = len(self.sheets)
        sheets = "".join(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                         for i in range(count))
        return _XML + (
            f'<Relationships xmlns="{_PKG_REL}">{sheets}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        )
