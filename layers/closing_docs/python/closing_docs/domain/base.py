"""The base of every JSON payload, and the enums Yandex defines."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AliasGenerator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ContractType(StrEnum):
    """Yandex's ClosureDocumentsContractType."""

    INCOME = "INCOME"  # placement agreement
    OUTCOME = "OUTCOME"  # promotion agreement
    MARKETING = "MARKETING"  # marketing agreement


class Wire(BaseModel):
    """Base for camelCase JSON payloads."""

    model_config = ConfigDict(
        alias_generator=AliasGenerator(alias=to_camel),
        populate_by_name=True,
        extra="ignore",
        defer_build=True,  # a cold start builds only the models its step uses (bench/coldstart.py)
    )

    def wire(self) -> dict[str, object]:
        """The JSON-able dict a handler returns."""
        return self.model_dump(mode="json", by_alias=True)
