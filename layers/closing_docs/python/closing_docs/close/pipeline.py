"""The month's close in the pipeline (issue 20): what a business-month's close reads from the archive, whether it
must run again, what it stores, and what it announces. The close itself is the pure package :mod:`closing_docs.close`;
the step that drives it with the AWS clients is :mod:`closing_docs.steps.close`.

* **What it reads.** Each table report unit of the business-month (the run's plan, ``units/<n>.json`` in the work
  bucket) is read in its CSV form: the unit itself when the deployment's ReportFormat is CSV, else its CSV twin
  (``twin: "CSV"``, ``<stem>.csv.zip``). A manifest means ARCHIVED (the file is spooled to /tmp and its SHA-256
  checked against the manifest), a no-documents marker NO_DATA, neither FAILED (the close's checks that need it are
  SKIPPED, with the unit's error when the run's results have it).
* **What it stores.** Under ``<prefix>/<YYYY-MM>/<business>/close/``: the files of :data:`closing_docs.close.OUTPUTS`,
  then ``close.manifest.json`` (written last, like every manifest): each file's key, SHA-256, size and S3 version
  (``files``, as a source's manifest lists its files, so fixity checks them), the checks' status, and the inputs
  read (``inputs``: each report's key, status and SHA-256).
* **When it runs again.** ``force`` (a unit of the month forced) rebuilds it. Otherwise, when the previous close's
  manifest lists the same inputs with the same SHA-256s (nothing new archived), it is left as it is: UNCHANGED, no
  files written and no notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import IO, Any, Literal

from pydantic import Field, StrictStr

from closing_docs import kinds
from closing_docs.domain.models import (
    ContractType,
    Job,
    Manifest,
    Outcome,
    Publication,
    Step,
    StoredFile,
    Wire,
    message_attributes,
)
from closing_docs.domain.run import Location, Written
from closing_docs.domain.unit import BusinessName, MonthField, month_folder

CLOSE_FOLDER = "close"
MANIFEST_NAME = "close.manifest.json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "xlsx": XLSX}
SourceStatus = Literal["ARCHIVED", "NO_DATA", "FAILED"]
CloseStatus = Literal["OK", "WARN", "FAIL"]


def close_folder(prefix: str, month: str, business: str) -> str:
    """``<prefix>/<YYYY-MM>/<business>/close``: where a business-month's close is stored."""
    return f"{month_folder(prefix, month, business)}/{CLOSE_FOLDER}"


def manifest_key(prefix: str, month: str, business: str) -> str:
    return f"{close_folder(prefix, month, business)}/{MANIFEST_NAME}"


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")


# --- the step's input and output ----------------------------------------------------------------------------------


class CloseStep(Step):
    """Input of the Close task: one business-month, and where the run's plan and the business's results are."""

    business: BusinessName
    business_id: int | None = None  # Market's id of the business, when the plan knows it
    month: MonthField
    execution_id: StrictStr = ""
    units: Location  # the business's units (runwork.py): which reports the month asked for
    results: Written | None = None  # the business's units' outcomes (ResultWriter): the errors of the failed ones
    # the Close task's own failure (a timeout, memory), as the state machine caught it ({Error, Cause}): the step
    # only says so (CLOSE_FAIL, "not run"), reading nothing
    error: dict[str, Any] | None = None


class CloseDone(Wire):
    """Output of the Close task. ``announcement``: None when there is nothing to announce (UNCHANGED)."""

    outcome: Literal["CLOSED", "UNCHANGED", "NOT_RUN"]
    status: CloseStatus | None = None
    announcement: Publication | None = None


# --- what the close read, and its manifest ------------------------------------------------------------------------


class CloseSource(Wire):
    """One report file of the month as the close found it."""

    kind: str
    campaign_id: int | None = None
    business_id: int | None = None
    contract_types: list[ContractType] | None = None
    status: SourceStatus
    key: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None
    error: str | None = None

    def fingerprint(self) -> tuple[object, ...]:
        return (
            self.kind,
            self.campaign_id,
            self.business_id,
            tuple(self.contract_types or ()),
            self.status,
            self.sha256,
        )


class CloseManifest(Wire):
    """``close/close.manifest.json``: the close's files (``files``: fixity reads them like a source's) and inputs."""

    schema_version: int = 1
    kind: Literal["close"] = "close"
    business: str
    business_id: int | None = None
    month: str
    status: CloseStatus
    zip_key: str  # the close's main file, checks.json (fixity reads zipKey, sha256, sizeBytes, files)
    sha256: str
    size_bytes: int
    version_id: str | None = None
    files: list[StoredFile]
    inputs: list[CloseSource] = Field(default_factory=list)
    language: str = "ru"
    archived_at: datetime
    execution_id: str

    def file(self, name: str) -> StoredFile | None:
        return next((f for f in self.files if f.key.endswith(f"/{CLOSE_FOLDER}/{name}")), None)


def month_jobs(jobs: Iterable[Job], month: str) -> list[Job]:
    """The month's table-report units as the plan has them (without their twins)."""
    return [job for job in jobs if str(job.month) == month and job.in_pack and kinds.of(job).table]


def failures(outcomes: Iterable[Outcome]) -> dict[str, str]:
    """Lock key -> "error: cause" of the units that FAILED."""
    return {
        o.lock_key: ": ".join(part for part in (o.error, o.cause) if part) for o in outcomes if o.status == "FAILED"
    }


