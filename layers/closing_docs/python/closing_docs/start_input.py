"""The execution's start input (console, CLI or scheduler) and how it becomes a RunPlan.

Every field is optional::

    {"month": "2025-12", "campaignIds": [1234], "contractTypes": ["INCOME"], "force": false}
    {"month": "2025-12", "reports": ["closure-documents", "goods-realization", "united-netting"]}
    {"months": {"from": "2025-01", "to": "2025-06"}, "businesses": ["main"]}
    {"months": ["2025-01", "2025-03"]}

The scheduler adds ``"scheduledTime": "<aws.scheduler.scheduled-time>"``. Any problem raises
InvalidInput whose message names each offending field and what is allowed; nothing is sent to Yandex.

Resolving is two steps: :func:`parse_request` checks the input alone (pure); :func:`build_plan` then
crosses its months with each business's campaigns (configured, given, or discovered by the caller) and the
report kinds asked for: one unit of work per kind, scope (campaign or business), month and contract type.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from . import reports
from .config import Settings
from .errors import InvalidInput
from .models import BusinessPlan, Campaign, ContractType, Job, Limits, RunPlan, Unavailable
from .months import MIN_MONTH, MONTH_PATTERN, Month
from .texts import MAX_QUOTED, excerpt
from .unit import BUSINESS_PATTERN, MAX_ID

__all__ = ["MAX_QUOTED"]  # tests read it here, beside the other bounds of a start input

MAX_CAMPAIGNS = 1000
MAX_MONTHS = 60  # five years: the legal retention of these documents
# What one execution takes (README, Limits). No state grows with the units of work: the plan and the outcomes stay in
# S3 (runwork.py: the Distributed Maps' ItemReader and ResultWriter). What remains is time, and the run summary:
EXECUTION_DAYS = 365  # Step Functions' maximum for a standard execution, and the state machine's TimeoutSeconds
BUSINESS_DAYS = 300  # what one business's reports may take of it: the rest is for daily rechecks and retries
REPORT_SECONDS = 600  # one report end to end, pessimistically: Yandex's generation, the polls, a kind's paced window
MAX_BUSINESSES = 100  # the run summary has an entry per business: it must fit an SNS message and a state (256 KB)
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
    "reports": "a non-empty list of unique report kinds from " + ", ".join(reports.names()),
    "force": "true or false",
    "scheduledTime": (
        f"an ISO 8601 date-time with a time zone, at most {SCHEDULE_SKEW.seconds // 60} minutes after the start "
        "(set by the scheduler)"
    ),
}
INVOICE_MONTH = "the current or the next month (Moscow time) written YYYY-MM, one month per start"

_MonthText = Annotated[StrictStr, Field(pattern=MONTH_PATTERN)]


def _month(value: str) -> str:
    Month.parse(value)  # raises ValueError saying what is wrong
    return value


class MonthRange(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    start: StrictStr = Field(alias="from")
    end: StrictStr = Field(alias="to")

    _months = field_validator("start", "end")(_month)

    @model_validator(mode="after")
    def _ordered(self) -> MonthRange:
        if Month.parse(self.start) > Month.parse(self.end):
            raise ValueError(f"from {self.start} is after to {self.end}")
        return self

    def expand(self) -> list[Month]:
        first, last = Month.parse(self.start), Month.parse(self.end)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        if count > MAX_MONTHS:
            raise ValueError(f"{self.start}..{self.end} spans {count} months; start several executions")
        return [first.shift(i) for i in range(count)]


class StartInput(BaseModel):
    """The raw start input, strictly typed: ``"123"`` is not a campaign id and ``1`` is not ``true``."""

    model_config = ConfigDict(extra="allow", defer_build=True)  # the fields sources declare (checked below)

    month: StrictStr | None = None
    months: MonthRange | list[StrictStr] | None = None
    campaign_ids: list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, alias="campaignIds", min_length=1, max_length=MAX_CAMPAIGNS
    )
    businesses: list[Annotated[StrictStr, Field(pattern=NAME_PATTERN)]] | None = Field(None, min_length=1)
    contract_types: list[ContractType] | None = Field(None, alias="contractTypes", min_length=1, max_length=3)
    reports: list[StrictStr] | None = Field(None, min_length=1)
    force: StrictBool = False
    scheduled_time: datetime | None = Field(None, alias="scheduledTime")

    _one_month = field_validator("month")(lambda value: value if value is None else _month(value))

    @field_validator("months")
    @classmethod
    def _month_list(cls, value: MonthRange | list[str] | None) -> MonthRange | list[str] | None:
        if isinstance(value, list):
            if not 1 <= len(value) <= MAX_MONTHS:
                raise ValueError(f"{len(value)} months given")
            for text in value:
                _month(text)
        return value

    @field_validator("reports")
    @classmethod
    def _known_reports(cls, value: list[str] | None) -> list[str] | None:
        unknown = [name for name in value or () if name not in reports.names()]
        if unknown:
            raise ValueError(f"unknown: {_listing(unknown)}")
        return value


def _listing(values: Sequence[object], most: int = 5, quote: bool = False) -> str:
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
    """The start-input fields the sources read (each source checks its own), with what is allowed."""
    from .sources import SourceKind

    return {
        field: allowed
        for kind in reports.catalog().values()
        if isinstance(kind, SourceKind)
        for field, allowed in kind.inputs.items()
    }


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
            f"campaign ids take about 20 KB); its fields: {_listing(list(raw), quote=True)}"
        )
    declared = source_inputs()
    names = [name for name in raw if name not in ALLOWED and name not in declared]
    plural = "s" if len(names) > 1 else ""
    allowed = ", ".join([*ALLOWED, *declared])
    unknown = [f"unknown field{plural} {_listing(names, quote=True)}; allowed fields: {allowed}"] if names else []
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
            problems.append(f"{field}: must be {ALLOWED[field]}; duplicated: {_listing(dups)}")
    if parsed.month is not None and parsed.months is not None:
        problems.append(f"months: must be {ALLOWED['months']}; both month and months were given")
    kinds = [reports.get(name) for name in parsed.reports or () if name in reports.names()]
    if parsed.contract_types and kinds and not any(kind.contract_types for kind in kinds):
        problems.append(
            f"reports: none of {', '.join(k.name for k in kinds)} takes contract types, yet contractTypes was given; "
            f"add a kind that does ({', '.join(k.name for k in reports.catalog().values() if k.contract_types)}) "
            "or leave contractTypes out"
        )
    if parsed.scheduled_time is not None and parsed.scheduled_time.tzinfo is None:
        problems.append(f"scheduledTime: must be {ALLOWED['scheduledTime']}")
    if problems:
        raise _refuse(problems)
    return parsed


def _future_kinds(start: StartInput) -> list[str]:
    """The kinds asked for that are made before their month (Direct's prepayment invoice)."""
    kinds = [reports.get(name) for name in start.reports or ()]
    return [kind.name for kind in kinds if getattr(kind, "future_months", False)]


def _invoice_month(start: StartInput, scheduled: Month | None, now: Month, kinds: str) -> Month:
    """The one month a kind made before its month is for: the month the schedule names (the month after
    scheduledTime), or by hand the current or the next month (default: the next); never a past month."""
    if start.months is not None:
        raise InvalidInput(
            f"months: {kinds} is made for one month per start ({INVOICE_MONTH}); a range or list of months is "
            "refused, not ignored: give month, or start once per month"
        )
    allowed = [scheduled.shift(1)] if scheduled is not None else [now, now.shift(1)]
    try:
        month = Month.parse(start.month) if start.month else allowed[-1]
    except ValueError as exc:
        raise InvalidInput(f"month: for {kinds}, must be {INVOICE_MONTH}; {exc}") from None
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
    try:
        if isinstance(start.months, MonthRange):
            months = start.months.expand()
        elif start.months is not None:
            months = sorted(Month.parse(text) for text in start.months)
        else:
            months = [Month.parse(start.month) if start.month else current.shift(-1)]
    except ValueError as exc:
        raise InvalidInput(f"months: must be {ALLOWED['months']}; {exc}") from None
    if dups := _duplicates(months):  # a second spelling of one month is refused by Month.parse; kept as a guard
        raise InvalidInput(f"{field}: must be {ALLOWED[field]}; duplicated: {_listing(dups)}")
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
        inputs=dict(start.model_extra or {}),
        # Yandex publishes month M during the first working days of M+1: when the scheduler asks for the
        # month just ended, NO_DATA/FAILED mean "not yet" and are retried daily. A manual or older month is final.
        recheck=scheduled and months == [current.shift(-1)],
    )


