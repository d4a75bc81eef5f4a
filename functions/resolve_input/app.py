"""ResolveInput: validate the start input and plan the run (no Market call)."""

from closing_docs import steps
from closing_docs.handler import lambda_step
from closing_docs.models import ResolveEvent

lambda_handler = lambda_step(ResolveEvent, steps.resolve)
