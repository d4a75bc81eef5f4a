"""Payments (netting): every payment paid out or charged to the business in the month.

The period form (``dateFrom``/``dateTo``), not ``monthOfYear``, which asks for the Market points report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from closing_docs.kinds.market import ReportKind

if TYPE_CHECKING:
    from closing_docs.domain.unit import Unit


def body(unit: Unit) -> dict[str, Any]:
    return {"businessId": unit.business_id, "dateFrom": str(unit.month.first_day), "dateTo": str(unit.month.last_day)}


KIND = ReportKind(
    name="united-netting",
    label="Payments",
    label_ru="Платежи",
    path="/v2/reports/united-netting/generate",
    scope="business",
    body=body,
    table=True,
)
