"""The archive audit: is every unit of the month before accounted for in the archive?

The archive run (its own schedule, by default on the 10th) may wait up to NotPublishedRecheckDays for Yandex to
publish; the audit runs later in the month (AuditDayOfMonth, by default the 20th) and plans the campaign-months
exactly as the run does (``planning.resolve_plan``: the businesses in the secret, each one's configured or
discovered campaigns, the report kinds configured). A unit (one report kind, scope, month and contract type) is
accounted for when the archive holds

* its manifest, and the ZIP the manifest names with the size the manifest gives (ARCHIVED), or
* a no-documents marker saying Yandex had NO_DATA for it (NO_DOCUMENTS; the CheckStatus step writes it),

where, for closing documents, an archive or marker of another contract-type set counts for the types it covers: a
TOO_LARGE report is archived one type at a time, and an archive of all contracts covers any subset. A kind missing
from the archive is reported like a missing ZIP. Anything else is MISSING. The
step publishes the missing to the operations topic and always emits the MissingArchives metric, which an alarm
watches. The audit only lists and reads; it never writes to the archive.
"""

from __future__ import annotations

import json
from itertools import combinations
from typing import Any

from closing_docs import kinds
from closing_docs.adapters.archive import ArchiveStore
from closing_docs.domain.audit import AUDIT_STATUSES, AuditItem, AuditReport, AuditStatus, LeftOut
from closing_docs.domain.errors import ConfigurationError
from closing_docs.domain.models import ContractType, Job, NoDocumentsMarker, message_attributes
from closing_docs.domain.run import RunPlan
from closing_docs.domain.texts import say
from closing_docs.domain.unit import month_folder

SNS_MAX_BYTES = 256 * 1024
ALL_TYPES: tuple[ContractType, ...] = tuple(sorted(ContractType))
# Every contract-type set a key can be named after: all contracts ("ALL"), then every subset in the order the
# plan sorts them (a report too large for its set is archived one type at a time).
TYPE_SETS: tuple[list[ContractType] | None, ...] = (
    None,
    *(list(subset) for size in range(1, len(ALL_TYPES) + 1) for subset in combinations(ALL_TYPES, size)),
)


def _covers(types: list[ContractType] | None) -> set[ContractType]:
    return set(types or ALL_TYPES)


def _label(types: list[ContractType] | set[ContractType] | None) -> str:
    return ", ".join(sorted(types)) if types and set(types) != set(ALL_TYPES) else say("all_contracts")


def months_label(months: list[str]) -> str:
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


class _Archive:
    """What the bucket holds, read as needed: one listing per month, then the manifests and markers found."""

    def __init__(self, store: ArchiveStore, prefix: str) -> None:
        self.store, self.prefix = store, prefix
        self._listings: dict[str, dict[str, int]] = {}

    def listing(self, job: Job) -> dict[str, int]:
        """Key -> size of every current object of the unit's business and month."""
        folder = month_folder(self.prefix, job.month, job.business) + "/"
        if folder not in self._listings:
            self._listings[folder] = self.store.listing(folder)
        return self._listings[folder]

    def manifest_problem(self, key: str, listing: dict[str, int]) -> str | None:
        """None when the manifest is readable and its ZIP is there with its size; else what is wrong."""
        try:
            manifest = self.store.read_manifest(key)
        except ValueError:
            return say("audit.unreadable_manifest", key=key)
        if manifest is None:
            return say("audit.vanished", key=key)
        size = listing.get(manifest.zip_key)
        if size is None:
            return say("audit.file_gone", key=key, file=manifest.zip_key)
        if size != manifest.size_bytes:
            return say("audit.size", file=manifest.zip_key, size=size, expected=manifest.size_bytes)
        return None

    def marker(self, key: str) -> NoDocumentsMarker | None:
        body = self.store.read(key)
        try:
            return NoDocumentsMarker.model_validate_json(body) if body is not None else None
        except ValueError:
            return None


