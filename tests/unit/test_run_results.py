"""A business with no units (every shop's API disabled, or none listed) is a Map Run of no items. AWS's docs do not
say whether such a Map Run writes a ResultWriter manifest (README, Limits of one execution): SummarizeRun reads the
run's results the same either way, since the plan says which businesses had no units (runwork.business_results)."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from closing_docs.adapters import runwork
from closing_docs.domain.models import Job, Limits
from closing_docs.domain.run import BusinessPlan, Location, RunPlan, Written

BUCKET = "work"
EXECUTION = "arn:aws:states:eu-central-1:123456789012:execution:stack-closing-documents:run-1"
LIMITS = Limits(max_status_checks=60, max_regenerations=3, recheck_days=0, recheck_seconds=86_400)
OUTCOME = {"business": "main", "kind": "closure-documents", "campaignId": 7, "month": "2025-12", "status": "ARCHIVED"}


class Reads:
    """An S3 client that remembers which keys were read."""

    def __init__(self, s3: Any) -> None:
        self.s3, self.keys = s3, []

    def get_object(self, Bucket: str, Key: str) -> Any:  # noqa: N803 - boto3's names
        self.keys.append(Key)
        return self.s3.get_object(Bucket=Bucket, Key=Key)

    def put_object(self, **kwargs: Any) -> Any:
        return self.s3.put_object(**kwargs)


@pytest.fixture
def s3() -> Iterator[Reads]:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield Reads(client)


def planned(s3: Reads, **units: int) -> Location:
    """ResolveInput's plan: each business with that many units."""
    businesses = [
        BusinessPlan(business=name, jobs=[Job(business=name, campaign_id=7 + n, month="2025-12") for n in range(count)])
        for name, count in units.items()
    ]
    plan = RunPlan(months=["2025-12"], scheduled=False, limits=LIMITS, businesses=businesses)
    written = runwork.write_plan(s3, BUCKET, EXECUTION, plan)
    assert written.plan == runwork.plan_location(BUCKET, EXECUTION)  # where SummarizeRun looks for it
    return written.plan


def manifest(s3: Reads, folder: str, outputs: list[object] | None) -> Written:
    """What ResultWriter writes for a Map Run (as local/aws.py's _write_results does); ``None``: nothing at all."""
    key = f"runs/run-1/results/{folder}/manifest.json"
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    if outputs:
        body = json.dumps([{"Output": json.dumps(o), "Status": "SUCCEEDED"} for o in outputs]).encode()
        s3.put_object(Bucket=BUCKET, Key=f"runs/run-1/results/{folder}/SUCCEEDED_0.json", Body=body)
        files["SUCCEEDED"] = [{"Key": f"runs/run-1/results/{folder}/SUCCEEDED_0.json", "Size": len(body)}]
    if outputs is not None:
        body = json.dumps({"DestinationBucket": BUCKET, "MapRunArn": "arn:mapRun", "ResultFiles": files}).encode()
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return Written(Bucket=BUCKET, Key=key)


def run_of(s3: Reads, businesses: dict[str, Written]) -> Written:
    """The run's own Map Run: one output per business, naming its results (the state machine's BusinessDone)."""
    done = [{"business": name, "results": written.model_dump(by_alias=True)} for name, written in businesses.items()]
    return manifest(s3, "run", done)


def summary(s3: Reads, run: Written, plan: Location) -> dict[str, list[tuple[int | None, str]]]:
    return {
        done.business: [(o.campaign_id, o.status) for o in outcomes]
        for done, outcomes in runwork.business_results(s3, run, plan)
    }


@pytest.mark.parametrize("idle", [[], None], ids=["manifest-listing-no-files", "no-manifest-at-all"])
def test_a_business_with_no_units_has_no_outcomes_whatever_its_map_run_left(s3: Reads, idle):
    plan = planned(s3, main=1, idle=0)
    run = run_of(s3, {"main": manifest(s3, "main", [OUTCOME]), "idle": manifest(s3, "idle", idle)})

    assert summary(s3, run, plan) == {"main": [(7, "ARCHIVED")], "idle": []}
    assert not any("/idle/" in key for key in s3.keys)  # its Map Run of no items is not read at all


def test_a_missing_manifest_of_a_business_with_units_is_refused_not_read_as_nothing(s3: Reads):
    plan = planned(s3, main=1, lost=2)
    run = run_of(s3, {"main": manifest(s3, "main", [OUTCOME]), "lost": manifest(s3, "lost", None)})

    with pytest.raises(ClientError, match="NoSuchKey"):
        summary(s3, run, plan)


def test_a_run_whose_plan_has_no_business_reads_no_results(s3: Reads):
    plan = planned(s3)
    assert summary(s3, Written(Bucket=BUCKET, Key="runs/run-1/results/run/manifest.json"), plan) == {}
    assert s3.keys == [plan.key]


def test_without_the_plan_an_empty_manifest_still_reads_as_no_outcomes(s3: Reads):
    run = run_of(s3, {"idle": manifest(s3, "idle", [])})
    ((done, outcomes),) = runwork.business_results(s3, run)
    assert done.business == "idle" and list(outcomes) == []
