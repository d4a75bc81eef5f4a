"""GenerateReport: own the unit, then start its work (or say why not, or how long to wait)."""

from __future__ import annotations

from closing_docs import kinds
from closing_docs.adapters.observability import logger
from closing_docs.domain import polling
from closing_docs.domain.models import Generated, GenerateStep, ReportRef
from closing_docs.steps import log_keys
from closing_docs.steps.wiring import claims, store, work
from closing_docs.views import notices


def generate(step: GenerateStep) -> Generated:
    """Own the unit, then start its work: unless it is archived already (and not forced), another execution owns
    it, this execution started it already (a retried step), or Yandex's window for this kind of report is closed
    for the business (PACED: the state machine waits, then asks again). A kind that is not polled is READY."""
    log_keys(step)
    job, kind, context = step.job, kinds.of(step.job), work(step)
    key = job.lock_key
    claim = claims().claim(key, step.execution_id)
    if not claim.mine:
        logger.info("owned by another execution", extra={"owner": claim.owner})
        notice = notices.in_progress(job, claim.owner, step.execution_id)
        return Generated(outcome="IN_PROGRESS", lock_key=key, notice=notices.announce(notice))
    if not job.force and (manifest := store().read_manifest(kind.keys(job, context.settings.prefix).manifest)):
        logger.info("already archived", extra={"key": manifest.zip_key})
        notice = notices.already_archived(job, manifest, context.settings.bucket, step.execution_id)
        return Generated(outcome="ALREADY_ARCHIVED", lock_key=key, notice=notices.announce(notice))
    if claim.report_id and claim.generation == step.generation:
        logger.info("reusing the report this step requested before", extra={"report_id": claim.report_id})
        report = ReportRef(report_id=claim.report_id, wait_seconds=polling.first_wait(None))
        return Generated(outcome="GENERATED", lock_key=key, report=report)
    started = kind.start(context)
    if started.paced_seconds:
        return Generated(outcome="PACED", lock_key=key, wait_seconds=started.paced_seconds)
    if started.report is None:  # nothing to poll: fetched at once, in the Archive step
        return Generated(outcome="READY", lock_key=key)
    claims().record_report(key, step.execution_id, started.report.report_id, step.generation)
    return Generated(outcome="GENERATED", lock_key=key, report=started.report)
