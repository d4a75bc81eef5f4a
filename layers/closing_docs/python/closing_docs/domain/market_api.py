"""The Market Partner API's answers this code reads (tolerant of fields Yandex adds later)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from closing_docs.domain.base import Wire


class GeneratedReport(Wire):
    """``result`` of POST /v2/reports/closure-documents/generate."""

    report_id: str = Field(min_length=1, max_length=255)
    estimated_generation_time: int | None = None  # milliseconds; may be negative or absurd


class ReportInfo(Wire):
    """``result`` of GET /v2/reports/info/{reportId} (ReportInfoDTO)."""

    status: Literal["PENDING", "PROCESSING", "FAILED", "DONE"]
    sub_status: Literal["NO_DATA", "TOO_LARGE", "RESOURCE_NOT_FOUND"] | str | None = None
    generation_requested_at: datetime
    generation_finished_at: datetime | None = None
    file: str | None = None
    estimated_generation_time: int | None = None
    answered_at: datetime | None = Field(None, exclude=True)  # the answer's HTTP Date: Yandex's clock


class CampaignBusiness(Wire):
    id: int = Field(ge=1)


class Campaign(Wire):
    """An item of GET /v2/campaigns (the fields the archive uses)."""

    id: int = Field(ge=1)
    domain: str | None = None
    api_availability: str | None = None
    business: CampaignBusiness | None = None  # whose shop it is: the scope of business-wide reports
