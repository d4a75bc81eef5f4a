"""The archive's index: one ``index.html`` and one ``index.csv`` per business, rebuilt after every run.

``<prefix>/<business>/index.html`` and ``<prefix>/<business>/index.csv`` sit beside the month folders
(``<prefix>/<YYYY-MM>/``), so every link of the page is relative (``../2025-12/main/1001/...zip``) and a folder
copied with ``aws s3 sync s3://<bucket>/<prefix>/ DIR`` opens offline.

Both are built from what the archive holds, never from a run's memory, so they tell the truth after a failed or a
partial run: for each month folder of the business, its manifests (ARCHIVED), its no-documents markers
(NO_DOCUMENTS) and its ``pack.json`` (FAILED, with the last error; and what each unit is). A unit seen in any
month's pack.json (kind, scope, contract types) that a month lacks is MISSING. The months run from the first the
archive holds for the business to the last finished one (the month before this one, Moscow time; or later, when the
archive holds a later month: Direct's prepayment invoice). A manifest whose file is gone is MISSING too; pack.json
saying ARCHIVED is not taken for it when the archive has no manifest.

Reading every manifest would cost a GET each. pack.json already holds what its run read from them (key, size,
SHA-256, report id), so an entry is taken as it is when the file is in the listing with that size and its manifest (or
marker) is older than the entry; any other manifest or marker is read (in parallel).

What a column is: one kind of one shop (campaign), of the business (business-wide kinds) or of another system,
and one contract type for the kinds reported per type (detalization). Closing documents are one column per shop
whatever the contract types: a month split by type (TOO_LARGE) shows its parts in one cell. Another system's units
(ActivePlatform: one per document) share one column per kind, and a month lacks the kind only when it has none of it.

The page is one static file: inline CSS that prints (A4 landscape), no script, no external asset. Its HTML and CSS
are ``templates/index.html``, a Jinja2 template with autoescaping: every value it shows is escaped. This module only
prepares what it shows; Jinja2 is imported when the first page is rendered, not with the module. Labels are Russian
(``ru``, the default) or English (``en``): ``Settings.notice_language``. The CSV is one row per unit and month, ``;``
between fields, CRLF, UTF-8 with BOM (Excel opens it as it is); its header and status values are the same in both
languages (machines read them).
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import ValidationError

from closing_docs import kinds
from closing_docs.close import pipeline as monthclose
from closing_docs.domain.models import Manifest, NoDocumentsMarker, Unit
from closing_docs.domain.months import Month
from closing_docs.domain.unit import month_folder
from closing_docs.kinds import Kind, get, names
from closing_docs.views.pack import PACK_NAME, Pack, PackEntry, T
from closing_docs.views.pack import parallel as _parallel

if TYPE_CHECKING:
    import jinja2

    from closing_docs.adapters.archive import ArchiveStore

IndexStatus = Literal["ARCHIVED", "NO_DOCUMENTS", "FAILED", "MISSING"]
STATUSES: tuple[IndexStatus, ...] = ("ARCHIVED", "NO_DOCUMENTS", "FAILED", "MISSING")
HTML_NAME, CSV_NAME = "index.html", "index.csv"
TEMPLATES, HTML_TEMPLATE = Path(__file__).with_name("templates"), "index.html"  # the page's Jinja2 template
CSV_COLUMNS = (
    "business",
    "month",
    "kind",
    "campaignId",
    "businessId",
    "scope",
    "contractTypes",
    "status",
    "key",
    "manifestKey",
    "sizeBytes",
    "sha256",
    "reportId",
    "error",
    "cause",
)
MANIFEST_SUFFIX, MARKER_SUFFIX = ".manifest.json", ".no-documents.json"
# Not units of the pack: the close's manifest, and the CSV twins' (<stem>.csv.*, unit.py), which the close lists.
_NOT_UNITS = (
    f"/{monthclose.CLOSE_FOLDER}/{monthclose.MANIFEST_NAME}",
    ".csv" + MANIFEST_SUFFIX,
    ".csv" + MARKER_SUFFIX,
)
# S3 keeps LastModified to the second, and the functions' clocks may differ from S3's by a little: an entry of
# pack.json stands for a manifest only when it was written this long after the manifest.
TRUST_MARGIN = timedelta(seconds=5)
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_TYPE_ORDER = {"INCOME": 0, "OUTCOME": 1, "MARKETING": 2}
# Cells with several units (a split month) are coloured as the worst of them.
_SEVERITY = {"ARCHIVED": 0, "NO_DOCUMENTS": 1, "MISSING": 2, "FAILED": 3}

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Архив документов: {business}",
        "range": "Месяцы {first} — {last}",
        "generated": "Собрано {time} UTC из того, что лежит в архиве: манифесты, отметки «нет документов», pack.json",
        "csv": "Таблица в CSV (Excel)",
        "empty": "Для этого бизнеса в архиве пока ничего нет.",
        "totals": "Итого",
        "units": "Всего: {n} (отчёт × месяц)",
        "by_kind": "По видам",
        "kind": "Вид",
        "month": "Месяц",
        "legend": "Обозначения",
        "section.campaign": "Магазин (кампания) {id}",
        "section.business": "Бизнес {id}: отчёты по всему бизнесу",
        "section.source": "Другие системы",
        "status.ARCHIVED": "✓ В архиве",
        "status.NO_DOCUMENTS": "∅ Нет документов",
        "status.FAILED": "✗ Ошибка",
        "status.MISSING": "! Нет в архиве",
        "legend.ARCHIVED": "файл в архиве: размер, SHA-256 (сверьте: sha256sum), ссылка на файл и его манифест",
        "legend.NO_DOCUMENTS": "система ответила, что документов за месяц нет (отметка .no-documents.json)",
        "legend.FAILED": "последний запуск не получил отчёт; ошибка и причина из pack.json",
        "legend.MISSING": "ожидался (есть в pack.json другого месяца), но в архиве его нет",
        "not_expected": "не ожидался",
        "manifest": "манифест",
        "marker": "отметка",
        "missing.expected": "ожидался, в архиве нет",
        "missing.file": "файла нет в архиве",
        "unreadable": "Не прочитаны (в таблицу не вошли):",
        "offline": "Ссылки относительные: папка, скачанная командой aws s3 sync s3://<бакет>/{prefix}/ <папка>, "
        "открывается без сети.",
        "size.0": "Б",
        "size.1": "КБ",
        "size.2": "МБ",
        "size.3": "ГБ",
        "size.4": "ТБ",
        "bytes": "{n} байт",
        "close.title": "Закрытие месяца",
        "close.status": "Итог проверок",
        "close.files": "Файлы",
        "close.note": "Сверка отчётов месяца между собой, книга для бухгалтера и таблицы для 1С (README)",
        "close.status.OK": "✓ в порядке",
        "close.status.WARN": "⚠ есть предупреждения",
        "close.status.FAIL": "✗ есть расхождения",
        "close.xlsx": "close.xlsx (для бухгалтера)",
        "close.checks": "checks.json",
    },
    "en": {
        "title": "Document archive: {business}",
        "range": "Months {first} to {last}",
        "generated": "Built {time} UTC from what the archive holds: manifests, no-documents markers, pack.json",
        "csv": "The table as CSV (Excel)",
        "empty": "The archive holds nothing for this business yet.",
        "totals": "Totals",
        "units": "In all: {n} (unit × month)",
        "by_kind": "By kind",
        "kind": "Kind",
        "month": "Month",
        "legend": "Legend",
        "section.campaign": "Shop (campaign) {id}",
        "section.business": "Business id {id}: business-wide reports",
        "section.source": "Other systems",
        "status.ARCHIVED": "✓ Archived",
        "status.NO_DOCUMENTS": "∅ No documents",
        "status.FAILED": "✗ Failed",
        "status.MISSING": "! Missing",
        "legend.ARCHIVED": "the file is archived: size, SHA-256 (check with sha256sum), a link to it and its manifest",
        "legend.NO_DOCUMENTS": "the system said it has no documents for the month (a .no-documents.json marker)",
        "legend.FAILED": "the last run could not get it; the error and its cause from pack.json",
        "legend.MISSING": "expected (another month's pack.json lists it) but not in the archive",
        "not_expected": "not expected",
        "manifest": "manifest",
        "marker": "marker",
        "missing.expected": "expected, not in the archive",
        "missing.file": "the file is not in the archive",
        "unreadable": "Could not be read (not in the table):",
        "offline": "Links are relative: a folder copied with aws s3 sync s3://<bucket>/{prefix}/ <folder> opens "
        "offline.",
        "size.0": "B",
        "size.1": "KB",
        "size.2": "MB",
        "size.3": "GB",
        "size.4": "TB",
        "bytes": "{n} bytes",
        "close.title": "Month close",
        "close.status": "Checks",
        "close.files": "Files",
        "close.note": "The month's reports checked against one another, the accountant's workbook and the 1C tables "
        "(README)",
        "close.status.OK": "✓ OK",
        "close.status.WARN": "⚠ warnings",
        "close.status.FAIL": "✗ discrepancies",
        "close.xlsx": "close.xlsx (for the accountant)",
        "close.checks": "checks.json",
    },
}


def label(language: str, name: str, **values: object) -> str:
    texts = LABELS.get(language, LABELS["ru"])
    return texts[name].format(**values) if values else texts[name]


# --- what the archive holds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One unit in one month as the archive holds it: one entry of a cell of the page, one line of the CSV."""

    business: str
    month: str
    kind: str
    campaign_id: int | None
    business_id: int | None
    scope: str | None
    contract_types: tuple[str, ...]  # () = all contracts, or the kind has none
    status: IndexStatus
    key: str | None = None  # the file (ARCHIVED; MISSING when its manifest names it) or the marker (NO_DOCUMENTS)
    manifest_key: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    report_id: str | None = None
    error: str | None = None
    cause: str | None = None


