"""The pipeline's steps: one module per Lambda function, each with one function taking and returning a model.

``resolve`` (ResolveInput), ``generate`` (GenerateReport), ``check`` (CheckReport), ``archive`` (ArchiveReport),
``close`` (CloseMonth: the month's close), ``summarize`` (SummarizeRun), ``audit`` (AuditArchive). A handler imports
only its own step's module, so a cold start loads only what that step needs (bench/coldstart.py). The clients they
share are in ``wiring``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..config import get_settings
from ..models import JobStep, RunPlan
from ..observability import logger
from ..secrets import api_keys
from ..wiring import market, store


def log_keys(step: JobStep, **extra: Any) -> None:
    job = step.job
    logger.thread_safe_append_keys(
        business=job.business, kind=job.kind, campaign_id=job.campaign_id, month=str(job.month), **extra
    )


def plan(start_input: object, start_time: datetime) -> RunPlan:
    """The units a start input means: businesses from the secret, campaigns given, configured or listed by
    GET /v2/campaigns, crossed with the months and report kinds (the run and the audit plan alike)."""
    from ..planning import resolve_plan

    settings = get_settings()
    return resolve_plan(
        start_input,
        start_time,
        settings,
        lambda: list(api_keys(settings)),
        lambda name: market(name).campaigns(),
        lambda key: store().read(key),
    )
