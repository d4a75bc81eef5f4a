"""Deployment settings, read once from the Lambda environment (set by template.yaml)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from closing_docs.domain.errors import ConfigurationError
from closing_docs.domain.models import ContractType, NoticeMode
from closing_docs.domain.unit import BUSINESS_PATTERN, DEFAULT_KIND, KIND_PATTERN, MAX_ID

# Where Yandex's signed file links may point. The host is undocumented: Yandex's own domains by default;
# an entry is an origin whose host may start with "*." (any subdomain, or the domain itself).
DEFAULT_DOWNLOAD_ALLOWED = (
    "https://*.yandex.net",
    "https://*.yandex.ru",
    "https://*.yandex.com",
    "https://*.yandexcloud.net",
)


ReportFormat = Literal["FILE", "CSV", "JSON"]
Language = Literal["ru", "en"]


def _split(value: object) -> object:
    """``"1, 2"`` -> ``["1", "2"]``; ``""`` -> ``[]`` (CloudFormation passes lists as comma strings)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# A CampaignIds entry: "1234" or "business:1234" (a business name of unit.BUSINESS_PATTERN, an int64 id).
_CAMPAIGN_ENTRY = "^(" + BUSINESS_PATTERN[1:-1] + ":)?[1-9][0-9]{0,18}$"


class Settings(BaseModel):
    """What the functions need to know about their deployment."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    api_url: str = Field("https://api.partner.market.yandex.ru", alias="MARKET_API_URL")
    api_key_secret: str = Field(alias="MARKET_API_KEY_SECRET")
    bucket: str = Field(alias="ARCHIVE_BUCKET")
    prefix: str = Field("closing-documents", alias="ARCHIVE_PREFIX")
    business: str = Field("default", alias="BUSINESS_NAME", pattern=BUSINESS_PATTERN)
    # "1234" (the only business's, or BUSINESS_NAME's) or "business:1234"; none: GET /v2/campaigns
    default_campaign_ids: tuple[Annotated[str, Field(pattern=_CAMPAIGN_ENTRY)], ...] = Field(
        (), alias="DEFAULT_CAMPAIGN_IDS"
    )
    default_contract_types: tuple[ContractType, ...] = Field((), alias="DEFAULT_CONTRACT_TYPES")
    max_status_checks: int = Field(40, alias="MAX_STATUS_CHECKS", ge=1, le=500)
    max_regenerations: int = Field(2, alias="MAX_REGENERATIONS", ge=0, le=10)
    recheck_days: int = Field(7, alias="NOT_PUBLISHED_RECHECK_DAYS", ge=0, le=8)
    recheck_seconds: int = Field(86400, alias="NOT_PUBLISHED_RECHECK_SECONDS", ge=1, le=86400)
    reports_per_business: int = Field(1, alias="REPORTS_PER_BUSINESS", ge=1, le=10)
    notice_mode: NoticeMode = Field("BOTH", alias="NOTICE_MODE")
    lock_table: str = Field(alias="LOCK_TABLE")
    work_bucket: str = Field("", alias="WORK_BUCKET")  # each run's plan and results (runwork.py); fixity's work lists
    operations_topic_arn: str = Field("", alias="OPERATIONS_TOPIC_ARN")  # the audit's alerts (OperationsTopic)
    download_allowed: tuple[str, ...] = Field(DEFAULT_DOWNLOAD_ALLOWED, alias="DOWNLOAD_ALLOWED_ORIGINS")
    secret_max_age_seconds: int = Field(300, alias="SECRET_MAX_AGE_SECONDS", ge=0)
    # the kinds archived (plan.planning checks they are kinds of the catalog)
    reports: tuple[Annotated[str, Field(pattern=KIND_PATTERN)], ...] = Field(
        (DEFAULT_KIND,), alias="REPORTS", min_length=1
    )
    report_format: ReportFormat = Field("FILE", alias="REPORT_FORMAT")  # table reports: XLSX, or ZIPs of sheets
    notice_language: Language = Field("ru", alias="NOTICE_LANGUAGE")  # what people read: notices, summary, index
    # the month's close (stack parameter Close, "true"/"false"): on by default; a start input's "close" overrides it
    close_enabled: bool = Field(True, alias="CLOSE_ENABLED")

    @field_validator("default_campaign_ids", "default_contract_types", "download_allowed", "reports", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return _split(value)

    @field_validator("default_campaign_ids")
    @classmethod
    def _int64_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        too_big = [entry for entry in value if int(entry.rpartition(":")[2]) > MAX_ID]
        if too_big:
            raise ValueError(f"campaign ids are positive int64 (at most {MAX_ID}); got {', '.join(too_big)}")
        return value

    @field_validator("reports")
    @classmethod
    def _unique_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"must be unique kinds; got {', '.join(value)}")
        return value

    @field_validator("api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("prefix")
    @classmethod
    def _strip_prefix(cls, value: str) -> str:
        return value.strip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from ``os.environ``; a missing or bad variable raises ConfigurationError naming it."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise ConfigurationError(f"invalid function environment: {problems}") from None
