"""ResolveInput: validate the start input and plan the run (no Market call)."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.run import ResolveEvent
from closing_docs.steps.resolve import resolve

lambda_handler = lambda_step(ResolveEvent, resolve)
