"""The month's close (issue 20): read a business-month's archived table reports (their CSV form), cross-check them,
and write ``checks.json``, ``close.xlsx``, ``ledger.csv``, the two 1C tables and ``payment-orders.csv``.

Pure and AWS-free: the caller opens the files and gives a sink; nothing here imports a step or an AWS adapter.

    from closing_docs.close import CloseInput, ReportFile, run, render_notice
    result = run(CloseInput("main", 5001, Month(2026, 1), [ReportFile.from_path("united-netting", path), ...]), out_dir)
    notice = render_notice(result.checks, "ru")
"""

from __future__ import annotations

from closing_docs.close.model import CloseInput, CloseResult, ReportFile
from closing_docs.close.notice import CloseNotice
from closing_docs.close.notice import render as render_notice
from closing_docs.close.run import OUTPUTS, run, wanted

__all__ = ["OUTPUTS", "CloseInput", "CloseNotice", "CloseResult", "ReportFile", "render_notice", "run", "wanted"]
