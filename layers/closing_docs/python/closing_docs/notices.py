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
        return f"{len(manifest.sheets)} sheets ({', '.join(manifest.sheets)})"
    return f"{len(manifest.documents)} documents"


def archived(job: Job, manifest: Manifest, bucket: str, execution_id: str, said: str = "") -> Notice:
    """``said``: what a source's answer says, for the reader."""
    contents = said or _contents(manifest)
    return _notice(
        "ARCHIVED",
        job,
        manifest.report_id,
        execution_id,
        f"{job.title}: archived, {contents}, {manifest.size_bytes} bytes, SHA-256 {manifest.sha256}.",
        **_where(bucket, manifest),
    )


def nothing_from_source(job: Job, why: str, execution_id: str) -> Notice:
    """A source with nothing to archive for the unit (not a failure): why, in the source's terms."""
    return _notice("NO_DOCUMENTS", job, None, execution_id, f"{job.title}: nothing to archive. {why}")


def no_documents(job: Job, report_id: str, execution_id: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        f"{job.title}: Yandex Market has no data for it (report status NO_DATA). Closing documents for a month "
        "appear during the first working days of the next month; if the month had sales, check that the id is a "
        "campaign id and start it again later.",
    )


def already_archived(job: Job, manifest: Manifest, bucket: str, execution_id: str) -> Notice:
    return _notice(
        "ALREADY_ARCHIVED",
        job,
        manifest.report_id,
        execution_id,
        f"{job.title}: archived already ({manifest.archived_at:%Y-%m-%d}); nothing was requested. Start with "
        "force=true to archive it again.",
        **_where(bucket, manifest),
    )


def in_progress(job: Job, owner: str, execution_id: str) -> Notice:
    return _notice(
        "IN_PROGRESS",
        job,
        None,
        execution_id,
        f"{job.title}: being archived by another execution ({owner}); this one requested nothing. Its notice "
        "follows from that execution.",
    )


def not_published(job: Job, report_id: str, execution_id: str, days: int, last_status: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        f"{job.title}: Yandex Market has not published it: the report was {last_status} on each of {days + 1} "
        "daily attempts. Check that the id is a campaign id; start the month by hand once the documents appear "
        "in the seller cabinet.",
    )


def _scope(outcome: Outcome) -> str:
    return (
        f"campaign {outcome.campaign_id}" if outcome.campaign_id is not None else f"business id {outcome.business_id}"
    )


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {status.lower().replace('_', ' ')}" for status, n in counts.items() if n)


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
        f"FAILED {o.business} {o.kind} {_scope(o)} {o.month}: {o.error}: {o.cause}"
        for b in businesses
        for o in b.failed
    ]
    lines += [
        f"left out {b.business} campaign {u.campaign_id}: Yandex reports its API as {u.api_availability}"
        for b in businesses
        for u in b.unavailable
    ]
    head = (
        f"Monthly documents {months}: {failed} report(s) FAILED; see below and the runbook."
        if failed
        else f"Monthly documents {months}: every report is accounted for."
    )
    return RunSummary(
        status="FAILED" if failed else "OK",
        months=event.months,
        counts={status: totals[status] for status in STATUSES},
        businesses=businesses,
        execution_arn=event.execution_id,
        message="\n".join([head, *lines]),
    )
