"""The cached clients every step shares (one per Lambda container), and how to forget them."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3

from .config import get_settings
from .market import MarketClient
from .secrets import api_key

if TYPE_CHECKING:
    from .archive import ArchiveStore
    from .claims import Claims
    from .pacing import Pacing


@lru_cache(maxsize=64)
def market(business: str) -> MarketClient:
    settings = get_settings()
    return MarketClient(settings.api_url, api_key(settings, business), download_allowed=settings.download_allowed)


@lru_cache(maxsize=1)
def store() -> ArchiveStore:
    from .archive import ArchiveStore  # modules one step needs are imported by it (bench/coldstart.py)

    return ArchiveStore(boto3.client("s3"), get_settings().bucket)


@lru_cache(maxsize=1)
def table() -> Any:
    """The lock table: locks, Yandex's windows, and the state sources keep (Direct's operation numbers)."""
    return boto3.resource("dynamodb").Table(get_settings().lock_table)


@lru_cache(maxsize=1)
def claims() -> Claims:
    from .claims import Claims

    return Claims(table(), boto3.client("stepfunctions"))


@lru_cache(maxsize=1)
def pacing() -> Pacing:
    from .pacing import Pacing

    return Pacing(table())


@lru_cache(maxsize=1)
def sns() -> Any:
    return boto3.client("sns")


def reset_caches() -> None:
    """Forget settings, clients and the cached secret (what a new Lambda container starts with)."""
    from aws_lambda_powertools.utilities import parameters

    get_settings.cache_clear()
    for cached in (market, store, table, claims, pacing, sns):
        cached.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]
