"""Exceptions of the pipeline.

Each class name is an ASL error name: a Lambda that raises ``MarketServerError`` fails its Task with
``Error == "MarketServerError"``, and the state machine's ``Retry``/``Catch`` blocks match on that name.
Renaming a class is therefore a breaking change to ``statemachine/closing_documents.asl.json``.
Messages are shown to users in FAILED notices: say what happened and what to do, never include the
API key or a signed download link.
"""

from __future__ import annotations

import json


class ClosingDocsError(Exception):
    """Base class: an expected, explained failure."""


class InvalidInput(ClosingDocsError):
    """The start input is invalid; the message names the field and what is allowed."""


class ConfigurationError(ClosingDocsError):
    """The deployment is misconfigured (missing environment variable, empty secret...)."""


class MarketApiError(ClosingDocsError):
    """An error answer from the Market Partner API (HTTP status in ``status``)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class MarketBadRequest(MarketApiError):
    """400: the request was rejected; not retried."""


class MarketUnauthorized(MarketApiError):
    """401: the Api-Key is missing, invalid or revoked; not retried."""


class MarketForbidden(MarketApiError):
    """403: the token lacks a scope or access to the campaign; not retried."""


class ReportNotFound(MarketApiError):
    """404 on reports/info: the report id is unknown or expired."""


class MarketRateLimited(MarketApiError):
    """420: a Market limit was hit; retried with backoff."""

    def __init__(self, message: str, *, retry_after_seconds: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after_seconds = retry_after_seconds


class MarketServerError(MarketApiError):
    """5xx from the Market API; retried with backoff."""


class MarketUnavailable(MarketApiError):
    """Timeout, refused or reset connection to the Market API; retried with backoff."""


class MarketProtocolError(MarketApiError):
    """A 2xx answer whose body does not match the API's documented shape."""


class ReportFailed(ClosingDocsError):
    """Yandex reports the generation as FAILED."""


class ReportTimeout(ClosingDocsError):
    """The report was still not ready after MaxStatusChecks status checks (not retried: the unit fails)."""


class DownloadFailed(ClosingDocsError):
    """The archive download broke off (truncated body, reset, expired or denied link); retried."""


class InvalidArchive(ClosingDocsError):
    """The downloaded body is not a complete, readable ZIP; never archived."""


class ReportTooLarge(ReportFailed):
    """Yandex reports FAILED/TOO_LARGE; the state machine retries one contract type at a time."""


class DownloadRefused(ClosingDocsError):
    """The file link is not https on an allowed host; it is never fetched (not retried)."""


class PackConflict(ClosingDocsError):
    """pack.json changed between read and write (another execution updated it); the state machine retries."""


class SourceError(ClosingDocsError):
    """An error answer or no answer from another system (ActivePlatform, Yandex OFD, Yandex Direct)."""


class SourceUnavailable(SourceError):
    """Timeout, refused or reset connection to a source before anything was created; retried with backoff."""


class SourceServerError(SourceError):
    """5xx from a source; retried with backoff."""


class SourceRefused(SourceError):
    """401/403: the source refused the credentials or the access; not retried (the message says what to do)."""


class SourceBadRequest(SourceError):
    """The source rejected the request (400 or an error code); not retried."""


class DocumentNotFound(SourceError):
    """The source has no document for that key (404 or no data); not retried, the other keys go on."""


class InvoiceRefused(SourceError):
    """Yandex Direct refused to create the invoice (error code and text in the message); not retried."""


class InvoiceOutcomeUnknown(SourceError):
    """The invoice request left, and no answer says whether Direct created the invoice (no answer, a 5xx, a 200 that
    does not parse): one may exist. Never retried; the month waits for a person (invoiceNumber or force)."""


class InvoiceExists(SourceError):
    """The month has an invoice already (for another payment set, or recorded), or another run is invoicing it right
    now: nothing was sent; not retried."""


class LockOwnerUnknown(ClosingDocsError):
    """The unit's lock is held by an execution DescribeExecution could not describe (throttled, denied): it may still
    run, so the lock is not taken over; retried with backoff."""


class ChildWorkflowsFailed(ClosingDocsError):
    """A Distributed Map's results list child workflows that did not succeed: the run's results are incomplete."""


def caught_message(cause: object) -> str:
    """What a caught error (the state machine's ``{Error, Cause}``) says: a Lambda error's ``errorMessage`` (its Cause
    is that JSON), or the Cause as given."""
    if isinstance(cause, str) and cause.startswith("{"):
        try:
            cause = json.loads(cause)
        except ValueError:
            pass
    if isinstance(cause, dict):
        return str(cause.get("errorMessage") or cause.get("errorType") or "")
    return "" if cause is None else str(cause)
