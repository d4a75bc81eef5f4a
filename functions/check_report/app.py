"""CheckStatus: GET /v2/reports/info/{reportId}, is the report ready?"""

from closing_docs import steps
from closing_docs.handler import lambda_step
from closing_docs.models import CheckStep

lambda_handler = lambda_step(CheckStep, steps.check)
