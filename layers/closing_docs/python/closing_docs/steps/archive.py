"""ArchiveReport: the file streamed into S3 verified, its manifest; the ARCHIVED notice.

A Market report: a fresh link from reports/info, the download streamed and checked as a ZIP. A source (another
system): the system is called now, and what it returns is stored, each file with its SHA-256.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from .. import notices
from ..archive import CHUNK_SIZE, StoredZip
from ..config import get_settings
from ..errors import MarketProtocolError
from ..market import link_host
from ..models import Announcement, Manifest, NoDocumentsMarker, Notice, ReportStep, StoredFile
from ..observability import logger, metrics
from ..reports import ReportKind
from ..sources import Fetching, SourceKind
from ..texts import say
from ..wiring import market, store, table
from . import log_keys

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheets(stored: StoredZip, report_format: str) -> list[str]:
    """A table report's sheets: the workbook's (XLSX) or one file per sheet (ZIP of CSV or JSON)."""
    if report_format == "FILE":
        return store().xlsx_sheets(stored.key, stored.size_bytes)
    return [document.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] for document in stored.documents]


def archive(step: ReportStep) -> Announcement:
    """Store the unit's file(s) verified, write the manifest; return the notice."""
    log_keys(step, report_id=step.report.report_id if step.report else None)
    kind = step.job.report_kind
    if isinstance(kind, SourceKind):
        return notices.announce(_archive_source(step, kind))
    if not isinstance(kind, ReportKind):
        raise TypeError(f"{kind.name}: neither a Market report nor a source")
    return notices.announce(_archive_report(step, kind))


def _archived(manifest: Manifest, stored: StoredZip) -> None:
    store().write_manifest(manifest.archive_keys(get_settings().prefix).manifest, manifest)
    metrics.add_metric(name="ArchivesStored", unit="Count", value=1)
    metrics.add_metric(name="ArchiveBytes", unit="Bytes", value=stored.size_bytes)
    logger.info("archived", extra={"key": stored.key, "size_bytes": stored.size_bytes, "sha256": stored.sha256})


def _archive_report(step: ReportStep, kind: ReportKind) -> Notice:
    settings, job = get_settings(), step.job
    if step.report is None:
        raise MarketProtocolError(say("error.archive.no_report", title=job.title))
    client = market(job.business)
    info = client.report_info(step.report.report_id)  # a fresh link: links expire, never cross a Wait
    if info.status != "DONE" or not info.file:
        raise MarketProtocolError(say("error.archive.no_file", report=step.report.report_id, status=info.status))
    host = link_host(info.file)
    logger.info("downloading", extra={"download_host": host})
    chunks, length = client.download(info.file, CHUNK_SIZE)
    keys = job.archive_keys(settings.prefix)
    report_format = job.file_format(settings.report_format)  # a CSV twin's own, else the deployment's
    xlsx = kind.table and report_format == "FILE"
    stored = store().store_zip(
        keys.file("xlsx" if xlsx else "zip"), chunks, length, _XLSX if xlsx else "application/zip"
    )
    manifest = Manifest(
        **job.identity(),
        report_id=step.report.report_id,
        zip_key=stored.key,
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
        version_id=stored.version_id,
        documents=stored.documents,
        request=kind.body(job),
        format=report_format if kind.table else None,
        sheets=_sheets(stored, report_format) if kind.table else None,
        generation_requested_at=info.generation_requested_at,
        generation_finished_at=info.generation_finished_at,
        archived_at=datetime.now(UTC),
        execution_id=step.execution_id,
        source_api=settings.api_url,
        download_host=host,
    )
    _archived(manifest, stored)
    return notices.archived(job, manifest, settings.bucket, step.execution_id)


def _archive_source(step: ReportStep, kind: SourceKind) -> Notice:
    settings, job = get_settings(), step.job
    fetched = kind.fetch(
        Fetching(unit=job, execution_id=step.execution_id, force=job.force, table=table(), resolution=job.resolution)
    )
    if fetched.no_documents is not None:
        marker = NoDocumentsMarker(
            **job.identity(),
            report_id="-",
            report_status="NO_DATA",
            recorded_at=datetime.now(UTC),
            execution_id=step.execution_id,
            source_api=kind.name,
        )
        store().write_json(job.archive_keys(settings.prefix).marker, marker)
        metrics.add_metric(name="NoDocuments", unit="Count", value=1)
        return notices.nothing_from_source(job, fetched.no_documents, step.execution_id)
    placed = job.model_copy(update={"month": fetched.month}) if fetched.month else job  # where the document says
    keys = placed.archive_keys(settings.prefix)
    stored = [store().put_file(keys.file(f.extension), f.body, f.content_type) for f in fetched.files]
    main = stored[0]
    manifest = Manifest(
        **placed.identity(),
        report_id=str(fetched.details.get("id", "-")),
        zip_key=main.key,
        sha256=main.sha256,
        size_bytes=main.size_bytes,
        version_id=main.version_id,
        documents=[document for s in stored for document in s.documents],
        files=[
            StoredFile(key=s.key, sha256=s.sha256, size_bytes=s.size_bytes, version_id=s.version_id) for s in stored
        ],
        details=fetched.details,
        archived_at=datetime.now(UTC),
        execution_id=step.execution_id,
        source_api=kind.name,
        download_host=urlsplit(str(fetched.details.get("api", ""))).hostname or "-",
    )
    _archived(manifest, main)
    if fetched.earlier is not None:  # made by an earlier run (e.g. the local runner's last one): nothing new now
        return notices.already_archived(placed, manifest, settings.bucket, step.execution_id, since=fetched.earlier)
    return notices.archived(placed, manifest, settings.bucket, step.execution_id, fetched.message)