def select_businesses(request: RunRequest, configured: Sequence[str]) -> list[str]:
    """The businesses this run covers: those asked for (each must be configured), else all configured."""
    if request.businesses is None:
        chosen = list(configured)
    else:
        unknown = [name for name in request.businesses if name not in configured]
        if unknown:
            raise InvalidInput(
                f"businesses: must be {ALLOWED['businesses']}; unknown: {_listing(unknown)} "
                f"(configured: {_listing(configured, 20)})"
            )
        chosen = list(request.businesses)
    if request.campaign_ids and len(chosen) != 1:
        raise InvalidInput(
            f"campaignIds: campaign ids belong to one business, and this run covers {len(chosen)} "
            f"({', '.join(chosen)}); add businesses: [name] to say whose campaigns they are"
        )
    return chosen


def configured_campaigns(settings: Settings, business: str, only_business: bool) -> list[int]:
    """The stack's CampaignIds for ``business``: entries ``1234`` (of the only business, or of BusinessName)
    or ``name:1234``."""
    ids = []
    for entry in settings.default_campaign_ids:
        name, _, text = entry.rpartition(":")
        owner = name or (business if only_business else settings.business)
        if owner == business:
            ids.append(int(text))
    return ids


def _units(
    kind: reports.ReportKind,
    business: str,
    month: Month,
    campaign_ids: Sequence[int],
    business_ids: Sequence[int],
    contract_types: list[ContractType] | None,
    force: bool,
) -> list[Job]:
    """The units of one kind for one business and month: per campaign or per business id, and per contract type
    where the kind makes one report per type."""
    if kind.scope == "business":
        scopes: list[dict[str, Any]] = [{"business_id": business_id} for business_id in business_ids]
    else:
        scopes = [{"campaign_id": campaign_id} for campaign_id in campaign_ids]
    if kind.contract_types == "each":
        type_sets: list[list[ContractType] | None] = [[t] for t in (contract_types or sorted(ContractType))]
    else:
        type_sets = [contract_types if kind.contract_types == "set" else None]
    return [
        Job(business=business, kind=kind.name, month=month, contract_types=types, force=force, **scope)
        for scope in scopes
        for types in type_sets
    ]


