"""GenerateReport: own the unit, then ask Yandex for its report (or say why not, or how long to wait)."""

from __future__ import annotations

from datetime import UTC, datetime
from math import ceil

from .. import notices, polling
from ..config import get_settings
from ..models import Generated, GenerateStep, ReportRef
from ..observability import logger
from ..reports import ReportKind
from ..wiring import claims, market, pacing, store
from . import log_keys

NO_REPORT = "-"  # a source's unit has no Market report; the state machine still names one in FAILED notices


def generate(step: GenerateStep) -> Generated:
    """Own the unit, then request its report: unless it is archived already (and not forced), another execution
    owns it, this execution requested that report already (a retried step), or Yandex's window for this kind of
    report is closed for the business (PACED: the state machine waits, then asks again)."""
    log_keys(step)
    job, settings = step.job, get_settings()
    key = job.lock_key
    claim = claims().claim(key, step.execution_id)
    if not claim.mine:
        logger.info("owned by another execution", extra={"owner": claim.owner})
        notice = notices.in_progress(job, claim.owner, step.execution_id)
        return Generated(outcome="IN_PROGRESS", lock_key=key, notice=notices.announce(notice))
    keys = job.archive_keys(settings.prefix)
    if not job.force and (manifest := store().read_manifest(keys.manifest)) is not None:
        logger.info("already archived", extra={"key": manifest.zip_key})
        notice = notices.already_archived(job, manifest, settings.bucket, step.execution_id)
        return Generated(outcome="ALREADY_ARCHIVED", lock_key=key, notice=notices.announce(notice))
    if claim.report_id and claim.generation == step.generation:
        logger.info("reusing the report this step requested before", extra={"report_id": claim.report_id})
        report = ReportRef(report_id=claim.report_id, wait_seconds=polling.first_wait(None))
        return Generated(outcome="GENERATED", lock_key=key, report=report)
    kind = job.report_kind
    if not isinstance(kind, ReportKind):  # another system: it answers at once, in the Archive step
        return Generated(outcome="SYNC", lock_key=key, report=ReportRef(report_id=NO_REPORT, wait_seconds=0))
    if (wait := pacing().wait_seconds(job.business, job.kind)) > 0:
        logger.info("waiting for Yandex's window for this report kind", extra={"wait_seconds": ceil(wait)})
        return Generated(outcome="PACED", lock_key=key, wait_seconds=ceil(wait))
    params = {"format": job.file_format(settings.report_format)} if kind.table else None
    generation = market(job.business).generate(kind.path, kind.body(job), params)
    claims().record_report(key, step.execution_id, generation.report.report_id, step.generation)
    pacing().record(job.business, job.kind, generation.window)
    wait = polling.first_wait(generation.report.estimated_generation_time)
    logger.info("report requested", extra={"report_id": generation.report.report_id, "wait_seconds": wait})
    report = ReportRef(report_id=generation.report.report_id, wait_seconds=wait, requested_at=datetime.now(UTC))
    return Generated(outcome="GENERATED", lock_key=key, report=report)