Section = tuple[int, str]  # (0 a shop | 1 the business | 2 other systems, the campaign or business id)
SectionName = Literal["campaign", "business", "source"]  # by the Section's first item
SECTION_NAMES: tuple[SectionName, ...] = ("campaign", "business", "source")
Column = tuple[str, str]  # (kind, contract type for the kinds reported per type, else "")


def _kind(name: str) -> Kind | None:
    try:
        return get(name)
    except KeyError:  # a kind no longer in the catalog: what the archive holds of it is still listed
        return None


def section_of(row: Row) -> Section:
    kind = _kind(row.kind)
    scope = kind.scope if kind is not None else None
    if scope == "campaign" or (scope is None and row.campaign_id is not None):
        return (0, str(row.campaign_id))
    if scope == "business" or (scope is None and row.business_id is not None):
        return (1, str(row.business_id))
    return (2, "")


def column_of(row: Row) -> Column:
    kind = _kind(row.kind)
    per_type = kind.contract_types == "each" if kind is not None else bool(row.contract_types)
    return (row.kind, "-".join(row.contract_types) if per_type else "")


def _identity(row: Row) -> tuple[object, ...]:
    """The unit without its month (and without its status)."""
    return (row.kind, section_of(row), row.scope or "", row.contract_types)


def _row(unit: Unit, status: IndexStatus, **fields: Any) -> Row:
    return Row(
        business=unit.business,
        month=str(unit.month),
        kind=unit.kind,
        campaign_id=unit.campaign_id,
        business_id=unit.business_id,
        scope=unit.scope,
        contract_types=tuple(t.value for t in unit.contract_types or ()),
        status=status,
        **fields,
    )


