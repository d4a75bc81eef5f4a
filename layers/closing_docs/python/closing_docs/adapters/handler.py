"""One wrapper that turns a step function into a Lambda handler with the Powertools set-up."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from closing_docs.adapters.observability import logger, metrics, tracer
from closing_docs.domain.models import Wire

# Powertools warns on every invocation that emits no metric (e.g. ResolveInput): not a problem here.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)

In = TypeVar("In", bound=Wire)
Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def lambda_step(model: type[In] | Any, step: Callable[[In], Wire]) -> Handler:
    """A handler that parses the event into ``model`` (a model, or a union of them), runs ``step`` and returns its
    JSON.

    The execution's name (from the ``executionId`` in the event) becomes the log correlation id; a raised
    exception fails the Task with its class name as the error (see errors.py).
    """

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    @event_parser(model=model)
    def handler(event: In, context: LambdaContext) -> dict[str, Any]:
        execution = str(getattr(event, "execution_id", "") or "")
        logger.set_correlation_id(execution.rsplit(":", 1)[-1] or None)
        return step(event).wire()

    return handler
