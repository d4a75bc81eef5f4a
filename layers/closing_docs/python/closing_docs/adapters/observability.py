"""The one set of Powertools singletons every handler and module shares.

Service name, metrics namespace, log level and tracing switches come from the POWERTOOLS_* environment
variables that template.yaml sets.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# Trace the calls this code makes (AWS SDK, and the Market API through requests); patching every library the
# X-Ray SDK knows would import sqlite3 and a dozen database drivers' hooks on every cold start.
tracer = Tracer(patch_modules=("botocore", "requests"))
metrics = Metrics()
