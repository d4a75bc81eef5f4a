"""Pydantic models: the Market API bodies and every state's input and output.

State payloads use camelCase on the wire (they are visible in the Step Functions console and in
notices); Python code uses snake_case attributes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
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
from closing_docs.domain.unit import BusinessName, Unit

__all__ = ["ContractType", "Unit", "Wire"]  # re-exported: models is where payloads are looked for


# --- Market API bodies -----------------------------------------------------------------------------


class GeneratedReport(Wire):
    """``result`` of POST /v2/reports/closure-documents/generate."""

    report_id: str = Field(min_length=1, max_length=255)
    estimated_generation_time: int | None = None  # milliseconds; may be negative or absurd


class ReportInfo(Wire):
    """``result`` of GET /v2/reports/info/{reportId} (ReportInfoDTO)."""

    status: Literal["PENDING", "PROCESSING", "FAILED", "DONE"]
    sub_status: Literal["NO_DATA", "TOO_LARGE", "RESOURCE_NOT_FOUND"] | str | None = None
    generation_requested_at: datetime
    generation_finished_at: datetime | None = None
    file: str | None = None
    estimated_generation_time: int | None = None
    answered_at: datetime | None = Field(None, exclude=True)  # the answer's HTTP Date: Yandex's clock


# --- State payloads --------------------------------------------------------------------------------
#
# What a handler is invoked with is strict (Step): an unknown field is refused, and no value is coerced ("1001" is not
# a campaign id, 1 is not true, 1700000000 is not a time). Yandex's answers and the archive's own documents (above and
# below) stay tolerant of fields added later.


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


class ResolveEvent(Step):
    """Input of the Resolve step: the start input exactly as given, and the execution's context."""

    input: Any = None
    start_time: Time
    execution_id: StrictStr = ""


NoticeMode = Literal["EACH", "SUMMARY", "BOTH"]


class Limits(Wire):
    """Bounds of the per-campaign loops, from the deployment's settings."""

    max_status_checks: int  # status checks of one report before ReportTimeout
    max_regenerations: int  # new reports after "Report not found."
    recheck_days: int  # daily retries while Yandex has not published the month (scheduled runs only)
    recheck_seconds: int  # the wait between those retries (a day)
    reports_per_business: int = 1  # reports generating at once per business (Yandex's active-reports limit)
    notice_mode: NoticeMode = "BOTH"  # per-archive notices, the run summary, or both


class CampaignBusiness(Wire):
    id: int = Field(ge=1)


class Campaign(Wire):
    """An item of GET /v2/campaigns (the fields the archive uses)."""

    id: int = Field(ge=1)
    domain: str | None = None
    api_availability: str | None = None
    business: CampaignBusiness | None = None  # whose shop it is: the scope of business-wide reports


class Unavailable(Wire):
    """A discovered campaign left out because Yandex has its API disabled."""

    campaign_id: int
    api_availability: str


class BusinessPlan(Wire):
    """One business's share of a run: an item of the outer Map state."""

    business: BusinessName
    jobs: list[Job]
    unavailable: list[Unavailable] = Field(default_factory=list)
    close_months: list[str] = Field(default_factory=list)  # the months whose close runs after its units (planning)
    business_id: int | None = None  # Market's id of the business, for its close (None: unknown)


class Location(Wire):
    bucket: str
    key: str


class BusinessItem(Wire):
    """An item of the outer Map, read from the run's plan.json (runwork.py): one business, its units in S3."""

    business: BusinessName
    unavailable: list[Unavailable] = Field(default_factory=list)
    units: Location
    count: int
    close_months: list[str] = Field(default_factory=list)  # the Close task runs once for each, after the units
    business_id: int | None = None  # Market's id of the business, for its close (None: unknown)
    execution_id: str = ""
    limits: Limits | None = None  # the run's (its units' child workflows get them)
    results_prefix: str = ""  # where the business's Map writes its units' outcomes


class PlannedRun(Wire):
    """Output of the Resolve step: what the execution archives, and where its plan and results are (runwork.py)."""

    months: list[str]
    scheduled: bool
    limits: Limits
    plan: Location
    results_prefix: str  # where the Distributed Maps' ResultWriter writes, in the plan's bucket
    businesses: int
    units: int
    execution_id: str = ""


class RunPlan(Wire):
    """What this execution archives, as the Resolve step plans it (then writes it to S3: PlannedRun)."""

    months: list[str]
    scheduled: bool
    limits: Limits
    businesses: list[BusinessPlan]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def job_count(self) -> int:
        """Campaign-months in the run, over every business."""
        return sum(len(business.jobs) for business in self.businesses)


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