def find_sources(
    jobs: Iterable[Job],
    prefix: str,
    report_format: str,
    read_manifest: Callable[[str], Manifest | None],
    has_marker: Callable[[str], bool],
    failed: dict[str, str],
) -> list[CloseSource]:
    """What the archive holds of each table report of the month, in its CSV form (the unit's own file when the
    deployment archives CSV, else its twin's)."""
    found = []
    for job in jobs:
        unit = job if report_format == "CSV" else job.model_copy(update={"twin": "CSV"})
        keys = kinds.keys(unit, prefix)
        base: dict[str, Any] = {
            "kind": job.kind,
            "campaign_id": job.campaign_id,
            "business_id": job.business_id,
            "contract_types": job.contract_types,
        }
        manifest = read_manifest(keys.manifest)
        if manifest is not None and manifest.format == "CSV":
            found.append(
                CloseSource(**base, status="ARCHIVED", key=manifest.zip_key, sha256=manifest.sha256,
                            size_bytes=manifest.size_bytes)
            )  # fmt: skip
        elif manifest is not None:  # archived before in another format (ReportFormat changed): not readable as CSV
            error = f"{manifest.zip_key} is {manifest.format}, not CSV; run the month again with force: true"
            found.append(CloseSource(**base, status="FAILED", key=manifest.zip_key, error=error))
        elif has_marker(keys.marker):
            found.append(CloseSource(**base, status="NO_DATA", key=keys.marker))
        else:
            error = failed.get(unit.lock_key) or failed.get(job.lock_key) or "not archived"
            found.append(CloseSource(**base, status="FAILED", key=keys.file("zip"), error=error))  # where it would be
    return found


def unchanged(previous: CloseManifest | None, sources: list[CloseSource], force: bool) -> bool:
    """Whether the stored close already stands for these inputs (same reports, statuses and SHA-256s)."""
    if force or previous is None:
        return False
    return sorted(map(_key, previous.inputs)) == sorted(map(_key, sources))


def _key(source: CloseSource) -> str:
    return json.dumps(source.fingerprint(), default=str)


def business_id(jobs: Iterable[Job]) -> int:
    """Market's business id, from the month's business-wide units (0: none of them has it)."""
    return next((job.business_id for job in jobs if job.business_id is not None), 0)


def sha256_of(stream: IO[bytes], chunk: int = 1024 * 1024) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(chunk), b""):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


# --- the notice ---------------------------------------------------------------------------------------------------


def announce_close(checks: dict[str, Any], language: str, uris: dict[str, str], execution_id: str) -> Publication:
    """One notice per business-month: the close's status (``CLOSE_OK``/``CLOSE_WARN``/``CLOSE_FAIL``), figures,
    the FAIL/WARN checks with their largest findings, and where its files are."""
    from closing_docs.close import render_notice
    from closing_docs.close.texts import say

    notice = render_notice(checks, language)
    message = notice.message + "\n" + say(language, "notice.where", uri=uris["close.xlsx"])
    body = {
        "kind": "CLOSE",
        "status": notice.status,
        "business": checks["business"],
        "businessId": checks["businessId"],
        "month": checks["month"],
        "figures": checks["figures"],
        "checks": {c["id"]: c["status"] for c in checks["checks"]},
        "checksUri": uris["checks.json"],
        "closeUri": uris["close.xlsx"],
        "manifestUri": uris[MANIFEST_NAME],
        "executionArn": execution_id,
        "message": message,
    }
    attributes = message_attributes(
        status=notice.status,
        business=checks["business"],
        month=checks["month"],
        businessId=checks["businessId"] or None,
    )
    return Publication(body=body, subject=notice.subject, attributes=attributes)


def announce_not_run(
    business: str, month: str, business_id_: int, error: str, language: str, execution_id: str
) -> Publication:
    """CLOSE_FAIL: the close could not run (its own fault, never the archive's)."""
    from closing_docs.close.texts import say

    message = say(language, "notice.not_run", month=month, business=business, error=error)
    body = {
        "kind": "CLOSE",
        "status": "CLOSE_FAIL",
        "business": business,
        "businessId": business_id_ or None,
        "month": month,
        "error": error,
        "executionArn": execution_id,
        "message": message,
    }
    subject = say(language, "notice.not_run_subject", month=month, business=business)[:100]
    return Publication(
        body=body,
        subject=subject,
        attributes=message_attributes(
            status="CLOSE_FAIL", business=business, month=month, businessId=business_id_ or None
        ),
    )


# --- the index page -----------------------------------------------------------------------------------------------


class CloseLink(Wire):
    """A month's close as the index page shows it: its status, linked to close.xlsx and checks.json."""

    month: str
    status: CloseStatus
    xlsx_key: str | None
    checks_key: str
    manifest_key: str


def close_link(month: str, key: str, body: bytes | None) -> CloseLink | None:
    """The close of ``month`` from its manifest (None: unreadable, or gone since the listing)."""
    if body is None:
        return None
    manifest = CloseManifest.model_validate_json(body)
    xlsx = manifest.file("close.xlsx")
    return CloseLink(
        month=month,
        status=manifest.status,
        xlsx_key=xlsx.key if xlsx else None,
        checks_key=manifest.zip_key,
        manifest_key=key,
    )
