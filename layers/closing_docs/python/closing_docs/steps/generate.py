"""GenerateReport: own the unit, then start its work (or say why not, or how long to wait)."""

from __future__ import annotations

from closing_docs import kinds
from closing_docs.adapters.observability import logger
from closing_docs.domain import polling
from closing_docs.domain.errors import ReportNotFound, caught_message
from closing_docs.domain.models import ReportRef
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps import log_keys
from closing_docs.steps.wiring import claims, store, work
from closing_docs.views import notices


def generate(run: UnitRun) -> UnitRun:
    """Own the unit, then start its work: unless it is archived already (and not forced), another execution owns
    it, this execution started it already (a retried step), or Yandex's window for this kind of report is closed
    for the business (PACED: wait, then ask again). A kind that is not polled is archived at once.

    After "Report not found." (``error`` ReportNotFound, from CheckStatus or Archive) a new report is asked for, up
    to MaxRegenerations times; then that error is the unit's."""
    log_keys(run)
    if run.error is not None:
        run = _regenerated(run)
    job, kind, context = run.job, kinds.of(run.job), work(run)
    key = job.lock_key
    claim = claims().claim(key, run.execution_id)
    if not claim.mine:
        logger.info("owned by another execution", extra={"owner": claim.owner})
        return run.ended(notices.announce(notices.in_progress(job, claim.owner, run.execution_id)))
    if not job.force and (manifest := store().read_manifest(kind.keys(job, context.settings.prefix).manifest)):
        logger.info("already archived", extra={"key": manifest.zip_key})
        notice = notices.already_archived(job, manifest, context.settings.bucket, run.execution_id)
        return run.ended(notices.announce(notice))
    if claim.report_id and claim.generation == run.generation:
        logger.info("reusing the report this step requested before", extra={"report_id": claim.report_id})
        return run.polling(ReportRef(report_id=claim.report_id, wait_seconds=polling.first_wait(None)))
    started = kind.start(context)
    if started.paced_seconds:
        return run.going("GENERATE", wait_seconds=started.paced_seconds)
    if started.report is None:  # nothing to poll: fetched at once, in the Archive step
        return run.going("ARCHIVE", report=None)
    claims().record_report(key, run.execution_id, started.report.report_id, run.generation)
    return run.polling(started.report)


def _regenerated(run: UnitRun) -> UnitRun:
    """The run after a report Yandex no longer knows: a new one, a bounded number of times."""
    error = str(run.error.get("Error")) if run.error else ""
    if error != ReportNotFound.__name__:
        raise ValueError(f"error: Generate only answers ReportNotFound, not {error!r}")
    if run.regenerations >= run.limits.max_regenerations:
        raise ReportNotFound(caught_message(run.error.get("Cause") if run.error else None))
    logger.info("report not found: a new one", extra={"regenerations": run.regenerations + 1})
    return run.anew(regenerations=run.regenerations + 1)
