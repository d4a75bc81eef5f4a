"""The kinds of work: one small module per Yandex Market report kind (``kinds.market``) and per other system
(``kinds.sources``), each defining ``KIND``, all behind one protocol (:class:`Kind`).

A kind knows how to name its unit's documents (the title, the archive keys) and how to do its unit's work: start it
(:meth:`Kind.start`: Market requests a report to poll; a source is ready at once) and fetch it into the archive
(:meth:`Kind.fetch`). The steps call the protocol and never ask which family they hold. Adding a kind is adding a
module (plus its emulator entry and tests): nothing else lists the kinds.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from closing_docs.domain.texts import language, say
from closing_docs.domain.unit import TITLE_MAX, ArchiveKeys, Unit, month_folder

if TYPE_CHECKING:
    from datetime import datetime

    from closing_docs.domain.models import Job, Manifest, ReportRef
    from closing_docs.domain.months import Month
    from closing_docs.kinds.work import Work

Scope = Literal["campaign", "business", "source"]
# "set": the body may name a set of contract types (none: all contracts), and a TOO_LARGE report is split one type
# at a time; "each": one report per contract type, the type is required; None: contract types do not apply.
ContractTypeMode = Literal["set", "each"] | None
FAMILIES = ("market", "sources")  # the packages of kinds, in the catalog's order


@dataclass(frozen=True)
class Planning:
    """What a kind that plans its own units sees: the run's months, the start input's fields it declared, the
    archive."""

    months: Sequence[Month]
    inputs: Mapping[str, Any]  # the start-input fields the kind declared (absent ones are absent)
    force: bool
    read: Callable[[str], bytes | None]  # an object of the archive bucket, by key (None: no such object)
    prefix: str


@dataclass(frozen=True)
class Started:
    """What starting a unit's work gave: a report to poll (Market), a wait for the kind's window (PACED), or
    nothing to wait for (a source: fetched at once, in the Archive step)."""

    report: ReportRef | None = None
    paced_seconds: int = 0


@dataclass(frozen=True)
class Archived:
    """What fetching a unit gave: its files stored and their manifest (the step writes it, the proof that the unit is
    archived) with the words of its notice; or, with no manifest, why there is nothing (NO_DOCUMENTS, not a
    failure). ``earlier``: the document was made by an earlier run then (ALREADY_ARCHIVED)."""

    manifest: Manifest | None = None
    unit: Job | None = None  # where the documents were placed (a source's document may name another month)
    message: str = ""
    no_documents: str | None = None
    earlier: datetime | None = None


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
    inputs: Mapping[str, str] = field(default_factory=dict)  # the start-input fields it reads -> what is allowed
    future_months: bool = False  # may run for the current or the next month (a prepayment)
    resolution_input: str | None = None  # the start-input field by which a person resolves an outcome-unknown unit
    table: bool = False  # a table report: its sheets come as XLSX (FILE) or as a ZIP of CSV/JSON files (the close)

    def display(self, language: str) -> str:
        return self.label_ru if language == "ru" else self.label

    def file_stem(self, unit: Unit) -> str:
        if self.stem is not None:
            return self.stem(unit)
        name = f"{self.name}_{unit.scope_label}_{unit.month}"
        return f"{name}_{unit.types_label}" if self.contract_types else name

    def keys(self, unit: Unit, prefix: str) -> ArchiveKeys:
        """Deterministic keys: ``<prefix>/<YYYY-MM>/<business>[/<campaignId>|/<source kind>]/<stem>...``; a CSV
        twin's stem ends with ``.csv``."""
        folder = month_folder(prefix, unit.month, unit.business)
        if self.scope == "campaign":
            folder = f"{folder}/{unit.campaign_id}"
        elif self.scope == "source":
            folder = f"{folder}/{self.name}"
        twin = f".{unit.twin.lower()}" if unit.twin else ""  # a CSV twin: <stem>.csv.zip beside <stem>.xlsx
        return ArchiveKeys(f"{folder}/{self.file_stem(unit)}{twin}")

    def title(self, unit: Unit) -> str:
        """What a person reads in a subject line, in the deployment's language: the kind, the month, the business
        and the scope (SNS takes subjects under 100 characters: "<title>: <STATUS>" fits)."""
        if unit.campaign_id is not None:
            scope = say("scope.campaign", id=unit.campaign_id)
        elif unit.business_id is not None:
            scope = say("scope.business", id=unit.business_id)
        else:
            scope = unit.scope or ""
        types = f" ({unit.types_label})" if unit.contract_types and self.contract_types else ""
        types += f" ({unit.twin})" if unit.twin else ""
        label = self.display(language())
        title = say("title", label=label, month=unit.month, business=unit.business, scope=scope).rstrip(" ,") + types
        return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 3] + "..."

    # The plan. Market reports are planned per business and shop (plan.planning crosses them); a source plans its
    # own units, when this deployment turns it on.
    def configured(self) -> bool:
        """Whether this deployment can do this kind's work."""
        return True

    def in_monthly_run(self) -> bool:
        """Whether the monthly run takes this kind without being asked (Market kinds: when the Reports parameter
        names them)."""
        return False

    def plan(self, planning: Planning) -> list[Unit] | None:
        """The kind's own units for the run; None: planned per business and shop."""
        return None

    # The work. Market reports are started, polled (reports/info) and downloaded; a source is fetched at once.
    polls: bool = False  # whether started work is polled until ready (CheckStatus)

    def start(self, work: Work) -> Started:
        """Start the unit's work (the unit is owned and not archived yet)."""
        return Started()

    def fetch(self, work: Work) -> Archived:
        """Fetch the unit's documents into the archive (verified, with their manifest)."""
        raise NotImplementedError(self.name)


@cache
def family(name: str) -> dict[str, Kind]:
    """The kinds of one family (a package of FAMILIES), by name, in the order their modules are named."""
    package = importlib.import_module(f"{__name__}.{name}")
    modules = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    found = (importlib.import_module(f"{package.__name__}.{module}").KIND for module in modules)
    return {kind.name: kind for kind in found}


@cache
def catalog() -> dict[str, Kind]:
    """Every kind, by name: the Market reports, then the other systems' sources."""
    return {name: kind for each in FAMILIES for name, kind in family(each).items()}


def get(name: str) -> Kind:
    """The kind called ``name``; KeyError names the allowed kinds."""
    try:
        return catalog()[name]
    except KeyError:
        raise KeyError(f"unknown report kind {name!r}; allowed: {', '.join(catalog())}") from None


def of(unit: Unit) -> Kind:
    """The kind of ``unit``."""
    return get(unit.kind)


def names() -> tuple[str, ...]:
    return tuple(catalog())


def title(unit: Unit) -> str:
    return of(unit).title(unit)


def keys(unit: Unit, prefix: str) -> ArchiveKeys:
    return of(unit).keys(unit, prefix)
