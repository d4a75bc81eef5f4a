"""AuditArchive: is every campaign-month of the month before archived (or without documents)? Alerts if not."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.audit import AuditEvent
from closing_docs.steps.audit import audit

lambda_handler = lambda_step(AuditEvent, audit)
