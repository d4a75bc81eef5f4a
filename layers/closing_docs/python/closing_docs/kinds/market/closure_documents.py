"""Closing documents: the ZIP of PDFs (acts, invoices, agent reports) of a campaign's month."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from closing_docs.kinds.market import ReportKind

if TYPE_CHECKING:
    from closing_docs.domain.unit import Unit


def body(unit: Unit) -> dict[str, Any]:
    request: dict[str, Any] = {
        "campaignId": unit.campaign_id,
        "monthOfYear": {"year": unit.month.year, "month": unit.month.month},
    }
    if unit.contract_types:
        request["contractTypes"] = [t.value for t in unit.contract_types]
    return request


def stem(unit: Unit) -> str:
    """The name archives have had from the start (existing archives must not move)."""
    return f"closing-documents_{unit.campaign_id}_{unit.month}_{unit.types_label}"


KIND = ReportKind(
    name="closure-documents",
    label="Closing documents",
    label_ru="Закрывающие документы",
    path="/v2/reports/closure-documents/generate",
    scope="campaign",
    body=body,
    contract_types="set",
    rechecks=True,
    stem=stem,
)
