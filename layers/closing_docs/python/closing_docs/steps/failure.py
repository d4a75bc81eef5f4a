"""DescribeFailure: the FAILED notice of a unit whose step failed (after its retries), from the unit and the error;
and the notice of a run that could not start or finish."""

from __future__ import annotations

import json

from closing_docs.domain.models import Publication
from closing_docs.domain.run import RunFailure, RunFailureNotice
from closing_docs.domain.texts import say
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps import log_keys
from closing_docs.views import notices


def cause_of(cause: object) -> str:
    """What an error says: a Lambda error's ``errorMessage`` (its Cause is that JSON), or the Cause as given."""
    if isinstance(cause, str) and cause.startswith("{"):
        try:
            cause = json.loads(cause)
        except ValueError:
            pass
    if isinstance(cause, dict):
        return str(cause.get("errorMessage") or cause.get("errorType") or "")
    return "" if cause is None else str(cause)


def describe(event: UnitRun | RunFailure) -> UnitRun | RunFailureNotice:
    """A unit's FAILED notice (the report it concerns is the one its last Generate asked for, if any: none when
    Generate itself failed, e.g. after waiting for Yandex's window), or the run's."""
    if isinstance(event, RunFailure):
        return describe_run(event)
    log_keys(event)
    error = event.error or {}
    name = str(error.get("Error") or "States.TaskFailed")
    report_id = event.report.report_id if event.report else None
    notice = notices.failed(event.job, name, cause_of(error.get("Cause")), report_id, event.execution_id)
    return event.ended(notices.announce(notice))


def describe_run(event: RunFailure) -> RunFailureNotice:
    """The run could not start or finish (an invalid start input, a Distributed Map that failed): its notice, and
    the error the execution fails with."""
    name = str(event.error.get("Error") or "States.TaskFailed")
    cause = cause_of(event.error.get("Cause"))
    body = {
        "status": "FAILED",
        "executionArn": event.execution_id,
        "error": name,
        "cause": cause,
        "message": say("run_failed", error=name, cause=cause),
    }
    attributes = {"status": {"DataType": "String", "StringValue": "FAILED"}}
    notice = Publication(body=body, subject=say("run_failed_subject", error=name)[:100], attributes=attributes)
    return RunFailureNotice(error=name, cause=cause, notice=notice)
