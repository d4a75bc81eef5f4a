"""The execution's start input (console, CLI or scheduler) and how it becomes a RunPlan.

Every field is optional::

    {"month": "2025-12", "campaignIds": [1234], "contractTypes": ["INCOME"], "force": false}

The scheduler adds ``"scheduledTime": "<aws.scheduler.scheduled-time>"``. Any problem raises
InvalidInput whose message names each offending field and what is allowed; nothing is sent to Yandex.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError, field_validator

from .config import Settings
from .errors import InvalidInput
from .models import ContractType, Job, Limits, RunPlan
from .months import Month

MAX_CAMPAIGNS = 1000
ALLOWED = {
    "month": "a finished calendar month written YYYY-MM (e.g. 2025-12)",
    "campaignIds": f"a non-empty list of at most {MAX_CAMPAIGNS} unique positive integers (Market campaign ids)",
    "contractTypes": "a non-empty list of unique values from " + ", ".join(t.value for t in ContractType),
    "force": "true or false",
    "scheduledTime": "an ISO 8601 date-time with a time zone (set by the scheduler)",
}


class StartInput(BaseModel):
    """The raw start input, strictly typed: ``"123"`` is not a campaign id and ``1`` is not ``true``."""

    model_config = ConfigDict(extra="forbid")

    month: StrictStr | None = None
    campaign_ids: list[Annotated[StrictInt, Field(ge=1)]] | None = Field(
        None, alias="campaignIds", min_length=1, max_length=MAX_CAMPAIGNS
    )
    contract_types: list[ContractType] | None = Field(None, alias="contractTypes", min_length=1, max_length=3)
    force: StrictBool = False
    scheduled_time: datetime | None = Field(None, alias="scheduledTime")

    @field_validator("month")
    @classmethod
    def _month_format(cls, value: str | None) -> str | None:
        if value is not None:
            Month.parse(value)  # raises ValueError saying what is wrong
        return value


def _describe(exc: ValidationError) -> list[str]:
    problems: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        field = str(err["loc"][0]) if err["loc"] else "input"
        if err["type"] == "extra_forbidden":
            problems[field] = f"unknown field {field!r}; allowed fields: " + ", ".join(ALLOWED)
        elif field in ALLOWED and field not in problems:
            reason = str(err["ctx"]["error"]) if err["type"] == "value_error" else f"got {err['input']!r}"
            problems[field] = f"{field}: must be {ALLOWED[field]}; {reason}"
    return list(problems.values())


def _duplicates(values: list[Any]) -> list[Any]:
    return sorted((value for value, count in Counter(values).items() if count > 1), key=str)


def parse_start_input(raw: object) -> StartInput:
    """Validate the shape and types of the start input."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"the start input must be a JSON object with the fields {', '.join(ALLOWED)}")
    try:
        parsed = StartInput.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput("; ".join(_describe(exc))) from None
    problems = []
    for field, values in (("campaignIds", parsed.campaign_ids), ("contractTypes", parsed.contract_types)):
        if values and (dups := _duplicates(list(values))):
            problems.append(f"{field}: must be {ALLOWED[field]}; duplicated: {', '.join(map(str, dups))}")
    if parsed.scheduled_time is not None and parsed.scheduled_time.tzinfo is None:
        problems.append(f"scheduledTime: must be {ALLOWED['scheduledTime']}")
    if problems:
        raise InvalidInput("; ".join(problems))
    return parsed


def resolve_plan(raw: object, start_time: datetime, settings: Settings) -> RunPlan:
    """Turn the start input into the list of campaign-months this execution archives.

    The month defaults to the calendar month before the scheduled time (the execution's start time
    for a manual start), in Moscow time; it must be over already.
    """
    start = parse_start_input(raw)
    reference = start.scheduled_time or start_time
    current = Month.of(reference)
    if start.month is None:
        month = current.shift(-1)
    else:
        month = Month.parse(start.month)
        if month >= current:
            raise InvalidInput(
                f"month: must be {ALLOWED['month']}; {month} is not over yet (the latest month is {current.shift(-1)})"
            )
    campaign_ids = start.campaign_ids or list(settings.default_campaign_ids)
    if not campaign_ids:
        raise InvalidInput(
            "campaignIds: none given and none configured; pass "
            f"{ALLOWED['campaignIds']} or set the stack parameter CampaignIds"
        )
    contract_types = start.contract_types or list(settings.default_contract_types) or None
    jobs = [
        Job(
            business=settings.business,
            campaign_id=campaign_id,
            month=str(month),
            contract_types=sorted(contract_types) if contract_types else None,
            force=start.force,
        )
        for campaign_id in campaign_ids
    ]
    # Yandex publishes month M during the first working days of M+1: when the scheduler asks for the month
    # just ended, NO_DATA/FAILED mean "not yet" and are retried daily. A manual or older month is final.
    scheduled = start.scheduled_time is not None
    recheck_days = settings.recheck_days if scheduled and month == current.shift(-1) else 0
    limits = Limits(
        max_status_checks=settings.max_status_checks,
        max_regenerations=settings.max_regenerations,
        recheck_days=recheck_days,
        recheck_seconds=settings.recheck_seconds,
    )
    return RunPlan(month=str(month), scheduled=scheduled, limits=limits, jobs=jobs)
