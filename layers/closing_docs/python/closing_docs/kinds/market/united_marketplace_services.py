"""Cost of Market's services for the business, by act month (it matches the month's acts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from closing_docs.kinds.market import ReportKind

if TYPE_CHECKING:
    from closing_docs.domain.unit import Unit


def body(unit: Unit) -> dict[str, Any]:
    year, month = unit.month.year, unit.month.month
    return {"businessId": unit.business_id, "yearFrom": year, "monthFrom": month, "yearTo": year, "monthTo": month}


KIND = ReportKind(
    name="united-marketplace-services",
    label="Market services",
    label_ru="Услуги Маркета",
    path="/v2/reports/united-marketplace-services/generate",
    scope="business",
    body=body,
    table=True,
)
