"""The expected layouts of the table reports: data files ``layouts/<kind>.json``, one per report kind.

Each names, per sheet (the CSV member's name without ``.csv``), the columns the close needs (``required``), the columns
it knows (``known``, besides the report-level ``known`` and ``knownPrefixes``), the columns that may repeat
(``repeatable``: the ``UPD_*`` pair) and how its rows enter the ledger and the checks (amount column, sign, event
type, date, key, SKU, name, …). Derived from REPORT-LAYOUTS.md (vendored facts: see each file's ``source``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DIR = Path(__file__).with_name("layouts")


@dataclass(frozen=True)
class SheetLayout:
    code: str
    title: str
    required: tuple[str, ...]
    known: frozenset[str]
    repeatable: frozenset[str]
    meta: dict[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.meta.get(name, default)


@dataclass(frozen=True)
class ReportLayout:
    kind: str
    sheets: dict[str, SheetLayout]
    known: frozenset[str]
    known_prefixes: tuple[str, ...]
    meta: dict[str, Any]

    def is_known(self, sheet: SheetLayout | None, column: str) -> bool:
        if column in self.known or (sheet is not None and column in sheet.known):
            return True
        return column.startswith(self.known_prefixes) if self.known_prefixes else False


def _sheet(code: str, data: dict[str, Any]) -> SheetLayout:
    return SheetLayout(
        code=code,
        title=data.get("title", ""),
        required=tuple(data.get("required", ())),
        known=frozenset(data.get("known", ())),
        repeatable=frozenset(data.get("repeatable", ())),
        meta=data,
    )


@functools.cache
def layout(kind: str) -> ReportLayout | None:
    """The layout of report ``kind``, None for a kind the close does not know."""
    path = _DIR / f"{kind}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return ReportLayout(
        kind=kind,
        sheets={code: _sheet(code, sheet) for code, sheet in data["sheets"].items()},
        known=frozenset(data.get("known", ())),
        known_prefixes=tuple(data.get("knownPrefixes", ())),
        meta=data,
    )
