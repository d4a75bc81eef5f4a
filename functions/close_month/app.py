"""CloseMonth: a business-month's close (checks, ledger, 1C tables) from its archived table reports."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.close.pipeline import CloseStep
from closing_docs.steps.close import close_month

lambda_handler = lambda_step(CloseStep, close_month)
