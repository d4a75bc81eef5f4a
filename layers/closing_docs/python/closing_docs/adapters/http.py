"""The one way sources call their systems over HTTP: timeouts, and failures mapped to the pipeline's errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from closing_docs.adapters.observability import patch_requests
from closing_docs.domain.errors import (
    SourceBadRequest,
    SourceError,
    SourceRefused,
    SourceServerError,
    SourceUnavailable,
)
from closing_docs.domain.texts import say

patch_requests()  # trace the calls of requests (X-Ray), now that it is loaded

TIMEOUT = (5, 30)  # connect, read seconds
USER_AGENT = "closing-documents-archive/1.0"


def their_words(response: requests.Response) -> str:
    """The system's own error text, whatever JSON shape it uses; else the HTTP reason."""
    try:
        answer = response.json()
    except ValueError:
        return response.text[:300].strip() or response.reason or say("error.no_message")
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key in ("message", "detail", "title", "error_str", "error_detail", "description"):
                if isinstance(value.get(key), str) and value[key] not in found:
                    found.append(value[key])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(answer)
    return "; ".join(found) or response.text[:300]


def send(
    system: str,
    method: str,
    url: str,
    *,
    what: str,
    advice: Mapping[int, str],
    advice_values: Mapping[str, object] | None = None,
    errors: dict[int, type[SourceError]] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """The successful answer; a failure raises SourceUnavailable/SourceServerError (retried) or SourceRefused /
    SourceBadRequest (not), with the system's own words and what to do.

    ``system`` and ``what`` are said in the users' language already; ``advice`` maps an HTTP status to the key of
    what to do (texts.py), said with ``advice_values``."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    try:
        response = requests.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        problem = type(exc).__name__
        raise SourceUnavailable(say("error.source.no_answer", what=what, system=system, problem=problem)) from None
    status = response.status_code
    if status < 400:
        return response
    text = say("error.source.answered", what=what, system=system, status=status, words=their_words(response))
    if status in advice:
        text += "; " + say(advice[status], **(advice_values or {}))
    if errors and status in errors:
        raise errors[status](text)
    if status >= 500:
        raise SourceServerError(text)
    if status in (401, 403):
        raise SourceRefused(text)
    raise SourceBadRequest(text)
