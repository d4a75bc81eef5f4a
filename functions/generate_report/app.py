"""Generate: own the unit, then start its work (a Market report: POST its generate endpoint; a source: ready)."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps.generate import generate

lambda_handler = lambda_step(UnitRun, generate)
