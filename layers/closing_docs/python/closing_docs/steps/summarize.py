"""SummarizeRun: each business and month's pack.json, then the run summary."""

from __future__ import annotations

from .. import notices, pack
from ..config import get_settings
from ..models import RunSummary, SummarizeEvent
from ..observability import logger, metrics
from ..wiring import store


def summarize(event: SummarizeEvent) -> RunSummary:
    """Update the pack.json of every business and month the run covered, then build the run-level notice: per
    business and report kind, how the units ended, and which failed."""
    outcomes = [outcome for result in event.results for outcome in result.outcomes]
    keys = pack.update_all(store(), get_settings().prefix, outcomes, event.execution_id)
    summary = notices.run_summary(event)
    metrics.add_metric(name="CampaignMonthsFailed", unit="Count", value=summary.counts["FAILED"])
    logger.info("run summary", extra={"status": summary.status, "counts": summary.counts, "packs": keys})
    return summary
