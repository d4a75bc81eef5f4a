"""The archive's index after real runs: the state machine on embedded AWS (a failed run, then a re-run of one
business), and the local runner's --out folder opened in headless Chromium."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from closing_docs.domain.months import Month
from local.emulator import MarketEmulator
from tests.browser import chromium
from tests.conftest import TIME_SCALE, aws_maker

MONTH = "2025-12"
KINDS = ["closure-documents", "united-netting"]
TOKENS = {"north": "index-token-north", "south": "index-token-south"}
SHOPS = {"north": [1001, 1002], "south": [2001]}
BUSINESS_IDS = {"north": 5001, "south": 5002}


def months_in_range() -> int:
    """From MONTH to the last finished month (today's clock: the index runs to it)."""
    last = max(Month.previous_to(datetime.now(UTC)), Month.parse(MONTH))
    first = Month.parse(MONTH)
    return (last.year - first.year) * 12 + last.month - first.month + 1


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def unit_of(item: dict) -> tuple[str, str, str, str]:
    """(kind, campaign id, business id, contract types) of a CSV row or a pack.json entry, as text."""

    def text(value: object) -> str:
        return "" if value in (None, "") else str(value)

    types = item.get("contractTypes") or ""
    types = ",".join(types) if isinstance(types, list) else types
    scope = item.get("campaignId") if item["kind"] == "closure-documents" else None
    business_id = item.get("businessId") if item["kind"] != "closure-documents" else None
    return (item["kind"], text(scope), text(business_id), types)


@pytest.fixture
def market():
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=60.0, estimate_ms=60_000)
    for name, token in TOKENS.items():
        emulator.add_business(name=name, token=token, business_id=BUSINESS_IDS[name], campaign_ids=SHOPS[name])
    emulator.set_outcome(1002, "NO_DATA")
    emulator.set_outcome(5002, "FAILED", kind="united-netting")
    with emulator:
        yield emulator


def test_every_run_rewrites_the_index_of_each_business_it_touched(market: MarketEmulator):
    with aws_maker(market, json.dumps(TOKENS), NoticeMode="SUMMARY") as make:
        aws = make()
        execution = aws.run({"month": MONTH, "reports": KINDS}, timeout=300)
        assert execution.status == "FAILED" and execution.error == "CampaignsFailed"  # and the index is there anyway
        objects = aws.objects()
        statuses: dict[str, dict[tuple[str, str, str, str], dict[str, str]]] = {}
        for business in TOKENS:
            page, table = (f"closing-documents/{business}/index.{ext}" for ext in ("html", "csv"))
            assert page in objects and table in objects, business
            rows = csv_rows(objects[table])
            entries = json.loads(objects[f"closing-documents/{MONTH}/{business}/pack.json"])["entries"]
            run = [r for r in rows if r["month"] == MONTH]
            # one row per unit of the run, with the status its pack.json entry has
            assert sorted(unit_of(r) for r in run) == sorted(unit_of(e) for e in entries)
            assert {unit_of(r): r["status"] for r in run} == {unit_of(e): e["status"] for e in entries}
            later = [r for r in rows if r["month"] != MONTH]
            assert {r["status"] for r in later} <= {"MISSING"}
            assert len(later) == len(entries) * (months_in_range() - 1)  # each unit, every later finished month
            for row in run:
                if row["status"] == "ARCHIVED":
                    body = objects[row["key"]]
                    assert row["sha256"] == hashlib.sha256(body).hexdigest() and int(row["sizeBytes"]) == len(body)
                    assert row["reportId"] in market.reports
            dom = chromium.Dom(objects[page].decode("utf-8"))  # the same units, without a browser here
            assert sorted((u["month"], u["kind"], u["status"]) for u in dom.units) == sorted(
                (r["month"], r["kind"], r["status"]) for r in rows
            )
            statuses[business] = {unit_of(r): r for r in run}
        assert {u: r["status"] for u, r in statuses["north"].items()} == {
            ("closure-documents", "1001", "", ""): "ARCHIVED",
            ("closure-documents", "1002", "", ""): "NO_DOCUMENTS",
            ("united-netting", "", "5001", ""): "ARCHIVED",
        }
        south = statuses["south"]
        assert south[("united-netting", "", "5002", "")]["status"] == "FAILED"
        assert south[("united-netting", "", "5002", "")]["error"] == "ReportFailed"
        assert south[("closure-documents", "2001", "", "")]["status"] == "ARCHIVED"

        # the failure is fixed and south runs again: its index is rewritten; north's, untouched by the run, is not
        s3 = aws.client("s3")
        north_version = s3.head_object(Bucket=aws.bucket, Key="closing-documents/north/index.html")["VersionId"]
        market.set_outcome(5002, "DONE", kind="united-netting")
        execution = aws.run({"month": MONTH, "reports": KINDS, "businesses": ["south"]}, timeout=300)
        assert execution.status == "SUCCEEDED", execution.cause
        objects = aws.objects()
        rows = csv_rows(objects["closing-documents/south/index.csv"])
        assert {unit_of(r): r["status"] for r in rows if r["month"] == MONTH} == {
            ("closure-documents", "2001", "", ""): "ARCHIVED",  # ALREADY_ARCHIVED by this run: archived
            ("united-netting", "", "5002", ""): "ARCHIVED",
        }
        assert s3.head_object(Bucket=aws.bucket, Key="closing-documents/north/index.html")["VersionId"] == north_version


def test_the_local_runner_copies_the_index_out_and_it_opens_offline(tmp_path: Path):
    out = tmp_path / "archive"
    result = subprocess.run(
        [sys.executable, "-m", "local.run", "--month", MONTH, "--out", str(out), "--json"],
        cwd=chromium.ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    keys = {archive["key"] for archive in report["archives"]}
    page, table = out / "closing-documents/demo/index.html", out / "closing-documents/demo/index.csv"
    assert {"closing-documents/demo/index.html", "closing-documents/demo/index.csv"} <= keys
    assert page.is_file() and table.is_file()

    zips = sorted(key for key in keys if key.endswith(".zip"))
    rows = [r for r in csv_rows(table.read_bytes()) if r["month"] == MONTH]
    assert sorted(r["key"] for r in rows) == zips and {r["status"] for r in rows} == {"ARCHIVED"}

    dom = chromium.Dom(chromium.dump_dom(page, tmp_path / "profile"))
    shown = sorted((u["month"], u["key"], u["status"]) for u in dom.units if u["month"] == MONTH)
    assert shown == [(MONTH, key, "ARCHIVED") for key in zips]
    assert {u["status"] for u in dom.units if u["month"] != MONTH} <= {"MISSING"}
    for link in dom.links:  # relative, and each leads to a file the runner copied out
        target = urlsplit(urljoin(page.as_uri(), link))
        assert not urlsplit(link).scheme and Path(unquote(target.path)).is_file(), link
    shot = chromium.screenshot(page, tmp_path / "profile-shot", chromium.ARTIFACTS / "index-page-local-run.png")
    assert chromium.png_size(shot) == (1400, 1000)
    print(f"\nthe local run's index page: {shot}")
