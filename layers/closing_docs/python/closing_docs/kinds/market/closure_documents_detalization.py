"""Reconciliation with the closing documents: one table report per campaign, month and contract type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from closing_docs.kinds.market import ReportKind

if TYPE_CHECKING:
    from closing_docs.domain.unit import Unit


def body(unit: Unit) -> dict[str, Any]:
    (contract_type,) = unit.contract_types or (None,)
    return {
        "campaignId": unit.campaign_id,
        "monthOfYear": {"year": unit.month.year, "month": unit.month.month},
        "contractType": contract_type.value if contract_type else None,
    }


KIND = ReportKind(
    name="closure-documents-detalization",
    label="Closing documents reconciliation",
    label_ru="Сверка с закрывающими",
    path="/v2/reports/closure-documents/detalization/generate",
    scope="campaign",
    body=body,
    contract_types="each",
    table=True,
)
