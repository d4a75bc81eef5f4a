"""Issue 5: every shop, every month, every business, through the real state machine, against an emulator that
enforces Yandex's limits (4 parallel requests per token, per-resource limits, one active report per business).

Discovery (GET /v2/campaigns), month ranges (backfill), several businesses with their own tokens, the run
summary and the notice modes; skip/force as before; the pipeline never runs into a 420.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import pairwise

import pytest

from local.aws import EmbeddedAws
from local.emulator import MarketEmulator
from tests.conftest import TIME_SCALE, aws_maker

TOKENS = {"main": "token-main-7c1e", "second": "token-second-93ab"}
SHOPS = {"main": [1001, 1002, 1003], "second": [2001, 2002]}


@pytest.fixture
def market() -> Iterator[MarketEmulator]:
    """Two businesses, each with its own token and shops; every limit enforced (the defaults)."""
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=60.0, estimate_ms=60_000)
    for number, (name, token) in enumerate(TOKENS.items()):
        emulator.add_business(name=name, token=token, business_id=7000 + number, campaign_ids=SHOPS[name])
    with emulator:
        yield emulator


@pytest.fixture
def make(market: MarketEmulator) -> Iterator[Callable[..., EmbeddedAws]]:
    """Embedded AWS whose secret maps both businesses to their tokens."""
    with aws_maker(market, json.dumps(TOKENS)) as make:
        yield make


def split(notices):
    """(per-archive bodies, run summaries)."""
    bodies = [n.body() for n in notices]
    return [b for b in bodies if b.get("kind") != "RUN_SUMMARY"], [b for b in bodies if b.get("kind") == "RUN_SUMMARY"]


def archived_keys(aws: EmbeddedAws) -> set[tuple[str, str, str]]:
    """(month, business, campaign) of every archived ZIP."""
    return {tuple(key.split("/")[1:4]) for key in aws.objects() if key.endswith(".zip")}


def test_every_shop_of_every_business_is_discovered_archived_and_summarised(make, market: MarketEmulator):
    aws = make()
    execution = aws.run({"month": "2025-12"})

    assert execution.status == "SUCCEEDED", execution.cause
    expected = {("2025-12", name, str(shop)) for name, shops in SHOPS.items() for shop in shops}
    assert archived_keys(aws) == expected
    assert market.count("campaigns") == 2  # one listing per business
    assert market.count_420() == 0, "the pipeline must keep to the limits, not retry into them"

    per_archive, (summary,) = split(aws.notifications())
    assert sorted((b["business"], b["campaignId"]) for b in per_archive) == sorted(
        (name, shop) for name, shops in SHOPS.items() for shop in shops
    )
    assert {b["status"] for b in per_archive} == {"ARCHIVED"}
    assert summary["status"] == "OK" and summary["counts"]["ARCHIVED"] == 5
    assert {b["business"]: b["counts"]["ARCHIVED"] for b in summary["businesses"]} == {"main": 3, "second": 2}
    assert execution.output == summary
    for key, body in aws.objects().items():  # every manifest names its business
        if key.endswith(".manifest.json"):
            assert json.loads(body)["business"] == key.split("/")[2]


def test_each_business_generates_one_report_at_a_time_and_businesses_overlap(make, market: MarketEmulator):
    aws = make()
    assert aws.run({"month": "2025-12"}).status == "SUCCEEDED"

    took = market.generation_seconds
    for name in SHOPS:
        spans = sorted((r.created_at, r.created_at + took) for r in market.reports.values() if r.business == name)
        assert all(done <= nxt for (_, done), (nxt, _) in pairwise(spans)), spans
    first = {name: min(r.created_at for r in market.reports.values() if r.business == name) for name in SHOPS}
    last = {name: max(r.created_at + took for r in market.reports.values() if r.business == name) for name in SHOPS}
    assert first["second"] < last["main"] and first["main"] < last["second"], "businesses ran one after the other"
    assert max(market.peak_in_flight(name) for name in SHOPS) <= 4


def test_several_businesses_keep_their_tokens_out_of_every_record(make, market: MarketEmulator):
    aws = make()
    execution = aws.run({"month": "2025-12"})
    texts = [
        json.dumps(aws.events(execution.arn), default=str),
        json.dumps(execution.output),
        *(n.message for n in aws.notifications()),
        *(body.decode("latin-1") for body in aws.objects().values()),
        *aws.logs(),
    ]
    assert any('"message":"run planned"' in line for line in aws.logs())
    for token in TOKENS.values():
        assert not any(token in text for text in texts)


def test_backfill_a_month_range_then_skip_then_force(make, market: MarketEmulator):
    aws = make(NoticeMode="SUMMARY")
    start = {"months": {"from": "2025-10", "to": "2025-12"}, "businesses": ["second"], "campaignIds": [2001]}

    first = aws.run(start)
    assert first.status == "SUCCEEDED", first.cause
    assert archived_keys(aws) == {(m, "second", "2001") for m in ("2025-10", "2025-11", "2025-12")}
    assert market.count("generate") == 3 and market.count("campaigns") == 1  # the given id checked (issue 17)
    per_archive, (summary,) = split(aws.notifications())
    assert per_archive == [] and summary["counts"]["ARCHIVED"] == 3 and summary["months"][-1] == "2025-12"

    again = aws.run(start)
    assert again.status == "SUCCEEDED" and market.count("generate") == 3
    assert again.output["counts"]["ALREADY_ARCHIVED"] == 3

    forced = aws.run({**start, "months": ["2025-11"], "force": True})
    assert forced.status == "SUCCEEDED" and market.count("generate") == 4
    assert forced.output["counts"]["ARCHIVED"] == 1


def test_summary_lists_the_failed_and_the_run_fails(make, market: MarketEmulator):
    market.set_outcome(1002, "FAILED")
    aws = make(NoticeMode="BOTH")
    execution = aws.run({"month": "2025-12", "businesses": ["main"]})

    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    per_archive, (summary,) = split(aws.notifications())
    assert Counter(b["status"] for b in per_archive) == {"ARCHIVED": 2, "FAILED": 1}
    (main,) = summary["businesses"]
    assert summary["status"] == "FAILED" and main["counts"]["FAILED"] == 1
    assert [(f["campaignId"], f["error"]) for f in main["failed"]] == [(1002, "ReportFailed")]
    assert "campaign 1002" in summary["message"] and "FAILED" in summary["message"]


def test_each_mode_sends_no_summary(make):
    aws = make(NoticeMode="EACH")
    assert aws.run({"month": "2025-12", "businesses": ["second"]}).status == "SUCCEEDED"
    per_archive, summaries = split(aws.notifications())
    assert len(per_archive) == 2 and summaries == []


def test_histories_stay_small_whatever_the_number_of_campaign_months(make):
    aws = make()
    execution = aws.run({"months": ["2025-11", "2025-12"]})
    assert execution.status == "SUCCEEDED", execution.cause
    children = aws.child_histories()
    assert len(children) == 2 * 5 + 2  # a child per campaign-month, and one per business
    assert len(aws.history(execution.arn)) < 40  # the parent does not grow with campaigns
    assert max(len(child) for child in children) < 150


def test_campaign_ids_of_one_of_several_businesses_need_its_name(make, market: MarketEmulator):
    aws = make()
    execution = aws.run({"month": "2025-12", "campaignIds": [1001]})
    assert execution.status == "FAILED" and execution.error == "InvalidInput"
    assert "businesses: [name]" in execution.cause and market.count("generate") == 0


def test_configured_campaigns_name_their_business(make, market: MarketEmulator):
    aws = make(CampaignIds="main:1003,second:2002")
    assert aws.run({"month": "2025-12"}).status == "SUCCEEDED"
    assert archived_keys(aws) == {("2025-12", "main", "1003"), ("2025-12", "second", "2002")}
    assert market.count("campaigns") == 0
