"""DescribeFailure: the FAILED notice of a unit whose step failed (after its retries), from the unit and the error;
and the notice of a run that could not start or finish."""

from __future__ import annotations

from closing_docs.domain.errors import caught_message
from closing_docs.domain.run import RunFailure, RunFailureNotice
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps import log_keys
from closing_docs.views import notices


def describe(event: UnitRun | RunFailure) -> UnitRun | RunFailureNotice:
    """A unit's FAILED notice (the report it concerns is the one its last Generate asked for, if any: none when
    Generate itself failed, e.g. after waiting for Yandex's window), or the run's."""
    if isinstance(event, RunFailure):
        return describe_run(event)
    log_keys(event)
    error = event.error or {}
    name = str(error.get("Error") or "States.TaskFailed")
    report_id = event.report.report_id if event.report else None
    notice = notices.failed(event.job, name, caught_message(error.get("Cause")), report_id, event.execution_id)
    return event.ended(notices.announce(notice))


def describe_run(event: RunFailure) -> RunFailureNotice:
    """The run could not start or finish (an invalid start input, a Distributed Map that failed): its notice, and
    the error the execution fails with."""
    name = str(event.error.get("Error") or "States.TaskFailed")
    cause = caught_message(event.error.get("Cause"))
    return RunFailureNotice(error=name, cause=cause, notice=notices.run_failed(name, cause, event.execution_id))
