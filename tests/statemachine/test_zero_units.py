"""A business whose plan has no units (GET /v2/campaigns lists no usable shop) gives its inner Distributed Map an empty
item list. AWS's docs do not say what ResultWriter leaves for a Map Run of no items (README, Limits of one execution):
the run summarizes the same whether it is a manifest that lists no result files (what local/aws.py writes) or nothing
at all (local/aws.py patched here to write nothing for such a Map Run)."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

import local.aws
from local.emulator import MarketEmulator
from tests.conftest import TIME_SCALE, aws_maker

TOKENS = {"main": "token-main-7c1e", "idle": "token-idle-93ab"}


def leaving_no_manifest(write: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """_write_results, except that a Map Run of no items leaves nothing in S3 (the state's result is the same)."""

    def write_results(self: Any, env: Any) -> None:
        empty = not env.stack[-1]  # the children's outputs, as _write_results takes them
        write(self, env)
        if empty:
            details = env.stack[-1]["ResultWriterDetails"]
            boto3.client("s3", region_name=local.aws.REGION).delete_object(Bucket=details["Bucket"], Key=details["Key"])

    return write_results


@pytest.fixture
def market() -> Iterator[MarketEmulator]:
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=60.0, estimate_ms=60_000)
    emulator.add_business(name="main", token=TOKENS["main"], business_id=7000, campaign_ids=[1001])
    emulator.add_business(name="idle", token=TOKENS["idle"], business_id=7001, campaign_ids=[])  # no shop to archive
    with emulator:
        yield emulator


@pytest.mark.parametrize("manifest", ["listing-no-files", "none-at-all"])
def test_a_business_with_no_units_is_summarized_whatever_its_map_run_leaves(market, monkeypatch, manifest):
    if manifest == "none-at-all":
        monkeypatch.setattr(local.aws, "_write_results", leaving_no_manifest(local.aws._write_results))
    with aws_maker(market, json.dumps(TOKENS)) as make:
        aws = make()
        execution = aws.run({"month": "2025-12"})
        work = boto3.client("s3", region_name=local.aws.REGION)
        bucket = aws.environment["WORK_BUCKET"]
        manifests = [
            json.loads(work.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())["ResultFiles"]
            for o in work.list_objects_v2(Bucket=bucket, Prefix="runs/")["Contents"]
            if o["Key"].endswith("/manifest.json")
        ]

    assert execution.status == "SUCCEEDED", execution.cause
    # The run's, main's and (unless patched away) idle's: its Map Run of no items lists no result files.
    empty = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    assert len(manifests) == (3 if manifest == "listing-no-files" else 2)
    assert manifests.count(empty) == (1 if manifest == "listing-no-files" else 0)
    summary = execution.output
    assert summary["status"] == "OK" and summary["counts"]["ARCHIVED"] == 1
    by_business = {b["business"]: b for b in summary["businesses"]}
    assert by_business["main"]["counts"]["ARCHIVED"] == 1
    assert set(by_business["idle"]["counts"].values()) == {0} and by_business["idle"]["kinds"] == {}
    assert by_business["idle"]["failed"] == []
