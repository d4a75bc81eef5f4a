"""CheckStatus: GET /v2/reports/info/{reportId}, is the report ready?"""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps.check import check

lambda_handler = lambda_step(UnitRun, check)
