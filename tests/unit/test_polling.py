import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from closing_docs.domain import polling
from closing_docs.domain.market_api import ReportInfo
from closing_docs.domain.models import ReportRef

MAX_STATUS_CHECKS = 40  # the template's default
NEGATIVE = -9007199254740991  # what the spec's mocks return


@pytest.mark.parametrize(
    ("estimate_ms", "expected"),
    [
        (30_000, 30),
        (30_001, 31),  # rounded up: never ask early
        (1, polling.MIN_WAIT_SECONDS),
        (3_600_000, 3600),  # a one-hour estimate is waited out in one go
        (7_200_000, polling.MAX_WAIT_SECONDS),
        (10**9, polling.DEFAULT_FIRST_WAIT_SECONDS),  # over a day: nonsense
        (NEGATIVE, polling.DEFAULT_FIRST_WAIT_SECONDS),
        (None, polling.DEFAULT_FIRST_WAIT_SECONDS),
        (0, polling.DEFAULT_FIRST_WAIT_SECONDS),
    ],
)
def test_first_wait_is_the_estimate_clamped(estimate_ms, expected):
    assert polling.first_wait(estimate_ms) == expected


def test_the_default_first_wait_is_the_shortest():
    assert polling.DEFAULT_FIRST_WAIT_SECONDS == polling.MIN_WAIT_SECONDS == 10


@pytest.mark.parametrize(
    ("estimate_ms", "elapsed", "expected"),
    [
        (120_000, 30, 120),  # a fresh estimate within 15 min is followed
        (1_100_500, 1200, 1101),  # ... and beyond, while it is at most the elapsed time (rounded up)
        (3_000_000, 1200, 1200),  # longer: at most double the elapsed time
        (10_000_000, 10, polling.TRUSTED_WAIT_SECONDS),
        (10_000_000, 20_000, polling.MAX_WAIT_SECONDS),
        (1_000, 30, polling.MIN_WAIT_SECONDS),  # never sooner than 10 s
        (1_000, 1000, 100),  # nor sooner than 10 % of the elapsed time
        (120_000, None, 120),  # elapsed unknown: the estimate, up to 15 min
        (10_000_000, None, polling.TRUSTED_WAIT_SECONDS),
    ],
)
def test_next_wait_follows_the_fresh_estimate_within_bounds(estimate_ms, elapsed, expected):
    assert polling.next_wait(2, estimate_ms, elapsed) == expected


@pytest.mark.parametrize("estimate_ms", [None, 0, NEGATIVE, 10**9])
def test_next_wait_without_an_estimate_doubles_the_elapsed_time(estimate_ms):
    assert polling.next_wait(1, estimate_ms, 10) == 10
    assert polling.next_wait(3, estimate_ms, 300.2) == 301
    assert polling.next_wait(9, estimate_ms, 20_000) == polling.MAX_WAIT_SECONDS


def test_next_wait_without_estimate_nor_elapsed_grows_per_check():
    waits = [polling.next_wait(attempt, None, None) for attempt in range(1, 14)]
    assert waits[:4] == [10, 20, 40, 80]
    assert waits == sorted(waits)
    assert max(waits) == polling.MAX_WAIT_SECONDS


def test_after_the_trusted_checks_no_wait_is_shorter_than_the_elapsed_time():
    assert polling.next_wait(polling.TRUSTED_CHECKS, 1_000, 500) == 50
    assert polling.next_wait(polling.TRUSTED_CHECKS + 1, 1_000, 500) == 500


def test_every_wait_is_whole_seconds_within_bounds():
    for attempt in (1, 2, 5, 20, 21, 40):
        for estimate_ms in (None, NEGATIVE, 0, 1, 999, 30_000, 3_600_000, 10**8, 10**12):
            for elapsed in (None, -5.0, 0.0, 0.3, 10, 299.5, 3600, 86_400, 10**7):
                wait = polling.next_wait(attempt, estimate_ms, elapsed)
                assert isinstance(wait, int)
                assert polling.MIN_WAIT_SECONDS <= wait <= polling.MAX_WAIT_SECONDS


# --- the goals, on a simulated report (pure: no clock, no HTTP; bench/polling.py measures the real thing) ----


def simulate(seconds, generate_ms, info_ms):
    """Checks and detection delay for a report ready ``seconds`` after it was requested, polled as the state
    machine does; ``info_ms(elapsed)`` is reports/info's estimate while the report is unfinished."""
    elapsed = polling.first_wait(generate_ms)
    for attempt in range(1, MAX_STATUS_CHECKS + 1):
        if elapsed >= seconds:
            return attempt, elapsed - seconds
        elapsed += polling.next_wait(attempt, info_ms(elapsed), elapsed)
    raise AssertionError(f"a {seconds} s report is not seen after {MAX_STATUS_CHECKS} checks")


