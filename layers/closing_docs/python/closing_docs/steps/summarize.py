"""SummarizeRun: each business and month's pack.json, each business's index of the archive, then the run summary."""

from __future__ import annotations

from .. import index, notices, pack
from ..config import Settings, get_settings
from ..models import RunSummary, SummarizeEvent
from ..observability import logger, metrics
from ..wiring import store


def summarize(event: SummarizeEvent) -> RunSummary:
    """Update the pack.json of every business and month the run covered, rebuild the index (index.html, index.csv)
    of every business the run touched from what the archive now holds, then build the run-level notice: per
    business and report kind, how the units ended, and which failed."""
    settings = get_settings()
    outcomes = [outcome for result in event.results for outcome in result.outcomes]
    keys = pack.update_all(store(), settings.prefix, outcomes, event.execution_id)
    businesses = sorted({result.business for result in event.results} | {outcome.business for outcome in outcomes})
    indexes = write_indexes(settings, businesses)
    summary = notices.run_summary(event)
    metrics.add_metric(name="CampaignMonthsFailed", unit="Count", value=summary.counts["FAILED"])
    logger.info(
        "run summary", extra={"status": summary.status, "counts": summary.counts, "packs": keys, "indexes": indexes}
    )
    return summary


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
