"""Pydantic models: what a unit's steps take and return, and what the archive keeps of a unit (manifest, notice,
outcome, no-documents marker). The Market API's answers are in ``market_api``, a run's plan, results and summary in
``run``, the audit's in ``audit``: a step loads only the models it uses (bench/coldstart.py).

State payloads use camelCase on the wire (they are visible in the Step Functions console and in
notices); Python code uses snake_case attributes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    computed_field,
    model_validator,
)

from closing_docs.domain.base import ContractType, Wire
from closing_docs.domain.unit import Unit

__all__ = ["ContractType", "Unit", "Wire"]  # re-exported: models is where payloads are looked for

# What a handler is invoked with is strict (Step): an unknown field is refused, and no value is coerced ("1001" is not
# a campaign id, 1 is not true, 1700000000 is not a time). Yandex's answers and the archive's own documents stay
# tolerant of fields added later.


def _time(value: object) -> datetime:
    """A date-time as JSON carries it: an ISO 8601 text with its time zone (or a datetime, in Python)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("not an ISO 8601 date-time") from None
    else:
        raise ValueError("a date-time is an ISO 8601 text")
    if moment.tzinfo is None:
        raise ValueError("a date-time needs its time zone")
    return moment


Time = Annotated[
    datetime,
    PlainValidator(_time),
    PlainSerializer(lambda moment: moment.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Step(Wire):
    """The base of a handler's input: strict."""

    model_config = ConfigDict(extra="forbid")


class Titled(Unit):
    """A unit as a person reads it: with its title (its kind's: ``kinds.Kind.title``), in what is published or kept.
    Whoever builds one names it; an object read back may have none (written before titles were kept)."""

    title: str = ""


class Job(Unit):
    """One unit of work to archive: an item of the Map state (strict, as a handler's input)."""

    model_config = ConfigDict(extra="forbid")

    force: StrictBool = False
    # a person's answer to this unit's earlier outcome-unknown attempt (a source's resolution_input, e.g. the Direct
    # invoice number found in Yandex Balance): the source records it instead of calling the system
    resolution: StrictStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _derived(cls, data: Any) -> Any:
        """``lockKey`` and ``title`` are computed from the unit (the state machine carries them along): accepted,
        never trusted."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in ("lockKey", "title")}
        return data

    @computed_field(alias="lockKey")  # type: ignore[prop-decorator]
    @property
    def job_lock_key(self) -> str:
        """The lock item's key, for the state machine to release even when Generate failed (see claims.py)."""
        return self.lock_key


NoticeMode = Literal["EACH", "SUMMARY", "BOTH"]


class Limits(Wire):
    """Bounds of the per-campaign loops, from the deployment's settings."""

    max_status_checks: int  # status checks of one report before ReportTimeout
    max_regenerations: int  # new reports after "Report not found."
    recheck_days: int  # daily retries while Yandex has not published the month (scheduled runs only)
    recheck_seconds: int  # the wait between those retries (a day)
    reports_per_business: int = 1  # reports generating at once per business (Yandex's active-reports limit)
    notice_mode: NoticeMode = "BOTH"  # per-archive notices, the run summary, or both


class ReportRef(Step):
    """A report requested from Yandex (``$.report`` in the state machine)."""

    report_id: StrictStr
    wait_seconds: StrictInt
    requested_at: Time | None = None


class Document(Wire):
    """A file inside the archived ZIP."""

    name: str
    size_bytes: int


class StoredFile(Wire):
    key: str
    sha256: str
    size_bytes: int
    version_id: str | None = None  # the S3 version written (fixity checks it is still the current one)


class Manifest(Titled):
    """The JSON written next to every archived file: what it is, where it came from, how to verify it."""

    schema_version: int = 1
    report_id: str
    zip_key: str  # the archived file (every format Yandex serves is a ZIP container: ZIP, XLSX)
    sha256: str
    size_bytes: int
    # The S3 version of zip_key that was written (absent in manifests written before it was recorded): the fixity
    # check reports it when it is no longer the current version.
    version_id: str | None = None
    documents: list[Document]
    request: dict[str, Any] | None = None  # the body sent to generate it
    format: str | None = None  # table reports: FILE (XLSX), CSV or JSON (ZIPs of sheets)
    sheets: list[str] | None = None  # table reports: the sheets, as the PDFs are listed in documents
    files: list[StoredFile] | None = None  # sources: every file archived for the unit (the first is zip_key)
    details: dict[str, Any] | None = None  # sources: what the system said of the document
    generation_requested_at: datetime | None = None
    generation_finished_at: datetime | None = None
    archived_at: datetime
    execution_id: str
    source_api: str
    download_host: str


NoticeStatus = Literal["ARCHIVED", "ALREADY_ARCHIVED", "IN_PROGRESS", "NO_DOCUMENTS", "FAILED"]
STATUSES: tuple[NoticeStatus, ...] = ("ARCHIVED", "ALREADY_ARCHIVED", "IN_PROGRESS", "NO_DOCUMENTS", "FAILED")


class Notice(Titled):
    """The JSON body of an SNS announcement (one per unit of work)."""

    status: NoticeStatus
    s3_uri: str | None = None
    manifest_uri: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    documents: list[Document] | None = None
    report_id: str | None = None
    execution_arn: str = ""
    error: str | None = None
    cause: str | None = None
    message: str


class Outcome(Titled):
    """What one unit's child workflow ends with (built with its notice, kept small)."""

    status: NoticeStatus
    error: str | None = None
    cause: str | None = None
    notice_error: dict[str, Any] | None = None  # {Error, Cause}: the notice could not be published (SNS, KMS)


class Announcement(Wire):
    """One unit's SNS announcement as the one Announce state publishes it: the notice (the message's JSON), its
    subject and message attributes, and the outcome the unit's child workflow ends with."""

    body: Notice
    subject: str
    attributes: dict[str, dict[str, str]]
    outcome: Outcome


def message_attributes(**values: str | int | None) -> dict[str, dict[str, str]]:
    """SNS message attributes, for subscription filters: a text is a String, a number a Number; None is left out."""
    return {
        name: {"DataType": "Number" if isinstance(value, int) else "String", "StringValue": str(value)}
        for name, value in values.items()
        if value is not None
    }


class Publication(Wire):
    """A message as a Publish state sends it: the body (its JSON is the message), subject and message attributes."""

    body: Any
    subject: str
    attributes: dict[str, dict[str, str]]


class NoDocumentsMarker(Titled):
    """The JSON the CheckStatus step writes where a unit's file would be when it ends NO_DOCUMENTS
    (``<stem>.no-documents.json`` next to ``<stem>.zip``): the audit's evidence that nothing was missed."""

    schema_version: int = 1
    report_id: str
    # NO_DATA: Yandex has no documents. FAILED: a scheduled run whose report Yandex answered FAILED on every daily
    # attempt; not evidence of a month without documents, so the audit still counts it as missing.
    report_status: Literal["NO_DATA", "FAILED"]
    sub_status: str | None = None
    recorded_at: datetime
    execution_id: str
    source_api: str
