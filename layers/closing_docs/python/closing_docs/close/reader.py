"""Streaming reader of a table report's CSV form: a ZIP with one CSV per sheet.

Each member is read through ``zipfile``'s stream, ``io.TextIOWrapper`` (UTF-8, a BOM dropped) and ``csv.reader``: one
row at a time, never the whole report. Columns are found by their CSV codes in the header row; a code that appears
twice (the ``UPD_*`` pair of realization) keeps every position (:attr:`Header.positions`), and short rows are padded.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from closing_docs.close.schema import ReportLayout, SheetLayout

csv.field_size_limit(16 * 1024 * 1024)


@dataclass
class Header:
    columns: list[str]
    positions: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for number, code in enumerate(self.columns):
            self.positions.setdefault(code, []).append(number)

    def at(self, code: str | None) -> int | None:
        """The (first) position of ``code``, None when the sheet has no such column."""
        if not code:
            return None
        found = self.positions.get(code)
        return found[0] if found else None

    def cell(self, code: str | None) -> int:
        """The position of ``code``, or -1 (the empty cell the close appends to every row) when there is none."""
        found = self.at(code)
        return -1 if found is None else found

    @property
    def width(self) -> int:
        return len(self.columns)


@dataclass
class Member:
    """One member of the ZIP: a sheet (``header``/``rows``) or another file (``header`` None)."""

    name: str  # the member's file name
    code: str  # the sheet's code: the name without the .csv extension
    header: Header | None
    rows: Iterator[list[str]]  # as csv.reader gives them: short rows are the caller's to pad


def padded(rows: Iterator[list[str]], width: int) -> Iterator[list[str]]:
    """Rows of at least ``width`` cells (a short row gets empty cells); blank lines skipped."""
    for row in rows:
        if len(row) < width:
            if not row or row == [""]:
                continue
            row = row + [""] * (width - len(row))
        yield row


def members(stream: IO[bytes]) -> Iterator[Member]:
    """The members of a CSV ZIP, one after the other; a member's rows must be consumed before the next."""
    with zipfile.ZipFile(stream) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename.rsplit("/", 1)[-1]
            if not name.lower().endswith(".csv"):
                yield Member(name, name, None, iter(()))
                continue
            with archive.open(info) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
                reader = csv.reader(text)
                first = next(reader, None)
                header = Header([cell.strip().lstrip("\ufeff") for cell in first or []])
                yield Member(name, name[:-4], header, reader)


@dataclass
class Drift:
    """What a sheet has that its layout does not expect, and the required columns it lacks."""

    unknown_columns: list[str]
    missing_columns: list[str]


def drift_of(report: ReportLayout, sheet: SheetLayout | None, header: Header) -> Drift:
    unknown: list[str] = []
    for code, positions in header.positions.items():
        if not code:
            unknown.append("(no name)")
        elif not report.is_known(sheet, code):
            unknown.append(code)
        elif len(positions) > 1 and (sheet is None or code not in sheet.repeatable):
            unknown.append(f"{code} (x{len(positions)})")
    missing = [code for code in sheet.required if code not in header.positions] if sheet else []
    return Drift(unknown, missing)
