"""The report catalog: one small module per kind of report this archive keeps.

Each module of this package defines ``KIND = ReportKind(...)``: the endpoint, the request body built from the
unit of work, whether the report belongs to a campaign (shop) or to the whole business, how contract types
apply, and how its files are named. Adding a kind is adding a module here (plus its emulator entry and tests):
nothing else lists the kinds.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..unit import Unit

Scope = Literal["campaign", "business"]
# "set": the body may name a set of contract types (none: all contracts), and a TOO_LARGE report is split one type
# at a time; "each": one report per contract type, the type is required; None: contract types do not apply.
ContractTypeMode = Literal["set", "each"] | None
DEFAULT_KIND = "closure-documents"


@dataclass(frozen=True)
class ReportKind:
    """What the pipeline needs to know about one kind of Market report."""

    name: str  # the stable machine name: start input "reports", the Reports parameter, keys, notices
    label: str  # what a person calls it (notices, run summary)
    path: str  # POST endpoint that starts the generation
    scope: Scope
    body: Callable[[Unit], dict[str, Any]]  # the JSON body for one unit of work
    contract_types: ContractTypeMode = None
    table: bool = False  # a table report: takes ?format= (FILE = XLSX, CSV/JSON = ZIP of sheets)
    rechecks: bool = False  # NO_DATA/FAILED right after the month means "not published yet" (daily rechecks)
    stem: Callable[[Unit], str] | None = None  # file name without extension; default <kind>_<scope id>_<month>[_<type>]

    def file_stem(self, unit: Unit) -> str:
        if self.stem is not None:
            return self.stem(unit)
        name = f"{self.name}_{unit.scope_id}_{unit.month}"
        return f"{name}_{unit.types_label}" if self.contract_types else name


@cache
def catalog() -> dict[str, ReportKind]:
    """Every kind, by name, in the order the modules are named (imported on first use)."""
    kinds: dict[str, ReportKind] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        kind = importlib.import_module(f"{__name__}.{module}").KIND
        kinds[kind.name] = kind
    return kinds


def get(name: str) -> ReportKind:
    """The kind called ``name``; KeyError names the allowed kinds."""
    try:
        return catalog()[name]
    except KeyError:
        raise KeyError(f"unknown report kind {name!r}; allowed: {', '.join(catalog())}") from None


def names() -> tuple[str, ...]:
    return tuple(catalog())
