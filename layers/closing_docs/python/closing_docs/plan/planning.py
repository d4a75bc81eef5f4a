"""How a checked start input (:class:`~closing_docs.request.RunRequest`) becomes a RunPlan: the whole of ResolveInput.

:func:`resolve_plan` checks the input (request.py, pure: bad input fails before any call), chooses the businesses,
takes each one's campaigns (given, configured, or discovered with GET /v2/campaigns), and :func:`build_plan` crosses
the months with them and the report kinds asked for: one unit of work per kind, scope (campaign or business), month
and contract type; each source plans its own units. Last, limits.py refuses a run one execution cannot finish.

Imports run one way: planning -> request, planning -> limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from closing_docs.domain.config import Settings
from closing_docs.domain.errors import ConfigurationError, InvalidInput
from closing_docs.domain.market_api import Campaign
from closing_docs.domain.models import ContractType, Job, Limits
from closing_docs.domain.months import Month
from closing_docs.domain.run import BusinessPlan, RunPlan, Unavailable
from closing_docs.kinds import Kind, Planning, catalog, get
from closing_docs.kinds import names as kind_names
from closing_docs.plan.limits import check_limits
from closing_docs.plan.request import ALLOWED, RunRequest, listing, parse_request


def select_businesses(request: RunRequest, configured: Sequence[str]) -> list[str]:
    """The businesses this run covers: those asked for (each must be configured), else all configured."""
    if request.businesses is None:
        chosen = list(configured)
    else:
        unknown = [name for name in request.businesses if name not in configured]
        if unknown:
            raise InvalidInput(
                f"businesses: must be {ALLOWED['businesses']}; unknown: {listing(unknown)} "
                f"(configured: {listing(configured, 20)})"
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
    kind: Kind,
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


def with_twins(jobs: list[Job], kind: Kind, twins: bool) -> list[Job]:
    """Each job of a table kind followed by its CSV twin (``twin="CSV"``), when the month's close runs and the
    deployment archives that kind in another format: the close reads CSV. The twin is in its kind's queue, so it is
    paced under the same Yandex window as the report it mirrors."""
    if not (twins and kind.table):
        return jobs
    return [unit for job in jobs for unit in (job, job.model_copy(update={"twin": "CSV"}))]


def closes(request: RunRequest, settings: Settings, kinds: Sequence[Kind]) -> bool:
    """Whether the months of this run get their close: the start input's ``close``, else the stack's Close, and
    only when a table report (which the close reads) is asked for."""
    wanted = settings.close_enabled if request.close is None else request.close
    return wanted and any(kind.table for kind in kinds)


def interleave(queues: Sequence[list[Job]]) -> list[Job]:
    """One order for a business's units that spreads every kind evenly over the run: Yandex paces each kind on its
    own (one table report per two minutes), so while one kind waits for its window another can generate."""
    ranked = [
        ((position + 0.5) / len(queue), number, position, job)
        for number, queue in enumerate(queues)
        for position, job in enumerate(queue)
    ]
    return [job for *_, job in sorted(ranked, key=lambda rank: rank[:3])]


def run_kinds(request: RunRequest, settings: Settings) -> list[Kind]:
    """The kinds this run archives: those asked for, else the Reports parameter's and every kind the monthly run
    takes by itself (the sources this stack turns on)."""
    if request.reports:
        return [get(name) for name in request.reports]
    unknown = [name for name in settings.reports if name not in catalog()]
    if unknown:
        raise ConfigurationError(
            f"invalid function environment: REPORTS: unknown kinds {', '.join(unknown)}; "
            f"allowed: {', '.join(kind_names())}"
        )
    configured = [get(name) for name in settings.reports]
    return configured + [kind for kind in catalog().values() if kind.in_monthly_run() and kind not in configured]


def _own_plans(
    request: RunRequest, kinds: Sequence[Kind], read: Callable[[str], bytes | None], prefix: str
) -> tuple[list[BusinessPlan], list[Kind]]:
    """The units of the kinds that plan their own (the sources), grouped by the name their units carry (each runs
    beside the Market businesses); and the kinds left to plan per business and shop."""
    for kind in kinds:
        if not kind.configured():
            raise InvalidInput(
                f"reports: {kind.name} is not configured in this stack; its template parameters turn it on (README)"
            )
    for field in request.inputs:
        if not any(field in kind.inputs for kind in kinds):
            users = [k.name for k in catalog().values() if field in k.inputs]
            raise InvalidInput(f"{field}: only {', '.join(users)} reads it; add it to reports or leave {field} out")
    groups: dict[str, list[Job]] = {}
    per_shop: list[Kind] = []
    for kind in kinds:
        planning = Planning(
            months=request.months,
            inputs={k: v for k, v in request.inputs.items() if k in kind.inputs},
            force=request.force,
            read=read,
            prefix=prefix,
        )
        units = kind.plan(planning)
        if units is None:
            per_shop.append(kind)
            continue
        for unit in units:
            resolution = request.inputs.get(kind.resolution_input) if kind.resolution_input else None
            groups.setdefault(unit.business, []).append(
                Job(**unit.identity(), force=request.force, resolution=resolution)
            )
    return [BusinessPlan(business=name, jobs=jobs) for name, jobs in groups.items()], per_shop


def build_plan(
    request: RunRequest,
    settings: Settings,
    kinds: Sequence[Kind],
    campaigns: Mapping[str, Sequence[int]],
    unavailable: Mapping[str, Sequence[Unavailable]] | None = None,
    business_ids: Mapping[str, Sequence[int]] | None = None,
    sources: Sequence[BusinessPlan] = (),
) -> RunPlan:
    """Cross the months with each business's campaigns and the ``kinds`` planned per shop (the Market's): one Job
    per unit of work; then the units the other kinds planned themselves (``sources``)."""
    contract_types = request.contract_types or sorted(settings.default_contract_types) or None
    closing = closes(request, settings, kinds)
    twins = closing and settings.report_format != "CSV"  # with CSV the close reads the pack's own ZIPs
    businesses = []
    for business, campaign_ids in campaigns.items():
        owners = (business_ids or {}).get(business, ())
        queues = [  # one per kind, month by month
            with_twins(
                [
                    job
                    for month in request.months
                    for job in _units(kind, business, month, campaign_ids, owners, contract_types, request.force)
                ],
                kind,
                twins,
            )
            for kind in kinds
        ]
        skipped = list((unavailable or {}).get(business, []))
        jobs = interleave(queues)
        close_months = [str(month) for month in request.months] if closing and jobs else []
        business_id = owners[0] if closing and len(owners) == 1 else None  # the close's checks.json names it
        businesses.append(
            BusinessPlan(
                business=business, jobs=jobs, unavailable=skipped, close_months=close_months, business_id=business_id
            )
        )
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
    shops = listing(sorted(listed), 20) or "none"
    raise InvalidInput(
        f"campaignIds: must be {ALLOWED['campaignIds']}; {listing(unknown, 20)} not among the shops GET "
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
    listed). When a business-wide report is asked for, or the month is closed, the campaigns' business id is looked
    up there too (the close only names it: an id it cannot find leaves it unknown, refuses nothing). Each
    source plans its own units (``read``: an object of the archive, e.g. ActivePlatform's document keys). Campaign
    ids given or configured are checked against what ``discover`` lists (one GET /v2/campaigns per business).
    """
    request = parse_request(raw, start_time)  # bad input fails here, before any Market call
    sources, market_kinds = _own_plans(
        request, run_kinds(request, settings), read or (lambda key: None), settings.prefix
    )
    if not market_kinds:
        return build_plan(request, settings, [], {}, sources=sources)
    names = select_businesses(request, list(businesses() if businesses else [settings.business]))
    wide = [kind.name for kind in market_kinds if kind.scope == "business"]
    closing = closes(request, settings, market_kinds)
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
        elif closing and ids and discover is not None:
            found = found if found is not None else discover(business)
            owners[business] = sorted({c.business.id for c in found if c.id in ids and c.business is not None})
        campaigns[business] = ids
    return build_plan(request, settings, market_kinds, campaigns, unavailable, owners, sources)