def audit_job(archive: _Archive, job: Job) -> AuditItem:
    """What the archive holds for one planned unit."""
    expected = _covers(job.contract_types)
    listing = archive.listing(job)
    type_sets = TYPE_SETS if kinds.of(job).contract_types == "set" else (job.contract_types,)
    archived: set[ContractType] = set()
    no_data: set[ContractType] = set()
    found: list[str] = []
    problems: list[str] = []
    for types in type_sets:
        covers = _covers(types)
        if not covers & expected:
            continue
        candidate = job.model_copy(update={"contract_types": types})
        keys = kinds.keys(candidate, archive.prefix)
        manifest_key = keys.manifest
        if manifest_key in listing:
            if (problem := archive.manifest_problem(manifest_key, listing)) is None:
                archived |= covers
                found.append(manifest_key)
            else:
                problems.append(problem)
        marker_key = keys.marker
        if marker_key in listing:
            marker = archive.marker(marker_key)
            if marker is None:
                problems.append(say("audit.unreadable_marker", key=marker_key))
            elif marker.report_status == "NO_DATA":
                no_data |= covers
                found.append(marker_key)
            else:
                problems.append(say("audit.failed_daily", key=marker_key, status=marker.report_status))
    uncovered = expected - archived - no_data
    status: AuditStatus = "MISSING" if uncovered else "ARCHIVED" if archived & expected else "NO_DOCUMENTS"
    reason = None
    if uncovered:
        reason = "; ".join([say("audit.uncovered", types=_label(uncovered)), *problems])
    return AuditItem(**job.identity(), title=kinds.title(job), status=status, keys=found, reason=reason)


def audit_plan(plan: RunPlan, store: ArchiveStore, prefix: str) -> AuditReport:
    """Audit every unit of ``plan`` against the archive."""
    archive = _Archive(store, prefix)
    items = [audit_job(archive, job) for business in plan.businesses for job in business.jobs if job.in_pack]
    counts: dict[str, int] = {status: sum(item.status == status for item in items) for status in AUDIT_STATUSES}
    missing = [item for item in items if item.status == "MISSING"]
    no_documents = [item for item in items if item.status == "NO_DOCUMENTS"]
    left_out = [
        LeftOut(business=b.business, campaign_id=u.campaign_id, api_availability=u.api_availability)
        for b in plan.businesses
        for u in b.unavailable
    ]
    months = months_label(plan.months)
    where = f"s3://{store.bucket}/{prefix}/"
    head = (
        say("audit.missing", months=months, missing=len(missing), total=len(items), where=where)
        if missing
        else say(
            "audit.ok",
            months=months,
            total=len(items),
            where=where,
            archived=counts["ARCHIVED"],
            no_documents=counts["NO_DOCUMENTS"],
        )
    )
    lines = [say("audit.missing_line", title=i.title, types=_label(i.contract_types), reason=i.reason) for i in missing]
    lines += [say("audit.no_documents_line", title=i.title, types=_label(i.contract_types)) for i in no_documents]
    lines += [
        say("audit.left_out", business=u.business, campaign=u.campaign_id, availability=u.api_availability)
        for u in left_out
    ]
    return AuditReport(
        status="MISSING" if missing else "OK",
        months=plan.months,
        bucket=store.bucket,
        counts=counts,
        missing=missing,
        no_documents=no_documents,
        unavailable=left_out,
        message="\n".join([head, *lines]),
    )


def publish(sns: Any, topic_arn: str, report: AuditReport) -> str:
    """Publish the report to the operations topic; returns the message id."""
    if not topic_arn:
        raise ConfigurationError("OPERATIONS_TOPIC_ARN is not set: the audit has nowhere to report missing archives")
    body = json.dumps(report.wire(), ensure_ascii=False)
    if len(body.encode()) > SNS_MAX_BYTES - 4096:  # keep the missing; the rest is in the function's log
        head = report.message.split("\n", 1)[0]
        cut = report.model_copy(update={"no_documents": [], "message": head + " (list cut to fit SNS)"})
        body = json.dumps(cut.wire(), ensure_ascii=False)
    subject = say("audit.subject", months=months_label(report.months), missing=report.counts["MISSING"])
    response = sns.publish(
        TopicArn=topic_arn,
        Subject=subject[:100],
        Message=body,
        MessageAttributes=message_attributes(
            kind=report.kind, status=report.status, months=months_label(report.months)
        ),
    )
    return str(response["MessageId"])
