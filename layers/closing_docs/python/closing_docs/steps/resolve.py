"""ResolveInput: validate the start input and plan the run."""

from __future__ import annotations

from ..models import ResolveEvent, RunPlan
from ..observability import logger
from . import plan


def resolve(event: ResolveEvent) -> RunPlan:
    """Validate the start input, then list the units to archive for each business. A business with no campaign
    ids given or configured has its shops listed by GET /v2/campaigns."""
    run = plan(event.input, event.start_time)
    logger.info(
        "run planned",
        extra={"months": run.months, "businesses": [b.business for b in run.businesses], "jobs": run.job_count},
    )
    return run
