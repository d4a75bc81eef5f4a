"""Archive: stream the finished report's ZIP into the S3 archive and write its manifest."""

from closing_docs import steps
from closing_docs.handler import lambda_step
from closing_docs.models import ReportStep

lambda_handler = lambda_step(ReportStep, steps.archive)
