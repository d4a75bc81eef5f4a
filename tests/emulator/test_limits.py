"""The emulator enforces Yandex's limits per business with 420s: parallel requests, per-resource windows,
active reports; 5xx do not count, injected faults take precedence, every 420 is recorded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import pytest
import requests

from local.contract import validate_recorded_response
from local.emulator import TABLE_KINDS, Fault, MarketEmulator
from local.emulator.__main__ import build_parser, configure

from . import OTHER_TOKEN, TOKEN, Client, error_of, fetch, running_emulator

UNTIL = "X-RateLimit-Resource-Until"
REMAINING = "X-RateLimit-Resource-Remaining"
LIMIT = "X-RateLimit-Resource-Limit"


def until_of(response: requests.Response) -> float:
    return parsedate_to_datetime(response.headers[UNTIL]).timestamp()


def remaining_of(response: requests.Response) -> int:
    return int(response.headers[REMAINING])


def in_threads(calls: list[Callable[[], requests.Response]]) -> tuple[list[threading.Thread], list[requests.Response]]:
    """Start one thread per call (released together by a barrier); the responses land in the list."""
    responses: list[requests.Response] = []
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> None:
        barrier.wait()
        responses.append(call())

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    return threads, responses


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive()


# ------------------------------------------------------------------------------------------ parallel requests


def test_fifth_parallel_request_of_a_business_is_420_without_until():
    with running_emulator() as emu:
        client = Client(emu.base_url)
        report_id, link = client.ready_link()
        emu.hold("info")
        try:  # four info calls, each on its own connection, admitted and held open
            threads, responses = in_threads([lambda: Client(emu.base_url).info(report_id) for _ in range(4)])
            assert emu.wait_in_flight(4, "main") and emu.in_flight("main") == 4
            fifth = client.campaigns()
            other_business = Client(emu.base_url, token=OTHER_TOKEN).campaigns()
            download = fetch(link)  # the file host is not an API request
        finally:
            emu.release("info")
        join(threads)
        after = client.campaigns()
    assert fifth.status_code == 420 and error_of(fifth) == {
        "code": "HIT_RATE_LIMIT",
        "message": "Too many parallel requests",
    }
    assert UNTIL not in fifth.headers and fifth.headers[LIMIT] == "1000"
    assert other_business.status_code == download.status_code == after.status_code == 200
    assert [r.status_code for r in responses] == [200] * 4
    assert emu.peak_in_flight("main") == 4 and emu.in_flight() == 0
    assert emu.count_420() == emu.count_420("campaigns", "parallel") == 1 and emu.count_420("info") == 0
    (throttled,) = [c for c in emu.calls if c.status == 420]
    assert throttled.op == "campaigns" and throttled.throttle == "parallel"
    assert remaining_of(after) == 998  # the 420 counted too (a 4xx)


def test_parallel_limit_is_configurable_and_none_means_unlimited():
    with running_emulator(parallel_limit=2) as emu:
        emu.hold("campaigns")
        try:
            threads, _ = in_threads([Client(emu.base_url).campaigns for _ in range(2)])
            assert emu.wait_in_flight(2)
            third = Client(emu.base_url).info("no-such-report")
        finally:
            emu.release()
        join(threads)
    assert third.status_code == 420 and emu.count_420(throttle="parallel") == 1
    with running_emulator(parallel_limit=None) as emu:
        emu.hold("campaigns")
        try:
            threads, _ = in_threads([Client(emu.base_url).campaigns for _ in range(6)])
            assert emu.wait_in_flight(6)
            seventh = Client(emu.base_url).info("no-such-report")  # not held: answered while six are
        finally:
            emu.release()
        join(threads)
    assert seventh.status_code == 404 and emu.count_420() == 0 and emu.peak_in_flight() == 7


def test_a_burst_never_has_more_than_the_limit_in_flight():
    with running_emulator(api_latency_seconds=40.0) as emu:  # each API request takes 0.2 s real
        threads, responses = in_threads([Client(emu.base_url).campaigns for _ in range(10)])
        join(threads)
    statuses = [r.status_code for r in responses]
    assert emu.peak_in_flight("main") == 4 and statuses.count(200) >= 4 and statuses.count(420) >= 1
    assert statuses.count(200) + statuses.count(420) == 10  # all ten arrive well within 0.2 s: in practice 4 + 6
    assert emu.count_420("campaigns", "parallel") == statuses.count(420)


# ------------------------------------------------------------------------------------------ resource limits


def test_resource_limit_counts_2xx_and_4xx_then_420_until_the_window_ends():
    with running_emulator(rate_limits={"info": (5, 1000)}) as emu:
        client = Client(emu.base_url)
        report_id = client.report_id()
        responses = [client.info(report_id), client.info("no-such-report")] + [client.info(report_id) for _ in range(3)]
        unauthenticated = Client(emu.base_url, token=None).info(report_id)
        over = client.info(report_id)
        other = Client(emu.base_url, token=OTHER_TOKEN).info("no-such-report")
        campaigns = client.campaigns()
    assert [r.status_code for r in responses] == [200, 404, 200, 200, 200]
    assert [remaining_of(r) for r in responses] == [4, 3, 2, 1, 0]
    assert {r.headers[LIMIT] for r in responses} == {"5"} and len({r.headers[UNTIL] for r in responses}) == 1
    assert unauthenticated.status_code == 401 and remaining_of(unauthenticated) == 5  # no business, not counted
    assert over.status_code == 420 and error_of(over)["message"] == "Hit rate limit of requests"
    assert (remaining_of(over), over.headers[UNTIL]) == (0, responses[0].headers[UNTIL])
    wait = until_of(over) - parsedate_to_datetime(over.headers["Date"]).timestamp()
    assert 990 <= wait <= 1001  # the window (1000 emulated s) opened with the first call
    assert (other.status_code, remaining_of(other)) == (404, 4)  # per business
    assert (campaigns.status_code, campaigns.headers[LIMIT], remaining_of(campaigns)) == (200, "1000", 999)  # per op
    assert emu.count_420() == emu.count_420("info", "resource") == 1


def test_window_frees_at_until():
    with running_emulator(rate_limits={"campaigns": (2, 50)}) as emu:  # 50 emulated s = 0.25 s real
        client = Client(emu.base_url)
        first, second, over = client.campaigns(), client.campaigns(), client.campaigns()
        assert (first.status_code, second.status_code, over.status_code) == (200, 200, 420)
        assert over.headers[UNTIL] == first.headers[UNTIL]  # a 420 does not extend the window
        while emu.wall_time() < until_of(over):
            time.sleep(0.01)
        again = client.campaigns()
    assert again.status_code == 200 and remaining_of(again) == 1 and until_of(again) > until_of(over)


def test_5xx_do_not_count_and_faults_take_precedence():
    with running_emulator(rate_limits={"info": (3, 1000)}) as emu:
        client = Client(emu.base_url)
        emu.inject("info", Fault(status=500), Fault(status=503))
        failed = [client.info("no-such-report") for _ in range(2)]
        counted = [client.info("no-such-report") for _ in range(3)]
        emu.inject("info", Fault(status=503), Fault(status=404, message="Report not found."))
        injected = [client.info("no-such-report") for _ in range(2)]  # the window is used up, faults still win
        over = client.info("no-such-report")
    assert [(r.status_code, remaining_of(r)) for r in failed] == [(500, 3), (503, 3)]
    assert [(r.status_code, remaining_of(r)) for r in counted] == [(404, 2), (404, 1), (404, 0)]
    assert [r.status_code for r in injected] == [503, 404] and over.status_code == 420
    assert emu.count_420(throttle="resource") == 1


# ------------------------------------------------------------------------------------------ active reports


def test_second_generate_while_one_is_generating_is_420_until_it_is_done():
    with running_emulator() as emu:  # default: 1 active report per business; a report takes 0.1 s real
        client = Client(emu.base_url)
        emu.set_outcome(1001, "FAILED")
        first = client.report_id(1001)
        busy = client.generate(1002)
        other_business = Client(emu.base_url, token=OTHER_TOKEN).generate(2001)
        assert emu.active_reports("main") == 1
        assert client.wait_final(first)["status"] == "FAILED"  # a failed report frees its slot too
        assert emu.active_reports("main") == 0
        later = client.generate(1002)
    assert busy.status_code == 420 and error_of(busy) == {
        "code": "HIT_RATE_LIMIT",
        "message": "Active reports limit exceeded",
    }
    assert busy.headers[LIMIT] == "1000" and remaining_of(busy) == 998 and UNTIL in busy.headers
    assert other_business.status_code == 200 and later.status_code == 200
    assert len(emu.reports) == 3 and emu.count_420("generate", "active_reports") == 1


def test_concurrent_generates_let_exactly_the_limit_through():
    with running_emulator(active_reports_limit=2, generation_seconds=400.0) as emu:  # 2 s real: none finishes
        threads, responses = in_threads(
            [lambda cid=cid: Client(emu.base_url).generate(cid) for cid in (1001, 1002, 1003)]
        )
        join(threads)
        one_more = Client(emu.base_url).generate(1001)
    assert sorted(r.status_code for r in responses) == [200, 200, 420] and one_more.status_code == 420
    assert len(emu.reports) == 2 and emu.active_reports("main") == 2
    assert emu.count_420(throttle="active_reports") == 2


def test_no_active_reports_limit():
    with running_emulator(active_reports_limit=None) as emu:
        client = Client(emu.base_url)
        assert [client.generate(cid).status_code for cid in (1001, 1002, 1003, 1001)] == [200] * 4


# ------------------------------------------------------------------------------------------ records, spec, config


def test_enforced_420s_match_the_spec_and_injected_ones_are_no_throttle():
    with running_emulator(rate_limits={"info": (1, 1000)}) as emu:
        client = Client(emu.base_url)
        for send in (client.generate, client.generate, lambda: client.info("x"), lambda: client.info("x")):
            send()
        emu.inject("campaigns", Fault(status=420))
        client.campaigns()
    throttled = [c for c in emu.calls if c.status == 420]
    assert [(c.op, c.throttle) for c in throttled] == [
        ("generate", "active_reports"),
        ("info", "resource"),
        ("campaigns", None),
    ]
    assert emu.count_420() == 3 and emu.count_420(throttle="resource") == 1
    for call in throttled:
        validate_recorded_response(call)
    with pytest.raises(ValueError, match="unknown throttle"):
        emu.count_420(throttle="quota")


def test_campaigns_are_the_tokens_own_and_page_past_one_hundred():
    emu = MarketEmulator(time_scale=0.005)
    emu.add_business("big", TOKEN, 7001, range(3001, 3121))
    emu.add_business("small", OTHER_TOKEN, 7002, [4001])
    with emu:
        client = Client(emu.base_url)
        first = client.campaigns(limit=100).json()
        rest = client.campaigns(limit=100, page_token=first["paging"]["nextPageToken"]).json()  # the spec's alias
        default = client.campaigns(pageToken=first["paging"]["nextPageToken"]).json()  # default limit 50
        old = client.campaigns(page=3, pageSize=50).json()
        small = Client(emu.base_url, token=OTHER_TOKEN).campaigns(limit=100).json()
    ids = [c["id"] for c in first["campaigns"] + rest["campaigns"]]
    assert ids == list(range(3001, 3121)) and len(first["campaigns"]) == 100
    assert "nextPageToken" not in rest["paging"]
    assert {c["business"]["id"] for c in first["campaigns"] + rest["campaigns"]} == {7001}
    assert [c["id"] for c in default["campaigns"]] == list(range(3101, 3121))
    assert [c["id"] for c in old["campaigns"]] == list(range(3101, 3121)) and old["pager"]["pagesCount"] == 3
    assert [c["id"] for c in small["campaigns"]] == [4001] and small["paging"] == {}


def test_limits_are_validated():
    with pytest.raises(ValueError, match="unknown op"):
        MarketEmulator(rate_limits={"download": (1, 60)})
    with pytest.raises(ValueError, match="at least 1 request"):
        MarketEmulator(rate_limits={"info": (0, 60)})
    for name in ("parallel_limit", "active_reports_limit"):
        with pytest.raises(ValueError, match=name):
            MarketEmulator(**{name: 0})
    with pytest.raises(ValueError, match="cannot hold"):
        MarketEmulator().hold("download")
    emu = MarketEmulator(rate_limits={"info": (5, 60)})
    assert emu.rate_limits == {
        "generate": (1000, 3600),
        "info": (5, 60),
        "campaigns": (1000, 3600),
        **dict.fromkeys(TABLE_KINDS, (1, 120)),  # each table report kind: 1 request per 2 minutes
    }
    assert (emu.parallel_limit, emu.active_reports_limit, emu.api_latency_seconds) == (4, 1, 0.0)


def test_command_line_limit_options():
    parser = build_parser()
    defaults = configure(parser.parse_args(["--token", "t"]))
    assert (defaults.parallel_limit, defaults.active_reports_limit) == (4, 1)
    arguments = "--token t --parallel-limit 2 --active-reports-limit none --rate-limit info:5/60"
    custom = configure(parser.parse_args([*arguments.split(), "--api-latency-seconds", "0.5"]))
    assert (custom.parallel_limit, custom.active_reports_limit, custom.api_latency_seconds) == (2, None, 0.5)
    assert custom.rate_limits["info"] == (5, 60.0) and custom.rate_limits["generate"] == (1000, 3600)
    for bad in (["--parallel-limit", "0"], ["--rate-limit", "download:1/1"], ["--rate-limit", "info:5"]):
        with pytest.raises(SystemExit):
            parser.parse_args(["--token", "t", *bad])
