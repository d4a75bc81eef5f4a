"""ArchiveReport: a fresh link, the file streamed into S3 verified, its manifest; the ARCHIVED notice."""

from __future__ import annotations

from datetime import UTC, datetime

from .. import notices
from ..archive import CHUNK_SIZE, StoredZip
from ..config import get_settings
from ..errors import MarketProtocolError
from ..market import link_host
from ..models import Manifest, Notice, ReportStep
from ..observability import logger, metrics
from ..wiring import market, store
from . import log_keys

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheets(stored: StoredZip, report_format: str) -> list[str]:
    """A table report's sheets: the workbook's (XLSX) or one file per sheet (ZIP of CSV or JSON)."""
    if report_format == "FILE":
        return store().xlsx_sheets(stored.key, stored.size_bytes)
    return [document.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] for document in stored.documents]


def archive(step: ReportStep) -> Notice:
    """Fetch a fresh link, stream the file into S3 verified, write its manifest; return the notice."""
    log_keys(step, report_id=step.report.report_id)
    settings, job = get_settings(), step.job
    kind = job.report_kind
    client = market(job.business)
    info = client.report_info(step.report.report_id)  # a fresh link: links expire, never cross a Wait
    if info.status != "DONE" or not info.file:
        raise MarketProtocolError(f"reports/info: report {step.report.report_id} is {info.status} without a file")
    host = link_host(info.file)
    logger.info("downloading", extra={"download_host": host})
    chunks, length = client.download(info.file, CHUNK_SIZE)
    keys = job.archive_keys(settings.prefix)
    xlsx = kind.table and settings.report_format == "FILE"
    stored = store().store_zip(
        keys.file("xlsx" if xlsx else "zip"), chunks, length, _XLSX if xlsx else "application/zip"
    )
    manifest = Manifest(
        **job.identity(),
        report_id=step.report.report_id,
        zip_key=stored.key,
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
        documents=stored.documents,
        request=kind.body(job),
        format=settings.report_format if kind.table else None,
        sheets=_sheets(stored, settings.report_format) if kind.table else None,
        generation_requested_at=info.generation_requested_at,
        generation_finished_at=info.generation_finished_at,
        archived_at=datetime.now(UTC),
        execution_id=step.execution_id,
        source_api=settings.api_url,
        download_host=host,
    )
    store().write_manifest(keys.manifest, manifest)
    metrics.add_metric(name="ArchivesStored", unit="Count", value=1)
    metrics.add_metric(name="ArchiveBytes", unit="Bytes", value=stored.size_bytes)
    logger.info("archived", extra={"key": stored.key, "size_bytes": stored.size_bytes, "sha256": stored.sha256})
    return notices.archived(job, manifest, settings.bucket, step.execution_id)
