"""The identity of one unit of work, in one place.

A unit is one report of one kind, for one scope (a campaign, or the whole business for business-wide kinds), one
month and, where the kind has them, one set of contract types. Its lock key and its JSON form are defined here
(its title and archive keys are its kind's: ``kinds.Kind``); jobs, manifests, notices, outcomes, no-documents
markers and audit items all extend it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PlainSerializer,
    PlainValidator,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_serializer,
)

from closing_docs.domain.base import ContractType, Wire
from closing_docs.domain.months import MONTH_PATTERN, Month

# Every business name (the secret's keys, BUSINESS_NAME, a source's name, the start input, every unit): 1-64 of
# A-Z a-z 0-9 . _ - and the first a letter or digit. A name is a folder of the archive's keys
# (<prefix>/<month>/<business>/...): ".", ".." or a "/" would leave it; a control character would not be a name.
BUSINESS_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SCOPE_PATTERN = r"^[A-Za-z0-9._-]{1,200}$"  # a source's own scope (a document key...): part of a file name, no "/"
MAX_ID = 2**63 - 1  # Market's campaign and business ids are int64
KIND_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"  # a kind's name (kinds.catalog() has them)
DEFAULT_KIND = "closure-documents"  # the kind a unit is when none is named (the product began with it)


def is_business_name(text: object) -> bool:
    """Whether ``text`` is a business name (BUSINESS_PATTERN; ``$`` never matches before a trailing newline)."""
    return isinstance(text, str) and re.fullmatch(BUSINESS_PATTERN[1:-1], text, re.ASCII) is not None


def _month(value: object) -> Month:
    if isinstance(value, Month):
        return value
    if not isinstance(value, str):
        raise ValueError("a month is written YYYY-MM")
    return Month.parse(value)


MonthField = Annotated[
    Month,
    PlainValidator(_month),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN}),
]
BusinessName = Annotated[StrictStr, Field(pattern=BUSINESS_PATTERN)]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


TITLE_MAX = 81  # a notice's subject is "<title>: <STATUS>", and SNS takes subjects under 100 characters


@dataclass(frozen=True)
class ArchiveKeys:
    """Where a unit's objects are: ``<folder>/<stem>`` plus the file's extension, ``.manifest.json`` (the proof it
    is archived) or ``.no-documents.json`` (the proof Yandex had nothing)."""

    stem: str

    def file(self, extension: str) -> str:
        return f"{self.stem}.{extension}"

    @property
    def manifest(self) -> str:
        return f"{self.stem}.manifest.json"

    @property
    def marker(self) -> str:
        return f"{self.stem}.no-documents.json"


def month_folder(prefix: str, month: Month | str, business: str) -> str:
    """``<prefix>/<YYYY-MM>/<business>``: every file of a business's month is under it (and its pack.json)."""
    return f"{prefix}/{month}/{business}"


class Unit(Wire):
    """One unit of work: business, kind, scope, month, contract types."""

    business: BusinessName
    kind: Annotated[StrictStr, Field(pattern=KIND_PATTERN)] = DEFAULT_KIND  # a name of kinds.catalog()
    campaign_id: Id | None = None  # campaign-scoped kinds
    business_id: Id | None = None  # business-scoped kinds: Market's business id (GET /v2/campaigns)
    scope: Annotated[StrictStr, Field(pattern=SCOPE_PATTERN)] | None = None  # a source's own scope (a document key...)
    month: MonthField
    contract_types: list[ContractType] | None = None  # None: all contracts (or the kind has none)
    # "CSV": the CSV twin (format=CSV) of a table report the deployment archives as XLSX or JSON, which the month's
    # close reads; its own lock key and keys (<stem>.csv.zip beside <stem>.xlsx). None: the deployment's ReportFormat.
    twin: Literal["CSV"] | None = None

    @model_serializer(mode="wrap")
    def _without_twin(self, handler: SerializerFunctionWrapHandler) -> Any:
        """``twin`` is written only for a twin: every other unit's JSON stays as it was."""
        data = handler(self)
        if self.twin is None and isinstance(data, dict):
            data.pop("twin", None)
        return data

    @property
    def in_pack(self) -> bool:
        """Whether the unit is a report of the month's pack. A CSV twin is not: it is the close's evidence, listed by
        the close's manifest; pack.json, the index, the audit and the run's failure leave it out (a failed twin only
        makes the close's checks that need it SKIPPED)."""
        return self.twin is None

    def file_format(self, deployed: str) -> str:
        """The ``format`` this unit's table report is asked for in: its own (a twin), else the deployment's."""
        return self.twin or deployed

    @property
    def scope_id(self) -> int:
        """The Market campaign or business id (Market kinds)."""
        scope = self.campaign_id if self.campaign_id is not None else self.business_id
        if scope is None:
            raise ValueError(f"{self.kind}: neither a campaign id nor a business id")
        return scope

    @property
    def scope_label(self) -> str:
        """The scope as it appears in keys: the campaign or business id, or a source's scope."""
        if self.campaign_id is None and self.business_id is None:
            return self.scope or "all"
        return str(self.scope_id)

    @property
    def types_label(self) -> str:
        return "-".join(t.value for t in self.contract_types) if self.contract_types else "ALL"

    @property
    def lock_key(self) -> str:
        """The item that makes one execution at a time own this unit (see claims.py)."""
        if self.kind == DEFAULT_KIND:  # the key closing documents have always had
            return f"{self.business}#{self.campaign_id}#{self.month}#{self.types_label}"
        twin = f"#{self.twin}" if self.twin else ""
        return f"{self.business}#{self.kind}#{self.scope_label}#{self.month}#{self.types_label}{twin}"

    def identity(self) -> dict[str, Any]:
        """The unit's own fields (to build the models that extend it)."""
        return {name: getattr(self, name) for name in Unit.model_fields}

    def as_unit(self) -> Unit:
        return Unit(**self.identity())
