"""Generate: POST /v2/reports/closure-documents/generate for one campaign-month."""

from closing_docs.handler import lambda_step
from closing_docs.models import GenerateStep
from closing_docs.steps.generate import generate

lambda_handler = lambda_step(GenerateStep, generate)
