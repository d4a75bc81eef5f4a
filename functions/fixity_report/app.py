"""FixityReport: the run's problems to the operations topic; the FixityProblems metric, always."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.proof.fixity import FixityReportEvent
from closing_docs.steps.fixity import report

lambda_handler = lambda_step(FixityReportEvent, report)
