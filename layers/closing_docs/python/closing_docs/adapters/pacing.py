"""Keeping under Yandex's per-resource limits by design: each business waits for a kind's window before it asks.

Every generate answer carries ``X-RateLimit-Resource-Limit/-Remaining/-Until`` for its endpoint. When it says no
request is left in the window, the time the window opens again is kept in the lock table (item
``pace#<business>#<kind>``); the next Generate of that business and kind finds it and returns PACED with the
seconds to wait, and the state machine waits in a Wait state (free in a Standard workflow) instead of collecting a
420. The numbers come from the headers, never from this code: Yandex has changed them before.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from closing_docs.adapters.market import RateWindow

LEASE_SECONDS = 86400  # a window item outlives any window Yandex has announced


def clock() -> float:
    """Now, in seconds (the local harness runs it at its time scale, like every Wait)."""
    return time.time()


def _key(business: str, kind: str) -> str:
    return f"pace#{business}#{kind}"


class Pacing:
    """The windows, in the lock table."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def wait_seconds(self, business: str, kind: str) -> float:
        """Seconds until ``business`` may generate a ``kind`` report again (0: now)."""
        item = self.table.get_item(Key={"pk": _key(business, kind)}, ConsistentRead=True).get("Item")
        not_before = float(item["notBefore"]) if item else 0.0
        return max(0.0, not_before - clock())

    def record(self, business: str, kind: str, window: RateWindow | None) -> None:
        """Remember the window a generate answer reported: closed until its reset when nothing is left in it."""
        if window is None or window.remaining > 0 or not window.reset_seconds:
            return
        now = clock()
        self.table.put_item(
            Item={
                "pk": _key(business, kind),
                "notBefore": Decimal(str(round(now + window.reset_seconds, 3))),
                "limit": window.limit,
                "expiresAt": int(now) + LEASE_SECONDS,
            }
        )
