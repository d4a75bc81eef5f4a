"""The local runner's contract for the month's close (issue 20), driven exactly as documented: a subprocess against
a Market-compatible server started apart (the emulator, which serves the table reports of one synthetic truth)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.emulator import MarketEmulator
from tests.conftest import TIME_SCALE

ROOT = Path(__file__).resolve().parents[2]
PACK = (
    "closure-documents",
    "closure-documents-detalization",
    "goods-realization",
    "united-marketplace-services",
    "united-netting",
)
CLOSE = "closing-documents/2025-12/default/close/"


@pytest.fixture
def market(token: str):
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=60.0)
    emulator.add_business(name="shop", token=token, business_id=5001, campaign_ids=[1001, 1002])
    with emulator:
        yield emulator


def run(market: MarketEmulator, token: str, out: Path, *extra: str) -> dict:
    reports = [arg for kind in PACK for arg in ("--report", kind)]
    command = [sys.executable, "-m", "local.run", "--api-url", market.base_url, "--api-key", token]
    command += ["--campaign-id", "1001", "--campaign-id", "1002", "--month", "2025-12", *reports, *extra]
    command += ["--out", str(out), "--time-scale", str(TIME_SCALE), "--json"]
    done = subprocess.run(command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert token not in done.stdout and token not in done.stderr
    return json.loads(done.stdout)


def test_the_close_runs_its_objects_are_archived_and_copied_out_and_announced(market, token, tmp_path: Path):
    result = run(market, token, tmp_path)

    assert result["status"] == "SUCCEEDED"
    close = {a["key"]: a for a in result["archives"] if a["key"].startswith(CLOSE)}
    assert set(close) == {
        CLOSE + name
        for name in (
            "checks.json",
            "close.xlsx",
            "ledger.csv",
            "1c/sales-returns.xlsx",
            "1c/services.xlsx",
            "payment-orders.csv",
            "close.manifest.json",
        )
    }
    for key, archived in close.items():
        assert (tmp_path / key).stat().st_size == archived["size"]
    assert json.loads((tmp_path / CLOSE / "checks.json").read_text())["status"] == "OK"
    (notice,) = [n for n in result["notifications"] if n["attributes"]["status"].startswith("CLOSE_")]
    assert notice["attributes"]["status"] == "CLOSE_OK"
    assert json.loads(notice["message"])["closeUri"].endswith(CLOSE + "close.xlsx")
    # ReportFormat FILE (the default): the XLSX of the pack and, beside it, the CSV twin the close read
    keys = {a["key"] for a in result["archives"]}
    assert "closing-documents/2025-12/default/united-netting_5001_2025-12.xlsx" in keys
    assert "closing-documents/2025-12/default/united-netting_5001_2025-12.csv.zip" in keys


def test_no_close_turns_it_off(market, token, tmp_path: Path):
    result = run(market, token, tmp_path, "--report-format", "CSV", "--no-close")

    assert result["status"] == "SUCCEEDED"
    assert not [a for a in result["archives"] if "/close/" in a["key"]]
    assert not [n for n in result["notifications"] if n["attributes"]["status"].startswith("CLOSE_")]
    assert market.count("united-netting") == 1
