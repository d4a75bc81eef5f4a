"""Shared fixtures: the Market emulator on 127.0.0.1 and embedded AWS running the real state machine.

The tests read English notices (NoticeLanguage en): the stack's default is Russian, which tests of their own check.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest

from local.aws import EmbeddedAws
from local.emulator import MarketEmulator

TOKEN = "test-token-5f2c9a"  # the emulator's business token; must never show up in any output
TIME_SCALE = 0.005  # 1 emulated second = 5 ms: a 100 s report generates in half a second
CAMPAIGNS = [1001, 1002, 1003]
os.environ.setdefault("NOTICE_LANGUAGE", "en")  # for the layer called in-process, outside embedded AWS
# Powertools' Metrics singleton (closing_docs.adapters.observability) takes its namespace when first imported: a unit
# test that imports a step before any embedded stack must leave it one, or every later run's metrics fail to serialise.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ClosingDocuments")


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def emulator() -> Iterator[MarketEmulator]:
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=100.0, estimate_ms=30_000)
    emulator.add_business(name="main", token=TOKEN, business_id=5001, campaign_ids=CAMPAIGNS)
    with emulator:
        yield emulator


@contextmanager
def aws_maker(
    market: MarketEmulator, api_key: str, secrets: dict[str, str] | None = None, **defaults: str
) -> Iterator[Callable[..., EmbeddedAws]]:
    """``make(api_key=..., **template_parameters)`` builds embedded AWS against ``market`` (``secrets``: the sources'
    secrets by logical id); all are closed after."""
    with ExitStack() as stack:

        def make(api_key: str = api_key, **parameters: str) -> EmbeddedAws:
            aws = EmbeddedAws(
                api_key=api_key,
                parameters={"NoticeLanguage": "en", **defaults, **parameters},
                time_scale=TIME_SCALE,
                market_url=market.base_url,
                secrets=secrets,
            )
            return stack.enter_context(aws)

        yield make


@pytest.fixture
def make_aws(emulator: MarketEmulator) -> Iterator[Callable[..., EmbeddedAws]]:
    """Build embedded AWS against the emulator; keyword arguments override template parameters."""
    with aws_maker(emulator, TOKEN, CampaignIds="1001", NoticeMode="EACH") as make:
        yield make


@pytest.fixture
def aws(make_aws) -> EmbeddedAws:
    return make_aws()
