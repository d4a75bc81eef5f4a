"""The other systems of the brief, as sources on the same pipeline: one small module per source.

A source answers at once (no report to wait for): its Generate step only owns the unit and checks the archive
(``SYNC``), and its Archive step calls the system and stores what it returned, each file with a SHA-256 that S3
checks on upload and a manifest next to it. Each module defines ``KIND = SourceKind(...)``:

* ``enabled()``: whether this deployment configures it (its template parameters); off by default;
* ``inputs``: the start-input fields it reads (anything else is refused as an unknown field);
* ``plan(request)``: its units of work for the run's months, from the start input or its configuration;
* ``fetch(context)``: call the system for one unit and return the files to archive (or why there are none);
* its own settings (environment variables) and its own secret, read through Powertools Parameters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..config import get_settings
from ..errors import ConfigurationError
from ..reports import Kind
from ..secrets import read_secret
from ..texts import say

if TYPE_CHECKING:
    from ..months import Month
    from ..unit import Unit


@dataclass(frozen=True)
class Planning:
    """What a source's plan sees: the run's months, the start input's fields it declared, the archive."""

    months: Sequence[Month]
    inputs: Mapping[str, Any]  # the start-input fields the source declared (absent ones are absent)
    force: bool
    read: Callable[[str], bytes | None]  # an object of the archive bucket, by key (None: no such object)
    prefix: str


@dataclass(frozen=True)
class FetchedFile:
    extension: str  # "pdf", "json", "csv"...
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Fetched:
    """What a source returned for one unit: the files to archive (the first is the main one) and the details the
    manifest and the notice carry; or, with no files, why there is nothing (NO_DOCUMENTS, not a failure)."""

    files: list[FetchedFile] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    month: Month | None = None  # the period the files belong under, when the document says (else the unit's)
    message: str = ""  # what the notice says, after the unit's title
    no_documents: str | None = None
    earlier: datetime | None = None  # the document was made by an earlier run then: nothing new now (ALREADY_ARCHIVED)


@dataclass(frozen=True)
class Fetching:
    """What a source's fetch gets: the unit, the execution, and the deployment's clients it may need."""

    unit: Unit
    execution_id: str
    force: bool
    table: Any  # the lock table (DynamoDB), for sources that keep state (Direct's operation numbers, attempts)
    resolution: str | None = None  # a person's answer to an earlier outcome-unknown unit (see SourceKind)


@dataclass(frozen=True, kw_only=True)
class SourceKind(Kind):
    """A document of another system, fetched (or created) at once."""

    scope: str = "source"  # type: ignore[assignment]
    enabled: Callable[[], bool]
    inputs: Mapping[str, str] = field(default_factory=dict)  # start-input field -> what is allowed
    plan: Callable[[Planning], list[Unit]]
    fetch: Callable[[Fetching], Fetched]
    monthly: bool = True  # in the monthly run when enabled (Direct has a schedule of its own)
    future_months: bool = False  # may run for the current or the next month (a prepayment)
    resolution_input: str | None = None  # the start-input field by which a person resolves an outcome-unknown unit


def env(name: str, default: str = "") -> str:
    """A source's setting from the function's environment (template parameters), stripped."""
    return os.environ.get(name, default).strip()


def secret(name: str, what: str) -> Any:
    """A source's secret (JSON or text) through Powertools Parameters (cached like the Market's); ``what``: the
    system's name, in the users' language."""
    if not name:
        raise ConfigurationError(say("error.source.no_secret", system=what))
    value = read_secret(name, get_settings().secret_max_age_seconds, "error.source.secret_unreadable", system=what)
    if value.startswith("{"):
        try:
            return json.loads(value)
        except ValueError:
            raise ConfigurationError(say("error.source.secret_json", system=what, name=name)) from None
    return value


def data_uri(text: str) -> tuple[str, bytes]:
    """(MIME type, bytes) of ``data:<mime>;base64,<base64, line breaks allowed>``."""
    import base64
    import binascii

    head, comma, payload = text.partition(",")
    if not comma or not head.startswith("data:") or not head.endswith(";base64"):
        raise ValueError(say("error.data_uri"))
    try:
        body = base64.b64decode("".join(payload.split()), validate=True)
    except binascii.Error:
        raise ValueError(say("error.data_uri_base64")) from None
    return head[len("data:") : -len(";base64")], body
