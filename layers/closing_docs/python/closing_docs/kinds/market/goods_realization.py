"""Sales realization: what was sold and delivered in a campaign's month (revenue is booked from it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from closing_docs.kinds.market import ReportKind

if TYPE_CHECKING:
    from closing_docs.domain.unit import Unit


def body(unit: Unit) -> dict[str, Any]:
    return {"campaignId": unit.campaign_id, "year": unit.month.year, "month": unit.month.month}


KIND = ReportKind(
    name="goods-realization",
    label="Sales realization",
    label_ru="Отчёт о реализации",
    path="/v2/reports/goods-realization/generate",
    scope="campaign",
    body=body,
    table=True,
)
