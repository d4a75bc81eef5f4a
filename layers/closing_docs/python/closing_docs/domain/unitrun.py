"""One unit on its way through the state machine's child workflow, whole.

Each step of the unit (Generate, CheckStatus, Archive, DescribeFailure) takes the unit's run and returns it, having
decided what comes next: ``next`` (the state machine's one Choice reads it), how long to wait first, the notice and
the outcome, the parts of a report too large for one. The state machine only waits, publishes and releases the lock
as it is told; it never shapes the unit.

::

    GENERATE   wait waitSeconds, then Generate (Yandex's window for the kind is closed: PACED; or the next day)
    CHECK      wait waitSeconds, then CheckStatus (attempt)
    ARCHIVE    Archive now (the report is ready, or the work has nothing to poll: a source)
    ANNOUNCE   publish the notice, then release the lock
    RELEASE    release the lock (no notice: NoticeMode SUMMARY, or a unit split into its parts)

After the lock, ``then`` (the next part of a split unit, whole) runs from its Generate; without one the unit ends with
``outcome``. A step that still fails after its Retry is caught with the run as it went in, plus ``error``:
DescribeFailure ends the unit FAILED, except ReportNotFound, which goes back to Generate for a new report.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator

from closing_docs.domain.models import Announcement, Job, Limits, Outcome, ReportRef, Step

Next = Literal["GENERATE", "CHECK", "ARCHIVE", "ANNOUNCE", "RELEASE"]


class UnitRun(Step):
    """The child workflow's state: the unit (``job``), where it is, and what comes next."""

    job: Job
    execution_id: StrictStr = ""
    limits: Limits
    generation: StrictInt = Field(1, ge=1)  # bumped for every deliberate new report (404, next day, split)
    regenerations: StrictInt = Field(0, ge=0)  # new reports after "Report not found." (limits.max_regenerations)
    days_left: StrictInt | None = None  # daily retries left while Yandex has not published the month (None: all)
    report: ReportRef | None = None  # the report the last Generate asked for
    attempt: StrictInt = Field(0, ge=0)  # the number of the next status check
    next: Next | None = None
    wait_seconds: StrictInt = Field(0, ge=0)
    notice: Announcement | None = None
    outcome: Outcome | None = None  # what the unit ends with, once its notice is built
    parts: list[Job] = Field(default_factory=list)  # a split unit's parts still to run after this one
    failed: Outcome | None = None  # a split unit's first failed part: the unit ends with it
    then: UnitRun | None = None  # the next part, whole: it runs after this one's lock is released
    error: dict[str, Any] | None = None  # a step's failure as the state machine caught it ({Error, Cause})

    @model_validator(mode="after")
    def _all_days(self) -> UnitRun:
        if self.days_left is None:
            self.days_left = self.limits.recheck_days
        return self

    def going(self, step: Next, **changes: Any) -> UnitRun:
        """The run, going on to ``step``; a caught error is behind it."""
        return self.model_copy(update={"next": step, "error": None, **changes})

    def polling(self, report: ReportRef) -> UnitRun:
        """A report was asked for: its first status check, after Yandex's estimate."""
        return self.going("CHECK", report=report, attempt=1, wait_seconds=report.wait_seconds)

    def anew(self, **counters: int) -> UnitRun:
        """Generate a new report: no report, the next generation."""
        return self.going("GENERATE", report=None, attempt=0, generation=self.generation + 1, **counters)

    def ended(self, notice: Announcement) -> UnitRun:
        """The unit's notice: announced (unless NoticeMode is SUMMARY), then the lock is released; a split unit's next
        part follows, and the unit ends with its first failed part's outcome, or else this one's."""
        failed = self.failed or (notice.outcome if notice.outcome.status == "FAILED" else None)
        announce = self.limits.notice_mode != "SUMMARY"
        ended = self.going("ANNOUNCE" if announce else "RELEASE", notice=notice, outcome=failed or notice.outcome)
        return ended.model_copy(update={"then": self._part(self.parts, failed)})

    def split(self, parts: list[Job]) -> UnitRun:
        """Too large: the unit's own lock is released, then its parts run one after the other, each whole."""
        return self.going("RELEASE", then=self._part(parts, self.failed))

    def _part(self, parts: list[Job], failed: Outcome | None) -> UnitRun | None:
        if not parts:
            return None
        first, *rest = parts
        return UnitRun(
            job=first,
            execution_id=self.execution_id,
            limits=self.limits,
            generation=self.generation + 1,
            parts=rest,
            failed=failed,
        )
