"""CheckReport: GET /v2/reports/info/{reportId}. A pure decision (:func:`decide`), then its effects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from closing_docs import kinds
from closing_docs.adapters.observability import logger, metrics
from closing_docs.domain import polling
from closing_docs.domain.config import get_settings
from closing_docs.domain.errors import ReportFailed, ReportTooLarge
from closing_docs.domain.models import Announcement, CheckStep, ContractType, NoDocumentsMarker, ReportInfo, ReportState
from closing_docs.domain.texts import say
from closing_docs.steps import log_keys
from closing_docs.steps.wiring import market, store
from closing_docs.views import notices


@dataclass(frozen=True)
class Decision:
    """What one status answer means. FAILED and TOO_LARGE fail the unit; NO_DATA ends it without documents
    (``last_status`` says what Yandex answered); NOT_YET asks again tomorrow; the rest wait ``wait_seconds``."""

    state: Literal["PENDING", "PROCESSING", "DONE", "NO_DATA", "NOT_YET", "FAILED", "TOO_LARGE"]
    wait_seconds: int = 0
    last_status: Literal["NO_DATA", "FAILED"] | None = None


def decide(info: ReportInfo, *, days_left: int, recheck_days: int, elapsed: float | None, attempt: int) -> Decision:
    """Pure: the decision for a status answer. ``recheck_days`` > 0 (a scheduled run of the month just ended, for a
    kind Yandex publishes later) makes NO_DATA and FAILED mean "not published yet" while ``days_left`` > 0."""
    failed = info.status == "FAILED" and info.sub_status != "NO_DATA"
    if info.sub_status == "TOO_LARGE":
        return Decision("TOO_LARGE")
    if info.sub_status == "NO_DATA" or (failed and recheck_days):
        if days_left > 0:
            return Decision("NOT_YET")
        return Decision("NO_DATA", last_status="FAILED" if failed else "NO_DATA")
    if failed:
        return Decision("FAILED")
    if info.status in ("PENDING", "PROCESSING"):
        return Decision(info.status, polling.next_wait(attempt, info.estimated_generation_time, elapsed))
    return Decision("DONE")


def _failure_message(step: CheckStep, sub_status: str | None) -> str:
    known = sub_status in ("TOO_LARGE", "RESOURCE_NOT_FOUND")
    hint = say(f"hint.{sub_status}" if known else "hint.other", campaign=step.job.campaign_id)
    return say("report_failed", report=step.report.report_id, title=kinds.title(step.job), hint=hint)


def check(step: CheckStep) -> ReportState:
    """One status check: DONE, NO_DATA, NOT_YET (ask again tomorrow), SPLIT (TOO_LARGE: the unit's parts, one per
    contract type, each a whole job) or not ready (with the next wait).

    FAILED raises ReportFailed (ReportTooLarge for TOO_LARGE of a single contract type). A NO_DATA end is recorded
    in the archive (the no-documents marker, the audit's evidence) and announced."""
    log_keys(step, report_id=step.report.report_id)
    info = market(step.job.business).report_info(step.report.report_id)
    metrics.add_metric(name="StatusPolls", unit="Count", value=1)
    logger.info("report status", extra={"status": info.status, "sub_status": info.sub_status, "attempt": step.attempt})
    rechecks = kinds.of(step.job).rechecks
    decision = decide(
        info,
        days_left=step.days_left if rechecks else 0,
        recheck_days=step.recheck_days if rechecks else 0,
        elapsed=polling.elapsed(step, info),
        attempt=step.attempt,
    )
    if decision.state == "TOO_LARGE":
        if kinds.of(step.job).contract_types != "set":
            raise ReportFailed(_failure_message(step, "TOO_LARGE"))
        types = step.job.contract_types or list(ContractType)
        if len(types) < 2:  # one contract type is as small as it gets
            raise ReportTooLarge(_failure_message(step, "TOO_LARGE"))
        parts = [step.job.model_copy(update={"contract_types": [t]}) for t in types]  # each with its own title, lock
        logger.info("too large: one report per contract type", extra={"parts": len(parts)})
        return ReportState(next_attempt=step.attempt + 1, state="SPLIT", next_wait_seconds=0, parts=parts)
    if decision.state == "FAILED":
        raise ReportFailed(_failure_message(step, info.sub_status))
    next_attempt = step.attempt + 1
    if decision.state == "NO_DATA":
        notice = _record_no_documents(step, info, decision.last_status or "NO_DATA", rechecks)
        return ReportState(
            next_attempt=next_attempt, state="NO_DATA", next_wait_seconds=0, sub_status=info.sub_status, notice=notice
        )
    return ReportState(
        next_attempt=next_attempt,
        state=decision.state,
        next_wait_seconds=decision.wait_seconds,
        sub_status=info.sub_status,
    )


def _record_no_documents(
    step: CheckStep, info: ReportInfo, last_status: Literal["NO_DATA", "FAILED"], rechecks: bool
) -> Announcement:
    """Write the no-documents marker (raises if it cannot be stored), count it, and return the notice."""
    metrics.add_metric(name="NoDocuments", unit="Count", value=1)
    job, report_id, settings = step.job, step.report.report_id, get_settings()
    marker = NoDocumentsMarker(
        **job.identity(),
        title=kinds.title(job),
        report_id=report_id,
        report_status=last_status,
        sub_status=info.sub_status,
        recorded_at=datetime.now(UTC),
        execution_id=step.execution_id,
        source_api=settings.api_url,
    )
    key = kinds.keys(job, settings.prefix).marker
    store().write_json(key, marker)
    logger.info("no documents recorded", extra={"key": key})
    if rechecks and step.recheck_days:
        return notices.announce(
            notices.not_published(job, report_id, step.execution_id, step.recheck_days, last_status)
        )
    return notices.announce(notices.no_documents(job, report_id, step.execution_id))
