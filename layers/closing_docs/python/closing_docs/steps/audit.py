"""AuditArchive: is every unit of the month before archived (or without documents)? Alerts if not."""

from __future__ import annotations

from datetime import UTC, datetime

from closing_docs.adapters.observability import logger, metrics
from closing_docs.domain.audit import AuditEvent, AuditReport
from closing_docs.domain.config import get_settings
from closing_docs.proof.audit import audit_plan, publish
from closing_docs.steps.wiring import plan, sns, store


def audit(event: AuditEvent) -> AuditReport:
    """The archive audit (its own monthly schedule, after the run's daily rechecks): every unit the run plans for
    the month before (or for the months asked for) must have its manifest or a no-documents marker.
    Always emits MissingArchives; publishes the report to the operations topic when anything is missing."""
    settings = get_settings()
    report = audit_plan(plan(event.start_input(), datetime.now(UTC)), store(), settings.prefix)
    metrics.add_metric(name="MissingArchives", unit="Count", value=report.counts["MISSING"])
    missing = [f"{i.title}: {i.reason}" for i in report.missing]
    logger.info("archive audited", extra={"months": report.months, "counts": report.counts, "missing": missing})
    if report.missing:
        message_id = publish(sns(), settings.operations_topic_arn, report)
        logger.warning("missing archives reported", extra={"message_id": message_id})
    return report