def _interleave(queues: Sequence[list[Job]]) -> list[Job]:
    """One order for a business's units that spreads every kind evenly over the run: Yandex paces each kind on its
    own (one table report per two minutes), so while one kind waits for its window another can generate."""
    ranked = [
        ((position + 0.5) / len(queue), number, position, job)
        for number, queue in enumerate(queues)
        for position, job in enumerate(queue)
    ]
    return [job for *_, job in sorted(ranked, key=lambda rank: rank[:3])]


def run_kinds(request: RunRequest, settings: Settings) -> list[reports.Kind]:
    """The kinds this run archives: those asked for, else the Reports parameter's and every source this stack
    turns on for the monthly run."""
    from .sources import SourceKind

    if request.reports:
        return [reports.get(name) for name in request.reports]
    configured = [reports.get(name) for name in settings.reports]
    return configured + [
        kind for kind in reports.catalog().values() if isinstance(kind, SourceKind) and kind.monthly and kind.enabled()
    ]


def _source_plans(
    request: RunRequest, kinds: Sequence[reports.Kind], read: Callable[[str], bytes | None], prefix: str
) -> list[BusinessPlan]:
    """Each source's units, grouped by the name its units carry (each runs beside the Market businesses)."""
    from .sources import Planning, SourceKind

    chosen = [kind for kind in kinds if isinstance(kind, SourceKind)]
    for kind in chosen:
        if not kind.enabled():
            raise InvalidInput(
                f"reports: {kind.name} is not configured in this stack; its template parameters turn it on (README)"
            )
    for field in request.inputs:
        if not any(field in kind.inputs for kind in chosen):
            users = [k.name for k in reports.catalog().values() if isinstance(k, SourceKind) and field in k.inputs]
            raise InvalidInput(f"{field}: only {', '.join(users)} reads it; add it to reports or leave {field} out")
    groups: dict[str, list[Job]] = {}
    for kind in chosen:
        planning = Planning(
            months=request.months,
            inputs={k: v for k, v in request.inputs.items() if k in kind.inputs},
            force=request.force,
            read=read,
            prefix=prefix,
        )
        for unit in kind.plan(planning):
            resolution = request.inputs.get(kind.resolution_input) if kind.resolution_input else None
            groups.setdefault(unit.business, []).append(
                Job(**unit.identity(), force=request.force, resolution=resolution)
            )
    return [BusinessPlan(business=name, jobs=jobs) for name, jobs in groups.items()]


