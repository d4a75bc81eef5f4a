"""AuditArchive: is every campaign-month of the month before archived (or without documents)? Alerts if not."""

from closing_docs import steps
from closing_docs.handler import lambda_step
from closing_docs.models import AuditEvent

lambda_handler = lambda_step(AuditEvent, steps.audit)
