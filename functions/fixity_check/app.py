"""FixityCheck: re-read every file of a batch of manifests, streaming, and keep only what does not match."""

from closing_docs.adapters.handler import lambda_step
from closing_docs.proof.fixity import FixityBatch
from closing_docs.steps.fixity import check

lambda_handler = lambda_step(FixityBatch, check)
