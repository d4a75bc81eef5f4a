"""``pack.json``: one per business and month, listing every report asked for and how it ended.

``<prefix>/<YYYY-MM>/<business>/pack.json`` is updated at the end of every run that covered that month: each
unit of the run gets its entry (replacing the entry of an earlier run), entries of units the run did not cover
stay. The file, key, size and SHA-256 of an entry come from what the archive holds (its manifest, or its
no-documents marker), not from the run's memory. The update is a conditional write (S3 If-Match / If-None-Match):
two executions finishing together cannot lose each other's entries; the loser raises PackConflict and the state
machine's Retry runs the step again on the new version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Literal, TypeVar

from pydantic import ValidationError

from closing_docs import kinds
from closing_docs.adapters.archive import ArchiveStore
from closing_docs.domain.models import NoDocumentsMarker, Outcome, Unit, Wire
from closing_docs.domain.unit import month_folder

PACK_NAME = "pack.json"
PackStatus = Literal["ARCHIVED", "NO_DOCUMENTS", "FAILED", "ALREADY_ARCHIVED"]


class PackEntry(Unit):
    status: PackStatus
    key: str | None = None  # the archived file (or the no-documents marker)
    sha256: str | None = None
    size_bytes: int | None = None
    report_id: str | None = None
    error: str | None = None
    cause: str | None = None
    execution_id: str
    updated_at: datetime


class Pack(Wire):
    schema_version: int = 1
    business: str
    month: str
    updated_at: datetime
    entries: list[PackEntry]


READERS = 16  # GETs in flight while reading manifests, markers and pack.json files
T = TypeVar("T")
R = TypeVar("R")


def parallel(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``function`` over ``items``, READERS at a time (S3 reads: a business-month may have thousands of units)."""
    if len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(READERS, len(items))) as pool:
        return list(pool.map(function, items))


def pack_key(prefix: str, business: str, month: str) -> str:
    return f"{month_folder(prefix, month, business)}/{PACK_NAME}"


def _entry(store: ArchiveStore, prefix: str, outcome: Outcome, execution_id: str, now: datetime) -> PackEntry | None:
    """The entry of one unit of this run, with what the archive holds for it; None for IN_PROGRESS (the execution
    that owns the unit writes its entry)."""
    if outcome.status == "IN_PROGRESS":
        return None
    keys = kinds.keys(outcome, prefix)
    entry = PackEntry(
        **outcome.identity(),
        status=outcome.status,
        error=outcome.error,
        cause=outcome.cause,
        execution_id=execution_id,
        updated_at=now,
    )
    if outcome.status == "NO_DOCUMENTS":
        body = store.read(keys.marker)
        marker = NoDocumentsMarker.model_validate_json(body) if body else None
        return entry.model_copy(update={"key": keys.marker if body else None, "report_id": marker and marker.report_id})
    manifest = store.read_manifest(keys.manifest)
    if manifest is None:
        return entry
    return entry.model_copy(
        update={
            "key": manifest.zip_key,
            "sha256": manifest.sha256,
            "size_bytes": manifest.size_bytes,
            "report_id": manifest.report_id,
        }
    )


def _order(entry: PackEntry) -> tuple[str, str, str]:
    return entry.kind, entry.scope_label, entry.types_label


def update(
    store: ArchiveStore, prefix: str, business: str, month: str, outcomes: Iterable[Outcome], execution_id: str
) -> str:
    """Merge this run's units into the pack of ``business`` and ``month``; returns its key."""
    key, now = pack_key(prefix, business, month), datetime.now(UTC)
    current = store.read_versioned(key)
    entries: dict[str, PackEntry] = {}
    if current.body is not None:
        try:
            entries = {e.lock_key: e for e in Pack.model_validate_json(current.body).entries}
        except ValidationError:
            entries = {}  # unreadable: rebuilt from this run (the archive's versioning keeps the old one)
    for entry in parallel(lambda outcome: _entry(store, prefix, outcome, execution_id, now), list(outcomes)):
        if entry is not None:
            entries[entry.lock_key] = entry
    pack = Pack(business=business, month=month, updated_at=now, entries=sorted(entries.values(), key=_order))
    store.replace_json(key, pack, current.etag)
    return key


def update_all(store: ArchiveStore, prefix: str, outcomes: Iterable[Outcome], execution_id: str) -> list[str]:
    """Every business and month the outcomes touch (the reports of the pack: ``Unit.in_pack``)."""
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in filter(lambda o: o.in_pack, outcomes):
        groups[(outcome.business, str(outcome.month))].append(outcome)
    return [update(store, prefix, b, m, group, execution_id) for (b, m), group in sorted(groups.items())]
