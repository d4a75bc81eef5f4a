"""Archive: stream the finished report's ZIP into the S3 archive and write its manifest."""

from closing_docs.handler import lambda_step
from closing_docs.models import ReportStep
from closing_docs.steps.archive import archive

lambda_handler = lambda_step(ReportStep, archive)
