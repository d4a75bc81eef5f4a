"""The execution's start input (console, CLI or scheduler), checked on its own, becomes a :class:`RunRequest`.

Every field is optional::

    {"month": "2025-12", "campaignIds": [1234], "contractTypes": ["INCOME"], "force": false}
    {"month": "2025-12", "reports": ["closure-documents", "goods-realization", "united-netting"]}
    {"months": {"from": "2025-01", "to": "2025-06"}, "businesses": ["main"]}
    {"months": ["2025-01", "2025-03"]}

The scheduler adds ``"scheduledTime": "<aws.scheduler.scheduled-time>"``. Any problem raises InvalidInput whose
message names each offending field and what is allowed; nothing is sent to Yandex. A month is parsed here, once, into
a :class:`~closing_docs.months.Month` (:data:`MonthText`): what follows holds months, never their text.

This module is pure: it looks nothing up. :mod:`closing_docs.planning` then crosses the request with each business's
campaigns and the report kinds (and :mod:`closing_docs.limits` says whether one execution can finish them).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from closing_docs.domain.errors import InvalidInput
from closing_docs.domain.models import ContractType
from closing_docs.domain.months import MIN_MONTH, Month
from closing_docs.domain.texts import MAX_QUOTED, excerpt
from closing_docs.domain.unit import BUSINESS_PATTERN, MAX_ID, MonthField
from closing_docs.kinds import catalog, get
from closing_docs.kinds import names as kind_names

MAX_CAMPAIGNS = 1000
MAX_MONTHS = 60  # five years: the legal retention of these documents
NAME_PATTERN = BUSINESS_PATTERN  # one safe pattern for every business name (unit.py): never ".", ".." or "/"
MAX_INPUT_BYTES = 64 * 1024  # a start input's JSON at most; the largest real one (1000 campaign ids) is about 20 KB
MAX_MESSAGE = 1500  # characters of an InvalidInput message at most: it is the FAILED notice's cause, in a state too
SCHEDULE_SKEW = timedelta(minutes=5)  # how far ahead of the start a scheduledTime may be (clock skew, not a plan)
ALLOWED = {
    "month": f"a finished calendar month written YYYY-MM, from {MIN_MONTH} on (e.g. 2025-12)",
    "months": (
        'finished months: {"from": "YYYY-MM", "to": "YYYY-MM"} with from <= to, or a non-empty list of '
        f"unique YYYY-MM; from {MIN_MONTH} on; at most {MAX_MONTHS} months; not together with month"
    ),
    "campaignIds": (
        f"a non-empty list of at most {MAX_CAMPAIGNS} unique positive integers up to {MAX_ID} (int64: Market campaign "
        "ids) that GET /v2/campaigns lists for the business's token"
    ),
    "businesses": (
        "a non-empty list of unique business names configured in the stack's Api-Key secret (1-64 of A-Z a-z 0-9 . _ "
        "-, the first a letter or digit)"
    ),
    "contractTypes": "a non-empty list of unique values from " + ", ".join(t.value for t in ContractType),
    "reports": "a non-empty list of unique report kinds from " + ", ".join(kind_names()),
    "force": "true or false",
    "close": "true or false (default: the stack parameter Close, true unless set otherwise)",
    "scheduledTime": (
        f"an ISO 8601 date-time with a time zone, at most {SCHEDULE_SKEW.seconds // 60} minutes after the start "
        "(set by the scheduler)"
    ),
}
INVOICE_MONTH = "the current or the next month (Moscow time) written YYYY-MM, one month per start"


def _month_text(value: object) -> Month:
    """A month as the start input writes it: a string (anything else is a type error, as for StrictStr), parsed."""
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    return Month.parse(value)  # raises ValueError saying what is wrong


def _month_list(value: object) -> list[Month]:
    """``months`` as a list: strings (else a type error), 1..MAX_MONTHS of them, each a month."""
    if not isinstance(value, list):
        raise PydanticCustomError("list_type", "Input should be a valid list")
    if not all(isinstance(text, str) for text in value):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    if not 1 <= len(value) <= MAX_MONTHS:
        raise ValueError(f"{len(value)} months given")
    return [Month.parse(text) for text in value]


# A month as the start input writes it: unit.py's MonthField, but anything other than a string is a type error.
MonthText = Annotated[MonthField, PlainValidator(_month_text)]


class MonthRange(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    start: MonthText = Field(alias="from")
    end: MonthText = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> MonthRange:
        if self.start > self.end:
            raise ValueError(f"from {self.start} is after to {self.end}")
        return self

    def expand(self) -> list[Month]:
        count = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        if count > MAX_MONTHS:
            raise ValueError(f"{self.start}..{self.end} spans {count} months; start several executions")
        return [self.start.shift(i) for i in range(count)]


# ``months`` is a range (an object) or a list: the shape chooses which one checks it, so a list's problem is told as
# the list's, not as "not a range".
MonthsField = Annotated[
    Annotated[MonthRange, Tag("range")] | Annotated[list[MonthText], PlainValidator(_month_list), Tag("list")],
    Discriminator(lambda value: "range" if isinstance(value, dict | MonthRange) else "list"),
]


class StartInput(BaseModel):
    """The raw start input, strictly typed: ``"123"`` is not a campaign id and ``1`` is not ``true``."""

    model_config = ConfigDict(extra="allow", defer_build=True)  # the fields sources declare (checked below)

    month: MonthText | None = None
    months: MonthsField | None = None
    campaign_ids: list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, alias="campaignIds", min_length=1, max_length=MAX_CAMPAIGNS
    )
    businesses: list[Annotated[StrictStr, Field(pattern=NAME_PATTERN)]] | None = Field(None, min_length=1)
    contract_types: list[ContractType] | None = Field(None, alias="contractTypes", min_length=1, max_length=3)
    reports: list[StrictStr] | None = Field(None, min_length=1)
    force: StrictBool = False
    close: StrictBool | None = None  # the month's close; None: the stack parameter Close
    scheduled_time: datetime | None = Field(None, alias="scheduledTime")

    @field_validator("close", mode="before")
    @classmethod
    def _close_given(cls, value: object) -> object:
        """Absent: the stack parameter Close; given, it must say which (a null says nothing)."""
        if value is None:
            raise ValueError("got null (leave the field out for the stack's default)")
        return value

    @field_validator("reports")
    @classmethod
    def _known_reports(cls, value: list[str] | None) -> list[str] | None:
        unknown = [name for name in value or () if name not in kind_names()]
        if unknown:
            raise ValueError(f"unknown: {listing(unknown)}")
        return value


def listing(values: Sequence[object], most: int = 5, quote: bool = False) -> str:
    """Values for a message: each at most MAX_QUOTED characters (``quote``: as repr), at most ``most`` of them,
    then how many more."""

    def one(value: object) -> str:
        text = str(value)
        return excerpt(value) if quote or len(text) > MAX_QUOTED else text

    shown = ", ".join(one(v) for v in values[:most])
    return shown + (f" and {len(values) - most:,} more" if len(values) > most else "")


def bounded(message: str, limit: int = MAX_MESSAGE) -> str:
    """A message cut to ``limit`` characters (the notice's cause, and the state holding the error, stay small)."""
    return message if len(message) <= limit else message[: limit - 30] + f"… ({len(message):,} characters)"


def _refuse(problems: Sequence[str]) -> InvalidInput:
    return InvalidInput(bounded("; ".join(problems)))


class RunRequest(BaseModel):
    """What the start input asks for, checked, before any business or campaign is looked up."""

    model_config = ConfigDict(defer_build=True)

    months: list[Month]
    scheduled: bool
    campaign_ids: list[int] | None
    businesses: list[str] | None
    contract_types: list[ContractType] | None
    reports: list[str] | None
    force: bool
    close: bool | None = None  # None: the stack parameter Close
    recheck: bool  # a scheduled run of the month just ended: NO_DATA/FAILED mean "not published yet"
    inputs: dict[str, Any] = {}  # the start-input fields the sources read


def _describe(exc: ValidationError) -> list[str]:
    problems: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        field = str(err["loc"][0]) if err["loc"] else "input"
        if field in ALLOWED and field not in problems:
            reason = str(err["ctx"]["error"]) if err["type"] == "value_error" else f"got {excerpt(err['input'])}"
            problems[field] = f"{field}: must be {ALLOWED[field]}; {reason}"
    return list(problems.values())


def source_inputs() -> dict[str, str]:
    """The start-input fields the kinds read (the sources: each checks its own), with what is allowed."""
    return {field: allowed for kind in catalog().values() for field, allowed in kind.inputs.items()}


def _duplicates(values: Sequence[Any]) -> list[Any]:
    return sorted((value for value, count in Counter(values).items() if count > 1), key=str)


def _size(raw: object) -> int:
    try:
        return len(json.dumps(raw, ensure_ascii=False).encode())
    except (TypeError, ValueError):  # not JSON (only a direct call can send that): judged by its shape below
        return 0


def parse_start_input(raw: object) -> StartInput:
    """Validate the shape and types of the start input."""
    if not isinstance(raw, dict):
        raise InvalidInput(
            f"input: the start input must be a JSON object with the fields {', '.join(ALLOWED)} (every one optional: "
            f"{{}} is a start input); got {excerpt(raw)}"
        )
    if (size := _size(raw)) > MAX_INPUT_BYTES:
        raise InvalidInput(
            f"input: the start input is {size:,} bytes of JSON; at most {MAX_INPUT_BYTES // 1024} KB is read (1000 "
            f"campaign ids take about 20 KB); its fields: {listing(list(raw), quote=True)}"
        )
    declared = source_inputs()
    names = [name for name in raw if name not in ALLOWED and name not in declared]
    plural = "s" if len(names) > 1 else ""
    allowed = ", ".join([*ALLOWED, *declared])
    unknown = [f"unknown field{plural} {listing(names, quote=True)}; allowed fields: {allowed}"] if names else []
    try:
        parsed = StartInput.model_validate(raw)
    except ValidationError as exc:
        raise _refuse(_describe(exc) + unknown) from None
    problems = unknown
    listed: list[tuple[str, Sequence[object] | None]] = [
        ("campaignIds", parsed.campaign_ids),
        ("contractTypes", parsed.contract_types),
        ("businesses", parsed.businesses),
        ("months", parsed.months if isinstance(parsed.months, list) else None),
        ("reports", parsed.reports),
    ]
    for field, values in listed:
        if values and (dups := _duplicates(list(values))):
            problems.append(f"{field}: must be {ALLOWED[field]}; duplicated: {listing(dups)}")
    if parsed.month is not None and parsed.months is not None:
        problems.append(f"months: must be {ALLOWED['months']}; both month and months were given")
    kinds = [get(name) for name in parsed.reports or () if name in kind_names()]
    if parsed.contract_types and kinds and not any(kind.contract_types for kind in kinds):
        problems.append(
            f"reports: none of {', '.join(k.name for k in kinds)} takes contract types, yet contractTypes was given; "
            f"add a kind that does ({', '.join(k.name for k in catalog().values() if k.contract_types)}) "
            "or leave contractTypes out"
        )
    if parsed.scheduled_time is not None and parsed.scheduled_time.tzinfo is None:
        problems.append(f"scheduledTime: must be {ALLOWED['scheduledTime']}")
    if problems:
        raise _refuse(problems)
    return parsed


def _future_kinds(start: StartInput) -> list[str]:
    """The kinds asked for that are made before their month (Direct's prepayment invoice)."""
    kinds = [get(name) for name in start.reports or ()]
    return [kind.name for kind in kinds if kind.future_months]


def _invoice_month(start: StartInput, scheduled: Month | None, now: Month, kinds: str) -> Month:
    """The one month a kind made before its month is for: the month the schedule names (the month after
    scheduledTime), or by hand the current or the next month (default: the next); never a past month."""
    if start.months is not None:
        raise InvalidInput(
            f"months: {kinds} is made for one month per start ({INVOICE_MONTH}); a range or list of months is "
            "refused, not ignored: give month, or start once per month"
        )
    allowed = [scheduled.shift(1)] if scheduled is not None else [now, now.shift(1)]
    month = start.month or allowed[-1]
    if scheduled is not None and month != allowed[0]:
        raise InvalidInput(
            f"month: for {kinds} started by its schedule, must be the month the schedule names, {allowed[0]} (the "
            f"month after scheduledTime, Moscow time); got {month}"
        )
    if month < now or month > now.shift(1):
        what = "is past" if month < now else "is too far ahead"
        raise InvalidInput(f"month: for {kinds}, must be {INVOICE_MONTH}: {now} or {now.shift(1)} now; {month} {what}")
    return month


def _months(start: StartInput, current: Month, now: Month) -> list[Month]:
    """The months asked for (default: the month before ``current``); each must be over already, and not before
    MIN_MONTH. A kind made before its month (the Direct invoice) takes one month: see _invoice_month."""
    field = "month" if start.months is None else "months"
    future = _future_kinds(start)
    if future:
        others = [name for name in start.reports or () if name not in future]
        if others:
            raise InvalidInput(
                f"reports: {', '.join(future)} is made for {INVOICE_MONTH}, the others for finished months "
                f"({', '.join(others)}); start {', '.join(future)} on its own"
            )
        scheduled = current if start.scheduled_time is not None else None
        return [_invoice_month(start, scheduled, now, ", ".join(future))]
    if isinstance(start.months, MonthRange):
        try:
            months = start.months.expand()
        except ValueError as exc:
            raise InvalidInput(f"months: must be {ALLOWED['months']}; {exc}") from None
    elif start.months is not None:
        months = sorted(start.months)  # unique: parse_start_input refuses a month given twice
    else:
        months = [start.month or current.shift(-1)]
    if months[0] < MIN_MONTH:
        raise InvalidInput(
            f"{field}: must be {ALLOWED[field]}; {months[0]} is before {MIN_MONTH}, the earliest month any document "
            "archived here can be dated in (README: Start it by hand)"
        )
    latest = current.shift(-1)
    if months[-1] > latest:
        raise InvalidInput(
            f"{field}: must be {ALLOWED[field]}; {months[-1]} is not over yet (the latest month is {latest})"
        )
    return months


def parse_request(raw: object, start_time: datetime) -> RunRequest:
    """Check the start input on its own: the months (default: the calendar month before the scheduled time,
    or the start time for a manual start, in Moscow time), the businesses and campaigns asked for."""
    start = parse_start_input(raw)
    if start.scheduled_time is not None and start.scheduled_time > start_time + SCHEDULE_SKEW:
        raise InvalidInput(
            f"scheduledTime: must be {ALLOWED['scheduledTime']}; {start.scheduled_time.isoformat()} is after the "
            f"start ({start_time.isoformat()}): a schedule starts a run at its time, not before"
        )
    current = Month.of(start.scheduled_time or start_time)
    months = _months(start, current, Month.of(start_time))
    scheduled = start.scheduled_time is not None
    return RunRequest(
        months=months,
        scheduled=scheduled,
        campaign_ids=start.campaign_ids,
        businesses=start.businesses,
        contract_types=sorted(start.contract_types) if start.contract_types else None,
        reports=start.reports,
        force=start.force,
        close=start.close,
        inputs=dict(start.model_extra or {}),
        # Yandex publishes month M during the first working days of M+1: when the scheduler asks for the
        # month just ended, NO_DATA/FAILED mean "not yet" and are retried daily. A manual or older month is final.
        recheck=scheduled and months == [current.shift(-1)],
    )
