"""What a kind's work gets: the unit, the execution, the deployment's settings and the clients it may use.

The step builds it (``steps.work``); a kind never looks its clients up itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from closing_docs.adapters.archive import ArchiveStore
    from closing_docs.adapters.market import MarketClient
    from closing_docs.adapters.pacing import Pacing
    from closing_docs.domain.config import Settings
    from closing_docs.domain.models import Job, ReportRef


@dataclass(frozen=True)
class Work:
    job: Job
    execution_id: str
    settings: Settings
    store: Callable[[], ArchiveStore]
    market: Callable[[str], MarketClient]  # a business's Market client
    pacing: Callable[[], Pacing]  # Yandex's windows per business and report kind
    table: Callable[[], Any]  # the lock table (DynamoDB), for sources that keep state (Direct's attempts)
    report: ReportRef | None = None  # the report started for the unit (Market)
