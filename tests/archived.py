"""Archived units in moto's S3, written as the pipeline writes them: the file and its manifest beside it (the
ArchiveReport step), or the no-documents marker where the file would be (CheckStatus)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import boto3
from moto import mock_aws

from closing_docs import kinds
from closing_docs.adapters.archive import ArchiveStore
from closing_docs.domain.models import Manifest, NoDocumentsMarker, Unit
from closing_docs.kinds.market import ReportKind

BUCKET, PREFIX, REGION = "archive", "closing-documents", "eu-central-1"
AT = datetime(2026, 1, 10, tzinfo=UTC)  # when the run after December 2025 archived it
RUN = {"execution_id": "exec", "source_api": "https://api.partner.market.yandex.ru"}  # the run that wrote it
BODY = b"PK\x03\x04 the documents"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@contextmanager
def bucket() -> Iterator[ArchiveStore]:
    """The empty archive bucket, in this process."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield ArchiveStore(s3, BUCKET)


def archive(store: ArchiveStore, unit: Unit, body: bytes = BODY, *, report_id: str = "r-1") -> Manifest:
    """``body`` stored as the unit's file (a table report's XLSX, a Market ZIP, a source's PDF), then its manifest."""
    kind = kinds.of(unit)
    if not isinstance(kind, ReportKind):
        extension, content_type = "pdf", "application/pdf"  # a source's document (ActivePlatform's)
    elif kind.table:
        extension, content_type = "xlsx", XLSX  # REPORT_FORMAT FILE, the default
    else:
        extension, content_type = "zip", "application/zip"
    stored = store.put_file(kinds.keys(unit, PREFIX).file(extension), body, content_type)
    manifest = Manifest(
        **unit.identity(),
        title=kinds.title(unit),
        report_id=report_id,
        zip_key=stored.key,
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
        version_id=stored.version_id,
        documents=stored.documents,
        archived_at=AT,
        **RUN,
        download_host="market-reports.s3.yandex.net",
    )
    store.write_manifest(kinds.keys(manifest, PREFIX).manifest, manifest)
    return manifest


def no_documents(store: ArchiveStore, unit: Unit, *, report_id: str = "r-2", status: str = "NO_DATA") -> str:
    """The marker of a unit the system had no documents for (``status`` FAILED: one that kept failing); its key."""
    marker = NoDocumentsMarker(
        **unit.identity(), title=kinds.title(unit), **RUN, report_id=report_id, report_status=status, recorded_at=AT
    )
    key = kinds.keys(unit, PREFIX).marker
    store.write_json(key, marker)
    return key