class Publication(Wire):
    """A message as a Publish state sends it: the body (its JSON is the message), subject and message attributes."""

    body: Any
    subject: str
    attributes: dict[str, dict[str, str]]


class RunFailure(Step):
    """Input of DescribeFailure for the run: the error that ended it (Catch's ``{Error, Cause}``)."""

    error: dict[str, Any]
    execution_id: StrictStr = ""


class RunFailureNotice(Wire):
    """The run's FAILED notice, and the error the execution fails with (the Fail state reads ``Error``, ``Cause``)."""

    error: str = Field(alias="Error")
    cause: str = Field(alias="Cause")
    notice: Publication


class Written(BaseModel):
    """``ResultWriterDetails``: where a Distributed Map wrote its results' manifest.json (runwork.py reads them)."""

    model_config = ConfigDict(populate_by_name=True)

    bucket: str = Field(alias="Bucket")
    key: str = Field(alias="Key")


def _details(value: Any) -> Any:
    """A Distributed Map's result is ``{ResultWriterDetails: {Bucket, Key}, ...}``: where it wrote."""
    return value.get("ResultWriterDetails", value) if isinstance(value, dict) else value


MapResults = Annotated[Written, BeforeValidator(_details)]


class BusinessDone(Wire):
    """Output of one business's child workflow (its item, with the Map's ``results``): where its units' outcomes
    are."""

    business: str
    unavailable: list[Unavailable] = Field(default_factory=list)
    results: MapResults


class SummarizeEvent(PlannedRun):
    """Input of SummarizeRun: the run's plan, and where the businesses' outputs are (one BusinessDone each)."""

    model_config = ConfigDict(extra="forbid")

    results: MapResults


class RunEnd(Wire):
    """Output of SummarizeRun: the run summary (the execution's output) and its notice (None: NoticeMode EACH)."""

    summary: RunSummary
    notice: Publication | None = None


class BusinessSummary(Wire):
    business: str
    counts: dict[str, int]  # notice status -> units
    # report kind -> notice status -> units (the pack, by kind)
    kinds: dict[str, dict[str, int]] = Field(default_factory=dict)
    failed: list[Outcome]
    failed_not_listed: int = 0  # failed units beyond the summary's room (notices.FAILED_LISTED): see the index
    unavailable: list[Unavailable]


class RunSummary(Wire):
    """The run-level notice: per business, how many campaign-months ended how, and which failed."""

    kind: Literal["RUN_SUMMARY"] = "RUN_SUMMARY"
    status: Literal["OK", "FAILED"]
    months: list[str]
    counts: dict[str, int]
    businesses: list[BusinessSummary]
    execution_arn: str
    message: str


# --- The monthly archive audit --------------------------------------------------------------------------


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


class AuditEvent(Wire):
    """Input of the audit: a start input as the state machine takes it. The schedule sends
    ``{"scheduledTime": ...}`` (audit the month before); ``{"month": "2025-12"}``, ``{"months": ...}``,
    ``campaignIds`` or ``businesses`` audit other months or shops, validated exactly as a start input is."""

    model_config = ConfigDict(extra="allow")

    def start_input(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


AuditStatus = Literal["ARCHIVED", "NO_DOCUMENTS", "MISSING"]
AUDIT_STATUSES: tuple[AuditStatus, ...] = ("ARCHIVED", "NO_DOCUMENTS", "MISSING")


class AuditItem(Titled):
    """One expected unit and what the archive holds for it (contract types: what the run asks for)."""

    status: AuditStatus
    keys: list[str] = Field(default_factory=list)  # the manifests and no-documents markers that account for it
    reason: str | None = None  # MISSING: what is not there


class LeftOut(Unavailable):
    """A discovered shop that neither the run nor the audit covers (Yandex has its API disabled)."""

    business: str


class AuditReport(Wire):
    """The audit's result (the function's output, and the operations message when something is missing)."""

    kind: Literal["ARCHIVE_AUDIT"] = "ARCHIVE_AUDIT"
    status: Literal["OK", "MISSING"]
    months: list[str]
    bucket: str
    counts: dict[str, int]  # audit status -> campaign-months
    missing: list[AuditItem]
    no_documents: list[AuditItem]
    # shops the run leaves out too: Yandex has their API disabled
    unavailable: list[LeftOut] = Field(default_factory=list)
    message: str
