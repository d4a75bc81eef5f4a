"""The close on packs rendered from one synthetic truth (local/emulator/truth.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from closing_docs.close import CloseInput, ReportFile, run
from closing_docs.domain.months import Month
from local.emulator.truth import Truth, TruthFile

SMALL = Truth(orders=40)


@dataclass
class Closed:
    truth: Truth
    checks: dict[str, Any]
    out: Path

    def check(self, check_id: str) -> dict[str, Any]:
        return next(c for c in self.checks["checks"] if c["id"] == check_id)

    def statuses(self) -> dict[str, str]:
        return {c["id"]: c["status"] for c in self.checks["checks"]}


def report_files(truth: Truth, directory: Path) -> list[ReportFile]:
    return [
        ReportFile.from_path(f.kind, path, campaign_id=f.campaign_id, contract_type=f.contract_type)
        for f, path in truth.write_pack(directory)
    ]


def close_of(
    truth: Truth,
    directory: Path,
    language: str = "ru",
    change: Callable[[list[ReportFile]], list[ReportFile]] | None = None,
) -> Closed:
    reports = report_files(truth, directory / "in")
    if change is not None:
        reports = change(reports)
    close_input = CloseInput("main", truth.business_id, Month.parse(truth.month), reports)
    result = run(close_input, directory / "out", language)
    return Closed(truth, result.checks, directory / "out")


@pytest.fixture
def close(tmp_path: Path) -> Callable[..., Closed]:
    def make(truth: Truth = SMALL, **kwargs: Any) -> Closed:
        return close_of(truth, tmp_path, **kwargs)

    return make


__all__ = ["SMALL", "Closed", "TruthFile", "close_of", "report_files"]
