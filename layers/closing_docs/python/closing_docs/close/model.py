"""What the close is given and what it gives back.

The close reads the archived CSV form (a ZIP of one CSV per sheet) of a business-month's table reports. Whoever calls
it (the CloseMonth step, steps/close.py; tests and the bench) says, for each report file of the pack, its kind, its
status and how to open it; a kind with no :class:`ReportFile` at all was not requested.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from closing_docs.domain.months import Month

NETTING = "united-netting"
REALIZATION = "goods-realization"
SERVICES = "united-marketplace-services"
DETALIZATION = "closure-documents-detalization"
KINDS: tuple[str, ...] = (REALIZATION, NETTING, DETALIZATION, SERVICES)
"""The table kinds the close reads, in the order it reads them (realization first: its delivered orders decide which
orders of netting are followed)."""

ReportStatus = Literal["ARCHIVED", "NO_DATA", "FAILED"]
CheckStatus = Literal["OK", "WARN", "FAIL", "SKIPPED"]
Status = Literal["OK", "WARN", "FAIL"]
Opener = Callable[[], IO[bytes]]
"""Opens one report file (the CSV ZIP) for reading; it must be seekable (zipfile reads the central directory first):
a local file, or an S3 body spooled to /tmp."""


@dataclass(frozen=True)
class ReportFile:
    """One file of the pack: a report of ``kind`` for one shop (``campaign_id``) or the business.

    ``status``: ARCHIVED (``open`` reads it), NO_DATA (Yandex had nothing: read as empty) or FAILED (``error``
    says why; the checks that need the kind are SKIPPED). ``name``: the file's name, for messages.
    """

    kind: str
    status: ReportStatus
    open: Opener | None = None
    campaign_id: int | None = None
    contract_type: str | None = None  # closure-documents-detalization: INCOME, OUTCOME, MARKETING
    name: str = ""
    error: str | None = None

    @classmethod
    def from_path(cls, kind: str, path: Path | str, **kwargs: Any) -> ReportFile:
        """An ARCHIVED file on disk."""
        where = Path(path)
        return cls(kind=kind, status="ARCHIVED", open=lambda: where.open("rb"), name=where.name, **kwargs)


@dataclass(frozen=True)
class CloseInput:
    """A business-month's pack, as the close sees it."""

    business: str
    business_id: int
    month: Month
    reports: Sequence[ReportFile]

    @property
    def requested(self) -> frozenset[str]:
        return frozenset(report.kind for report in self.reports)


@dataclass
class Finding:
    """One discrepancy. Amounts are Decimals here; ``checks.json`` writes them with two decimals."""

    report: str
    sheet: str | None
    key: str
    campaign_id: int | None = None
    expected: Any = None  # Decimal | None
    actual: Any = None
    residual: Any = None
    status: Status = "FAIL"  # what this finding alone makes of its check

    def size(self) -> Any:
        return abs(self.residual) if self.residual is not None else 0

    def as_json(self) -> dict[str, Any]:
        from closing_docs.close.values import amount

        return {
            "report": self.report,
            "sheet": self.sheet,
            "key": self.key,
            "campaignId": self.campaign_id,
            "expected": amount(self.expected),
            "actual": amount(self.actual),
            "residual": amount(self.residual),
        }


@dataclass
class CheckResult:
    id: str
    status: CheckStatus
    message: str
    findings: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "message": self.message,
            "findings": [finding.as_json() for finding in self.findings],
        }


@dataclass
class CloseResult:
    """What :func:`closing_docs.close.run` returns: ``checks`` is the content of ``checks.json``; ``outputs`` the
    relative names written to the sink, in order."""

    checks: dict[str, Any]
    outputs: list[str]

    @property
    def status(self) -> Status:
        status: Status = self.checks["status"]
        return status
