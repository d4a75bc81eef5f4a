"""How long to wait before asking Yandex about a report again.

Yandex returns ``estimatedGenerationTime`` (milliseconds) from generate and from reports/info. The spec
puts no bounds on it (mocks return -9007199254740991), so every value is clamped; a missing or
nonsensical estimate falls back to a growing interval.
"""

from __future__ import annotations

MIN_WAIT_SECONDS = 10
MAX_WAIT_SECONDS = 900
DEFAULT_FIRST_WAIT_SECONDS = 30
_ABSURD_MS = 24 * 3600 * 1000  # an estimate over a day is treated as no estimate


def _clamp(seconds: float) -> int:
    return int(min(MAX_WAIT_SECONDS, max(MIN_WAIT_SECONDS, round(seconds))))


def _estimate_seconds(estimate_ms: int | None) -> float | None:
    if estimate_ms is None or estimate_ms <= 0 or estimate_ms > _ABSURD_MS:
        return None
    return estimate_ms / 1000


def first_wait(estimate_ms: int | None) -> int:
    """Seconds to wait after generate: the API's estimate, clamped to [10 s, 15 min]."""
    estimate = _estimate_seconds(estimate_ms)
    return _clamp(DEFAULT_FIRST_WAIT_SECONDS if estimate is None else estimate)


def next_wait(attempt: int, estimate_ms: int | None) -> int:
    """Seconds to wait after status check number ``attempt`` (1-based) found the report unfinished.

    The interval grows (10, 20, 40, ... s, at most 15 min) so a slow report costs few calls; a fresh
    estimate of the remaining time from reports/info is used when it is longer.
    """
    growing = MIN_WAIT_SECONDS * 2 ** max(0, min(attempt - 1, 16))
    estimate = _estimate_seconds(estimate_ms)
    return _clamp(max(growing, estimate or 0))
