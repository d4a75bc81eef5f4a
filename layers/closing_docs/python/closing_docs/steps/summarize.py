"""SummarizeRun: each business and month's pack.json, each business's index of the archive, then the run summary."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from closing_docs.adapters import runwork
from closing_docs.adapters.observability import logger, metrics
from closing_docs.domain.config import Settings, get_settings
from closing_docs.domain.models import Outcome
from closing_docs.domain.run import BusinessDone, RunEnd, SummarizeEvent
from closing_docs.steps.wiring import s3, store
from closing_docs.views import index, notices, pack


def summarize(event: SummarizeEvent) -> RunEnd:
    """Read the run's results from S3 (what the Distributed Maps' ResultWriter wrote), one business at a time: update
    the pack.json of every month it covered, rebuild its index (index.html, index.csv) from what the archive now
    holds; then build the run-level notice: per business and report kind, how the units ended, and which failed
    (published unless NoticeMode is EACH)."""
    settings = get_settings()
    packs: list[str] = []
    indexes: list[str] = []

    # A business with no units (e.g. every shop's API disabled) may leave no manifest: the plan says it had none.
    plan = runwork.plan_location(event.results.bucket, event.execution_id)

    def businesses() -> Iterator[tuple[BusinessDone, Sequence[Outcome]]]:
        for done, stream in runwork.business_results(s3(), event.results, plan):
            outcomes = list(stream)  # one business at a time
            packs.extend(pack.update_all(store(), settings.prefix, outcomes, event.execution_id))
            indexes.extend(write_indexes(settings, [done.business]))
            yield done, outcomes

    summary = notices.run_summary(event.months, event.execution_id, businesses())
    metrics.add_metric(name="CampaignMonthsFailed", unit="Count", value=summary.counts["FAILED"])
    logger.info(
        "run summary", extra={"status": summary.status, "counts": summary.counts, "packs": packs, "indexes": indexes}
    )
    if event.limits.notice_mode == "EACH":
        return RunEnd(summary=summary)
    return RunEnd(summary=summary, notice=notices.summary_notice(summary))


def write_indexes(settings: Settings, businesses: list[str]) -> list[str]:
    """Each business's index, rebuilt from the archive. The index is a view of the archive: one that cannot be
    written is logged and counted (metric ArchiveIndexFailed), and the run summary still goes out; the next run
    rebuilds it whole."""
    written: list[str] = []
    for business in businesses:
        try:
            written += index.write(store(), settings.prefix, business, settings.notice_language)
        except Exception:  # noqa: BLE001 - any failure: logged with its traceback, counted, the run goes on
            logger.exception("the archive's index was not written", extra={"business": business})
            metrics.add_metric(name="ArchiveIndexFailed", unit="Count", value=1)
    return written
