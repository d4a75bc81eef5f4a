"""CheckReport: GET /v2/reports/info/{reportId}. A pure decision (:func:`decide`), then its effects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from closing_docs import kinds
from closing_docs.adapters.observability import logger, metrics
from closing_docs.domain import polling
from closing_docs.domain.config import get_settings
from closing_docs.domain.errors import ReportFailed, ReportTimeout, ReportTooLarge
from closing_docs.domain.market_api import ReportInfo
from closing_docs.domain.models import Announcement, ContractType, NoDocumentsMarker, ReportRef
from closing_docs.domain.texts import say
from closing_docs.domain.unitrun import UnitRun
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


def _failure_message(run: UnitRun, report: ReportRef, sub_status: str | None) -> str:
    known = sub_status in ("TOO_LARGE", "RESOURCE_NOT_FOUND")
    hint = say(f"hint.{sub_status}" if known else "hint.other", campaign=run.job.campaign_id)
    return say("report_failed", report=report.report_id, title=kinds.title(run.job), hint=hint)


def check(run: UnitRun) -> UnitRun:
    """One status check of the unit's report: archive it (DONE), end it without documents (NO_DATA: the
    no-documents marker is written and announced), ask again tomorrow (NOT_YET), split it (TOO_LARGE: one whole unit
    per contract type, one after the other), or check again after the next wait.

    FAILED raises ReportFailed (ReportTooLarge for TOO_LARGE of a single contract type); a report still not ready
    after MaxStatusChecks checks raises ReportTimeout."""
    if run.report is None:
        raise ValueError("report: CheckStatus needs the report Generate asked for")
    report = run.report
    log_keys(run, report_id=report.report_id)
    info = market(run.job.business).report_info(report.report_id)
    metrics.add_metric(name="StatusPolls", unit="Count", value=1)
    logger.info("report status", extra={"status": info.status, "sub_status": info.sub_status, "attempt": run.attempt})
    kind = kinds.of(run.job)
    recheck_days = run.limits.recheck_days if kind.rechecks else 0
    decision = decide(
        info,
        days_left=(run.days_left or 0) if kind.rechecks else 0,
        recheck_days=recheck_days,
        elapsed=polling.elapsed(report, info),
        attempt=run.attempt,
    )
    if decision.state == "TOO_LARGE":
        if kind.contract_types != "set":
            raise ReportFailed(_failure_message(run, report, "TOO_LARGE"))
        types = run.job.contract_types or list(ContractType)
        if len(types) < 2:  # one contract type is as small as it gets
            raise ReportTooLarge(_failure_message(run, report, "TOO_LARGE"))
        parts = [run.job.model_copy(update={"contract_types": [t]}) for t in types]  # each with its own title, lock
        logger.info("too large: one report per contract type", extra={"parts": len(parts)})
        return run.split(parts)
    if decision.state == "FAILED":
        raise ReportFailed(_failure_message(run, report, info.sub_status))
    if decision.state == "NO_DATA":
        return run.ended(_record_no_documents(run, report, info, decision.last_status or "NO_DATA", recheck_days))
    if decision.state == "NOT_YET":
        days_left = (run.days_left or 0) - 1
        return run.anew(days_left=days_left).model_copy(update={"wait_seconds": run.limits.recheck_seconds})
    if decision.state == "DONE":
        return run.going("ARCHIVE")
    if run.attempt >= run.limits.max_status_checks:
        checks = run.limits.max_status_checks
        raise ReportTimeout(say("report_timeout", report=report.report_id, checks=checks))
    return run.going("CHECK", attempt=run.attempt + 1, wait_seconds=decision.wait_seconds)


def _record_no_documents(
    run: UnitRun, report: ReportRef, info: ReportInfo, last_status: Literal["NO_DATA", "FAILED"], recheck_days: int
) -> Announcement:
    """Write the no-documents marker (raises if it cannot be stored), count it, and return the notice."""
    metrics.add_metric(name="NoDocuments", unit="Count", value=1)
    job, report_id, settings = run.job, report.report_id, get_settings()
    marker = NoDocumentsMarker(
        **job.identity(),
        title=kinds.title(job),
        report_id=report_id,
        report_status=last_status,
        sub_status=info.sub_status,
        recorded_at=datetime.now(UTC),
        execution_id=run.execution_id,
        source_api=settings.api_url,
    )
    key = kinds.keys(job, settings.prefix).marker
    store().write_json(key, marker)
    logger.info("no documents recorded", extra={"key": key})
    if recheck_days:
        return notices.announce(notices.not_published(job, report_id, run.execution_id, recheck_days, last_status))
    return notices.announce(notices.no_documents(job, report_id, run.execution_id))
