"""Fixity: is every archived file still the one its manifest describes?

A scheduled run (its own small state machine, statemachine/fixity.asl.json, quarterly by default) goes through the
whole archive:

1. ``list_work``: pages through the archive listing (1,000 keys at a time) and writes the work list, the
   manifests in batches of :data:`BATCH_MANIFESTS`, as one JSON array to the fixity work bucket; the Distributed Map
   reads it from there (``ItemReader``), so a state payload never holds the archive's keys, whatever its size.
2. ``check_manifest`` (one Lambda per batch): reads each manifest and re-reads every file it names as a stream
   (1 MiB chunks: memory stays bounded), recomputes SHA-256 and size, and checks that the current version is the
   one the manifest names (``versionId``; older manifests have none: then that the object was not written after
   the manifest's ``archivedAt``). It keeps only the problems, and writes the batch's result next to the work list.
3. ``build_report``: gathers the results (a batch without one was not checked, and says so), writes the full report
   next to them, publishes the problems to the operations topic and always emits the FixityProblems metric.

Nothing here writes to the archive: the work bucket is the only place written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field

from closing_docs.adapters.archive import ArchiveStore, Digest
from closing_docs.domain.base import Wire
from closing_docs.domain.errors import ConfigurationError, InvalidInput
from closing_docs.domain.models import StoredFile, message_attributes
from closing_docs.domain.texts import say

BATCH_MANIFESTS = 25  # manifests per check Lambda: 25 files of up to 512 MiB stream well within its 900 s
READ_ATTEMPTS = 3  # a read that breaks off mid-stream (botocore retries only the request) is read again
# A file written this long after its manifest's archivedAt was replaced behind the manifest's back (the manifest
# is written after its files: clocks of Lambda and S3 agree to well within this).
WRITTEN_AFTER_TOLERANCE = timedelta(minutes=5)
SNS_MAX_BYTES = 256 * 1024
MANIFEST_SUFFIX = ".manifest.json"
_FOLDER = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")

ProblemStatus = Literal["MISMATCH", "MISSING", "REPLACED", "UNREADABLE", "NOT_CHECKED"]
PROBLEM_STATUSES: tuple[ProblemStatus, ...] = ("MISMATCH", "MISSING", "REPLACED", "UNREADABLE", "NOT_CHECKED")


# --- payloads ------------------------------------------------------------------------------------------------------


class FixityStart(Wire):
    """Input of the listing step: the execution's input and where the run keeps its work."""

    input: dict[str, Any] = Field(default_factory=dict)  # {"scheduledTime"} from the schedule; {"folder"} by hand
    work_bucket: str
    execution_id: str = ""
    run_name: str


class FixityWork(Wire):
    """Output of the listing step: what the run checks and where its work list is."""

    bucket: str  # the archive
    prefix: str  # the keys checked
    work_bucket: str
    run_prefix: str  # fixity/<execution name>/: the work list, each batch's result, the report
    work_key: str
    manifests: int
    batches: int
    execution_id: str = ""


class WorkItem(Wire):
    """One item of the work list (one child workflow of the Distributed Map)."""

    batch: int
    keys: list[str]


class FixityBatch(WorkItem):
    """Input of the check step: one batch of manifest keys, and where to leave its result."""

    work_bucket: str
    run_prefix: str
    execution_id: str = ""


class FixityProblem(Wire):
    """A file that is not what its manifest says (or could not be checked)."""

    status: ProblemStatus
    key: str  # the file (the manifest itself for an unreadable manifest or a batch not checked)
    manifest_key: str
    reason: str  # one readable sentence, with what to do
    expected_sha256: str | None = None
    actual_sha256: str | None = None
    expected_size: int | None = None
    actual_size: int | None = None
    archived_version_id: str | None = None  # the version the manifest names
    current_version_id: str | None = None
    # The version the manifest names is still in the bucket with the manifest's SHA-256 and size: restore it.
    archived_version_intact: bool | None = None


class FixityBatchResult(Wire):
    """What one check Lambda found: counts, and only the problems."""

    batch: int
    manifests: int
    files: int
    bytes: int
    problems: list[FixityProblem]


class FixityBatchDone(Wire):
    """The check step's output to the state machine (the result itself is in the work bucket)."""

    batch: int
    files: int
    problem_count: int
    problems: list[FixityProblem]