@dataclass(frozen=True)
class ArchiveIndex:
    """What the archive holds for one business: every unit of every month of the range (MISSING ones included)."""

    business: str
    prefix: str
    months: list[str]  # the range, oldest first
    rows: list[Row]
    generated_at: datetime
    packs: list[str] = field(default_factory=list)  # the months that have a pack.json
    unreadable: list[str] = field(default_factory=list)  # keys that could not be read (left out, listed on the page)
    closes: list[monthclose.CloseLink] = field(default_factory=list)  # each month's close (issue 20), latest first

    def counts(self) -> Counter[str]:
        return Counter(row.status for row in self.rows)


def index_keys(prefix: str, business: str) -> tuple[str, str]:
    """(``index.html``, ``index.csv``) of ``business``: ``<prefix>/<business>/index.*``."""
    folder = f"{prefix}/{business}" if prefix else business
    return f"{folder}/{HTML_NAME}", f"{folder}/{CSV_NAME}"


@dataclass
class _Folder:
    """One month folder of the business: its listing (key -> size, last modified) and its pack.json entries."""

    month: str
    listing: dict[str, tuple[int, datetime]]
    entries: list[PackEntry]
    unreadable: list[str]
    by_stem: dict[str, PackEntry]  # the entries by their unit's key stem (to match manifests and markers)

    def evidence(self) -> list[str]:
        """The manifests, and the markers of units without one (a manifest says more: archived since); the close's
        manifest (close/close.manifest.json) is not a unit's, and a CSV twin is the close's input, not the pack's."""
        return [
            key
            for key in sorted(self.listing)
            if not key.endswith(_NOT_UNITS)
            and (
                key.endswith(MANIFEST_SUFFIX)
                or (key.endswith(MARKER_SUFFIX) and key[: -len(MARKER_SUFFIX)] + MANIFEST_SUFFIX not in self.listing)
            )
        ]

    def trusted(self, key: str) -> Row | None:
        """The row pack.json gives for a manifest or marker, when it still stands for it (else None: read it)."""
        if key.endswith(MANIFEST_SUFFIX):
            entry = self.by_stem.get(key[: -len(MANIFEST_SUFFIX)])
            return _from_entry(entry, self.listing, key) if entry is not None else None
        entry = self.by_stem.get(key[: -len(MARKER_SUFFIX)])
        if entry is None or entry.status != "NO_DOCUMENTS" or entry.key != key:
            return None
        if not _older(self.listing, key, entry.updated_at):
            return None
        return _row(entry, "NO_DOCUMENTS", key=key, report_id=entry.report_id)


