"""ResolveInput: validate the start input, plan the run, and write the plan to S3 for the Distributed Maps to read."""

from __future__ import annotations

from closing_docs.adapters import runwork
from closing_docs.adapters.observability import logger
from closing_docs.domain.config import get_settings
from closing_docs.domain.errors import ConfigurationError, InvalidInput
from closing_docs.domain.run import PlannedRun, ResolveEvent
from closing_docs.steps.wiring import plan, s3


def resolve(event: ResolveEvent) -> PlannedRun:
    """Validate the start input, then list the units to archive for each business (a business with no campaign
    ids given or configured has its shops listed by GET /v2/campaigns), and write them to the work bucket under
    runs/<execution name>/: the state machine carries only where they are."""
    from closing_docs.plan.request import bounded

    try:
        run = plan(event.input, event.start_time)
    except InvalidInput as exc:  # a source's own check may quote what it was given: the notice quotes an excerpt
        message = str(exc)
        if len(message) == len(bounded(message)):
            raise
        raise InvalidInput(bounded(message)) from None
    bucket = get_settings().work_bucket
    if not bucket:
        raise ConfigurationError("WORK_BUCKET is not set: the run's plan has nowhere to go (template.yaml sets it)")
    planned = runwork.write_plan(s3(), bucket, event.execution_id, run)
    logger.info(
        "run planned",
        extra={"months": run.months, "businesses": [b.business for b in run.businesses], "units": planned.units,
               "plan": f"s3://{planned.plan.bucket}/{planned.plan.key}"},
    )  # fmt: skip
    return planned
