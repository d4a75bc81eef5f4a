"""SummarizeRun: one run-level notice, per business, from every campaign-month's outcome."""

from closing_docs import steps
from closing_docs.handler import lambda_step
from closing_docs.models import SummarizeEvent

lambda_handler = lambda_step(SummarizeEvent, steps.summarize)
