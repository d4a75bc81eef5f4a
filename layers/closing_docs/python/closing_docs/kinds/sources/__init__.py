"""The other systems of the brief, as sources on the same pipeline: one small module per source.

A source answers at once (no report to poll: its work is ready as soon as it is started), and its fetch calls the
system and stores what it returned, each file with a SHA-256 that S3 checks on upload and a manifest next to it.
Each module defines ``KIND = SourceKind(...)``:

* ``enabled()``: whether this deployment configures it (its template parameters); off by default;
* ``inputs``: the start-input fields it reads (anything else is refused as an unknown field);
* ``units(planning)``: its units of work for the run's months, from the start input or its configuration;
* ``call(context)``: call the system for one unit and return the files to archive (or why there are none);
* its own settings (environment variables) and its own secret, read through Powertools Parameters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from closing_docs.adapters.secrets import read_secret
from closing_docs.domain.config import get_settings
from closing_docs.domain.errors import ConfigurationError
from closing_docs.domain.models import Manifest, StoredFile
from closing_docs.domain.texts import say
from closing_docs.kinds import Archived, Kind, Planning
from closing_docs.kinds.work import Work

if TYPE_CHECKING:
    from closing_docs.domain.months import Month
    from closing_docs.domain.unit import Unit


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
    enabled: Callable[[], bool]  # its template parameters turn it on
    units: Callable[[Planning], list[Unit]]  # its units for the run's months
    call: Callable[[Fetching], Fetched]  # the system, for one unit
    monthly: bool = True  # in the monthly run when enabled (Direct has a schedule of its own)

    def configured(self) -> bool:
        return self.enabled()

    def in_monthly_run(self) -> bool:
        return self.monthly and self.enabled()

    def plan(self, planning: Planning) -> list[Unit]:
        return self.units(planning)

    def fetch(self, work: Work) -> Archived:
        """Call the system now, and store what it returned (each file with its SHA-256) and its manifest."""
        job, settings = work.job, work.settings
        fetched = self.call(
            Fetching(unit=job, execution_id=work.execution_id, force=job.force, table=work.table(),
                     resolution=job.resolution)
        )  # fmt: skip
        if fetched.no_documents is not None:
            return Archived(unit=job, no_documents=fetched.no_documents)
        placed = job.model_copy(update={"month": fetched.month}) if fetched.month else job  # where the document says
        keys = self.keys(placed, settings.prefix)
        stored = [work.store().put_file(keys.file(f.extension), f.body, f.content_type) for f in fetched.files]
        main = stored[0]
        manifest = Manifest(
            **placed.identity(),
            title=self.title(placed),
            report_id=str(fetched.details.get("id", "-")),
            zip_key=main.key,
            sha256=main.sha256,
            size_bytes=main.size_bytes,
            version_id=main.version_id,
            documents=[document for s in stored for document in s.documents],
            files=[
                StoredFile(key=s.key, sha256=s.sha256, size_bytes=s.size_bytes, version_id=s.version_id) for s in stored
            ],
            details=fetched.details,
            archived_at=datetime.now(UTC),
            execution_id=work.execution_id,
            source_api=self.name,
            download_host=urlsplit(str(fetched.details.get("api", ""))).hostname or "-",
        )
        return Archived(manifest=manifest, unit=placed, message=fetched.message, earlier=fetched.earlier)


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
