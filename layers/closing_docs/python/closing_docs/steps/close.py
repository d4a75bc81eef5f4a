"""CloseMonth: after a business-month's units ended, its close (issue 20) from the archived CSV form of its table
reports; the files and their manifest under ``<month>/<business>/close/``; the notice (close/pipeline.py says how).

It never fails the archive: whatever goes wrong in the close is announced (CLOSE_FAIL, "not run") and the step
returns normally, so the execution's outcome stays the reports' own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from closing_docs.adapters.observability import logger, metrics
from closing_docs.adapters.runwork import items, outputs
from closing_docs.close import pipeline as mc
from closing_docs.domain.config import get_settings
from closing_docs.domain.models import Job, Outcome, StoredFile
from closing_docs.steps.wiring import s3, store


def close_month(step: mc.CloseStep) -> mc.CloseDone:
    """Run the close of ``step``'s business-month, unless nothing new was archived since the last one."""
    logger.thread_safe_append_keys(business=step.business, month=str(step.month))
    if step.error is not None:  # the task itself failed before: only announce it
        return _not_run(step, str(step.error.get("Error") or "States.TaskFailed"), [])
    jobs: list[Job] = []
    try:
        jobs = mc.month_jobs(_units(step), str(step.month))
        return _close(step, jobs)
    except Exception as error:  # noqa: BLE001 - the close never fails the archive: announced, the run goes on
        logger.exception("the month's close did not run")
        metrics.add_metric(name="ClosesNotRun", unit="Count", value=1)
        return _not_run(step, f"{type(error).__name__}: {error}", jobs)


def _not_run(step: mc.CloseStep, error: str, jobs: list[Job]) -> mc.CloseDone:
    """CLOSE_FAIL, "not run": what went wrong, said in the deployment's language."""
    business_id = step.business_id or mc.business_id(jobs)
    language, month = get_settings().notice_language, str(step.month)
    announcement = mc.announce_not_run(step.business, month, business_id, error[:500], language, step.execution_id)
    return mc.CloseDone(outcome="NOT_RUN", status="FAIL", announcement=announcement)


def _units(step: mc.CloseStep) -> list[Job]:
    return [Job.model_validate(item) for item in items(s3(), step.units)]


def _failed(step: mc.CloseStep) -> dict[str, str]:
    if step.results is None:
        return {}
    try:
        return mc.failures(Outcome.model_validate(o) for o in outputs(s3(), step.results))
    except Exception:  # noqa: BLE001 - only the error texts of failed units come from here: the close goes on
        logger.warning("the run's results could not be read; failed reports are named without their error")
        return {}


def _has(key: str) -> bool:
    return store().read(key) is not None


def _close(step: mc.CloseStep, jobs: list[Job]) -> mc.CloseDone:
    from closing_docs.close import OUTPUTS, CloseInput, ReportFile, run

    settings, month = get_settings(), str(step.month)
    sources = mc.find_sources(jobs, settings.prefix, settings.report_format, store().read_manifest, _has, _failed(step))
    manifest_key = mc.manifest_key(settings.prefix, month, step.business)
    previous_body = store().read(manifest_key)
    previous = mc.CloseManifest.model_validate_json(previous_body) if previous_body else None
    if mc.unchanged(previous, sources, force=any(job.force for job in jobs)):
        logger.info("nothing new archived for the month: its close stays as it is", extra={"key": manifest_key})
        return mc.CloseDone(outcome="UNCHANGED", status=previous.status if previous else None)
    business_id = step.business_id or mc.business_id(jobs)
    with tempfile.TemporaryDirectory(prefix="close-") as scratch:
        files = [
            ReportFile(
                kind=s.kind,
                status=s.status,
                open=_spooler(s.key, s.sha256, scratch) if s.status == "ARCHIVED" and s.key else None,
                campaign_id=s.campaign_id,
                contract_type=s.contract_types[0].value if s.contract_types and len(s.contract_types) == 1 else None,
                name=(s.key or s.kind).rsplit("/", 1)[-1],
                error=s.error,
            )
            for s in sources
        ]
        out = Path(scratch) / "out"
        result = run(CloseInput(step.business, business_id, step.month, files), out, settings.notice_language)
        folder = mc.close_folder(settings.prefix, month, step.business)
        stored = [_store(out / name, f"{folder}/{name}") for name in OUTPUTS]
    checks = next(s for s in stored if s.key.endswith("/checks.json"))
    manifest = mc.CloseManifest(
        business=step.business,
        business_id=business_id or None,
        month=month,
        status=result.status,
        zip_key=checks.key,
        sha256=checks.sha256,
        size_bytes=checks.size_bytes,
        version_id=checks.version_id,
        files=stored,
        inputs=sources,
        language=settings.notice_language,
        archived_at=datetime.now(UTC),
        execution_id=step.execution_id,
    )
    store().write_json(manifest_key, manifest)  # last: the proof the close is complete
    metrics.add_metric(name="ClosesWritten", unit="Count", value=1)
    logger.info("month closed", extra={"status": result.status, "key": manifest_key})
    uris = {name: store().uri(f"{folder}/{name}") for name in (*OUTPUTS, mc.MANIFEST_NAME)}
    announcement = mc.announce_close(result.checks, settings.notice_language, uris, step.execution_id)
    return mc.CloseDone(outcome="CLOSED", status=result.status, announcement=announcement)


def _spooler(key: str, sha256: str | None, scratch: str) -> Callable[[], IO[bytes]]:
    """Opens the archived file spooled to /tmp (never whole in memory), its SHA-256 checked against the manifest's."""

    def spool() -> IO[bytes]:
        spooled = tempfile.TemporaryFile(dir=scratch)  # noqa: SIM115 - the close closes it (and /tmp forgets it)
        store().download_to(key, spooled)
        spooled.seek(0)
        if sha256 and mc.sha256_of(spooled) != sha256:
            spooled.close()
            raise ValueError(f"{key}: its SHA-256 is not the one its manifest records")
        return spooled

    return spool


def _store(path: Path, key: str) -> StoredFile:
    """One output into the archive, with its SHA-256 (S3 checks it on arrival)."""
    stored = store().put_path(path, key, mc.content_type(key))
    return StoredFile(key=key, sha256=stored.sha256, size_bytes=stored.size_bytes, version_id=stored.version_id)
