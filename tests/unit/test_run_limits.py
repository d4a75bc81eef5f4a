"""One execution takes any number of units: the plan and the outcomes stay in S3 (runwork.py), and the state machine
carries only where they are. What remains is refused up front, saying what to split (limits.check_limits)."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from closing_docs.adapters import runwork
from closing_docs.domain.config import Settings
from closing_docs.domain.errors import ChildWorkflowsFailed, InvalidInput
from closing_docs.domain.market_api import Campaign, CampaignBusiness
from closing_docs.domain.models import Job
from closing_docs.domain.run import Written
from closing_docs.plan.limits import EXECUTION_DAYS, MAX_BUSINESSES
from closing_docs.plan.planning import resolve_plan

ROOT = Path(__file__).resolve().parents[2]
PACK = ["closure-documents", "closure-documents-detalization", "goods-realization", "united-marketplace-services",
        "united-netting"]  # fmt: skip


def plan_for(shops: int, months: dict | str, monkeypatch, names=("business-1",), first=1):
    monkeypatch.setenv("NOTICE_LANGUAGE", "ru")  # Russian titles take two bytes a letter
    settings = Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t"})

    def discover(name: str) -> list[Campaign]:
        number = names.index(name) + 1
        return [Campaign(id=first + 100_000 * number + i, business=CampaignBusiness(id=number)) for i in range(shops)]

    start = {"reports": PACK, "close": False, **({"month": months} if isinstance(months, str) else {"months": months})}
    return resolve_plan(start, datetime(2026, 1, 15, tzinfo=UTC), settings, lambda: list(names), discover)


class FakeS3:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: object) -> None:  # noqa: N803 - boto3's names
        self.objects[Key] = Body

    def get_object(self, Bucket: str, Key: str) -> dict[str, object]:  # noqa: N803 - boto3's names
        return {"Body": io.BytesIO(self.objects[Key])}


def result_files(s3: FakeS3, folder: str, outputs: list[object], failed: int = 0) -> Written:
    """What ResultWriter writes (as local/aws.py's _write_results does, after AWS's format)."""
    s3.objects[f"{folder}/SUCCEEDED_0.json"] = json.dumps([{"Output": json.dumps(o)} for o in outputs]).encode()
    files = {"SUCCEEDED": [{"Key": f"{folder}/SUCCEEDED_0.json"}], "PENDING": [], "FAILED": []}
    if failed:
        s3.objects[f"{folder}/FAILED_0.json"] = json.dumps([{"Status": "FAILED"}] * failed).encode()
        files["FAILED"] = [{"Key": f"{folder}/FAILED_0.json"}]
    s3.objects[f"{folder}/manifest.json"] = json.dumps({"DestinationBucket": "work", "ResultFiles": files}).encode()
    return Written(Bucket="work", Key=f"{folder}/manifest.json")


def size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


FIVE_YEARS, ONE_YEAR = {"from": "2021-01", "to": "2025-12"}, {"from": "2025-01", "to": "2025-12"}


@pytest.mark.parametrize(("shops", "months"), [(100, FIVE_YEARS), (500, ONE_YEAR)])
def test_6000_campaign_months_with_the_whole_pack_plan_into_s3_and_the_state_carries_a_pointer(
    monkeypatch, shops, months
):
    plan = plan_for(shops, months, monkeypatch, first=10**15)  # the longest ids there are
    assert plan.job_count > 30_000  # 5 reports a campaign-month (3 contract types), 2 a business-month
    s3 = FakeS3()
    planned = runwork.write_plan(s3, "work", "arn:aws:states:eu-central-1:1:execution:m:" + "n" * 80, plan)
    assert planned.units == plan.job_count and planned.businesses == 1
    assert size(planned.wire()) < 2_000  # what ResolveInput returns and every state after it carries
    (business,) = json.loads(s3.objects[planned.plan.key])
    units = json.loads(s3.objects[business["units"]["key"]])
    assert len(units) == plan.job_count
    assert max(map(size, units)) < 1_000  # one child's input: an item, the limits and the counters
    assert Job.model_validate(units[0]).lock_key == units[0]["lockKey"]


def test_more_businesses_than_a_summary_holds_are_refused_naming_businesses(monkeypatch):
    names = tuple(f"b{n}" for n in range(MAX_BUSINESSES + 1))
    refusal = rf"^businesses: this run covers {MAX_BUSINESSES + 1} businesses .* businesses: \[names\]$"
    with pytest.raises(InvalidInput, match=refusal):
        plan_for(1, "2025-12", monkeypatch, names)


def test_the_state_machine_may_run_as_long_as_the_limits_assume():
    definition = json.loads((ROOT / "statemachine" / "closing_documents.asl.json").read_text())
    assert definition["TimeoutSeconds"] == EXECUTION_DAYS * 86_400 <= 365 * 86_400  # Step Functions' maximum


def test_the_summary_reads_each_business_and_its_outcomes_back_and_refuses_failed_children():
    s3 = FakeS3()
    outcome = {
        "business": "main",
        "kind": "closure-documents",
        "campaignId": 7,
        "month": "2025-12",
        "status": "ARCHIVED",
    }
    units = result_files(s3, "runs/r/results/b1", [outcome, {**outcome, "campaignId": 8, "status": "FAILED"}])
    run = result_files(s3, "runs/r/results/run", [{"business": "main", "results": units.model_dump(by_alias=True)}])
    ((done, outcomes),) = [(done, list(stream)) for done, stream in runwork.business_results(s3, run)]
    assert done.business == "main" and [(o.campaign_id, o.status) for o in outcomes] == [(7, "ARCHIVED"), (8, "FAILED")]

    broken = result_files(s3, "runs/r/results/broken", [outcome], failed=1)
    with pytest.raises(ChildWorkflowsFailed, match=r"runs/r/results/broken/FAILED_0\.json"):
        list(runwork.outputs(s3, broken))


def test_json_items_streams_an_array_cut_anywhere():
    items = [{"Output": json.dumps({"title": "Закрывающие документы 2025-12", "n": n})} for n in range(50)]
    body = json.dumps(items, ensure_ascii=False, indent=1).encode()
    for cut in (1, 2, 3, 7, 64, len(body)):
        chunks = [body[i : i + cut] for i in range(0, len(body), cut)]
        assert list(runwork.json_items(chunks)) == items
    assert list(runwork.json_items([b"[]"])) == []
    with pytest.raises(ValueError, match="not a complete JSON array"):
        list(runwork.json_items([body[:-5]]))