def _folder(store: ArchiveStore, prefix: str, business: str, month: str) -> _Folder:
    folder = month_folder(prefix, month, business)
    listing = store.listing_times(f"{folder}/")
    entries: list[PackEntry] = []
    unreadable: list[str] = []
    key = f"{folder}/{PACK_NAME}"
    if key in listing:
        body = store.read(key)
        try:
            entries = Pack.model_validate_json(body).entries if body else []
        except ValidationError:
            unreadable.append(key)
    by_stem = {stem: e for e in entries if (stem := _stem(e, prefix)) is not None}
    return _Folder(month, listing, entries, unreadable, by_stem)


def _stem(entry: PackEntry, prefix: str) -> str | None:
    try:
        return kinds.keys(entry, prefix).stem
    except (KeyError, ValueError):  # an unknown kind: matched on what its manifest says instead
        return None


def _older(listing: dict[str, tuple[int, datetime]], key: str, than: datetime) -> bool:
    return key in listing and listing[key][1] + TRUST_MARGIN <= than


def _from_entry(entry: PackEntry, listing: dict[str, tuple[int, datetime]], manifest: str) -> Row | None:
    """The row pack.json gives for an archived unit, when it still stands for the archive (else None: read it)."""
    if entry.status not in ("ARCHIVED", "ALREADY_ARCHIVED") or not entry.key or not entry.sha256:
        return None
    if entry.key not in listing or listing[entry.key][0] != entry.size_bytes:
        return None
    if not _older(listing, manifest, entry.updated_at):
        return None
    return _row(
        entry,
        "ARCHIVED",
        key=entry.key,
        manifest_key=manifest,
        size_bytes=entry.size_bytes,
        sha256=entry.sha256,
        report_id=entry.report_id,
    )


def _from_manifest(body: bytes, key: str, listing: dict[str, tuple[int, datetime]]) -> Row:
    manifest = Manifest.model_validate_json(body)
    if manifest.zip_key not in listing:  # the manifest stayed, the file is gone
        return _row(manifest, "MISSING", key=manifest.zip_key, manifest_key=key, report_id=manifest.report_id)
    return _row(
        manifest,
        "ARCHIVED",
        key=manifest.zip_key,
        manifest_key=key,
        size_bytes=manifest.size_bytes,
        sha256=manifest.sha256,
        report_id=manifest.report_id,
    )


