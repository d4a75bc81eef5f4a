"""What the SNS announcements say, every one of them: the state machine publishes what :func:`announce` builds
(FAILED notices too: the DescribeFailure step builds them from the unit and the error)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from closing_docs import kinds
from closing_docs.domain.models import (
    STATUSES,
    Announcement,
    Job,
    Manifest,
    Notice,
    NoticeStatus,
    Outcome,
    Publication,
    message_attributes,
)
from closing_docs.domain.run import BusinessDone, BusinessSummary, RunSummary
from closing_docs.domain.texts import say

FAILED_LISTED = 20  # failed units named in the run summary; the rest are counted (each is in the index, with its error)


def _notice(
    status: NoticeStatus, job: Job, report_id: str | None, execution_id: str, message: str, **extra: Any
) -> Notice:
    return Notice(
        **job.identity(),
        title=kinds.title(job),
        status=status,
        report_id=report_id,
        execution_arn=execution_id,
        message=message,
        **extra,
    )


def announce(notice: Notice) -> Announcement:
    """The notice as the Announce state publishes it: subject ``<title>: <STATUS>`` (under SNS's 100 characters),
    the message attributes subscribers filter on (status, business, month, kind, and the campaign or business id
    where the unit has one), and the outcome the unit ends with."""
    attributes = message_attributes(
        status=notice.status, business=notice.business, month=str(notice.month), kind=notice.kind,
        campaignId=notice.campaign_id, businessId=notice.business_id,
    )  # fmt: skip
    outcome = Outcome(
        **notice.identity(), title=notice.title, status=notice.status, error=notice.error, cause=notice.cause
    )
    return Announcement(body=notice, subject=f"{notice.title}: {notice.status}", attributes=attributes, outcome=outcome)


def failed(job: Job, error: str, cause: str, report_id: str | None, execution_id: str) -> Notice:
    return _notice(
        "FAILED", job, report_id, execution_id, say("failed", title=kinds.title(job), error=error, cause=cause),
        error=error, cause=cause,
    )  # fmt: skip


def _where(bucket: str, manifest: Manifest) -> dict[str, Any]:
    """The notice fields that say where the file is and how to verify it."""
    return {
        "s3_uri": f"s3://{bucket}/{manifest.zip_key}",
        "manifest_uri": f"s3://{bucket}/{manifest.zip_key.rsplit('.', 1)[0]}.manifest.json",
        "size_bytes": manifest.size_bytes,
        "sha256": manifest.sha256,
        "documents": manifest.documents,
    }


def _contents(manifest: Manifest) -> str:
    if manifest.sheets is not None:
        return say("contents.sheets", count=len(manifest.sheets), names=", ".join(manifest.sheets))
    return say("contents.documents", count=len(manifest.documents))


def archived(job: Job, manifest: Manifest, bucket: str, execution_id: str, said: str = "") -> Notice:
    """``said``: what a source's answer says, for the reader."""
    contents = said or _contents(manifest)
    return _notice(
        "ARCHIVED",
        job,
        manifest.report_id,
        execution_id,
        say("archived", title=kinds.title(job), contents=contents, size=manifest.size_bytes, sha256=manifest.sha256),
        **_where(bucket, manifest),
    )


def nothing_from_source(job: Job, why: str, execution_id: str) -> Notice:
    """A source with nothing to archive for the unit (not a failure): why, in the source's terms."""
    return _notice("NO_DOCUMENTS", job, None, execution_id, say("nothing", title=kinds.title(job), why=why))


def no_documents(job: Job, report_id: str, execution_id: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        say("no_documents", title=kinds.title(job)),
    )


def already_archived(
    job: Job, manifest: Manifest, bucket: str, execution_id: str, since: datetime | None = None
) -> Notice:
    """``since``: when an earlier run made the document (else when it was archived)."""
    return _notice(
        "ALREADY_ARCHIVED",
        job,
        manifest.report_id,
        execution_id,
        say("already_archived", title=kinds.title(job), date=f"{since or manifest.archived_at:%Y-%m-%d}"),
        **_where(bucket, manifest),
    )


def in_progress(job: Job, owner: str, execution_id: str) -> Notice:
    return _notice(
        "IN_PROGRESS",
        job,
        None,
        execution_id,
        say("in_progress", title=kinds.title(job), owner=owner),
    )


def not_published(job: Job, report_id: str, execution_id: str, days: int, last_status: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        say("not_published", title=kinds.title(job), status=last_status, days=days + 1),
    )


def _scope(outcome: Outcome) -> str:
    if outcome.campaign_id is not None:
        return say("scope.campaign", id=outcome.campaign_id)
    if outcome.business_id is not None:
        return say("scope.business", id=outcome.business_id)
    return outcome.scope or ""


def _counted(counts: dict[str, int]) -> str:
    said = ", ".join(say("count", status=say(f"status.{status}"), n=n) for status, n in counts.items() if n)
    return said or say("summary.nothing")


def run_summary(
    months: list[str], execution_id: str, results: Iterable[tuple[BusinessDone, Sequence[Outcome]]]
) -> RunSummary:
    """One notice for the whole run: per business and report kind, how many units ended how; the failed listed, up
    to FAILED_LISTED of them (the notice must fit SNS and the state: the index lists every unit with its error)."""
    totals: Counter[str] = Counter()
    businesses = []
    room = FAILED_LISTED
    done_outcomes = list(results)
    for done, outcomes in done_outcomes:
        counts = Counter(outcome.status for outcome in outcomes)
        totals.update(counts)
        kinds: dict[str, dict[str, int]] = {}
        for outcome in outcomes:
            kinds.setdefault(outcome.kind, dict.fromkeys(STATUSES, 0))[outcome.status] += 1
        failed = [o for o in outcomes if o.status == "FAILED"]
        businesses.append(
            BusinessSummary(
                business=done.business,
                counts={status: counts[status] for status in STATUSES},
                kinds=kinds,
                failed=failed[:room],
                failed_not_listed=max(0, len(failed) - room),
                unavailable=done.unavailable,
            )
        )
        room = max(0, room - len(failed))
    # a failed twin is listed, but the run fails only when a report of the pack failed (Unit.in_pack)
    failed_count = sum(1 for _, outcomes in done_outcomes for o in outcomes if o.status == "FAILED" and o.in_pack)
    span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
    lines = []
    for b in businesses:
        lines.append(f"{b.business}: {_counted(b.counts)}")
        if len(b.kinds) > 1:
            lines += [f"  {kind}: {_counted(counts)}" for kind, counts in b.kinds.items()]
    lines += [
        say(
            "summary.failed_line",
            business=o.business,
            kind=o.kind,
            scope=_scope(o),
            month=o.month,
            error=o.error,
            cause=o.cause,
        )
        for b in businesses
        for o in b.failed
    ]
    if unlisted := sum(b.failed_not_listed for b in businesses):
        lines.append(say("summary.not_listed", n=unlisted))
    if unpublished := sum(1 for _, outcomes in done_outcomes for o in outcomes if o.notice_error):
        lines.append(say("summary.unpublished", n=unpublished))
    lines += [
        say("summary.left_out", business=b.business, campaign=u.campaign_id, availability=u.api_availability)
        for b in businesses
        for u in b.unavailable
    ]
    head = say("summary.failed", months=span, failed=failed_count) if failed_count else say("summary.ok", months=span)
    return RunSummary(
        status="FAILED" if failed_count else "OK",
        months=months,
        counts={status: totals[status] for status in STATUSES},
        businesses=businesses,
        execution_arn=execution_id,
        message="\n".join([head, *lines]),
    )


def summary_notice(summary: RunSummary) -> Publication:
    """The run summary as the run's Publish state sends it."""
    attributes = message_attributes(status="RUN_SUMMARY", outcome=summary.status)
    return Publication(
        body=summary.wire(), subject=say("summary_subject", status=summary.status), attributes=attributes
    )


def run_failed(error: str, cause: str, execution_id: str) -> Publication:
    """The notice of a run that could not start or finish."""
    body = {
        "status": "FAILED",
        "executionArn": execution_id,
        "error": error,
        "cause": cause,
        "message": say("run_failed", error=error, cause=cause),
    }
    subject = say("run_failed_subject", error=error)[:100]
    return Publication(body=body, subject=subject, attributes=message_attributes(status="FAILED"))
