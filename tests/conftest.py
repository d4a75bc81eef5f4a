"""Shared fixtures: the Market emulator on 127.0.0.1 and embedded AWS running the real state machine."""

from collections.abc import Iterator

import pytest

from local.aws import EmbeddedAws
from local.emulator import MarketEmulator

TOKEN = "test-token-5f2c9a"  # the emulator's business token; must never show up in any output
TIME_SCALE = 0.005  # 1 emulated second = 5 ms: a 100 s report generates in half a second
CAMPAIGNS = [1001, 1002, 1003]


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def emulator() -> Iterator[MarketEmulator]:
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=100.0, estimate_ms=30_000)
    emulator.add_business(name="main", token=TOKEN, business_id=5001, campaign_ids=CAMPAIGNS)
    with emulator:
        yield emulator


@pytest.fixture
def make_aws(emulator: MarketEmulator):
    """Build embedded AWS against the emulator; keyword arguments override template parameters."""
    stack = []

    def make(api_key: str = TOKEN, **parameters: str) -> EmbeddedAws:
        parameters = {"CampaignIds": "1001", "NoticeMode": "EACH", **parameters}
        aws = EmbeddedAws(api_key=api_key, parameters=parameters, time_scale=TIME_SCALE, market_url=emulator.base_url)
        stack.append(aws.__enter__())
        return aws

    yield make
    for aws in stack:
        aws.__exit__(None, None, None)


@pytest.fixture
def aws(make_aws) -> EmbeddedAws:
    return make_aws()
