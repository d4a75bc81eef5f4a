"""How long to wait before asking Yandex about a report (again): few status calls, and the report seen soon
after it is ready.

Yandex returns ``estimatedGenerationTime`` (milliseconds) from generate (the expected generation time) and
from reports/info (read here as the time still left, which is what the emulator sends). The spec puts no
bounds on it (mocks return -9007199254740991), so it is only a hint. The policy, for a report requested
``elapsed`` seconds ago:

1. First wait: generate's estimate; without a usable one, :data:`DEFAULT_FIRST_WAIT_SECONDS`.
2. Next wait: the fresh estimate of the time left, but at most ``max(15 min, elapsed)`` (a too long estimate
   costs one call per doubling of the elapsed time) and at least ``max(10 s, elapsed / 10)`` (a too short or
   stale one costs one call per 10 % more elapsed time, and the report is still seen within 10 %).
3. No usable fresh estimate: wait ``elapsed`` (ask again at twice the elapsed time; 10, 20, 40 ... s when the
   elapsed time is unknown), so calls grow with log2 of the generation time. The price of polling blind: a
   report ready just after a check is seen up to one elapsed time later.
4. After :data:`TRUSTED_CHECKS` checks the estimates have failed: no wait is shorter than ``elapsed``.
5. Every wait is whole seconds (rounded up, never early), 10 s to 1 h. A report that is never ready meets
   ``MaxStatusChecks`` (40) after 16 h or more, whatever the estimates say.

``bench/polling.py`` measures calls and detection delay against the emulator for several generation times
and estimate errors.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from closing_docs.domain.market_api import ReportInfo
    from closing_docs.domain.models import ReportRef

MIN_WAIT_SECONDS = 10  # never ask more often than this
MAX_WAIT_SECONDS = 3600  # longest single wait (a Step Functions Wait could be far longer)
DEFAULT_FIRST_WAIT_SECONDS = 10  # first wait when generate gave no usable estimate
TRUSTED_WAIT_SECONDS = 900  # a fresh estimate up to this long is followed even early on
MIN_WAIT_FRACTION = 0.1  # no wait shorter than this fraction of the elapsed time
TRUSTED_CHECKS = 20  # after this many checks, waits double the elapsed time whatever the estimate says
_ABSURD_MS = 24 * 3600 * 1000  # an estimate over a day is treated as no estimate


def _clamp(seconds: float) -> int:
    return int(min(MAX_WAIT_SECONDS, max(MIN_WAIT_SECONDS, math.ceil(seconds))))


def _estimate_seconds(estimate_ms: int | None) -> float | None:
    if estimate_ms is None or estimate_ms <= 0 or estimate_ms > _ABSURD_MS:
        return None
    return estimate_ms / 1000


def first_wait(estimate_ms: int | None) -> int:
    """Seconds to wait after generate: the API's estimate (10 s to 1 h), else 10 s."""
    estimate = _estimate_seconds(estimate_ms)
    return _clamp(DEFAULT_FIRST_WAIT_SECONDS if estimate is None else estimate)


def next_wait(attempt: int, estimate_ms: int | None, elapsed_seconds: float | None = None) -> int:
    """Seconds to wait after status check number ``attempt`` (1-based) found the report unfinished.

    ``estimate_ms``: reports/info's ``estimatedGenerationTime`` (the time left). ``elapsed_seconds``: time
    since the report was requested (None when unknown: the waits then grow with ``attempt`` alone).
    """
    elapsed = elapsed_seconds if elapsed_seconds is not None and elapsed_seconds > 0 else None
    # Blind polling doubles the elapsed time; without it, the wait doubles per check (10, 20, 40 ... s).
    doubling = elapsed if elapsed is not None else MIN_WAIT_SECONDS * 2.0 ** max(0, min(attempt - 1, 16))
    estimate = _estimate_seconds(estimate_ms)
    if estimate is None or attempt > TRUSTED_CHECKS:
        return _clamp(max(doubling, estimate or 0))
    longest = max(TRUSTED_WAIT_SECONDS, elapsed or 0)
    shortest = MIN_WAIT_FRACTION * (elapsed or 0)
    return _clamp(max(shortest, min(longest, estimate)))


def elapsed(report: ReportRef, info: ReportInfo, now: datetime | None = None) -> float | None:
    """Seconds the report has been generating: by Yandex's clock when the answer carried one (its ``Date``
    minus ``generationRequestedAt``: one clock, no skew), else by ours since Generate asked
    (``ReportRef.requested_at``, or ``generationRequestedAt`` for a report id reused from an earlier Generate)."""
    by_yandex = elapsed_since(info.generation_requested_at, info.answered_at) if info.answered_at else None
    if now is None and by_yandex is not None:
        return by_yandex
    return elapsed_since(report.requested_at or info.generation_requested_at, now)


def elapsed_since(requested_at: datetime | None, now: datetime | None = None) -> float | None:
    """Seconds from ``requested_at`` to ``now`` (default: the current time); None when either is unknown or naive
    (a remote clock without its time zone: never a TypeError), or ``requested_at`` is in the future (clocks that
    disagree)."""
    now = datetime.now(UTC) if now is None else now
    if requested_at is None or requested_at.utcoffset() is None or now.utcoffset() is None:
        return None
    seconds = (now - requested_at).total_seconds()
    return seconds if seconds >= 0 else None