def _month_rows(folder: _Folder, bodies: dict[str, bytes | None], unreadable: list[str]) -> tuple[list[Row], list[Row]]:
    """(rows, orphans) of one month: orphans are pack.json's ARCHIVED entries with no manifest in this month."""
    rows: list[Row] = []
    for key in folder.evidence():
        trusted = folder.trusted(key)
        if trusted is not None:
            rows.append(trusted)
            continue
        body = bodies.get(key)
        try:
            if body is None:
                raise ValueError(key)  # gone between the listing and the read
            if key.endswith(MANIFEST_SUFFIX):
                rows.append(_from_manifest(body, key, folder.listing))
            else:
                marker = NoDocumentsMarker.model_validate_json(body)
                rows.append(_row(marker, "NO_DOCUMENTS", key=key, report_id=marker.report_id))
        except (ValidationError, ValueError):
            unreadable.append(key)
    accounted = {_identity(row) for row in rows}
    orphans: list[Row] = []
    for entry in folder.entries:
        if _identity(_row(entry, "MISSING")) in accounted:
            continue  # the manifest or marker says what it is (a FAILED re-run of an archived unit stays archived)
        if entry.status == "FAILED":
            rows.append(_row(entry, "FAILED", report_id=entry.report_id, error=entry.error, cause=entry.cause))
        elif entry.status == "NO_DOCUMENTS":  # pack.json says so; the marker is not (or no longer) there
            marker_key = entry.key if entry.key in folder.listing else None
            rows.append(_row(entry, "NO_DOCUMENTS", key=marker_key, report_id=entry.report_id))
        else:
            orphans.append(_row(entry, "MISSING", key=entry.key, report_id=entry.report_id))
    return rows, orphans


def _common(values: Iterable[T]) -> T | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _missing(month: str, business: str, section: Section, column: Column, seen: list[Row]) -> Row:
    """The MISSING row of a column a month lacks, named as the units pack.json listed in it elsewhere."""
    order, scope_id = section
    types = tuple(column[1].split("-")) if column[1] else (_common(r.contract_types for r in seen) or ())
    return Row(
        business=business,
        month=month,
        kind=column[0],
        campaign_id=int(scope_id) if order == 0 and scope_id.isdigit() else None,
        business_id=int(scope_id) if order == 1 and scope_id.isdigit() else None,
        scope=_common(r.scope for r in seen),
        contract_types=types,
        status="MISSING",
    )


def _months(first: Month, last: Month) -> list[str]:
    months, month = [], first
    while month <= last:
        months.append(str(month))
        month = month.shift(1)
    return months


def collect(store: ArchiveStore, prefix: str, business: str, now: datetime | None = None) -> ArchiveIndex:
    """Every unit of ``business`` in every month of the range, as the archive holds it (see the module's doc)."""
    now = now or datetime.now(UTC)
    root = f"{prefix}/" if prefix else ""
    names = [f[len(root) :].rstrip("/") for f in store.folders(root)]
    folders = _parallel(lambda m: _folder(store, prefix, business, m), [m for m in names if _MONTH.match(m)])
    folders = [f for f in folders if f.listing]
    unreadable = [key for f in folders for key in f.unreadable]
    wanted = [key for f in folders for key in f.evidence() if f.trusted(key) is None]
    bodies = dict(zip(wanted, _parallel(store.read, wanted), strict=True))

    rows: list[Row] = []
    orphans: list[Row] = []
    expected: dict[tuple[Section, Column], list[Row]] = defaultdict(list)
    for folder in folders:
        month_rows, month_orphans = _month_rows(folder, bodies, unreadable)
        rows += month_rows
        orphans += month_orphans
        for entry in folder.entries:
            listed = _row(entry, "MISSING")
            expected[(section_of(listed), column_of(listed))].append(listed)
    # pack.json says ARCHIVED but its month has no manifest: archived elsewhere (a source files a document under
    # the month it names), or MISSING
    archived = {_identity(row) for row in rows if row.status == "ARCHIVED"}
    rows += [row for row in orphans if _identity(row) not in archived]

    months: list[str] = []
    if rows:
        first = Month.parse(min(row.month for row in rows))
        last = max(Month.previous_to(now), Month.parse(max(row.month for row in rows)))
        months = _months(first, last)
    present = {(row.month, section_of(row), column_of(row)) for row in rows}
    for month in months:
        for (section, column), seen in expected.items():
            if (month, section, column) not in present:
                rows.append(_missing(month, business, section, column, seen))
    packs = sorted(f.month for f in folders if f"{month_folder(prefix, f.month, business)}/{PACK_NAME}" in f.listing)
    closes = _closes(store, prefix, business, folders, unreadable)
    rows = sorted(rows, key=_row_order)
    return ArchiveIndex(business, prefix, months, rows, now, packs, sorted(set(unreadable)), closes)


