"""The audit's judgement of what the archive holds, against moto's S3 and SNS: archives of other contract-type sets,
no-documents markers, manifests whose ZIP is gone, and what it publishes."""

import json

import boto3
import pytest
from moto import mock_aws

from closing_docs import kinds
from closing_docs.domain.errors import ConfigurationError
from closing_docs.domain.models import ContractType, Job, Limits
from closing_docs.domain.run import BusinessPlan, RunPlan, Unavailable
from closing_docs.proof.audit import audit_plan, publish
from tests.archived import BUCKET, PREFIX, archive, bucket, no_documents

MONTH = "2025-12"
INCOME, MARKETING, OUTCOME = ContractType.INCOME, ContractType.MARKETING, ContractType.OUTCOME
LIMITS = Limits(max_status_checks=40, max_regenerations=2, recheck_days=0, recheck_seconds=86400)


@pytest.fixture
def store():
    with bucket() as store:
        yield store


def job(campaign: int, types: list[ContractType] | None = None, month: str = MONTH) -> Job:
    return Job(business="main", campaign_id=campaign, month=month, contract_types=types)


def plan(*jobs: Job, unavailable: list[Unavailable] | None = None) -> RunPlan:
    return RunPlan(
        months=sorted({str(j.month) for j in jobs}),
        scheduled=True,
        limits=LIMITS,
        businesses=[BusinessPlan(business="main", jobs=list(jobs), unavailable=unavailable or [])],
    )


def test_the_marker_sits_where_the_zip_would_be():
    key = kinds.keys(job(7, [INCOME, MARKETING]), PREFIX).marker
    assert key == kinds.keys(job(7, [INCOME, MARKETING]), PREFIX).file("zip").replace(".zip", ".no-documents.json")
    assert key == "closing-documents/2025-12/main/7/closing-documents_7_2025-12_INCOME-MARKETING.no-documents.json"


def test_archived_no_documents_and_missing(store):
    archive(store, job(1))
    marker_key = no_documents(store, job(2))
    report = audit_plan(plan(job(1), job(2), job(3)), store, PREFIX)

    assert report.status == "MISSING" and report.counts == {"ARCHIVED": 1, "NO_DOCUMENTS": 1, "MISSING": 1}
    assert [(i.campaign_id, i.status) for i in report.missing] == [(3, "MISSING")]
    assert [(i.campaign_id, i.keys) for i in report.no_documents] == [(2, [marker_key])]
    assert report.missing[0].reason == "neither archived nor marked as without documents: all contracts"
    assert report.message.splitlines()[0].startswith("Monthly documents archive audit 2025-12: 1 of 3 report(s)")


def test_a_report_split_by_contract_type_counts_when_its_parts_cover_the_month(store):
    archive(store, job(1, [INCOME]))
    archive(store, job(1, [OUTCOME]))
    no_documents(store, job(1, [MARKETING]))  # the split's third part had no documents
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
    archive(store, job(1))
    archive(store, job(2), b"P" * 10)
    store.s3.delete_object(Bucket=BUCKET, Key=kinds.keys(job(1), PREFIX).file("zip"))  # the manifest stayed
    store.s3.put_object(Bucket=BUCKET, Key=kinds.keys(job(2), PREFIX).file("zip"), Body=b"P" * 9)  # replaced
    report = audit_plan(plan(job(1), job(2)), store, PREFIX)

    reasons = {i.campaign_id: i.reason for i in report.missing}
    assert "which is not in the archive" in reasons[1]
    assert "holds 9 bytes where its manifest says 10" in reasons[2]


def test_a_marker_of_a_report_that_kept_failing_is_no_evidence(store):
    no_documents(store, job(1), status="FAILED")
    store.s3.put_object(Bucket=BUCKET, Key=kinds.keys(job(2), PREFIX).marker, Body=b"not json")
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
