"""The one set of Powertools singletons every handler and module shares.

Service name, metrics namespace, log level and tracing switches come from the POWERTOOLS_* environment
variables that template.yaml sets.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# Trace the calls this code makes: the AWS SDK here, requests where it is imported (adapters/market.py, http.py:
# patch_requests), so that a step that makes no HTTP call does not load it. Patching every library the X-Ray SDK
# knows would import sqlite3 and a dozen database drivers' hooks on every cold start.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()


def patch_requests() -> None:
    """Trace the HTTP calls of requests (the Market API, the sources): called where requests is imported."""
    tracer.patch(("requests",))