class FixityReportEvent(FixityWork):
    """Input of the report step: the listing's output."""


class FixityReport(Wire):
    """The run's result: the report step's output, the operations message, and report.json in the work bucket."""

    kind: Literal["ARCHIVE_FIXITY"] = "ARCHIVE_FIXITY"
    status: Literal["OK", "PROBLEMS"]
    bucket: str
    prefix: str
    manifests: int
    files: int
    bytes: int
    counts: dict[str, int]  # problem status -> files
    problems: list[FixityProblem]
    report_uri: str
    execution_id: str = ""
    message: str


class _ManifestFiles(Wire):
    """What fixity reads of a manifest (any schema version): the files and how to recognise them."""

    zip_key: str
    sha256: str
    size_bytes: int
    version_id: str | None = None
    files: list[StoredFile] | None = None  # sources: every file (the first is zip_key)
    archived_at: datetime | None = None

    def expected(self) -> list[StoredFile]:
        if self.files:
            return self.files
        return [
            StoredFile(key=self.zip_key, sha256=self.sha256, size_bytes=self.size_bytes, version_id=self.version_id)
        ]


# --- 1. the work list ----------------------------------------------------------------------------------------------


def archive_prefix(archive_root: str, start_input: dict[str, Any]) -> str:
    """The keys a run checks: the whole archive, or a folder of it given as ``{"folder": "2025-12/main"}``."""
    unknown = set(start_input) - {"folder", "scheduledTime"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}: a fixity run takes only folder")
    folder = start_input.get("folder")
    if folder is None or folder == "":
        return f"{archive_root}/"
    if not isinstance(folder, str) or not _FOLDER.match(folder.strip("/")) or ".." in folder.split("/"):
        raise InvalidInput(f"folder: a folder of the archive such as 2025-12 or 2025-12/main; got {folder!r}")
    return f"{archive_root}/{folder.strip('/')}/"


def batches(manifest_keys: Iterable[str], size: int) -> Iterator[WorkItem]:
    batch: list[str] = []
    index = 0
    for key in manifest_keys:
        batch.append(key)
        if len(batch) == size:
            yield WorkItem(batch=index, keys=batch)
            batch, index = [], index + 1
    if batch:
        yield WorkItem(batch=index, keys=batch)


def run_prefix(run_name: str) -> str:
    return f"fixity/{run_name}/"


def list_work(archive: ArchiveStore, work: ArchiveStore, prefix: str, start: FixityStart) -> FixityWork:
    """List every manifest under ``prefix`` and write the batches to the work bucket."""
    items = list(batches(archive.keys(prefix, MANIFEST_SUFFIX), BATCH_MANIFESTS))
    runs = run_prefix(start.run_name)
    work_key = f"{runs}work.json"
    work.write_json(work_key, [item.wire() for item in items])
    return FixityWork(
        bucket=archive.bucket,
        prefix=prefix,
        work_bucket=work.bucket,
        run_prefix=runs,
        work_key=work_key,
        manifests=sum(len(item.keys) for item in items),
        batches=len(items),
        execution_id=start.execution_id,
    )


# --- 2. one batch ----------------------------------------------------------------------------------------------------


def _read(read: Callable[[], Digest | None]) -> Digest | None:
    """A streamed read, again when the stream broke off (at most READ_ATTEMPTS times)."""
    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            return read()
        except BotoCoreError:
            if attempt == READ_ATTEMPTS:
                raise
    return None  # unreachable


def _short(sha256: str | None) -> str:
    return f"{sha256[:12]}…" if sha256 else "-"


def _archived_version(archive: ArchiveStore, expected: StoredFile) -> bool | None:
    """Whether the version the manifest names is still there, intact (None: the manifest names no version)."""
    if not expected.version_id:
        return None
    try:
        digest = _read(lambda: archive.digest(expected.key, expected.version_id))
    except (ClientError, BotoCoreError):
        return None  # not known: the problem itself is still reported
    return digest is not None and (digest.sha256, digest.size_bytes) == (expected.sha256, expected.size_bytes)


def _restore_advice(expected: StoredFile, intact: bool | None) -> str:
    if intact:
        return say("fixity.restore_intact", version=expected.version_id)
    if intact is False:
        return say("fixity.restore_gone", version=expected.version_id)
    return say("fixity.restore_unknown")


