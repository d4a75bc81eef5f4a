"""What the SNS announcements say. FAILED notices are built in the state machine itself (so a failing
Lambda cannot prevent them); their wording lives in statemachine/closing_documents.asl.json."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .models import (
    STATUSES,
    BusinessSummary,
    Job,
    Manifest,
    Notice,
    NoticeStatus,
    Outcome,
    RunSummary,
    SummarizeEvent,
)
from .texts import say


def _notice(
    status: NoticeStatus, job: Job, report_id: str | None, execution_id: str, message: str, **extra: Any
) -> Notice:
    return Notice(
        **job.identity(), status=status, report_id=report_id, execution_arn=execution_id, message=message, **extra
    )


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
        say("archived", title=job.title, contents=contents, size=manifest.size_bytes, sha256=manifest.sha256),
        **_where(bucket, manifest),
    )


def nothing_from_source(job: Job, why: str, execution_id: str) -> Notice:
    """A source with nothing to archive for the unit (not a failure): why, in the source's terms."""
    return _notice("NO_DOCUMENTS", job, None, execution_id, say("nothing", title=job.title, why=why))


def no_documents(job: Job, report_id: str, execution_id: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        say("no_documents", title=job.title),
    )


def already_archived(job: Job, manifest: Manifest, bucket: str, execution_id: str) -> Notice:
    return _notice(
        "ALREADY_ARCHIVED",
        job,
        manifest.report_id,
        execution_id,
        say("already_archived", title=job.title, date=f"{manifest.archived_at:%Y-%m-%d}"),
        **_where(bucket, manifest),
    )


def in_progress(job: Job, owner: str, execution_id: str) -> Notice:
    return _notice(
        "IN_PROGRESS",
        job,
        None,
        execution_id,
        say("in_progress", title=job.title, owner=owner),
    )


def not_published(job: Job, report_id: str, execution_id: str, days: int, last_status: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        say("not_published", title=job.title, status=last_status, days=days + 1),
    )


def _scope(outcome: Outcome) -> str:
    if outcome.campaign_id is not None:
        return say("scope.campaign", id=outcome.campaign_id)
    if outcome.business_id is not None:
        return say("scope.business", id=outcome.business_id)
    return outcome.scope or ""


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(say("count", status=say(f"status.{status}"), n=n) for status, n in counts.items() if n)


def run_summary(event: SummarizeEvent) -> RunSummary:
    """One notice for the whole run: per business and report kind, how many units ended how; the failed listed."""
    totals: Counter[str] = Counter()
    businesses = []
    for result in event.results:
        counts = Counter(outcome.status for outcome in result.outcomes)
        totals.update(counts)
        kinds: dict[str, dict[str, int]] = {}
        for outcome in result.outcomes:
            kinds.setdefault(outcome.kind, dict.fromkeys(STATUSES, 0))[outcome.status] += 1
        businesses.append(
            BusinessSummary(
                business=result.business,
                counts={status: counts[status] for status in STATUSES},
                kinds=kinds,
                failed=[o for o in result.outcomes if o.status == "FAILED"],
                unavailable=result.unavailable,
            )
        )
    failed = totals["FAILED"]
    months = event.months[0] if len(event.months) == 1 else f"{event.months[0]}..{event.months[-1]}"
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
    lines += [
        say("summary.left_out", business=b.business, campaign=u.campaign_id, availability=u.api_availability)
        for b in businesses
        for u in b.unavailable
    ]
    head = say("summary.failed", months=months, failed=failed) if failed else say("summary.ok", months=months)
    return RunSummary(
        status="FAILED" if failed else "OK",
        months=event.months,
        counts={status: totals[status] for status in STATUSES},
        businesses=businesses,
        execution_arn=event.execution_id,
        message="\n".join([head, *lines]),
    )
