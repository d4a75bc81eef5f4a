"""Every sample start input (events/start-*.json) runs as it is through the local runner (--event FILE), and each
other system runs on its own emulator with no --api-url (--source X), as a newcomer tries them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "events").glob("start-*.json"))
SOURCE_KINDS = {"activeplatform", "ofd-sales", "direct-invoice"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MARKET_API_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "local.run", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_there_are_samples():
    assert len(SAMPLES) >= 10 and any(p.name.startswith("start-invalid") for p in SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_each_sample_runs_as_it_is(sample: Path, tmp_path: Path):
    result = run("--event", str(sample), "--json", "--out", str(tmp_path))
    report = json.loads(result.stdout)
    start = json.loads(sample.read_text())

    if sample.name.startswith("start-invalid"):  # meant to be refused: exit 2, saying which field and why
        assert result.returncode == 2, result.stderr
        assert report["status"] == "FAILED" and report["error"] == "InvalidInput"
        wrong = {
            "start-invalid.json": ("month", "campaignIds", "contractTypes"),
            "start-invalid-report.json": ("reports",),
        }
        for field in wrong.get(sample.name) or tuple(start):
            assert f"{field}:" in report["cause"]
        assert report["archives"] == []
        return

    assert result.returncode == 0, result.stderr + json.dumps(report, ensure_ascii=False)[:3000]
    assert report["status"] == "SUCCEEDED"
    notices = [json.loads(n["message"]) for n in report["notifications"]]
    archived = {n.get("kind") for n in notices if n.get("status") == "ARCHIVED"}
    # every kind the sample asks for is archived: a source's on its emulator, the Market's on the Market emulator
    assert set(start.get("reports") or ["closure-documents"]) <= archived
    for business in start.get("businesses", []):  # e.g. start-business.json's "main": the emulator has it
        assert {n.get("business") for n in notices if n.get("kind") == "closure-documents"} == {business}
    for campaign in start.get("campaignIds", []):
        assert any(n.get("campaignId") == campaign for n in notices)
    assert report["index"] and all(Path(page).is_file() for page in report["index"])


@pytest.mark.parametrize(
    ("source", "kind", "label"),
    [
        ("activeplatform", "activeplatform", "ActivePlatform API"),
        ("ofd", "ofd-sales", "Yandex OFD API"),
        ("direct-invoice", "direct-invoice", "Yandex Direct API"),
    ],
)
def test_a_source_without_api_url_runs_on_its_emulator(source: str, kind: str, label: str, tmp_path: Path):
    state = tmp_path / "direct-state.json"  # a Direct emulator's numbers stay out of ~/.local/state
    month = () if source == "direct-invoice" else ("--month", "2025-12")  # an invoice is for this or the next month
    result = run("--source", source, *month, "--out", str(tmp_path / "out"))

    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "Execution SUCCEEDED"
    assert lines[1].startswith(f"{label}: http://127.0.0.1:") and lines[1].endswith(" (local emulator)")
    assert "Market API" not in result.stdout
    assert f"/{kind}/" in result.stdout and ": ARCHIVED" in result.stdout
    assert not state.exists()


def test_a_source_kind_named_next_to_the_market_starts_its_emulator_too(tmp_path: Path):
    result = run("--month", "2025-12", "--report", "closure-documents", "--report", "ofd-sales", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Market API: http://127.0.0.1:" in result.stdout and "Yandex OFD API: http://127.0.0.1:" in result.stdout
    assert (tmp_path / "closing-documents/ofd/index.html").is_file()


def test_a_source_emulator_started_on_its_own_serves_the_runner(tmp_path: Path):
    """README: `python -m local.sources activeplatform` prints its URL and token; the runner then uses --api-url."""
    server = subprocess.Popen(
        [sys.executable, "-m", "local.sources", "activeplatform"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        started = json.loads(server.stdout.readline())
        (document,) = started["documentKeys"]
        result = run(
            *("--source", "activeplatform", "--api-url", started["url"], "--api-key", started["credentials"]["token"]),
            *("--reseller-id", str(document["resellerId"]), "--account-id", str(document["accountId"])),
            *("--document-key", document["key"], "--json", "--out", str(tmp_path)),
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr + result.stdout
    assert [n["attributes"]["status"] for n in json.loads(result.stdout)["notifications"]] == ["ARCHIVED"]
