"""FixityList: every manifest of the archive, in batches, written as the fixity run's work list."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.proof.fixity import FixityStart
from closing_docs.steps.fixity import list_archive

lambda_handler = lambda_step(FixityStart, list_archive)
