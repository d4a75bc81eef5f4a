"""AuditArchive: is every campaign-month of the month before archived (or without documents)? Alerts if not."""

from closing_docs.handler import lambda_step
from closing_docs.models import AuditEvent
from closing_docs.steps.audit import audit

lambda_handler = lambda_step(AuditEvent, audit)
