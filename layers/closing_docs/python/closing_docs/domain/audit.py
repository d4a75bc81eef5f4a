"""The monthly archive audit: what it is asked, and what it answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from closing_docs.domain.base import Wire
from closing_docs.domain.models import Titled
from closing_docs.domain.run import Unavailable


class AuditEvent(Wire):
    """Input of the audit: a start input as the state machine takes it. The schedule sends
    ``{"scheduledTime": ...}`` (audit the month before); ``{"month": "2025-12"}``, ``{"months": ...}``,
    ``campaignIds`` or ``businesses`` audit other months or shops, validated exactly as a start input is."""

    model_config = ConfigDict(extra="allow")

    def start_input(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


AuditStatus = Literal["ARCHIVED", "NO_DOCUMENTS", "MISSING"]
AUDIT_STATUSES: tuple[AuditStatus, ...] = ("ARCHIVED", "NO_DOCUMENTS", "MISSING")


class AuditItem(Titled):
    """One expected unit and what the archive holds for it (contract types: what the run asks for)."""

    status: AuditStatus
    keys: list[str] = Field(default_factory=list)  # the manifests and no-documents markers that account for it
    reason: str | None = None  # MISSING: what is not there


class LeftOut(Unavailable):
    """A discovered shop that neither the run nor the audit covers (Yandex has its API disabled)."""

    business: str


class AuditReport(Wire):
    """The audit's result (the function's output, and the operations message when something is missing)."""

    kind: Literal["ARCHIVE_AUDIT"] = "ARCHIVE_AUDIT"
    status: Literal["OK", "MISSING"]
    months: list[str]
    bucket: str
    counts: dict[str, int]  # audit status -> campaign-months
    missing: list[AuditItem]
    no_documents: list[AuditItem]
    # shops the run leaves out too: Yandex has their API disabled
    unavailable: list[LeftOut] = Field(default_factory=list)
    message: str
