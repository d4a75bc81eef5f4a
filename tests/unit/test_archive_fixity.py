"""Fixity, piece by piece against moto's S3: every uploaded part carries its SHA-256 (and a damaged part is refused),
the version written goes into the manifest, and the check tells intact, changed, missing and replaced files apart
while reading each one as a bounded stream. The state machine runs it end to end in tests/statemachine/test_fixity.py.
"""

import base64
import hashlib
import io
import json
import os
import re
import tracemalloc
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3.exceptions import S3ClientError
from moto.s3.responses import S3Response

from closing_docs.adapters.archive import PART_SIZE, ArchiveStore, MiB
from closing_docs.domain import errors
from closing_docs.domain.errors import InvalidInput
from closing_docs.domain.models import Manifest, StoredFile
from closing_docs.proof.fixity import (
    FixityProblem,
    FixityReport,
    archive_prefix,
    batches,
    check_manifest,
    fitted,
)
from local.template import ROOT, load_template

BUCKET = "archive"
STEM = "closing-documents/2025-12/default/1001/closing-documents_1001_2025-12_ALL"
KEY, MANIFEST = f"{STEM}.zip", f"{STEM}.manifest.json"


def make_zip(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("act.pdf", b"%PDF-1.4 act")
        archive.writestr("big.pdf", os.urandom(size))
    return buffer.getvalue()


SMALL = make_zip(1024)
LARGE = make_zip(12 * MiB)  # three 5 MiB parts


def chunks(data: bytes, size: int = MiB):
    yield from (data[offset : offset + size] for offset in range(0, len(data), size))


def b64sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


# --- 1. the upload: a SHA-256 with every part, the version recorded ------------------------------------------------


def test_every_part_carries_the_sha256_of_its_own_bytes_and_the_object_keeps_them(s3):
    sent: list[dict[str, str]] = []
    answered: list[str] = []
    completed: list[dict[str, Any]] = []

    def request(request: Any, **_: Any) -> None:
        sent.append({k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()})

    s3.meta.events.register("before-send.s3.UploadPart", request)
    s3.meta.events.register("after-call.s3.UploadPart", lambda parsed, **_: answered.append(parsed["ChecksumSHA256"]))
    s3.meta.events.register(
        "before-parameter-build.s3.CompleteMultipartUpload", lambda params, **_: completed.append(params)
    )
    stored = ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(LARGE), len(LARGE))

    parts = [LARGE[offset : offset + PART_SIZE] for offset in range(0, len(LARGE), PART_SIZE)]
    assert len(parts) == 3 == len(sent)
    for headers in sent:  # computed by the SDK before the bytes leave, sent as a trailer S3 checks on arrival
        assert headers["x-amz-sdk-checksum-algorithm"] == "SHA256"
        assert headers["x-amz-trailer"] == "x-amz-checksum-sha256"
    # What S3 received as each part's checksum is the SHA-256 of exactly that part's bytes...
    assert answered == [b64sha256(part) for part in parts]
    # ...and CompleteMultipartUpload names each part by it, so S3 can check the parts it assembles.
    assert [p["ChecksumSHA256"] for p in completed[0]["MultipartUpload"]["Parts"]] == answered
    # The object keeps a composite SHA-256 (of the parts' SHA-256s): moto 5.2.5 computes it from the bytes it stored.
    attributes = s3.get_object_attributes(Bucket=BUCKET, Key=KEY, ObjectAttributes=["Checksum", "ObjectSize"])
    composite = base64.b64encode(hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest())
    assert attributes["Checksum"]["ChecksumType"] == "COMPOSITE"
    assert attributes["Checksum"]["ChecksumSHA256"].split("-")[0] == composite.decode()
    assert attributes["ObjectSize"] == len(LARGE)
    # The manifest's SHA-256 stays the whole file's, computed while streaming.
    assert stored.sha256 == hashlib.sha256(LARGE).hexdigest()


