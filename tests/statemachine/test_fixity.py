"""Fixity through the real fixity state machine (statemachine/fixity.asl.json) on embedded AWS, after the real
pipeline archived a month: its Distributed Map reads the work list from S3 (ItemReader), the check Lambdas re-read
every archived file, and the report goes to the operations topic."""

import contextlib
import io
import json

import pytest

from local.aws import EmbeddedAws, Execution

MONTH = "2025-12"
STEM = "closing-documents/2025-12/default/{c}/closing-documents_{c}_2025-12_ALL"
FIXITY = "FixityStateMachine"


def metric(stdout: str, name: str) -> list[float]:
    """The values of ``name`` in the Embedded Metric Format documents Powertools printed."""
    values: list[float] = []
    for line in stdout.splitlines():
        if line.startswith('{"_aws"'):
            values += json.loads(line).get(name, [])
    return values


def fixity(aws: EmbeddedAws, start: dict | None = None) -> tuple[Execution, list[float]]:
    """A fixity run (as its schedule starts it unless ``start`` says otherwise) and the FixityProblems it emitted."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        execution = aws.run(start or {"scheduledTime": "2026-01-01T00:00:00Z"}, state_machine=FIXITY)
    return execution, metric(printed.getvalue(), "FixityProblems")


@pytest.fixture
def archived(make_aws) -> EmbeddedAws:
    aws = make_aws(CampaignIds="1001,1002,1003")
    execution = aws.run({"month": MONTH})
    assert execution.status == "SUCCEEDED", execution.cause
    aws.notifications()
    return aws


def test_an_intact_archive_is_ok_and_says_so_with_a_zero(archived: EmbeddedAws):
    execution, problems = fixity(archived)
    assert execution.status == "SUCCEEDED", execution.cause
    report = execution.output
    assert report["status"] == "OK" and report["problems"] == [] and report["manifests"] == 3 and report["files"] == 3
    assert problems == [0.0]
    assert archived.operations() == [], "nothing to say when all is intact"


def test_one_byte_changed_behind_the_manifests_back_is_reported_naming_the_key(archived: EmbeddedAws, monkeypatch):
    from closing_docs.proof import fixity as module

    monkeypatch.setattr(module, "BATCH_MANIFESTS", 1)  # three batches: three child workflows from the work list
    s3, bucket = archived.client("s3"), archived.bucket
    key, manifest_key = f"{STEM.format(c=1002)}.zip", f"{STEM.format(c=1002)}.manifest.json"
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    (written,) = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    assert manifest["versionId"] == written["VersionId"], "the manifest names the version the Archive step wrote"
    body = bytearray(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    body[len(body) // 2] ^= 0x01
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(body))  # a new version, the manifest untouched

    execution, problems = fixity(archived)

    assert execution.status == "SUCCEEDED", execution.cause
    assert len(archived.child_histories()) >= 3
    (message,) = archived.operations()
    assert message.subject == "Archive fixity check: 1 PROBLEM(S) in 3 file(s)"
    assert message.attributes == {"kind": "ARCHIVE_FIXITY", "status": "PROBLEMS"}
    body_ = message.body()
    assert body_ == execution.output and body_["counts"]["MISMATCH"] == 1
    (problem,) = body_["problems"]
    assert (problem["status"], problem["key"], problem["manifestKey"]) == ("MISMATCH", key, manifest_key)
    assert problem["expectedSha256"] == manifest["sha256"] != problem["actualSha256"]
    assert problem["archivedVersionId"] == written["VersionId"] != problem["currentVersionId"]
    assert problem["archivedVersionIntact"] is True
    assert f"MISMATCH {key}" in body_["message"]
    assert problems == [1.0]
    # The full report stays in the work bucket.
    work, report_key = body_["reportUri"].removeprefix("s3://").split("/", 1)
    assert json.loads(s3.get_object(Bucket=work, Key=report_key)["Body"].read())["problems"] == [problem]


def test_a_manifest_whose_file_is_deleted_is_reported_missing(archived: EmbeddedAws):
    s3, bucket = archived.client("s3"), archived.bucket
    key = f"{STEM.format(c=1003)}.zip"
    s3.delete_object(Bucket=bucket, Key=key)

    execution, problems = fixity(archived)

    assert execution.status == "SUCCEEDED", execution.cause
    (message,) = archived.operations()
    (problem,) = message.body()["problems"]
    assert (problem["status"], problem["key"]) == ("MISSING", key)
    assert problem["archivedVersionIntact"] is True and "make it the current one again" in problem["reason"]
    assert f"MISSING {key}" in message.body()["message"] and problems == [1.0]


def test_a_batch_whose_check_fails_is_reported_not_checked_and_a_folder_can_be_checked_alone(
    archived: EmbeddedAws, monkeypatch
):
    from closing_docs.proof import fixity as module
    from closing_docs.steps import fixity as steps

    monkeypatch.setattr(module, "BATCH_MANIFESTS", 1)
    real = steps.check_batch

    def failing(store, batch):
        if any("/1001/" in key for key in batch.keys):
            raise RuntimeError("the check of this batch broke")
        return real(store, batch)

    monkeypatch.setattr(steps, "check_batch", failing)
    execution, problems = fixity(archived, {"folder": "2025-12/default/1001"})
    assert execution.status == "SUCCEEDED", execution.cause
    assert (
        execution.output["manifests"] == 1 and execution.output["prefix"] == "closing-documents/2025-12/default/1001/"
    )
    (problem,) = execution.output["problems"]
    assert problem["status"] == "NOT_CHECKED" and problem["key"] == f"{STEM.format(c=1001)}.manifest.json"
    assert [m.body()["counts"]["NOT_CHECKED"] for m in archived.operations()] == [1] and problems == [1.0]


def test_an_invalid_start_fails_the_run(archived: EmbeddedAws):
    execution, problems = fixity(archived, {"folder": "../elsewhere"})
    assert execution.status == "FAILED" and execution.error == "InvalidInput" and problems == []
