"""CheckStatus: GET /v2/reports/info/{reportId}, is the report ready?"""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.models import CheckStep
from closing_docs.steps.check import check

lambda_handler = lambda_step(CheckStep, check)