def build_plan(
    request: RunRequest,
    settings: Settings,
    campaigns: Mapping[str, Sequence[int]],
    unavailable: Mapping[str, Sequence[Unavailable]] | None = None,
    business_ids: Mapping[str, Sequence[int]] | None = None,
    sources: Sequence[BusinessPlan] = (),
) -> RunPlan:
    """Cross the months with each business's campaigns and the Market report kinds: one Job per unit of work; then
    the sources' own units (``sources``, planned by each source)."""
    contract_types = request.contract_types or sorted(settings.default_contract_types) or None
    kinds = [kind for kind in run_kinds(request, settings) if isinstance(kind, reports.ReportKind)]
    businesses = []
    for business, campaign_ids in campaigns.items():
        owners = (business_ids or {}).get(business, ())
        queues = [  # one per kind, month by month
            [
                job
                for month in request.months
                for job in _units(kind, business, month, campaign_ids, owners, contract_types, request.force)
            ]
            for kind in kinds
        ]
        skipped = list((unavailable or {}).get(business, []))
        businesses.append(BusinessPlan(business=business, jobs=_interleave(queues), unavailable=skipped))
    businesses += sources
    if kinds and not any(campaigns.values()):
        raise InvalidInput(
            f"campaignIds: none given and none configured; pass {ALLOWED['campaignIds']} or set the stack "
            "parameter CampaignIds (GET /v2/campaigns listed no usable shops of " + ", ".join(campaigns) + ")"
        )
    check_limits(businesses, len(request.months), settings.reports_per_business)
    limits = Limits(
        max_status_checks=settings.max_status_checks,
        max_regenerations=settings.max_regenerations,
        recheck_days=settings.recheck_days if request.recheck else 0,
        recheck_seconds=settings.recheck_seconds,
        reports_per_business=settings.reports_per_business,
        notice_mode=settings.notice_mode,
    )
    return RunPlan(
        months=[str(m) for m in request.months],
        scheduled=request.scheduled,
        limits=limits,
        businesses=businesses,
    )


