"""Offline emulator of the Yandex Market Partner API (closing-documents reports).

See :mod:`local.emulator.server` for the behaviour and :mod:`local.emulator.documents` for the archives.
"""

from local.emulator.server import (
    FAULT_KINDS,
    OPS,
    OUTCOMES,
    RATE_LIMITS,
    THROTTLES,
    WRONG_CAMPAIGN,
    Call,
    Fault,
    MarketEmulator,
    ReportState,
)

__all__ = [
    "FAULT_KINDS",
    "OPS",
    "OUTCOMES",
    "RATE_LIMITS",
    "THROTTLES",
    "WRONG_CAMPAIGN",
    "Call",
    "Fault",
    "MarketEmulator",
    "ReportState",
]