def _closes(
    store: ArchiveStore, prefix: str, business: str, folders: list[_Folder], unreadable: list[str]
) -> list[monthclose.CloseLink]:
    """Each month's close, from its manifest (the latest month first)."""
    keys = [(f.month, key) for f in folders if (key := monthclose.manifest_key(prefix, f.month, business)) in f.listing]
    closes = []
    for (month, key), body in zip(keys, _parallel(store.read, [key for _, key in keys]), strict=True):
        try:
            link = monthclose.close_link(month, key, body)
        except ValidationError:
            link = None
        if link is None:
            unreadable.append(key)
        else:
            closes.append(link)
    return sorted(closes, key=lambda c: c.month, reverse=True)


# --- order -----------------------------------------------------------------------------------------------------


def _section_order(section: Section) -> tuple[int, int, str]:
    order, scope_id = section
    return (order, int(scope_id) if scope_id.isdigit() else 0, scope_id)


def _kind_order(kind: str) -> tuple[int, str]:
    catalog = names()
    return (catalog.index(kind) if kind in catalog else len(catalog), kind)


def _types_order(types: str | Sequence[str]) -> tuple[int, ...]:
    parts = types.split("-") if isinstance(types, str) else list(types)
    return tuple(_TYPE_ORDER.get(part, 9) for part in parts if part)


def _column_order(column: Column) -> tuple[tuple[int, str], tuple[int, ...], str]:
    return (_kind_order(column[0]), _types_order(column[1]), column[1])


def _row_order(row: Row) -> tuple[object, ...]:
    return (
        row.month,
        _section_order(section_of(row)),
        _column_order(column_of(row)),
        row.scope or "",
        _types_order(row.contract_types),
    )


# --- the page --------------------------------------------------------------------------------------------------


def _kind_label(name: str, language: str) -> str:
    kind = _kind(name)
    if kind is None:
        return name
    display = getattr(kind, "display", None)  # the catalog's own label in the language, where it has one
    return str(display(language)) if callable(display) else kind.label


def _size(size: int, language: str) -> str:
    value, unit = float(size), 0
    while value >= 1024 and unit < 4:
        value, unit = value / 1024, unit + 1
    text = str(size) if unit == 0 else f"{value:.1f}"
    if language == "ru":
        text = text.replace(".", ",")
    return f"{text} {label(language, f'size.{unit}')}"


def _href(page: str, key: str) -> str:
    """``key`` relative to the page's folder, URL-quoted (the template escapes it as an attribute)."""
    base = posixpath.dirname(page)
    return quote(posixpath.relpath(key, base) if base else key, safe="/")


def _data(row: Row) -> list[tuple[str, object]]:
    """The unit's ``data-*`` attributes (those it has), for machines and tests reading the page."""
    values: dict[str, object] = {
        "status": row.status,
        "month": row.month,
        "kind": row.kind,
        "campaign-id": row.campaign_id,
        "business-id": row.business_id,
        "scope": row.scope,
        "contract-types": ",".join(row.contract_types) or None,
        "key": row.key,
        "size-bytes": row.size_bytes,
        "sha256": row.sha256,
        "report-id": row.report_id,
        "error": row.error,
    }
    return [(name, value) for name, value in values.items() if value is not None]


