"""What the SNS announcements say. FAILED notices are built in the state machine itself (so a failing
Lambda cannot prevent them); their wording lives in statemachine/closing_documents.asl.json."""

from __future__ import annotations

from typing import Any

from .archive import ArchiveKeys, StoredZip
from .models import Job, Notice, NoticeStatus


def _notice(status: NoticeStatus, job: Job, report_id: str, execution_id: str, message: str, **extra: Any) -> Notice:
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


def archived(job: Job, report_id: str, stored: StoredZip, keys: ArchiveKeys, bucket: str, execution_id: str) -> Notice:
    return _notice(
        "ARCHIVED",
        job,
        report_id,
        execution_id,
        f"Closing documents of campaign {job.campaign_id} for {job.month} are archived: "
        f"{len(stored.documents)} documents, {stored.size_bytes} bytes, SHA-256 {stored.sha256}.",
        s3_uri=f"s3://{bucket}/{keys.zip}",
        manifest_uri=f"s3://{bucket}/{keys.manifest}",
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        documents=stored.documents,
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
