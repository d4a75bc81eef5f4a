"""The month's close (issue 20): read a business-month's archived table reports (their CSV form), cross-check them,
and write ``checks.json``, ``close.xlsx``, ``ledger.csv``, the two 1C tables and ``payment-orders.csv``.

The engine (every module here but ``pipeline``) is pure and AWS-free: the caller opens the files and gives a sink.
``pipeline`` is the close's side of the archive: what it reads, when it runs again, what it stores and announces.

    from closing_docs.close import CloseInput, ReportFile, run, render_notice
    result = run(CloseInput("main", 5001, Month(2026, 1), [ReportFile.from_path("united-netting", path), ...]), out_dir)
    notice = render_notice(result.checks, "ru")

The names are loaded on first use, so that whoever imports only ``pipeline`` (the index page) skips the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from closing_docs.close.entry import OUTPUTS, run, wanted
    from closing_docs.close.model import CloseInput, CloseResult, ReportFile
    from closing_docs.close.notice import CloseNotice
    from closing_docs.close.notice import render as render_notice

_WHERE = {
    "CloseInput": ("model", "CloseInput"),
    "CloseResult": ("model", "CloseResult"),
    "ReportFile": ("model", "ReportFile"),
    "CloseNotice": ("notice", "CloseNotice"),
    "render_notice": ("notice", "render"),
    "OUTPUTS": ("entry", "OUTPUTS"),
    "run": ("entry", "run"),
    "wanted": ("entry", "wanted"),
}
__all__ = ["OUTPUTS", "CloseInput", "CloseNotice", "CloseResult", "ReportFile", "render_notice", "run", "wanted"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _WHERE[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
