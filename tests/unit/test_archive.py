"""The archive writer against moto's S3: a verified ZIP lands whole, anything else leaves nothing."""

import hashlib
import io
import os
import zipfile

import boto3
import pytest
from moto import mock_aws

from closing_docs.archive import ArchiveStore, list_documents
from closing_docs.errors import DownloadFailed, InvalidArchive
from closing_docs.models import Job

BUCKET = "archive"
KEY = "closing-documents/2025-12/default/1/x.zip"


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


SMALL = make_zip({"act.pdf": b"%PDF-1.4 act", "invoice.pdf": b"%PDF-1.4 invoice"})
LARGE = make_zip({"act.pdf": b"%PDF-1.4 act", "big.pdf": os.urandom(20 * 1024 * 1024)})  # multipart


def chunks(data: bytes, size: int = 1024 * 1024, fail_after: int | None = None):
    for offset in range(0, len(data), size):
        if fail_after is not None and offset >= fail_after:
            raise DownloadFailed("the download broke off (reset)")
        yield data[offset : offset + size]


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield client


def assert_nothing_left(s3):
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize("body", [SMALL, LARGE], ids=["single-put", "multipart"])
def test_verified_zip_lands_with_its_checksum_and_documents(s3, body):
    stored = ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(body), len(body))
    assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == body
    assert stored.sha256 == hashlib.sha256(body).hexdigest() and stored.size_bytes == len(body)
    assert [d.name for d in stored.documents] == sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())


@pytest.mark.parametrize("body", [SMALL, LARGE], ids=["single-put", "multipart"])
def test_truncated_body_leaves_nothing(s3, body):
    with pytest.raises(DownloadFailed, match="broke off"):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(body[: len(body) // 2]), len(body))
    assert_nothing_left(s3)


def test_stream_reset_mid_multipart_leaves_no_open_upload(s3):
    with pytest.raises(DownloadFailed):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(LARGE, fail_after=12 * 1024 * 1024), len(LARGE))
    assert_nothing_left(s3)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html>Service unavailable</html>", "not a ZIP"),
        (b"", "empty"),
        (b"PK\x03\x04" + os.urandom(5000), "not a readable ZIP"),
        (LARGE[: len(LARGE) - 200], "not a readable ZIP"),  # cut off, but no Content-Length to notice it
        (make_zip({}), "ZIP"),
    ],
)
def test_invalid_archives_are_never_stored(s3, body, reason):
    with pytest.raises(InvalidArchive, match=reason):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(body), None)
    assert_nothing_left(s3)


def test_list_documents_reads_only_the_tail():
    tail = LARGE[-64 * 1024 - 100 :]
    assert [d.name for d in list_documents(tail, len(LARGE))] == ["act.pdf", "big.pdf"]


def test_keys_are_deterministic_per_campaign_month_and_contract_types():
    job = Job(business="shop", campaign_id=42, month="2025-12", contract_types=["INCOME", "MARKETING"])
    keys = job.archive_keys("closing-documents")
    assert keys.file("zip") == "closing-documents/2025-12/shop/42/closing-documents_42_2025-12_INCOME-MARKETING.zip"
    assert keys.manifest.endswith("_INCOME-MARKETING.manifest.json")
    assert job.model_copy(update={"contract_types": None}).archive_keys("p").file("zip").endswith("_ALL.zip")
