"""DescribeFailure: the FAILED notice of a unit whose step failed (after its retries), from the unit and the error."""

from __future__ import annotations

import json

from closing_docs.domain.models import Announcement, FailureStep
from closing_docs.domain.texts import say
from closing_docs.steps import log_keys
from closing_docs.views import notices

REPORT_TIMEOUT = "ReportTimeout"  # the state machine's own error: the report was never ready (MaxStatusChecks)


def _cause(error: str, cause: object, step: FailureStep, report_id: str | None) -> str:
    """What the error says: a Lambda error's ``errorMessage`` (its Cause is that JSON), or the Cause as given."""
    if error == REPORT_TIMEOUT:
        return say("report_timeout", report=report_id or "-", checks=step.limits.max_status_checks)
    if isinstance(cause, str) and cause.startswith("{"):
        try:
            cause = json.loads(cause)
        except ValueError:
            pass
    if isinstance(cause, dict):
        return str(cause.get("errorMessage") or cause.get("errorType") or "")
    return "" if cause is None else str(cause)


def describe(step: FailureStep) -> Announcement:
    """The unit's FAILED announcement. The report it concerns is the one its last Generate asked for, if any (none
    when Generate itself failed, e.g. after waiting for Yandex's window: PACED)."""
    log_keys(step)
    report = (step.generated or {}).get("report") or {}
    report_id = report.get("reportId") if isinstance(report, dict) else None
    error = str(step.error.get("Error") or "States.TaskFailed")
    cause = _cause(error, step.error.get("Cause"), step, report_id)
    return notices.announce(notices.failed(step.job, error, cause, report_id, step.execution_id))
