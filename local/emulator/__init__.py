"""Offline emulator of the Yandex Market Partner API (closing documents and the table reports).

See :mod:`local.emulator.server` for the behaviour, :mod:`local.emulator.documents` for the closing-documents
archives, :mod:`local.emulator.sheets` and :mod:`local.emulator.tables` for the table reports' files.
"""

from local.emulator.server import (
    CLOSURE_DOCUMENTS,
    FAULT_KINDS,
    OPS,
    OUTCOMES,
    RATE_LIMITS,
    TABLE_KINDS,
    THROTTLES,
    WRONG_CAMPAIGN,
    Call,
    Fault,
    MarketEmulator,
    ReportState,
    TableKind,
)
from local.emulator.tables import FORMATS

__all__ = [
    "CLOSURE_DOCUMENTS",
    "FAULT_KINDS",
    "FORMATS",
    "OPS",
    "OUTCOMES",
    "RATE_LIMITS",
    "TABLE_KINDS",
    "THROTTLES",
    "WRONG_CAMPAIGN",
    "Call",
    "Fault",
    "MarketEmulator",
    "ReportState",
    "TableKind",
]
