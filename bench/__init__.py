"""Benchmarks: each prints its figures and whether its goal is met. For the "Performance" issue, run from
the repository root with the project's interpreter::

    .venv/bin/python -m bench.memory      # peak RSS of the archive step: 512 MiB vs 1 MiB archive
    .venv/bin/python -m bench.overlap     # streaming time vs download-only and upload-only
    .venv/bin/python -m bench.coldstart   # import time of each handler vs ``import boto3``

Each has ``--help``. Nothing here is imported by the application or the tests; no test asserts on these figures.
"""

import os

# Powertools' Metrics singleton (closing_docs.adapters.observability) takes its namespace when first imported, and a
# bench may import the layer before its embedded stack sets the template's environment (as tests/conftest.py says).
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "ClosingDocuments")