def _worst(units: Sequence[Row]) -> IndexStatus:
    return max(units, key=lambda r: _SEVERITY[r.status]).status


@dataclass(frozen=True)
class _Month:
    """One line of a table: a month, its pack.json (if any) and, per column, the units of its cell ([]: none)."""

    month: str
    pack: str | None
    cells: list[tuple[Column, list[Row]]]


@dataclass(frozen=True)
class _Table:
    """One table of the page: a shop, the business or the other systems, its columns and its months."""

    name: SectionName
    id: str
    columns: list[Column]
    months: list[_Month]  # the latest first


def _tables(index: ArchiveIndex) -> list[_Table]:
    cells: dict[tuple[Section, Column, str], list[Row]] = defaultdict(list)
    for row in index.rows:
        cells[(section_of(row), column_of(row), row.month)].append(row)
    tables: list[_Table] = []
    for section in sorted({section for section, _, _ in cells}, key=_section_order):
        columns = sorted({c for s, c, _ in cells if s == section}, key=_column_order)
        months = [
            _Month(
                month,
                f"{month_folder(index.prefix, month, index.business)}/{PACK_NAME}" if month in index.packs else None,
                [(column, cells.get((section, column, month), [])) for column in columns],
            )
            for month in reversed(index.months)
        ]
        tables.append(_Table(SECTION_NAMES[section[0]], section[1], columns, months))
    return tables


@cache
def _template() -> jinja2.Template:
    """``templates/index.html``, compiled once per process. Jinja2 is imported here, not with the module: only the
    step that writes the index (SummarizeRun) pays for it, and only when it renders a page."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every {{ value }}, text or attribute, is escaped: nothing from the archive is markup
        undefined=jinja2.StrictUndefined,  # a name the template misspells fails the render, never shows as ""
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    return environment.get_template(HTML_TEMPLATE)


def render_html(index: ArchiveIndex, language: str = "ru") -> str:
    """The page (``templates/index.html``): totals on top, then a table per shop, the business and the other
    systems (months × columns)."""
    language = language if language in LABELS else "ru"
    page, _csv = index_keys(index.prefix, index.business)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for row in index.rows:
        by_kind[row.kind][row.status] += 1
    return _template().render(
        index=index,
        language=language,
        t=partial(label, language),
        statuses=STATUSES,
        counts=index.counts(),
        by_kind=[(kind, by_kind[kind]) for kind in sorted(by_kind, key=_kind_order)],
        tables=_tables(index),
        generated=index.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        csv=CSV_NAME,
        kind_label=partial(_kind_label, language=language),
        size=partial(_size, language=language),
        href=partial(_href, page),
        data=_data,
        worst=_worst,
    )


# --- the CSV ---------------------------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    """Free text from another system, safe in a spreadsheet: a leading = + - @ would start a formula in Excel."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def render_csv(index: ArchiveIndex) -> bytes:
    """One row per unit and month: header first, ``;``-separated, CRLF, UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in index.rows:
        writer.writerow(
            [
                row.business,
                row.month,
                row.kind,
                "" if row.campaign_id is None else row.campaign_id,
                "" if row.business_id is None else row.business_id,
                row.scope or "",
                ",".join(row.contract_types),
                row.status,
                row.key or "",
                row.manifest_key or "",
                "" if row.size_bytes is None else row.size_bytes,
                row.sha256 or "",
                row.report_id or "",
                _text(row.error),
                _text(row.cause),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- writing ---------------------------------------------------------------------------------------------------


def write(
    store: ArchiveStore, prefix: str, business: str, language: str = "ru", now: datetime | None = None
) -> list[str]:
    """Rebuild ``business``'s index.html and index.csv from the archive; returns their keys."""
    index = collect(store, prefix, business, now)
    html_key, csv_key = index_keys(prefix, business)
    store.put_file(csv_key, render_csv(index), "text/csv; charset=utf-8")
    store.put_file(html_key, render_html(index, language).encode("utf-8"), "text/html; charset=utf-8")
    return [html_key, csv_key]
