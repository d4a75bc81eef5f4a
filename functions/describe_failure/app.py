"""DescribeFailure: the FAILED notice of a unit whose step failed, built from the unit and the error."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.models import FailureStep
from closing_docs.steps.failure import describe

lambda_handler = lambda_step(FailureStep, describe)