@pytest.mark.parametrize("body", [SMALL, LARGE], ids=["single-put", "multipart"])
def test_the_version_written_is_returned_for_the_manifest(s3, body):
    store = ArchiveStore(s3, BUCKET)
    stored = store.store_zip(KEY, chunks(body), len(body))
    head = s3.head_object(Bucket=BUCKET, Key=KEY, ChecksumMode="ENABLED")
    assert stored.version_id and stored.version_id == head["VersionId"]
    assert head["ChecksumSHA256"]  # a single PutObject carries the whole file's SHA-256 too
    # Another upload to another key on the same client does not take this one's version.
    other = store.store_zip(KEY.replace("1001", "1002"), chunks(body), len(body))
    assert other.version_id != stored.version_id
    put = store.put_file(f"{STEM}.csv", b"a;b\n", "text/csv")
    assert put.version_id == s3.head_object(Bucket=BUCKET, Key=f"{STEM}.csv")["VersionId"]


def test_an_unversioned_bucket_records_no_version(s3):
    s3.create_bucket(Bucket="plain", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    assert ArchiveStore(s3, "plain").store_zip(KEY, chunks(SMALL), len(SMALL)).version_id is None


def _received_checksum(response: S3Response) -> str | None:
    value = response.headers.get("x-amz-checksum-sha256")
    if not value:
        found = re.search(rb"x-amz-checksum-sha256:(\S+)", response.raw_body or b"")
        value = found.group(1).decode() if found else None
    return value


def test_a_part_damaged_on_the_way_is_refused_and_nothing_lands(s3, monkeypatch):
    """moto 5.2.5 does not check additional checksums (it stores whatever the client says); S3 does, and answers
    BadDigest. Here moto's UploadPart is made to check as S3 does, and one byte of the second part is flipped after
    the SDK computed its SHA-256 (on the wire): the part is refused, s3transfer aborts, the key stays empty."""
    original = S3Response.upload_part

    def checking_upload_part(self: S3Response) -> Any:
        received = _received_checksum(self)
        if received and received != b64sha256(self.body):
            raise S3ClientError("BadDigest", "The SHA256 you specified did not match the calculated checksum.")
        return original(self)

    monkeypatch.setattr(S3Response, "upload_part", checking_upload_part)
    seen = {"parts": 0}

    def damage_second_part(request: Any, **_: Any) -> None:
        seen["parts"] += 1
        if seen["parts"] == 2:
            wire = bytearray(request.body.read())
            start = wire.index(b"\r\n") + 2 + 1000  # a byte of the data, past the first chunk's size line
            wire[start] ^= 0x01
            request.body = bytes(wire)

    s3.meta.events.register_first("before-send.s3.UploadPart", damage_second_part)
    with pytest.raises(s3.exceptions.ClientError, match="BadDigest"):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(LARGE), len(LARGE))
    assert seen["parts"] >= 2
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


# --- 2. the check of one manifest ----------------------------------------------------------------------------------


def archive(s3: Any, body: bytes = SMALL, **fields: Any) -> Manifest:
    """Archive ``body`` as the Archive step does: the file, then its manifest naming the version written."""
    store = ArchiveStore(s3, BUCKET)
    stored = store.store_zip(KEY, chunks(body), len(body))
    manifest = Manifest(
        business="default",
        campaign_id=1001,
        month="2025-12",
        report_id="r1",
        zip_key=KEY,
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
        version_id=stored.version_id,
        documents=stored.documents,
        archived_at=datetime.now(UTC),
        execution_id="e",
        source_api="https://api",
        download_host="h",
    )
    manifest = manifest.model_copy(update=fields)
    store.write_manifest(MANIFEST, manifest)
    return manifest


def test_an_intact_file_has_no_problem(s3):
    archive(s3)
    assert json.loads(s3.get_object(Bucket=BUCKET, Key=MANIFEST)["Body"].read())["versionId"]
    problems, files, size = check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)
    assert (problems, files, size) == ([], 1, len(SMALL))


def test_one_byte_changed_in_a_new_version_is_a_mismatch_and_the_archived_version_is_restorable(s3):
    manifest = archive(s3)
    damaged = bytearray(SMALL)
    damaged[100] ^= 0xFF
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=bytes(damaged))
    (problem,), files, _ = check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)
    assert files == 1
    assert problem.status == "MISMATCH" and problem.key == KEY and problem.manifest_key == MANIFEST
    assert problem.expected_sha256 == manifest.sha256 and problem.actual_sha256 == hashlib.sha256(damaged).hexdigest()
    assert problem.archived_version_id == manifest.version_id != problem.current_version_id
    assert problem.archived_version_intact is True and "make it the current one again" in problem.reason