def _problem(
    status: ProblemStatus,
    manifest_key: str,
    expected: StoredFile,
    reason: str,
    current: Digest | None = None,
    intact: bool | None = None,
) -> FixityProblem:
    return FixityProblem(
        status=status,
        key=expected.key,
        manifest_key=manifest_key,
        reason=reason,
        expected_sha256=expected.sha256,
        expected_size=expected.size_bytes,
        archived_version_id=expected.version_id,
        actual_sha256=current.sha256 if current else None,
        actual_size=current.size_bytes if current else None,
        current_version_id=current.version_id if current else None,
        archived_version_intact=intact,
    )


def check_file(
    archive: ArchiveStore, manifest_key: str, expected: StoredFile, archived_at: datetime | None
) -> tuple[FixityProblem | None, Digest | None]:
    """Re-read one archived file and compare it with its manifest entry: (the problem or None, what was read)."""
    try:
        current = _read(lambda: archive.digest(expected.key))
    except (ClientError, BotoCoreError) as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        why = say("fixity.unreadable", key=expected.key, code=code)
        return _problem("UNREADABLE", manifest_key, expected, why), None
    if current is None:
        intact = _archived_version(archive, expected)
        why = say("fixity.missing", key=expected.key, manifest=manifest_key)
        return _problem("MISSING", manifest_key, expected, why + _restore_advice(expected, intact), None, intact), None
    replaced = bool(expected.version_id and current.version_id and current.version_id != expected.version_id)
    if (current.sha256, current.size_bytes) != (expected.sha256, expected.size_bytes):
        intact = _archived_version(archive, expected) if replaced else None
        version = say("fixity.mismatch_version", current=current.version_id) if replaced else ""
        why = say(
            "fixity.mismatch",
            key=expected.key,
            actual=_short(current.sha256),
            size=current.size_bytes,
            manifest=manifest_key,
            expected=_short(expected.sha256),
            expected_size=expected.size_bytes,
            version=version,
        )
        return _problem("MISMATCH", manifest_key, expected, why + _restore_advice(expected, intact), current, intact), (
            current
        )
    if replaced:
        why = say(
            "fixity.replaced_version", current=current.version_id, expected=expected.version_id, manifest=manifest_key
        )
    elif (
        not expected.version_id
        and archived_at is not None
        and current.last_modified is not None
        and current.last_modified > archived_at + WRITTEN_AFTER_TOLERANCE
    ):
        why = say(
            "fixity.written_after",
            at=f"{current.last_modified:%Y-%m-%d %H:%M}",
            manifest=manifest_key,
            archived=f"{archived_at:%Y-%m-%d %H:%M}",
        )
    else:
        return None, current
    reason = say("fixity.replaced", key=expected.key, why=why)
    intact = _archived_version(archive, expected) if replaced else None
    return _problem("REPLACED", manifest_key, expected, reason, current, intact), current


def check_manifest(archive: ArchiveStore, manifest_key: str) -> tuple[list[FixityProblem], int, int]:
    """(problems, files checked, bytes read) for one manifest and the files it names. A manifest rewritten while
    it was checked (a forced run) is checked again against its new content."""
    for attempt in (1, 2):
        versioned = archive.read_versioned(manifest_key)
        if versioned.body is None:
            problem = FixityProblem(
                status="MISSING",
                key=manifest_key,
                manifest_key=manifest_key,
                reason=f"{manifest_key} disappeared while the archive was checked; the audit will say what is missing",
            )
            return [problem], 0, 0
        try:
            manifest = _ManifestFiles.model_validate_json(versioned.body)
        except ValueError:
            problem = FixityProblem(
                status="UNREADABLE",
                key=manifest_key,
                manifest_key=manifest_key,
                reason=f"{manifest_key} is not a readable manifest: restore its earlier version (README, Fixity)",
            )
            return [problem], 0, 0
        problems: list[FixityProblem] = []
        files = size = 0
        for expected in manifest.expected():
            found, digest = check_file(archive, manifest_key, expected, manifest.archived_at)
            files += 1
            size += digest.size_bytes if digest else 0
            if found is not None:
                problems.append(found)
        if not problems or attempt == 2 or archive.etag(manifest_key) == versioned.etag:
            return problems, files, size
    raise AssertionError("unreachable: the second attempt always returns")


