"""The composition root: the cached clients every step shares (one per Lambda container), what a kind's work and
the plan get from them, and how to forget them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3

from closing_docs.adapters.secrets import api_key, api_keys
from closing_docs.domain.config import get_settings
from closing_docs.kinds.work import Work

if TYPE_CHECKING:
    from closing_docs.adapters.archive import ArchiveStore
    from closing_docs.adapters.claims import Claims
    from closing_docs.adapters.market import MarketClient
    from closing_docs.adapters.pacing import Pacing
    from closing_docs.domain.run import RunPlan
    from closing_docs.domain.unitrun import UnitRun


@lru_cache(maxsize=64)
def market(business: str) -> MarketClient:
    from closing_docs.adapters.market import MarketClient  # requests, only for the steps that call Market

    settings = get_settings()
    return MarketClient(settings.api_url, api_key(settings, business), download_allowed=settings.download_allowed)


@lru_cache(maxsize=1)
def s3() -> Any:
    return boto3.client("s3")


@lru_cache(maxsize=1)
def store() -> ArchiveStore:
    """The archive bucket."""
    return bucket_store(get_settings().bucket)


def bucket_store(bucket: str) -> ArchiveStore:
    """Another bucket through the same client (the fixity run's work lists)."""
    from closing_docs.adapters.archive import ArchiveStore  # modules one step needs are imported by it (coldstart)

    return ArchiveStore(s3(), bucket)


@lru_cache(maxsize=1)
def table() -> Any:
    """The lock table: locks, Yandex's windows, and the state sources keep (Direct's operation numbers)."""
    return boto3.resource("dynamodb").Table(get_settings().lock_table)


@lru_cache(maxsize=1)
def claims() -> Claims:
    from closing_docs.adapters.claims import Claims

    return Claims(table(), boto3.client("stepfunctions"))


@lru_cache(maxsize=1)
def pacing() -> Pacing:
    from closing_docs.adapters.pacing import Pacing

    return Pacing(table())


@lru_cache(maxsize=1)
def sns() -> Any:
    return boto3.client("sns")


def reset_caches() -> None:
    """Forget settings, clients and the cached secret (what a new Lambda container starts with)."""
    from aws_lambda_powertools.utilities import parameters

    get_settings.cache_clear()
    for cached in (market, s3, store, table, claims, pacing, sns):
        cached.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def work(step: UnitRun) -> Work:
    """What the kind of ``step``'s unit gets to do its work."""
    report = getattr(step, "report", None)
    return Work(step.job, step.execution_id, get_settings(), store, market, pacing, table, report)


def plan(start_input: object, start_time: datetime) -> RunPlan:
    """The units a start input means: businesses from the secret, campaigns given, configured or listed by
    GET /v2/campaigns, crossed with the months and report kinds (the run and the audit plan alike)."""
    from closing_docs.plan.planning import resolve_plan  # ResolveInput's and the audit's alone

    settings = get_settings()
    return resolve_plan(
        start_input,
        start_time,
        settings,
        lambda: list(api_keys(settings)),
        lambda name: market(name).campaigns(),
        lambda key: store().read(key),
    )