def test_a_deleted_file_is_missing(s3):
    manifest = archive(s3)
    s3.delete_object(Bucket=BUCKET, Key=KEY)  # versioned: a delete marker, the archived version stays
    (problem,), _, _ = check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)
    assert problem.status == "MISSING" and problem.key == KEY and problem.archived_version_intact is True
    s3.delete_object(Bucket=BUCKET, Key=KEY, VersionId=manifest.version_id)  # now really gone
    (problem,), _, _ = check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)
    assert problem.status == "MISSING" and problem.archived_version_intact is False


def test_the_same_bytes_written_again_are_replaced(s3):
    archive(s3)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=SMALL)
    (problem,), _, _ = check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)
    assert problem.status == "REPLACED" and problem.archived_version_intact is True


def test_a_manifest_without_version_id_compares_the_time_written(s3):
    archive(s3, version_id=None)  # as every manifest written before versionId was recorded
    assert check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)[0] == []
    archive(s3, version_id=None, archived_at=datetime.now(UTC) - timedelta(days=30))  # the file is newer
    (problem,), _, _ = check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)
    assert problem.status == "REPLACED" and "after" in problem.reason and problem.archived_version_intact is None


def test_every_file_of_a_source_manifest_is_checked(s3):
    store = ArchiveStore(s3, BUCKET)
    files = [store.put_file(f"{STEM}.{ext}", body, "text/plain") for ext, body in (("json", b"{}"), ("csv", b"a;b"))]
    archive(s3, files=[StoredFile(key=f.key, sha256=f.sha256, size_bytes=f.size_bytes) for f in files])
    s3.put_object(Bucket=BUCKET, Key=f"{STEM}.csv", Body=b"a;c")
    (problem,), checked, _ = check_manifest(store, MANIFEST)
    assert checked == 2 and problem.status == "MISMATCH" and problem.key == f"{STEM}.csv"


def test_an_unreadable_manifest_is_reported(s3):
    s3.put_object(Bucket=BUCKET, Key=MANIFEST, Body=b"<html>")
    (problem,), files, _ = check_manifest(ArchiveStore(s3, BUCKET), MANIFEST)
    assert problem.status == "UNREADABLE" and problem.key == MANIFEST and files == 0


class _LazyBody:
    """A GetObject body of ``size`` bytes made as it is read (like a socket), counting the largest read."""

    def __init__(self, size: int) -> None:
        self.left, self.largest = size, 0

    def iter_chunks(self, chunk_size: int):
        while self.left:
            n = min(chunk_size, self.left)
            self.left -= n
            self.largest = max(self.largest, n)
            yield b"\0" * n

    def close(self) -> None:
        pass


class _Streaming:
    def __init__(self, body: _LazyBody) -> None:
        self.body = body

    def get_object(self, **_: Any) -> dict[str, Any]:
        return {"Body": self.body, "VersionId": "v1", "LastModified": datetime.now(UTC)}


