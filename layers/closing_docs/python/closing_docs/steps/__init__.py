"""The pipeline's steps: one module per Lambda function, each with one function taking and returning a model.

``resolve`` (ResolveInput), ``generate`` (GenerateReport), ``check`` (CheckReport), ``archive`` (ArchiveReport),
``close`` (CloseMonth: the month's close), ``summarize`` (SummarizeRun), ``audit`` (AuditArchive). A handler imports
only its own step's module, so a cold start loads only what that step needs (bench/coldstart.py). The clients they
share, and what a kind's work and the plan get, are built in ``wiring`` (the one place that knows them all).
"""

from __future__ import annotations

from typing import Any

from closing_docs.adapters.observability import logger
from closing_docs.domain.unitrun import UnitRun


def log_keys(step: UnitRun, **extra: Any) -> None:
    job = step.job
    logger.thread_safe_append_keys(
        business=job.business, kind=job.kind, campaign_id=job.campaign_id, month=str(job.month), **extra
    )
