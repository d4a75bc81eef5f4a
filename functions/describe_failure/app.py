"""DescribeFailure: the FAILED notice of a unit whose step failed, built from the unit and the error; or the run's."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.run import RunFailure
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps.failure import describe

lambda_handler = lambda_step(UnitRun | RunFailure, describe)
