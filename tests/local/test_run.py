"""The local runner end to end, as a user runs it: a subprocess, its stdout, its exit status."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.emulator import Fault, MarketEmulator
from tests.conftest import TIME_SCALE

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.run", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_default_run_archives_on_the_emulator_and_copies_out(tmp_path: Path):
    result = run("--month", "2025-12", "--json", "--out", str(tmp_path))

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "SUCCEEDED"
    zips = [a for a in report["archives"] if a["key"].endswith(".zip")]
    assert len(zips) == 2 and len(report["archives"]) == 4
    for archive in report["archives"]:
        assert (tmp_path / archive["key"]).stat().st_size == archive["size"]
    assert sorted(n["attributes"]["status"] for n in report["notifications"]) == ["ARCHIVED", "ARCHIVED", "RUN_SUMMARY"]
    assert report["output"]["counts"]["ARCHIVED"] == 2  # the demo business's shops, found by GET /v2/campaigns


def test_backfill_over_several_emulated_businesses(tmp_path: Path):
    result = run("--businesses", "2", "--shops", "2", "--months", "2025-10..2025-11", "--notice-mode", "SUMMARY")

    assert result.returncode == 0, result.stderr
    assert "business-1: 4 archived" in result.stdout and "business-2: 4 archived" in result.stdout
    assert result.stdout.count("s3://") == 16 and result.stdout.count("Closing documents run summary: OK") == 1


@pytest.fixture
def market(token: str):
    """Any Market-compatible server, started apart from the runner."""
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=60.0)
    emulator.add_business(name="other", token=token, business_id=7, campaign_ids=[2001, 2002, 2003])
    emulator.set_outcome(2002, "NO_DATA")
    emulator.set_outcome(2003, "FAILED")
    with emulator:
        yield emulator


@pytest.mark.parametrize(
    ("campaign", "exit_code", "status"), [("2001", 0, "ARCHIVED"), ("2002", 0, "NO_DOCUMENTS"), ("2003", 1, "FAILED")]
)
def test_api_url_points_the_runner_at_another_server(market, token, campaign, exit_code, status):
    result = run(
        "--api-url",
        market.base_url,
        "--campaign-id",
        campaign,
        "--month",
        "2025-11",
        "--time-scale",
        str(TIME_SCALE),
        "--json",
        env={"MARKET_API_KEY": token},
    )

    assert result.returncode == exit_code, result.stderr
    report = json.loads(result.stdout)
    (notice, summary) = report["notifications"]
    assert notice["attributes"] == {"status": status, "business": "default", "campaignId": campaign, "month": "2025-11"}
    assert summary["attributes"] == {"status": "RUN_SUMMARY", "outcome": "FAILED" if exit_code else "OK"}
    # ARCHIVED: the ZIP and its manifest; NO_DOCUMENTS: the no-documents marker the audit reads; FAILED: nothing
    assert len(report["archives"]) == {"ARCHIVED": 2, "NO_DOCUMENTS": 1, "FAILED": 0}[status]
    assert market.count("generate") == 1
    for text in (result.stdout, result.stderr):
        assert token not in text and "signature=" not in text


def test_invalid_values_are_the_state_machines_to_reject(market, token):
    result = run(
        "--api-url",
        market.base_url,
        "--campaign-id",
        "0",
        "--campaign-id",
        "abc",
        "--month",
        "2025-13",
        env={"MARKET_API_KEY": token},
    )

    assert result.returncode == 1
    assert result.stdout.startswith("Execution FAILED: InvalidInput")
    assert "campaignIds:" in result.stdout and "month:" in result.stdout
    assert market.calls == []


@pytest.mark.parametrize(
    "args",
    [["--time-scale", "0"], ["--time-scale", "fast"], ["--month"], ["--api-url", "http://127.0.0.1:9"], ["--bogus"]],
)
def test_unparseable_arguments_exit_2(args):
    env = {k: v for k, v in os.environ.items() if k != "MARKET_API_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "local.run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "usage:" in result.stderr


def test_no_token_or_signed_link_in_the_functions_logs(market, token, tmp_path: Path):
    market.inject("download", Fault(kind="expired"), Fault(kind="truncate"))
    log = tmp_path / "functions.log"
    result = run(
        "--api-url", market.base_url, "--campaign-id", "2001", "--campaign-id", "2003", "--month", "2025-11",
        "--time-scale", str(TIME_SCALE), "--log", str(log), env={"MARKET_API_KEY": token},
    )  # fmt: skip

    assert result.returncode == 1  # 2003's report FAILED; 2001 was archived after two broken downloads
    logs = log.read_text()
    assert market.count("download") == 3 and logs.count('"download_host":"127.0.0.1"') == 3
    assert "ReportFailed" in result.stdout and "ARCHIVED" in result.stdout
    for text in (logs, result.stdout, result.stderr):
        assert token not in text
        assert "signature=" not in text and "/files/" not in text
