"""A small XLSX writer on the standard library (zipfile), rows streamed to the file one at a time.

Enough for the close's tables: several sheets, a bold header row, text (inline strings), numbers, and money
(:class:`~decimal.Decimal`, written exactly, shown with two decimals), column widths, a frozen header. Member dates
are fixed, so the same rows give the same bytes. No dependency, nothing to import at cold start beyond zipfile.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from types import TracebackType
from typing import IO
from xml.sax.saxutils import escape, quoteattr

Cell = str | int | Decimal | None

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_DATE = (2026, 1, 1, 0, 0, 0)
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_BAD_XML = dict.fromkeys([*range(9), 11, 12, *range(14, 32)])  # characters XML 1.0 does not allow


def column_letter(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _cell(reference: str, value: Cell, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return f'<c r="{reference}" s="1"><v>{value:f}</v></c>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<c r="{reference}"><v>{value}</v></c>'
    text = escape(str(value).translate(_BAD_XML))
    styled = f' s="{style}"' if style else ""
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class Workbook:
    """``with Workbook(out) as book: book.sheet("Name", header, rows, widths)``; sheets in the order written."""

    def __init__(self, out: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._titles: list[str] = []

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self._finish()
        self._zip.close()

    def _member(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def sheet(
        self, title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], widths: Sequence[int] = ()
    ) -> None:
        """Write one sheet: ``header`` in bold and frozen, then ``rows`` as they come."""
        title = title[:31]
        self._titles.append(title)
        number = len(self._titles)
        with self._zip.open(self._member(f"xl/worksheets/sheet{number}.xml"), "w", force_zip64=True) as raw:
            raw.write(
                f'{_XML}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                "</sheetView></sheetViews>".encode()
            )
            if widths:
                cols = "".join(
                    f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>' for n, w in enumerate(widths, start=1)
                )
                raw.write(f"<cols>{cols}</cols>".encode())
            raw.write(b"<sheetData>")
            letters = [column_letter(n) for n in range(1, max(len(header), 1) + 1)]
            head = "".join(_cell(f"{letters[i]}1", v, 2) for i, v in enumerate(header))
            raw.write(f'<row r="1">{head}</row>'.encode())
            for line, row in enumerate(rows, start=2):
                while len(letters) < len(row):
                    letters.append(column_letter(len(letters) + 1))
                cells = "".join(_cell(f"{letters[i]}{line}", v) for i, v in enumerate(row))
                raw.write(f'<row r="{line}">{cells}</row>'.encode())
            raw.write(b"</sheetData></worksheet>")

    def _finish(self) -> None:
        numbers = range(1, len(self._titles) + 1)
        worksheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        parts = {
            "[Content_Types].xml": (
                f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                + "".join(
                    f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{worksheet_type}"/>'
                    for n in numbers
                )
                + '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
            ),
            "_rels/.rels": (
                f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">'
                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews><sheets>'
                + "".join(
                    f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                    for n, title in zip(numbers, self._titles, strict=True)
                )
                + "</sheets></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">'
                + "".join(
                    f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in numbers
                )
                + f'<Relationship Id="rId{len(self._titles) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                "</Relationships>"
            ),
            "xl/styles.xml": _STYLES,
        }
        for name, content in parts.items():
            self._zip.writestr(self._member(name), content.encode())
