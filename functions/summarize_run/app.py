"""SummarizeRun: one run-level notice, per business, from every campaign-month's outcome."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.run import SummarizeEvent
from closing_docs.steps.summarize import summarize

lambda_handler = lambda_step(SummarizeEvent, summarize)
