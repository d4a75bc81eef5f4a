"""The pipeline's steps: one function per Lambda handler, each taking and returning a model."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3

from . import notices, polling
from .archive import CHUNK_SIZE, ArchiveStore, archive_keys
from .config import get_settings
from .errors import MarketProtocolError, ReportFailed, ReportTooLarge
from .market import MarketClient, link_host
from .models import (
    AuditEvent,
    AuditReport,
    CheckStep,
    Generated,
    GenerateStep,
    JobStep,
    Manifest,
    NoDocumentsMarker,
    Notice,
    ReportRef,
    ReportState,
    ReportStep,
    ResolveEvent,
    RunPlan,
    RunSummary,
    SummarizeEvent,
)
from .months import Month
from .observability import logger, metrics
from .secrets import api_key, api_keys

if TYPE_CHECKING:
    from .claims import Claims

_FAILED_HINTS = {
    "TOO_LARGE": "the archive is too large (TOO_LARGE) even for one contract type; ask Yandex Market support",
    "RESOURCE_NOT_FOUND": "part of the data was not found (RESOURCE_NOT_FOUND); check that {campaign} is a "
    "campaign id from GET /v2/campaigns, not a business id or the store id shown in the seller cabinet",
    None: "check the campaign id and the month; documents for a month appear during the first working days "
    "of the next month",
}


@lru_cache(maxsize=64)
def market(business: str) -> MarketClient:
    settings = get_settings()
    return MarketClient(settings.api_url, api_key(settings, business), download_allowed=settings.download_allowed)


@lru_cache(maxsize=1)
def store() -> ArchiveStore:
    return ArchiveStore(boto3.client("s3"), get_settings().bucket)


@lru_cache(maxsize=1)
def claims() -> Claims:
    from .claims import Claims  # modules one step needs are imported by it (bench/coldstart.py)

    return Claims(boto3.resource("dynamodb").Table(get_settings().lock_table), boto3.client("stepfunctions"))


def reset_caches() -> None:
    """Forget settings, clients and the cached secret (what a new Lambda container starts with)."""
    from aws_lambda_powertools.utilities import parameters

    get_settings.cache_clear()
    market.cache_clear()
    store.cache_clear()
    claims.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def _failure_message(step: ReportStep, sub_status: str | None) -> str:
    hint = _FAILED_HINTS.get(sub_status, _FAILED_HINTS[None]).format(campaign=step.job.campaign_id)
    return (
        f"Yandex could not generate report {step.report.report_id} for campaign {step.job.campaign_id} "
        f"and {step.job.month}: {hint}"
    )


def _log_keys(step: JobStep, **extra: Any) -> None:
    logger.thread_safe_append_keys(
        business=step.job.business, campaign_id=step.job.campaign_id, month=step.job.month, **extra
    )


def _plan(start_input: object, start_time: datetime) -> RunPlan:
    """The campaign-months a start input means: businesses from the secret, campaigns given, configured or
    listed by GET /v2/campaigns (the run and the audit plan alike)."""
    from .start_input import resolve_plan

    settings = get_settings()
    return resolve_plan(
        start_input, start_time, settings, lambda: list(api_keys(settings)), lambda name: market(name).campaigns()
    )


def resolve(event: ResolveEvent) -> RunPlan:
    """Validate the start input, then list the campaign-months to archive for each business. A business
    with no campaign ids given or configured has its shops listed by GET /v2/campaigns."""
    plan = _plan(event.input, event.start_time)
    logger.info(
        "run planned",
        extra={"months": plan.months, "businesses": [b.business for b in plan.businesses], "jobs": plan.job_count},
    )
    return plan


def summarize(event: SummarizeEvent) -> RunSummary:
    """The run-level notice: per business, how the campaign-months ended and which failed."""
    summary = notices.run_summary(event)
    metrics.add_metric(name="CampaignMonthsFailed", unit="Count", value=summary.counts["FAILED"])
    logger.info("run summary", extra={"status": summary.status, "counts": summary.counts})
    return summary


def generate(step: GenerateStep) -> Generated:
    """Own the campaign-month, then request its report: unless it is archived already (and not forced),
    another execution owns it, or this execution requested that report already (a retried step)."""
    _log_keys(step)
    job, settings = step.job, get_settings()
    key = job.lock_key
    claim = claims().claim(key, step.execution_id)
    if not claim.mine:
        logger.info("owned by another execution", extra={"owner": claim.owner})
        return Generated(
            outcome="IN_PROGRESS", lock_key=key, notice=notices.in_progress(job, claim.owner, step.execution_id)
        )
    keys = archive_keys(settings.prefix, job)
    if not job.force and (manifest := store().read_manifest(keys.manifest)) is not None:
        logger.info("already archived", extra={"key": keys.zip})
        notice = notices.already_archived(job, manifest, keys, settings.bucket, step.execution_id)
        return Generated(outcome="ALREADY_ARCHIVED", lock_key=key, notice=notice)
    if claim.report_id and claim.generation == step.generation:
        logger.info("reusing the report this step requested before", extra={"report_id": claim.report_id})
        report = ReportRef(report_id=claim.report_id, wait_seconds=polling.first_wait(None))
        return Generated(outcome="GENERATED", lock_key=key, report=report)
    generated = market(job.business).generate_closure_documents(
        job.campaign_id, Month.parse(job.month), job.contract_types
    )
    claims().record_report(key, step.execution_id, generated.report_id, step.generation)
    wait = polling.first_wait(generated.estimated_generation_time)
    logger.info("report requested", extra={"report_id": generated.report_id, "wait_seconds": wait})
    report = ReportRef(report_id=generated.report_id, wait_seconds=wait, requested_at=datetime.now(UTC))
    return Generated(outcome="GENERATED", lock_key=key, report=report)


def check(step: CheckStep) -> ReportState:
    """One status check: DONE, NO_DATA, NOT_YET (ask again tomorrow) or not ready (with the next wait).

    FAILED raises ReportFailed (ReportTooLarge for TOO_LARGE), except in a scheduled run of the month just
    ended, where Yandex answers NO_DATA or FAILED until it publishes the documents.
    """
    _log_keys(step, report_id=step.report.report_id)
    info = market(step.job.business).report_info(step.report.report_id)
    metrics.add_metric(name="StatusPolls", unit="Count", value=1)
    logger.info("report status", extra={"status": info.status, "sub_status": info.sub_status, "attempt": step.attempt})
    failed = info.status == "FAILED" and info.sub_status != "NO_DATA"
    if info.sub_status == "TOO_LARGE":
        raise ReportTooLarge(_failure_message(step, "TOO_LARGE"))
    if info.sub_status == "NO_DATA" or (failed and step.recheck_days):
        if step.days_left > 0:  # a scheduled run of the month just ended: Yandex has not published it yet
            return ReportState(
                next_attempt=step.attempt + 1, state="NOT_YET", next_wait_seconds=0, sub_status=info.sub_status
            )
        metrics.add_metric(name="NoDocuments", unit="Count", value=1)
        job, report_id = step.job, step.report.report_id
        if step.recheck_days:
            last = "FAILED" if failed else "NO_DATA"
            notice = notices.not_published(job, report_id, step.execution_id, step.recheck_days, last)
        else:
            notice = notices.no_documents(job, report_id, step.execution_id)
        settings = get_settings()
        marker = NoDocumentsMarker(
            business=job.business,
            campaign_id=job.campaign_id,
            month=job.month,
            contract_types=job.contract_types,
            report_id=report_id,
            report_status="FAILED" if failed else "NO_DATA",
            sub_status=info.sub_status,
            recorded_at=datetime.now(UTC),
            execution_id=step.execution_id,
            source_api=settings.api_url,
        )
        from .audit import record_no_documents

        key = record_no_documents(store(), settings.prefix, job, marker)  # the audit's evidence; raises if not stored
        logger.info("no documents recorded", extra={"key": key})
        return ReportState(
            next_attempt=step.attempt + 1,
            state="NO_DATA",
            next_wait_seconds=0,
            sub_status=info.sub_status,
            notice=notice,
        )
    if failed:
        raise ReportFailed(_failure_message(step, info.sub_status))
    if info.status == "PENDING" or info.status == "PROCESSING":
        wait = polling.next_wait(step.attempt, info.estimated_generation_time, polling.elapsed(step, info))
        return ReportState(next_attempt=step.attempt + 1, state=info.status, next_wait_seconds=wait)
    return ReportState(next_attempt=step.attempt + 1, state="DONE", next_wait_seconds=0, sub_status=info.sub_status)


def archive(step: ReportStep) -> Notice:
    """Fetch a fresh link, stream the ZIP into S3 verified, write its manifest; return the notice."""
    _log_keys(step, report_id=step.report.report_id)
    settings, job = get_settings(), step.job
    client = market(job.business)
    info = client.report_info(step.report.report_id)  # a fresh link: links expire, never cross a Wait
    if info.status != "DONE" or not info.file:
        raise MarketProtocolError(f"reports/info: report {step.report.report_id} is {info.status} without a file")
    host = link_host(info.file)
    logger.info("downloading", extra={"download_host": host})
    chunks, length = client.download(info.file, CHUNK_SIZE)
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


def audit(event: AuditEvent) -> AuditReport:
    """The archive audit (its own monthly schedule, after the run's daily rechecks): every campaign-month the run
    plans for the month before (or for the months asked for) must have its manifest or a no-documents marker.
    Always emits MissingArchives; publishes the report to the operations topic when anything is missing."""
    from .audit import audit_plan, publish

    settings = get_settings()
    plan = _plan(event.start_input(), datetime.now(UTC))
    report = audit_plan(plan, store(), settings.prefix)
    metrics.add_metric(name="MissingArchives", unit="Count", value=report.counts["MISSING"])
    missing = [f"{i.business}/{i.campaign_id}/{i.month}: {i.reason}" for i in report.missing]
    logger.info("archive audited", extra={"months": report.months, "counts": report.counts, "missing": missing})
    if report.missing:
        message_id = publish(boto3.client("sns"), settings.operations_topic_arn, report)
        logger.warning("missing archives reported", extra={"message_id": message_id})
    return report