def test_a_file_is_read_as_a_stream_in_bounded_memory():
    size = 256 * MiB
    body = _LazyBody(size)
    tracemalloc.start()
    try:
        digest = ArchiveStore(_Streaming(body), BUCKET).digest(KEY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest is not None and digest.size_bytes == size and body.largest == MiB
    assert peak < 4 * MiB, f"{peak / MiB:.1f} MiB held to hash {size / MiB:.0f} MiB"


# --- 3. the run's pieces -------------------------------------------------------------------------------------------


def test_a_run_checks_the_archive_or_one_folder_of_it():
    assert archive_prefix("closing-documents", {}) == "closing-documents/"
    assert archive_prefix("closing-documents", {"scheduledTime": "2026-01-01T00:00:00Z"}) == "closing-documents/"
    assert archive_prefix("closing-documents", {"folder": "2025-12/main/"}) == "closing-documents/2025-12/main/"
    for bad in ({"folder": "../other"}, {"folder": "a b"}, {"folder": 5}, {"month": "2025-12"}):
        with pytest.raises(InvalidInput):
            archive_prefix("closing-documents", bad)


def test_manifests_are_batched_in_order():
    keys = [f"k{i}" for i in range(7)]
    assert [(b.batch, b.keys) for b in batches(iter(keys), 3)] == [
        (0, ["k0", "k1", "k2"]),
        (1, ["k3", "k4", "k5"]),
        (2, ["k6"]),
    ]
    assert list(batches(iter([]), 3)) == []


def test_a_long_report_is_cut_to_fit_sns_and_points_to_the_full_one():
    problems = [
        FixityProblem(status="MISMATCH", key=f"closing-documents/{i:06d}.zip", manifest_key="m", reason="x" * 300)
        for i in range(2000)
    ]
    report = FixityReport(
        status="PROBLEMS",
        bucket="b",
        prefix="closing-documents/",
        manifests=2000,
        files=2000,
        bytes=1,
        counts={"MISMATCH": 2000},
        problems=problems,
        report_uri="s3://work/fixity/r/report.json",
        message="head\n" + "\n".join(p.reason for p in problems),
    )
    cut = fitted(report)
    assert len(json.dumps(cut.wire()).encode()) <= 256 * 1024 - 4096
    assert 0 < len(cut.problems) < 2000 and "s3://work/fixity/r/report.json" in cut.message
    assert cut.problems == problems[: len(cut.problems)]


# --- 4. the state machine and its schedule, as declared --------------------------------------------------------------

ASL_TEXT = (ROOT / "statemachine" / "fixity.asl.json").read_text()
ASL = json.loads(ASL_TEXT)
TEMPLATE = load_template()
MACHINE = TEMPLATE["Resources"]["FixityStateMachine"]["Properties"]


def _states(states: dict[str, Any]) -> dict[str, Any]:
    found = dict(states)
    for state in states.values():
        if "ItemProcessor" in state:
            found |= _states(state["ItemProcessor"]["States"])
    return found


def test_the_fixity_machine_is_standard_jsonpath_and_its_placeholders_are_substituted():
    assert MACHINE["Type"] == "STANDARD" and MACHINE["Tracing"] == {"Enabled": True}
    assert MACHINE["Logging"]["IncludeExecutionData"] is False
    assert ASL.get("QueryLanguage", "JSONPath") == "JSONPath"
    assert "Assign" not in ASL_TEXT and "JSONata" not in ASL_TEXT and "{%" not in ASL_TEXT
    for key in MACHINE["DefinitionSubstitutions"]:
        assert "${" + key + "}" in ASL_TEXT
    assert ASL_TEXT.count("${") == sum(ASL_TEXT.count("${" + k + "}") for k in MACHINE["DefinitionSubstitutions"])
    ours = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)}
    for name, state in _states(ASL["States"]).items():
        for rule in state.get("Retry", []) + state.get("Catch", []):
            for error in rule["ErrorEquals"]:
                assert error in ours or error.startswith(("States.", "Lambda.")), f"{name}: unknown error {error}"


def test_the_map_reads_its_items_from_the_work_list_and_keeps_no_result_in_the_payload():
    each = ASL["States"]["CheckEachBatch"]
    assert each["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert each["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert each["ItemReader"]["ReaderConfig"] == {"InputType": "JSON"}
    assert "ItemsPath" not in each and each["ResultPath"] is None and each["MaxConcurrency"] >= 1
    check = each["ItemProcessor"]["States"]["CheckBatch"]
    assert check["OutputPath"] == "$.Payload.problemCount"  # a child's output is a number, whatever it found
    assert check["Catch"][0]["Next"] == "BatchNotChecked"  # a failed batch is reported, not fatal


def test_the_fixity_schedule_is_quarterly_by_default_in_moscow_time_and_follows_schedule_state():
    parameter = TEMPLATE["Parameters"]["FixityScheduleExpression"]
    assert parameter["Default"] == "cron(0 3 1 1,4,7,10 ? *)"
    (event,) = MACHINE["Events"].values()
    schedule = event["Properties"]
    assert event["Type"] == "ScheduleV2" and schedule["ScheduleExpressionTimezone"] == "Europe/Moscow"
    assert schedule["ScheduleExpression"] == {"Ref": "FixityScheduleExpression"}
    assert schedule["State"] == {"Ref": "ScheduleState"}
    assert json.loads(schedule["Input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
    assert schedule["RetryPolicy"]["MaximumRetryAttempts"] > 0 and "DeadLetterConfig" in schedule
