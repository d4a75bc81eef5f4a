"""The audit's judgement of what the archive holds, against moto's S3 and SNS: archives of other contract-type sets,
no-documents markers, manifests whose ZIP is gone, and what it publishes."""

import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from closing_docs.archive import ArchiveStore
from closing_docs.audit import audit_plan, publish
from closing_docs.errors import ConfigurationError
from closing_docs.models import (
    BusinessPlan,
    ContractType,
    Document,
    Job,
    Limits,
    Manifest,
    NoDocumentsMarker,
    RunPlan,
    Unavailable,
)

BUCKET, PREFIX, MONTH = "archive", "closing-documents", "2025-12"
INCOME, MARKETING, OUTCOME = ContractType.INCOME, ContractType.MARKETING, ContractType.OUTCOME
LIMITS = Limits(max_status_checks=40, max_regenerations=2, recheck_days=0, recheck_seconds=86400)


@pytest.fixture
def store():
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-central-1")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield ArchiveStore(s3, BUCKET)


def job(campaign: int, types: list[ContractType] | None = None, month: str = MONTH) -> Job:
    return Job(business="main", campaign_id=campaign, month=month, contract_types=types)


def plan(*jobs: Job, unavailable: list[Unavailable] | None = None) -> RunPlan:
    return RunPlan(
        months=sorted({str(j.month) for j in jobs}),
        scheduled=True,
        limits=LIMITS,
        businesses=[BusinessPlan(business="main", jobs=list(jobs), unavailable=unavailable or [])],
    )


def archive(store: ArchiveStore, archived: Job, *, zip_size: int = 10, store_zip: bool = True) -> None:
    keys = archived.archive_keys(PREFIX)
    if store_zip:
        store.s3.put_object(Bucket=BUCKET, Key=keys.file("zip"), Body=b"P" * zip_size)
    manifest = Manifest(
        **archived.identity(),
        report_id="r-1",
        zip_key=keys.file("zip"),
        sha256="0" * 64,
        size_bytes=10,
        documents=[Document(name="act.pdf", size_bytes=10)],
        archived_at=datetime(2026, 1, 10, tzinfo=UTC),
        execution_id="arn:execution",
        source_api="https://api.partner.market.yandex.ru",
        download_host="example.yandex.net",
    )
    store.write_manifest(keys.manifest, manifest)


def mark(store: ArchiveStore, marked: Job, status: str = "NO_DATA") -> str:
    marker = NoDocumentsMarker(
        **marked.identity(),
        report_id="r-2",
        report_status=status,
        recorded_at=datetime(2026, 1, 10, tzinfo=UTC),
        execution_id="arn:execution",
        source_api="https://api.partner.market.yandex.ru",
    )
    key = marked.archive_keys(PREFIX).marker
    store.write_json(key, marker)
    return key


def test_the_marker_sits_where_the_zip_would_be():
    key = job(7, [INCOME, MARKETING]).archive_keys(PREFIX).marker
    assert key == job(7, [INCOME, MARKETING]).archive_keys(PREFIX).file("zip").replace(".zip", ".no-documents.json")
    assert key == "closing-documents/2025-12/main/7/closing-documents_7_2025-12_INCOME-MARKETING.no-documents.json"


def test_archived_no_documents_and_missing(store):
    archive(store, job(1))
    marker_key = mark(store, job(2))
    report = audit_plan(plan(job(1), job(2), job(3)), store, PREFIX)

    assert report.status == "MISSING" and report.counts == {"ARCHIVED": 1, "NO_DOCUMENTS": 1, "MISSING": 1}
    assert [(i.campaign_id, i.status) for i in report.missing] == [(3, "MISSING")]
    assert [(i.campaign_id, i.keys) for i in report.no_documents] == [(2, [marker_key])]
    assert report.missing[0].reason == "neither archived nor marked as without documents: all contracts"
    assert report.message.splitlines()[0].startswith("Monthly documents archive audit 2025-12: 1 of 3 report(s)")


def test_a_report_split_by_contract_type_counts_when_its_parts_cover_the_month(store):
    archive(store, job(1, [INCOME]))
    archive(store, job(1, [OUTCOME]))
    mark(store, job(1, [MARKETING]))  # the split's third part had no documents
    archive(store, job(2, [INCOME]))  # only one part of three
    report = audit_plan(plan(job(1), job(2)), store, PREFIX)

    assert report.counts == {"ARCHIVED": 1, "NO_DOCUMENTS": 0, "MISSING": 1}
    (missing,) = report.missing
    assert missing.campaign_id == 2 and missing.reason.endswith(": MARKETING, OUTCOME")


def test_an_archive_of_all_contracts_covers_a_subset(store):
    archive(store, job(1))
    report = audit_plan(plan(job(1, [INCOME, OUTCOME])), store, PREFIX)
    assert report.status == "OK" and report.counts["ARCHIVED"] == 1


def test_a_manifest_without_its_zip_or_with_another_size_is_missing(store):
    archive(store, job(1), store_zip=False)
    archive(store, job(2), zip_size=9)
    report = audit_plan(plan(job(1), job(2)), store, PREFIX)

    reasons = {i.campaign_id: i.reason for i in report.missing}
    assert "which is not in the archive" in reasons[1]
    assert "holds 9 bytes where its manifest says 10" in reasons[2]


def test_a_marker_of_a_report_that_kept_failing_is_no_evidence(store):
    mark(store, job(1), status="FAILED")
    store.s3.put_object(Bucket=BUCKET, Key=job(2).archive_keys(PREFIX).marker, Body=b"not json")
    report = audit_plan(plan(job(1), job(2)), store, PREFIX)

    reasons = {i.campaign_id: i.reason for i in report.missing}
    assert "answered FAILED on every daily attempt" in reasons[1]
    assert "not a readable no-documents marker" in reasons[2]


def test_other_months_and_businesses_do_not_count(store):
    archive(store, job(1, month="2025-11"))
    archive(store, Job(business="other", campaign_id=1, month=MONTH))
    assert audit_plan(plan(job(1)), store, PREFIX).counts["MISSING"] == 1


def test_shops_left_out_by_the_run_are_listed_not_missing(store):
    archive(store, job(1))
    report = audit_plan(
        plan(job(1), unavailable=[Unavailable(campaign_id=9, api_availability="DISABLED")]), store, PREFIX
    )
    assert report.status == "OK" and [(u.business, u.campaign_id) for u in report.unavailable] == [("main", 9)]
    assert "left out main campaign 9: Yandex reports its API as DISABLED" in report.message


def test_publish_sends_the_report_with_filterable_attributes(store):
    with mock_aws():
        sns, sqs = boto3.client("sns", region_name="eu-central-1"), boto3.client("sqs", region_name="eu-central-1")
        topic = sns.create_topic(Name="operations")["TopicArn"]
        queue = sqs.create_queue(QueueName="capture")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        report = audit_plan(plan(job(1), job(2, month="2025-11")), store, PREFIX)

        publish(sns, topic, report)

        (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        envelope = json.loads(message["Body"])
        assert envelope["Subject"] == "Monthly documents archive audit 2025-11..2025-12: 2 report(s) MISSING"
        assert json.loads(envelope["Message"]) == report.wire()
        assert {k: v["Value"] for k, v in envelope["MessageAttributes"].items()} == {
            "kind": "ARCHIVE_AUDIT",
            "status": "MISSING",
            "months": "2025-11..2025-12",
        }
        with pytest.raises(ConfigurationError, match="OPERATIONS_TOPIC_ARN"):
            publish(sns, "", report)
