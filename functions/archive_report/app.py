"""Archive: the unit's kind fetches its documents into the S3 archive, verified, and writes their manifest."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.domain.unitrun import UnitRun
from closing_docs.steps.archive import archive

lambda_handler = lambda_step(UnitRun, archive)
