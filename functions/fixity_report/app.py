"""FixityReport: the run's problems to the operations topic; the FixityProblems metric, always."""

from closing_docs.fixity import FixityReportEvent
from closing_docs.handler import lambda_step
from closing_docs.steps.fixity import report

lambda_handler = lambda_step(FixityReportEvent, report)