def check_limits(businesses: Sequence[BusinessPlan], months: int, at_once: int) -> None:
    """Refuse, before anything starts, a run one execution cannot finish, saying what to split: within a business
    reports generate ``at_once`` at a time (Yandex's active-reports limit), so a business's reports must fit
    BUSINESS_DAYS at REPORT_SECONDS each; and the run summary names each business (MAX_BUSINESSES)."""
    if len(businesses) > MAX_BUSINESSES:
        raise InvalidInput(
            f"businesses: this run covers {len(businesses)} businesses and sources, at most {MAX_BUSINESSES} fit one "
            "execution (its summary names each); start several executions, each with businesses: [names]"
        )
    most = BUSINESS_DAYS * 86_400 * at_once // REPORT_SECONDS  # reports of one business in one execution
    for plan in businesses:
        if len(plan.jobs) <= most:
            continue
        per_month = -(-len(plan.jobs) // months)
        days = len(plan.jobs) * REPORT_SECONDS / at_once / 86_400
        split = (
            f"start several executions of at most {most // per_month} months each for it"
            if most >= per_month
            else "give fewer campaignIds or reports per execution"
        )
        raise InvalidInput(
            f"months: business {plan.business} would generate {len(plan.jobs):,} reports ({per_month:,} a month), "
            f"about {days:,.0f} days at {at_once} at a time and {REPORT_SECONDS // 60} minutes a report; an execution "
            f"lasts at most {EXECUTION_DAYS} days, of which {BUSINESS_DAYS} for one business's reports (at most "
            f"{most:,}): {split}"
        )


def _business_ids(business: str, ids: Sequence[int], found: Sequence[Campaign], kinds: str) -> list[int]:
    """Market's business id of the campaigns (GET /v2/campaigns: ``campaign.business.id``)."""
    owners = {c.id: c.business.id for c in found if c.business is not None}
    unknown = [str(i) for i in ids if i not in owners]
    if unknown:
        raise InvalidInput(
            f"reports: {kinds} cover the whole business, and campaignIds {', '.join(unknown)} are not among the "
            f"shops GET /v2/campaigns lists for business {business}, so its business id is unknown; give campaign "
            "ids of that business's shops or leave those reports out"
        )
    return sorted({owners[i] for i in ids})


def _listed(business: str, ids: Sequence[int], found: Sequence[Campaign]) -> None:
    """Every campaign id the start input gives must be one of the business's shops as GET /v2/campaigns lists them
    for its token: an id it does not list is refused, naming it, before any report is asked for (Yandex answers
    for it with no documents, which read as "nothing to archive")."""
    listed = {c.id for c in found}
    unknown = [i for i in ids if i not in listed]
    if not unknown:
        return
    shops = _listing(sorted(listed), 20) or "none"
    raise InvalidInput(
        f"campaignIds: must be {ALLOWED['campaignIds']}; {_listing(unknown, 20)} not among the shops GET "
        f"/v2/campaigns lists for business {business} (its token lists: {shops})"
    )


def resolve_plan(
    raw: object,
    start_time: datetime,
    settings: Settings,
    businesses: Callable[[], Sequence[str]] | None = None,
    discover: Callable[[str], list[Campaign]] | None = None,
    read: Callable[[str], bytes | None] | None = None,
) -> RunPlan:
    """The whole of ResolveInput.

    Check the input; for the Market kinds choose the businesses (``businesses()``: those with a token, asked only
    once the input is valid; default BUSINESS_NAME); take each one's campaigns from the input, the stack's
    CampaignIds, or ``discover(business)`` (GET /v2/campaigns; campaigns whose API Yandex disabled are left out,
    listed). When a business-wide report is asked for, the campaigns' business id is looked up there too. Each
    source plans its own units (``read``: an object of the archive, e.g. ActivePlatform's document keys). Campaign
    ids given or configured are checked against what ``discover`` lists (one GET /v2/campaigns per business).
    """
    request = parse_request(raw, start_time)  # bad input fails here, before any Market call
    kinds = run_kinds(request, settings)
    sources = _source_plans(request, kinds, read or (lambda key: None), settings.prefix)
    market_kinds = [kind for kind in kinds if isinstance(kind, reports.ReportKind)]
    if not market_kinds:
        return build_plan(request, settings, {}, sources=sources)
    names = select_businesses(request, list(businesses() if businesses else [settings.business]))
    wide = [kind.name for kind in market_kinds if kind.scope == "business"]
    campaigns: dict[str, list[int]] = {}
    unavailable: dict[str, list[Unavailable]] = {}
    owners: dict[str, list[int]] = {}
    for business in names:
        ids = request.campaign_ids or configured_campaigns(settings, business, len(names) == 1)
        found: list[Campaign] | None = None
        if discover is not None and (request.campaign_ids or not ids):  # configured ids are the operator's own
            found = discover(business)  # the shops of the business's token: the ids given are checked against them
        if request.campaign_ids and found is not None and not wide:  # (with wide kinds: _business_ids says it)
            _listed(business, ids, found)
        if not ids and found is not None:
            usable = [c for c in found if c.api_availability in (None, "AVAILABLE")]
            ids = sorted(c.id for c in usable)
            unavailable[business] = [
                Unavailable(campaign_id=c.id, api_availability=str(c.api_availability))
                for c in found
                if c not in usable
            ]
        if wide and ids:
            if found is None:
                if discover is None:
                    raise InvalidInput(f"reports: {', '.join(wide)} need the business id; no shop list is available")
                found = discover(business)
            owners[business] = _business_ids(business, ids, found, ", ".join(wide))
        campaigns[business] = ids
    return build_plan(request, settings, campaigns, unavailable, owners, sources)
