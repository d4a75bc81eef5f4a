"""The local runner end to end, as a user runs it: a subprocess, its stdout, its exit status."""

import hashlib
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
    # 2 ZIPs, 2 manifests, the month's pack.json, the business's index.html and index.csv
    assert len(zips) == 2 and len(report["archives"]) == 7
    for archive in report["archives"]:
        assert (tmp_path / archive["key"]).stat().st_size == archive["size"]
    assert sorted(n["attributes"]["status"] for n in report["notifications"]) == ["ARCHIVED", "ARCHIVED", "RUN_SUMMARY"]
    assert report["output"]["counts"]["ARCHIVED"] == 2  # the demo business's shops, found by GET /v2/campaigns


def test_backfill_over_several_emulated_businesses(tmp_path: Path):
    result = run("--businesses", "2", "--shops", "2", "--months", "2025-10..2025-11", "--notice-mode", "SUMMARY")

    assert result.returncode == 0, result.stderr
    # the stack's default language: Russian (NoticeLanguage ru)
    assert "business-1: в архиве: 4" in result.stdout and "business-2: в архиве: 4" in result.stdout
    # 16 ZIPs and manifests, 4 pack.json, each business's index.html and index.csv
    assert result.stdout.count("s3://") == 16 + 4 + 4 and result.stdout.count("Итоги архива документов: OK") == 1


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
    assert notice["attributes"] == {
        "status": status,
        "business": "default",
        "campaignId": campaign,
        "month": "2025-11",
        "kind": "closure-documents",
    }
    assert summary["attributes"] == {"status": "RUN_SUMMARY", "outcome": "FAILED" if exit_code else "OK"}
    # ARCHIVED: the ZIP and its manifest; NO_DOCUMENTS: the no-documents marker the audit reads; FAILED: nothing;
    # and the month's pack.json, which lists it with its status; and the business's index.html and index.csv
    assert len(report["archives"]) == {"ARCHIVED": 2, "NO_DOCUMENTS": 1, "FAILED": 0}[status] + 3
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

    assert result.returncode == 2  # refused before anything ran
    assert result.stdout.startswith("Execution FAILED: InvalidInput")
    assert "campaignIds:" in result.stdout and "month:" in result.stdout
    assert "refused before anything ran (exit status 2)" in result.stdout
    assert market.calls == []


@pytest.mark.parametrize(
    "args",
    [
        ["--month", "2025-13"],
        ["--month", "2099-01"],
        ["--campaign-id", "0"],
        ["--contract-type", "FOO"],
        ["--months", "2025-06..2025-01"],
        ["--business", ""],
    ],
)
def test_any_input_refused_before_anything_ran_exits_2(args, tmp_path: Path):
    """README: 2 for any input refused before anything ran, 1 for a run with failures."""
    result = run(*args, "--json", "--out", str(tmp_path))
    assert result.returncode == 2, result.stdout
    report = json.loads(result.stdout)
    assert report["error"] == "InvalidInput" and report["cause"] and report["archives"] == []
    # the progress line does not promise a retry: InvalidInput is never retried
    failures = [line for line in result.stderr.splitlines() if line.startswith("a step failed")]
    assert failures and all(line.startswith("a step failed (never retried): InvalidInput: ") for line in failures)
    assert "retries" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--time-scale", "0"],
        ["--time-scale", "fast"],
        ["--month"],
        ["--api-url", "http://127.0.0.1:9"],
        ["--bogus"],
        ["--language", "de"],
        ["--event", "events/no-such-file.json"],
        ["--event", "README.md"],
        ["--event", "events/start-month.json", "--month", "2025-11"],
        ["--report", "acts"],
    ],
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


PACK = (
    "closure-documents",
    "closure-documents-detalization",
    "goods-realization",
    "united-marketplace-services",
    "united-netting",
)


