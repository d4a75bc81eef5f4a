"""The report catalog: one small module per kind of report this archive keeps.

Each module of this package defines ``KIND = ReportKind(...)``: the endpoint, the request body built from the
unit of work, whether the report belongs to a campaign (shop) or to the whole business, how contract types
apply, and how its files are named. The other systems (``closing_docs.sources``) define ``KIND = SourceKind(...)``
the same way. Adding a kind is adding a module (plus its emulator entry and tests): nothing else lists the kinds.
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

Scope = Literal["campaign", "business", "source"]
# "set": the body may name a set of contract types (none: all contracts), and a TOO_LARGE report is split one type
# at a time; "each": one report per contract type, the type is required; None: contract types do not apply.
ContractTypeMode = Literal["set", "each"] | None
DEFAULT_KIND = "closure-documents"


@dataclass(frozen=True, kw_only=True)
class Kind:
    """What the pipeline needs to know about one kind of document, whatever system it comes from."""

    name: str  # the stable machine name: start input "reports", the Reports parameter, keys, notices
    label: str  # what a person calls it in English (notices, run summary, index)
    label_ru: str  # and in Russian (NoticeLanguage ru, the default)
    scope: Scope  # a Market campaign (shop), a Market business, or a source's own scope (Unit.scope)
    contract_types: ContractTypeMode = None
    rechecks: bool = False  # NO_DATA/FAILED right after the month means "not published yet" (daily rechecks)
    stem: Callable[[Unit], str] | None = None  # file name without extension; default <kind>_<scope>_<month>[_<type>]

    def display(self, language: str) -> str:
        return self.label_ru if language == "ru" else self.label

    def file_stem(self, unit: Unit) -> str:
        if self.stem is not None:
            return self.stem(unit)
        name = f"{self.name}_{unit.scope_label}_{unit.month}"
        return f"{name}_{unit.types_label}" if self.contract_types else name


@dataclass(frozen=True, kw_only=True)
class ReportKind(Kind):
    """A Yandex Market report: generated, polled with reports/info, downloaded from a signed link."""

    path: str  # POST endpoint that starts the generation
    body: Callable[[Unit], dict[str, Any]]  # the JSON body for one unit of work
    table: bool = False  # a table report: takes ?format= (FILE = XLSX, CSV/JSON = ZIP of sheets)


@cache
def catalog() -> dict[str, Kind]:
    """Every kind, by name: the Market reports (this package), then the other systems' sources (``sources``), each
    package in the order its modules are named (imported on first use)."""
    from .. import sources

    kinds: dict[str, Kind] = {}
    for package in (__name__, sources.__name__):
        path = importlib.import_module(package).__path__
        for module in sorted(m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_")):
            kind = importlib.import_module(f"{package}.{module}").KIND
            kinds[kind.name] = kind
    return kinds


def market() -> dict[str, ReportKind]:
    return {name: kind for name, kind in catalog().items() if isinstance(kind, ReportKind)}


def get(name: str) -> Kind:
    """The kind called ``name``; KeyError names the allowed kinds."""
    try:
        return catalog()[name]
    except KeyError:
        raise KeyError(f"unknown report kind {name!r}; allowed: {', '.join(catalog())}") from None


def names() -> tuple[str, ...]:
    return tuple(catalog())
