"""The one set of Powertools singletons every handler and module shares.

Service name, metrics namespace, log level and tracing switches come from the POWERTOOLS_* environment
variables that template.yaml sets.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