def time_left(seconds):
    return lambda elapsed: round((seconds - elapsed) * 1000)


SCENARIOS = {
    "right": lambda t: round(t * 1000),
    "3x too low": lambda t: round(t * 1000 / 3),
    "missing": lambda t: None,
    "negative": lambda t: NEGATIVE,
}


@pytest.mark.parametrize("seconds", [10, 37, 60, 250, 600, 1234, 3600, 5000])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_calls_and_delay_meet_the_goals_with_the_time_left_from_reports_info(seconds, scenario):
    generate_ms = SCENARIOS[scenario](seconds)
    calls, delay = simulate(seconds, generate_ms, time_left(seconds))
    estimate = generate_ms / 1000 if generate_ms and generate_ms > 0 else polling.DEFAULT_FIRST_WAIT_SECONDS
    assert calls <= 3 + math.log2(seconds / estimate)
    assert delay <= max(10, 0.1 * seconds)


def test_an_hour_takes_50_times_fewer_calls_than_polling_every_3_seconds():
    fixed = math.ceil(3600 / 3)
    for make in SCENARIOS.values():
        calls, _ = simulate(3600, make(3600), time_left(3600))
        assert calls * 50 <= fixed
    blind, _ = simulate(3600, None, lambda elapsed: None)
    assert blind * 50 <= fixed


@pytest.mark.parametrize("seconds", [10, 60, 600, 3600, 7000])
def test_blind_polling_keeps_the_call_budget(seconds):  # up to ~2 h; then waits stop growing at 1 h
    calls, delay = simulate(seconds, None, lambda elapsed: None)
    assert calls <= 3 + math.log2(seconds / polling.DEFAULT_FIRST_WAIT_SECONDS)
    assert delay <= seconds  # the price of no estimate: up to one elapsed time


@pytest.mark.parametrize("seconds", [60, 600, 3600])
def test_an_estimate_3x_too_low_everywhere_still_meets_the_delay(seconds):
    calls, delay = simulate(seconds, round(seconds * 1000 / 3), lambda elapsed: round((seconds - elapsed) * 1000 / 3))
    assert delay <= max(10, 0.1 * seconds)
    assert calls <= 8  # over the log2 budget: the bias cannot be measured from one check


@pytest.mark.parametrize("estimate_ms", [1, 30_000, None])
def test_max_status_checks_cover_at_least_16_hours(estimate_ms):
    elapsed = polling.first_wait(estimate_ms)
    for attempt in range(1, MAX_STATUS_CHECKS):
        elapsed += polling.next_wait(attempt, estimate_ms, elapsed)
    assert elapsed >= 16 * 3600  # a stale estimate cannot exhaust the checks early
    assert polling.next_wait(1, 30_000, None) == 30  # (elapsed unknown: see below)
    elapsed = polling.first_wait(estimate_ms)
    for attempt in range(1, MAX_STATUS_CHECKS):
        elapsed += polling.next_wait(attempt, estimate_ms, None)
    assert elapsed >= 16 * 3600


# --- elapsed time ---------------------------------------------------------------------------------------

NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def test_elapsed_since():
    assert polling.elapsed_since(NOW - timedelta(seconds=90), NOW) == 90
    assert polling.elapsed_since(NOW.astimezone(timezone(timedelta(hours=3))) - timedelta(minutes=2), NOW) == 120
    assert polling.elapsed_since(None, NOW) is None
    assert polling.elapsed_since(NOW.replace(tzinfo=None), NOW) is None  # naive: unknown zone
    assert polling.elapsed_since(NOW + timedelta(seconds=5), NOW) is None  # clocks disagree
    assert 0 <= polling.elapsed_since(datetime.now(UTC)) < 5


def _report(requested_at):
    return ReportRef(report_id="r1", wait_seconds=10, requested_at=requested_at)


def _info(requested_at):
    return ReportInfo(status="PROCESSING", generation_requested_at=requested_at)


def test_elapsed_uses_our_clock_then_yandexs():
    ours, yandex = NOW - timedelta(seconds=60), NOW - timedelta(seconds=75)
    assert polling.elapsed(_report(ours), _info(yandex), NOW) == 60
    assert polling.elapsed(_report(None), _info(yandex), NOW) == 75  # a report id reused from an earlier Generate
