"""ArchiveReport: the unit's kind fetches its documents into the archive, verified; their manifest; the notice."""

from __future__ import annotations

from datetime import UTC, datetime

from closing_docs import kinds
from closing_docs.adapters.observability import logger, metrics
from closing_docs.domain.models import Announcement, NoDocumentsMarker
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps import log_keys
from closing_docs.steps.wiring import store, work
from closing_docs.views import notices


def archive(run: UnitRun) -> UnitRun:
    """Fetch the unit's file(s) verified, write the manifest (or, with nothing, the no-documents marker); the unit
    ends with its notice."""
    return run.ended(_archive(run))


def _archive(step: UnitRun) -> Announcement:
    log_keys(step, report_id=step.report.report_id if step.report else None)
    job, kind, context = step.job, kinds.of(step.job), work(step)
    settings = context.settings
    archived = kind.fetch(context)
    if archived.manifest is None:
        marker = NoDocumentsMarker(
            **job.identity(),
            title=kind.title(job),
            report_id="-",
            report_status="NO_DATA",
            recorded_at=datetime.now(UTC),
            execution_id=step.execution_id,
            source_api=kind.name,
        )
        store().write_json(kind.keys(job, settings.prefix).marker, marker)
        metrics.add_metric(name="NoDocuments", unit="Count", value=1)
        return notices.announce(notices.nothing_from_source(job, archived.no_documents or "", step.execution_id))
    manifest, placed = archived.manifest, archived.unit or job
    store().write_manifest(kind.keys(manifest, settings.prefix).manifest, manifest)
    metrics.add_metric(name="ArchivesStored", unit="Count", value=1)
    metrics.add_metric(name="ArchiveBytes", unit="Bytes", value=manifest.size_bytes)
    logger.info(
        "archived", extra={"key": manifest.zip_key, "size_bytes": manifest.size_bytes, "sha256": manifest.sha256}
    )
    if archived.earlier is not None:  # made by an earlier run (e.g. the local runner's last one): nothing new now
        notice = notices.already_archived(placed, manifest, settings.bucket, step.execution_id, since=archived.earlier)
    else:
        notice = notices.archived(placed, manifest, settings.bucket, step.execution_id, archived.message)
    return notices.announce(notice)
