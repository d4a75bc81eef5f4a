"""CheckStatus: GET /v2/reports/info/{reportId}, is the report ready?"""

from closing_docs.handler import lambda_step
from closing_docs.models import CheckStep
from closing_docs.steps.check import check

lambda_handler = lambda_step(CheckStep, check)
