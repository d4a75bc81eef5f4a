"""The pipeline's steps: one function per Lambda handler, each taking and returning a model."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from . import notices, polling
from .archive import CHUNK_SIZE, ArchiveStore, archive_keys
from .config import get_settings
from .errors import MarketProtocolError, ReportFailed
from .market import MarketClient, link_host
from .models import CheckStep, JobStep, Manifest, Notice, ReportRef, ReportState, ReportStep, ResolveEvent, RunPlan
from .months import Month
from .observability import logger, metrics
from .secrets import api_key
from .start_input import resolve_plan

_FAILED_HINTS = {
    "TOO_LARGE": "the archive is too large (TOO_LARGE); start the month again with one contract type at a "
    "time (contractTypes)",
    "RESOURCE_NOT_FOUND": "part of the data was not found (RESOURCE_NOT_FOUND); check that {campaign} is a "
    "campaign id from GET /v2/campaigns, not a business id or the store id shown in the seller cabinet",
    None: "check the campaign id and the month; documents for a month appear during the first working days "
    "of the next month",
}


@lru_cache(maxsize=1)
def market() -> MarketClient:
    settings = get_settings()
    return MarketClient(settings.api_url, api_key(settings))


@lru_cache(maxsize=1)
def store() -> ArchiveStore:
    import boto3

    return ArchiveStore(boto3.client("s3"), get_settings().bucket)


def reset_caches() -> None:
    """Forget settings, clients and the cached secret (what a new Lambda container starts with)."""
    from aws_lambda_powertools.utilities import parameters

    get_settings.cache_clear()
    market.cache_clear()
    store.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def _log_keys(step: JobStep, **extra: Any) -> None:
    logger.thread_safe_append_keys(campaign_id=step.job.campaign_id, month=step.job.month, **extra)


def resolve(event: ResolveEvent) -> RunPlan:
    """Validate the start input and list the campaign-months to archive (no Market call)."""
    plan = resolve_plan(event.input, event.start_time, get_settings())
    logger.info("run planned", extra={"month": plan.month, "campaigns": len(plan.jobs), "scheduled": plan.scheduled})
    return plan


def generate(step: JobStep) -> ReportRef:
    """Ask Yandex to generate the closing documents; return the report id and how long to wait."""
    _log_keys(step)
    job = step.job
    generated = market().generate_closure_documents(job.campaign_id, Month.parse(job.month), job.contract_types)
    wait = polling.first_wait(generated.estimated_generation_time)
    logger.info("report requested", extra={"report_id": generated.report_id, "wait_seconds": wait})
    return ReportRef(report_id=generated.report_id, wait_seconds=wait, requested_at=datetime.now(UTC))


def check(step: CheckStep) -> ReportState:
    """One status check: DONE, NO_DATA, or not ready (with the next wait); FAILED raises ReportFailed."""
    _log_keys(step, report_id=step.report.report_id)
    info = market().report_info(step.report.report_id)
    metrics.add_metric(name="StatusPolls", unit="Count", value=1)
    logger.info("report status", extra={"status": info.status, "sub_status": info.sub_status, "attempt": step.attempt})
    if info.sub_status == "NO_DATA":
        metrics.add_metric(name="NoDocuments", unit="Count", value=1)
        notice = notices.no_documents(step.job, step.report.report_id, step.execution_id)
        return ReportState(state="NO_DATA", next_wait_seconds=0, sub_status=info.sub_status, notice=notice)
    if info.status == "FAILED":
        hint = _FAILED_HINTS.get(info.sub_status, _FAILED_HINTS[None]).format(campaign=step.job.campaign_id)
        raise ReportFailed(
            f"Yandex could not generate report {step.report.report_id} for campaign {step.job.campaign_id} "
            f"and {step.job.month}: {hint}"
        )
    if info.status == "DONE":
        return ReportState(state="DONE", next_wait_seconds=0, sub_status=info.sub_status)
    return ReportState(
        state=info.status, next_wait_seconds=polling.next_wait(step.attempt, info.estimated_generation_time)
    )


def archive(step: ReportStep) -> Notice:
    """Fetch a fresh link, stream the ZIP into S3 verified, write its manifest; return the notice."""
    _log_keys(step, report_id=step.report.report_id)
    settings, job = get_settings(), step.job
    info = market().report_info(step.report.report_id)  # a fresh link: links expire, never cross a Wait
    if info.status != "DONE" or not info.file:
        raise MarketProtocolError(f"reports/info: report {step.report.report_id} is {info.status} without a file")
    host = link_host(info.file)
    logger.info("downloading", extra={"download_host": host})
    chunks, length = market().download(info.file, CHUNK_SIZE)
    keys = archive_keys(settings.prefix, job)
    stored = store().store_zip(keys.zip, chunks, length)
    manifest = Manifest(
        business=job.business,
        campaign_id=job.campaign_id,
        month=job.month,
        contract_types=job.contract_types,
        report_id=step.report.report_id,
        zip_key=keys.zip,
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
        documents=stored.documents,
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
    logger.info("archived", extra={"key": keys.zip, "size_bytes": stored.size_bytes, "sha256": stored.sha256})
    return notices.archived(job, step.report.report_id, stored, keys, settings.bucket, step.execution_id)
