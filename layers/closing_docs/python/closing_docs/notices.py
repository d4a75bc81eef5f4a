"""What the SNS announcements say. FAILED notices are built in the state machine itself (so a failing
Lambda cannot prevent them); their wording lives in statemachine/closing_documents.asl.json."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .archive import ArchiveKeys, StoredZip
from .models import (
    STATUSES,
    BusinessSummary,
    Job,
    Manifest,
    Notice,
    NoticeStatus,
    RunSummary,
    SummarizeEvent,
)


def _notice(
    status: NoticeStatus, job: Job, report_id: str | None, execution_id: str, message: str, **extra: Any
) -> Notice:
    return Notice(
        status=status,
        business=job.business,
        campaign_id=job.campaign_id,
        month=job.month,
        contract_types=job.contract_types,
        report_id=report_id,
        execution_arn=execution_id,
        message=message,
        **extra,
    )


def _where(bucket: str, keys: ArchiveKeys, stored: StoredZip | Manifest) -> dict[str, Any]:
    """The notice fields that say where the archive is and how to verify it."""
    return {
        "s3_uri": f"s3://{bucket}/{keys.zip}",
        "manifest_uri": f"s3://{bucket}/{keys.manifest}",
        "size_bytes": stored.size_bytes,
        "sha256": stored.sha256,
        "documents": stored.documents,
    }


def archived(job: Job, report_id: str, stored: StoredZip, keys: ArchiveKeys, bucket: str, execution_id: str) -> Notice:
    return _notice(
        "ARCHIVED",
        job,
        report_id,
        execution_id,
        f"Closing documents of campaign {job.campaign_id} for {job.month} are archived: "
        f"{len(stored.documents)} documents, {stored.size_bytes} bytes, SHA-256 {stored.sha256}.",
        **_where(bucket, keys, stored),
    )


def no_documents(job: Job, report_id: str, execution_id: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        f"Yandex Market has no closing documents for campaign {job.campaign_id} and {job.month} "
        "(report status NO_DATA). Documents for a month appear during the first working days of the next "
        "month; if the month had sales, check that the id is a campaign id and start it again later.",
    )


def already_archived(job: Job, manifest: Manifest, keys: ArchiveKeys, bucket: str, execution_id: str) -> Notice:
    return _notice(
        "ALREADY_ARCHIVED",
        job,
        manifest.report_id,
        execution_id,
        f"Closing documents of campaign {job.campaign_id} for {job.month} were archived already "
        f"({manifest.archived_at:%Y-%m-%d}); nothing was requested. Start with force=true to archive them again.",
        **_where(bucket, keys, manifest),
    )


def in_progress(job: Job, owner: str, execution_id: str) -> Notice:
    return _notice(
        "IN_PROGRESS",
        job,
        None,
        execution_id,
        f"Campaign {job.campaign_id} for {job.month} is being archived by another execution ({owner}); "
        "this one requested nothing. Its notice follows from that execution.",
    )


def not_published(job: Job, report_id: str, execution_id: str, days: int, last_status: str) -> Notice:
    return _notice(
        "NO_DOCUMENTS",
        job,
        report_id,
        execution_id,
        f"Yandex Market has not published closing documents for campaign {job.campaign_id} and {job.month}: "
        f"the report was {last_status} on each of {days + 1} daily attempts. Check that the id is a campaign "
        "id; start the month by hand once the documents appear in the seller cabinet.",
    )


def run_summary(event: SummarizeEvent) -> RunSummary:
    """One notice for the whole run: per business, how many campaign-months ended how; the failed listed."""
    totals: Counter[str] = Counter()
    businesses = []
    for result in event.results:
        counts = Counter(outcome.status for outcome in result.outcomes)
        totals.update(counts)
        businesses.append(
            BusinessSummary(
                business=result.business,
                counts={status: counts[status] for status in STATUSES},
                failed=[o for o in result.outcomes if o.status == "FAILED"],
                unavailable=result.unavailable,
            )
        )
    failed = totals["FAILED"]
    months = event.months[0] if len(event.months) == 1 else f"{event.months[0]}..{event.months[-1]}"
    lines = [
        f"{b.business}: " + ", ".join(f"{n} {status.lower().replace('_', ' ')}" for status, n in b.counts.items() if n)
        for b in businesses
    ]
    lines += [
        f"FAILED {o.business} campaign {o.campaign_id} {o.month}: {o.error}: {o.cause}"
        for b in businesses
        for o in b.failed
    ]
    lines += [
        f"left out {b.business} campaign {u.campaign_id}: Yandex reports its API as {u.api_availability}"
        for b in businesses
        for u in b.unavailable
    ]
    head = (
        f"Closing documents {months}: {failed} campaign-month(s) FAILED; see below and the runbook."
        if failed
        else f"Closing documents {months}: every campaign-month is accounted for."
    )
    return RunSummary(
        status="FAILED" if failed else "OK",
        months=event.months,
        counts={status: totals[status] for status in STATUSES},
        businesses=businesses,
        execution_arn=event.execution_id,
        message="\n".join([head, *lines]),
    )
