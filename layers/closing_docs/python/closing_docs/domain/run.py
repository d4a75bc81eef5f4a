"""A run as the state machine carries it: the start input's event, the plan ResolveInput writes (runwork.py), the
results the Distributed Maps write, the run summary, and the run's own failure."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, computed_field

from closing_docs.domain.models import Job, Limits, Outcome, Publication, Step, Time, Wire
from closing_docs.domain.unit import BusinessName


class ResolveEvent(Step):
    """Input of the Resolve step: the start input exactly as given, and the execution's context."""

    input: Any = None
    start_time: Time
    execution_id: StrictStr = ""


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

    model_config = ConfigDict(populate_by_name=True, defer_build=True)

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