def check_batch(archive: ArchiveStore, batch: WorkItem) -> FixityBatchResult:
    problems: list[FixityProblem] = []
    files = size = 0
    for key in batch.keys:
        found, checked, read = check_manifest(archive, key)
        problems += found
        files += checked
        size += read
    return FixityBatchResult(batch=batch.batch, manifests=len(batch.keys), files=files, bytes=size, problems=problems)


def result_key(runs: str, batch: int) -> str:
    return f"{runs}results/{batch:06d}.json"


# --- 3. the report ----------------------------------------------------------------------------------------------------


def _work_list(work: ArchiveStore, key: str) -> list[WorkItem]:
    body = work.read(key)
    return [WorkItem.model_validate(item) for item in json.loads(body or b"[]")]


def build_report(work: ArchiveStore, event: FixityReportEvent) -> FixityReport:
    """Gather the batches' results; a batch without one was not checked (its Lambda failed)."""
    results: dict[int, FixityBatchResult] = {}
    for key in work.keys(f"{event.run_prefix}results/", ".json"):
        body = work.read(key)
        if body is not None:
            result = FixityBatchResult.model_validate_json(body)
            results[result.batch] = result
    problems = [problem for batch in sorted(results) for problem in results[batch].problems]
    if len(results) < event.batches:
        for item in _work_list(work, event.work_key):
            if item.batch not in results:
                problems += [
                    FixityProblem(
                        status="NOT_CHECKED",
                        key=key,
                        manifest_key=key,
                        reason=f"batch {item.batch} was not checked (its check failed: see the execution); start a "
                        "fixity run for its folder",
                    )
                    for key in item.keys
                ]
    counts: dict[str, int] = {status: sum(p.status == status for p in problems) for status in PROBLEM_STATUSES}
    files = sum(r.files for r in results.values())
    size = sum(r.bytes for r in results.values())
    where = f"s3://{event.bucket}/{event.prefix}"
    report_key = f"{event.run_prefix}report.json"
    if problems:
        found = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        head = say(
            "fixity.problems", problems=len(problems), found=found, files=files, manifests=event.manifests, where=where
        )
    else:
        head = say("fixity.ok", files=files, manifests=event.manifests, where=where, size=size)
    report = FixityReport(
        status="PROBLEMS" if problems else "OK",
        bucket=event.bucket,
        prefix=event.prefix,
        manifests=event.manifests,
        files=files,
        bytes=size,
        counts=counts,
        problems=problems,
        report_uri=f"s3://{event.work_bucket}/{report_key}",
        execution_id=event.execution_id,
        message="\n".join([head, *(f"{p.status} {p.key}: {p.reason}" for p in problems)]),
    )
    work.write_json(report_key, report)
    return report


def fitted(report: FixityReport, limit: int = SNS_MAX_BYTES - 4096) -> FixityReport:
    """The report cut to fit an SNS message (and a state's payload): as many problems as fit, the rest in
    report.json."""
    if len(json.dumps(report.wire(), ensure_ascii=False).encode()) <= limit:
        return report
    kept = list(report.problems)
    while kept:
        kept = kept[: len(kept) // 2]
        lines = [f"{p.status} {p.key}: {p.reason}" for p in kept]
        head = report.message.split("\n", 1)[0]
        note = f"(the first {len(kept)} of {len(report.problems)} problems; all of them are in {report.report_uri})"
        cut = report.model_copy(update={"problems": kept, "message": "\n".join([head, note, *lines])})
        if len(json.dumps(cut.wire(), ensure_ascii=False).encode()) <= limit:
            return cut
    return report.model_copy(update={"problems": [], "message": report.message.split("\n", 1)[0]})


def subject(report: FixityReport) -> str:
    if report.status == "OK":
        return say("fixity.subject_ok", files=report.files)
    return say("fixity.subject_problems", problems=len(report.problems), files=report.files)[:99]


def publish(sns: Any, topic_arn: str, report: FixityReport) -> str:
    """Publish the problems to the operations topic; returns the message id."""
    if not topic_arn:
        raise ConfigurationError("OPERATIONS_TOPIC_ARN is not set: the fixity check has nowhere to report problems")
    message = fitted(report)
    response = sns.publish(
        TopicArn=topic_arn,
        Subject=subject(report),
        Message=json.dumps(message.wire(), ensure_ascii=False),
        MessageAttributes=message_attributes(kind=report.kind, status=report.status),
    )
    return str(response["MessageId"])