def test_the_pack_through_the_runner_lists_every_served_file_once(market, token, tmp_path: Path):
    reports = [arg for kind in PACK for arg in ("--report", kind)]
    result = run(
        *("--api-url", market.base_url, "--api-key", token, "--campaign-id", "2001", "--month", "2025-11"),
        *reports,
        *("--contract-type", "INCOME", "--out", str(tmp_path), "--time-scale", str(TIME_SCALE), "--json"),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    report = json.loads(result.stdout)
    by_sha = {a["sha256"]: a for a in report["archives"]}
    served = {rid: market.report_bytes(rid) for rid, r in market.reports.items()}
    # one per kind: the ZIP, one detalization (INCOME), realization, services, payments; and the CSV twin of each
    # of the four table reports, which the month's close reads (the deployment archives XLSX)
    assert len(served) == 9
    for body in served.values():
        archived = by_sha[hashlib.sha256(body).hexdigest()]  # each served file, with its exact sha256
        assert archived["size"] == len(body) and (tmp_path / archived["key"]).read_bytes() == body
    files = [a for a in report["archives"] if a["key"].endswith((".zip", ".xlsx")) and "/close/" not in a["key"]]
    assert len(files) == 9 and len({a["key"] for a in files}) == 9
    assert any(a["key"].endswith("/close/checks.json") for a in report["archives"]), "the month's close ran"
    (pack,) = [a for a in report["archives"] if a["key"].endswith("/pack.json")]
    entries = json.loads((tmp_path / pack["key"]).read_text())["entries"]
    assert sorted(e["kind"] for e in entries) == sorted(PACK)
    assert {e["status"] for e in entries} == {"ARCHIVED"}


def test_a_kind_that_fails_makes_the_exit_1_and_the_others_are_archived(market, token):
    market.inject("united-netting", Fault(status=403, message="Access denied"))
    result = run(
        *("--api-url", market.base_url, "--api-key", token, "--campaign-id", "2001", "--month", "2025-11"),
        *("--report", "goods-realization", "--report", "united-netting", "--time-scale", str(TIME_SCALE), "--json"),
        "--no-close",  # no CSV twins: the one 403 is the report's own
    )
    assert result.returncode == 1, result.stderr
    statuses = {
        json.loads(n["message"]).get("kind"): n["attributes"]["status"]
        for n in json.loads(result.stdout)["notifications"]
    }
    assert statuses["goods-realization"] == "ARCHIVED" and statuses["united-netting"] == "FAILED"


def test_an_unknown_kind_is_refused_before_any_market_call(market, token):
    result = run("--api-url", market.base_url, "--api-key", token, "--report", "acts", "--json")
    assert result.returncode != 0 and market.calls == []
    assert "--report" in result.stderr and "reports" in result.stderr
    assert all(kind in result.stderr for kind in PACK)


def test_progress_goes_to_stderr_and_json_stays_clean(tmp_path: Path):
    result = run("--month", "2025-12", "--json", "--time-scale", str(TIME_SCALE), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout)  # nothing but the JSON on stdout
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Function logs: /") and lines[-3] == "2 of 2 done | ARCHIVED 2"
    assert lines[-2].startswith(f"Archive kept in {tmp_path.resolve()}/") and lines[-1].startswith("Index page")


def test_an_unreachable_api_is_said_at_the_first_failure_with_every_retry():
    result = run(*("--api-url", "http://127.0.0.1:9", "--api-key", "k", "--campaign-id", "1", "--month", "2025-11"),
                 *("--time-scale", "0.005", "--json"))  # fmt: skip
    assert result.returncode == 1
    failures = [line for line in result.stderr.splitlines() if line.startswith("a step failed")]
    said = "API Яндекс Маркета не ответил"  # the stack's default: ru
    assert len(failures) == 6 and all("MarketUnavailable: " in line and said in line for line in failures)
    assert all(line.startswith("a step failed (the state machine retries it") for line in failures)


def test_language_en_gives_english_notices_and_pages(tmp_path: Path):
    result = run("--month", "2025-12", "--language", "en", "--json", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    subjects = sorted(n["subject"] for n in report["notifications"])
    assert subjects[0].startswith("Closing documents 2025-12") and "Closing documents run summary: OK" in subjects
    page = Path(report["index"][0]).read_text()
    assert 'lang="en"' in page or "Closing documents" in page
    assert "Закрывающие" not in page


def test_the_summary_says_where_the_archive_and_its_index_are(tmp_path: Path):
    result = run("--month", "2025-12", "--out", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    assert f"Archive kept in {tmp_path.resolve()}/" in result.stdout
    assert f"Index page (open it in a browser): {tmp_path.resolve()}/closing-documents/demo/index.html" in result.stdout
    # and --json says it on stderr (stdout holds the JSON), and in the JSON ("out", "index")
    quiet = run("--month", "2025-12", "--out", str(tmp_path), "--json")
    assert f"Index page (open it in a browser): {tmp_path.resolve()}/closing-documents/demo/index.html" in quiet.stderr
    report = json.loads(quiet.stdout)
    assert report["out"] == str(tmp_path.resolve()) and set(report) >= {"status", "error", "cause", "index"}
