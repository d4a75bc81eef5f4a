"""An offline emulator of the Yandex Market Partner API operations the archive pipeline uses.

It is a real HTTP server on 127.0.0.1 (standard library ``ThreadingHTTPServer``) serving

* ``POST /v2/reports/closure-documents/generate`` (op ``generate``): the closing documents, a ZIP of PDFs;
* the table reports of :data:`TABLE_KINDS`, each its own op named after its kind:

  - ``POST /v2/reports/closure-documents/detalization/generate`` (op ``closure-documents-detalization``),
  - ``POST /v2/reports/goods-realization/generate`` (op ``goods-realization``),
  - ``POST /v2/reports/united-marketplace-services/generate`` (op ``united-marketplace-services``),
  - ``POST /v2/reports/united-netting/generate`` (op ``united-netting``),

  with ``?format=FILE|CSV|JSON`` (FILE: one XLSX; CSV/JSON: a ZIP with one file per sheet; see
  :mod:`local.emulator.tables`) and, on united-netting and united-marketplace-services only, ``?language=RU|EN``;
* ``GET /v2/reports/info/{reportId}`` (op ``info``), for reports of every kind;
* ``GET /v2/campaigns`` (op ``campaigns``);
* ``GET /files/{reportId}/{name}?expires=…&nonce=…&signature=…`` (op ``download``): the signed, expiring file link
  that ``info`` hands out, S3-style (no auth header, XML errors). ``name`` is
  ``closure-documents_<campaignId>_<YYYY-MM>.zip`` or ``<kind>_<campaign or business id>_<label>.xlsx|.zip``.

Request bodies and query parameters are validated as the spec declares them (400 naming the field). A table
report's ``campaignId`` outside the token's business gives the WRONG_CAMPAIGN outcome (FAILED/NO_DATA, as for the
closing documents); a ``businessId`` other than the token's is 403 "Access denied".

Time is emulated: ``emulated seconds = real seconds since start / time_scale``. Report generation time and
link lifetime are in emulated seconds. Faults are scripted per operation with :meth:`MarketEmulator.inject`.
The emulator never imports openapi-core (see ``local/contract.py`` for spec validation).

Yandex's limits are enforced per business (per token), in emulated time, with HTTP 420 and the standard
error body; every 420 is recorded in ``calls`` with ``Call.throttle`` saying why (see :meth:`count_420`):

* ``"parallel"``: more than ``parallel_limit`` (default 4) API requests of one business in flight at once
  (every op but downloads, which are on the file host and unlimited). No ``X-RateLimit-Resource-Until``.
* ``"resource"``: more than ``rate_limits[op]`` requests in a fixed window of that many emulated seconds, which
  opens with the first counted request of that business and op. Every response of those ops carries
  ``X-RateLimit-Resource-Limit`` / ``-Remaining`` / ``-Until`` (RFC 822, emulated clock like ``Date``, rounded
  up to the second; the window is free again then). 2xx and 4xx (420s included) count, 5xx and resets do not.
  Defaults (:data:`RATE_LIMITS`, the spec's x-resource-limit-config without subscription): generate and
  campaigns 1000/3600 s, info 100/60 s, each table kind 1/120 s (its own window).
* ``"active_reports"``: a generate of any kind while the business already has ``active_reports_limit``
  (default 1) reports of any kind PENDING/PROCESSING: "Active reports limit exceeded".

Injected faults take precedence over every limit (and count like any response of their status).
:meth:`MarketEmulator.hold` keeps requests of an op open (occupying their parallel slot) until
:meth:`MarketEmulator.release`; ``api_latency_seconds`` delays every API request by that much emulated time.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import functools
import hashlib
import hmac
import io
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import formatdate
from typing import Any
from urllib.parse import quote, unquote

from local.emulator.documents import CONTRACT_TYPES, ArchiveSpec, ArchiveStore, flip_target, normalize_contract_types
from local.emulator.sheets import DEFAULT as DEFAULT_VARIANT
from local.emulator.tables import FORMATS, TableSpec, build_file, inn_of
from local.http_emulator import HttpEmulator, Rejected, Reply, Request

CLOSURE_DOCUMENTS = "closure-documents"
"""The kind of the closing-documents ZIP (op ``generate``)."""

LANGUAGES: tuple[str, ...] = ("RU", "EN")
"""The spec's ReportLanguageType."""

PLACEMENT_TYPES: tuple[str, ...] = ("FBS", "FBY", "DBS", "LAAS")
"""The spec's PlacementType."""


class _BadRequest(Rejected):
    """A 400 whose message names the offending field."""

    def __init__(self, message: str) -> None:
        super().__init__(_error(400, message))


@dataclass(frozen=True)
class TableRequest:
    """A validated table-report request body: what the report is of."""

    scope_id: int  # campaignId or businessId
    first: date  # the period asked for, inclusive
    last: date
    label: str  # the period part of the file name: "2025-12", "2025-10_2025-12", "bank-order-42", …
    variant: str = DEFAULT_VARIANT  # layout variant (sheets.LAYOUTS); "" = by the business's placement model
    contract_type: str | None = None
    campaign_ids: tuple[int, ...] | None = None  # the campaignIds filter (business-scoped kinds)
    placement_programs: tuple[str, ...] | None = None  # the placementPrograms filter
    inns: tuple[str, ...] | None = None  # the inns filter

    @property
    def month(self) -> str:
        """The first month of the period, "YYYY-MM": the month outcomes are set for."""
        return _month_label(self.first)


@dataclass(frozen=True)
class TableKind:
    """One table report the emulator serves: adding a kind is one entry of :data:`TABLE_KINDS` (plus its layout in
    :mod:`local.emulator.sheets`)."""

    name: str  # op name, report-id and file-name prefix, key of sheets.LAYOUTS
    path: str  # the POST endpoint that starts a generation
    scope: str  # "campaign": campaignId of the token's business; "business": businessId, the token's own
    parse: Callable[[dict[str, Any]], TableRequest]  # validates the JSON body (raises _BadRequest)
    languages: bool = False  # takes ?language=RU|EN (the spec declares it for these kinds only)
    rate_limit: tuple[int, int] = (1, 120)  # x-resource-limit-config "none": 1 request per 2 minutes
    no_data_variants: tuple[str, ...] = ()  # variants whose default outcome is NO_DATA instead of DONE


OUTCOMES: dict[str, tuple[str, str | None]] = {
    "DONE": ("DONE", None),
    "NO_DATA": ("DONE", "NO_DATA"),
    "FAILED": ("FAILED", None),
    "TOO_LARGE": ("FAILED", "TOO_LARGE"),
    "RESOURCE_NOT_FOUND": ("FAILED", "RESOURCE_NOT_FOUND"),
    # TOO_LARGE when several (or all) contract types are asked for at once, DONE for one type at a time.
    "TOO_LARGE_COMBINED": ("FAILED", "TOO_LARGE"),
}
"""Configurable outcome → final (status, subStatus) in ``reports/info``."""

WRONG_CAMPAIGN = "WRONG_CAMPAIGN"
"""Outcome of a report for a campaign outside the token's business: final status FAILED, subStatus NO_DATA."""

_FINAL_STATES: dict[str, tuple[str, str | None]] = {**OUTCOMES, WRONG_CAMPAIGN: ("FAILED", "NO_DATA")}

FAULT_KINDS: tuple[str, ...] = ("truncate", "html", "empty", "expired", "reset", "flip", "headers")
"""Non-status fault kinds; see :class:`Fault`."""

_AFTER_HANDLING = ("truncate", "flip", "headers")  # fault kinds that alter the normal reply instead of replacing it

THROTTLES: tuple[str, ...] = ("parallel", "resource", "active_reports")
"""Why the emulator itself answered 420 (``Call.throttle``); injected 420 faults have no throttle."""

PARALLEL_LIMIT_MESSAGE = "Too many parallel requests"
RESOURCE_LIMIT_MESSAGE = "Hit rate limit of requests"
ACTIVE_REPORTS_MESSAGE = "Active reports limit exceeded"
HOLD_TIMEOUT = 60.0  # real seconds a held request waits at most for release()

MSK = timezone(timedelta(hours=3))  # Yandex reports its date-times in Moscow time
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100

_ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    420: "HIT_RATE_LIMIT",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
_ERROR_MESSAGES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Access denied",
    404: "Not found",
    420: "Hit rate limit of requests",
    500: "Internal server error",
    503: "Service temporarily unavailable",
}
_JSON = "application/json;charset=utf-8"
_HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>\n"
)


@dataclass
class Fault:
    """A scripted misbehaviour, consumed by the next call of its op (FIFO) before normal handling.

    Exactly one of ``status`` / ``kind``:

    * ``Fault(status=N)`` — a Yandex-style JSON error ``N`` (e.g. 420, 500, 503, 404) with ``message`` /
      ``code`` (defaults per status) and extra ``headers`` (e.g. ``X-RateLimit-Resource-Until``).
    * ``Fault(kind="truncate")`` — normal handling, but only half of the body is sent (``Content-Length``
      still announces the full body), then the connection is closed.
    * ``Fault(kind="html")`` — 200 with an HTML error page.
    * ``Fault(kind="empty")`` — 200 with an empty body.
    * ``Fault(kind="expired")`` — download only: 403 with S3's "Request has expired" XML.
    * ``Fault(kind="reset")`` — the socket is reset without any response.
    * ``Fault(kind="flip")`` — download only: normal handling, but one byte inside the first member of the ZIP (or
      XLSX) is inverted (:func:`~local.emulator.documents.flip_target`): same length, same directory, a corrupt member.
    * ``Fault(kind="headers", headers={...})`` — normal handling, answered with these headers too: a ``Date`` given
      replaces the emulated clock's (e.g. ``"... -0000"``, which ``email.utils`` reads as a naive time), and a list
      value sends the header once per item (two ``Date`` headers reach a client joined by ", ").
    """

    status: int | None = None
    kind: str | None = None
    headers: dict[str, str | list[str]] = field(default_factory=dict)
    message: str | None = None
    code: str | None = None

    def __post_init__(self) -> None:
        if (self.status is None) == (self.kind is None):
            raise ValueError("a Fault needs exactly one of status= or kind=")
        if self.kind is not None and self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"invalid HTTP status {self.status}")


@dataclass
class Call:
    """One recorded request and what the emulator answered (download bodies are not kept)."""

    op: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # as sent; Api-Key / Authorization values replaced by "***"
    json: Any  # the parsed JSON request body, or None
    status: int  # returned status; 0 when the connection was reset without a response
    at: float  # emulated seconds since start
    url: str = ""  # absolute URL as requested (with the query string)
    body: bytes | None = None  # raw request body (None when empty)
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes | None = None  # None for downloads and resets
    throttle: str | None = None  # one of THROTTLES when the emulator enforced a limit with this 420


@dataclass
class ReportState:
    """One generated report, of any kind."""

    report_id: str
    business: str  # name of the business whose token generated it
    campaign_id: int | None  # the campaign asked for; None for business-scoped kinds
    month: str  # "YYYY-MM": the month asked for (the first month of a longer period)
    contract_types: tuple[str, ...]  # closure-documents: normalized (omitted → the default seller's); detalization:
    # the one contract type; other kinds: ()
    outcome: str  # a key of OUTCOMES, or WRONG_CAMPAIGN
    created_at: float  # emulated seconds since start
    requested_at: datetime  # emulated wall-clock time of the generate call
    padding: int = 0
    kind: str = CLOSURE_DOCUMENTS  # CLOSURE_DOCUMENTS or a key of TABLE_KINDS
    table: TableSpec | None = None  # what determines a table report's file (None for closure-documents)
    language: str | None = None  # ?language= of united-netting / united-marketplace-services (no effect on the file)

    @property
    def archive(self) -> ArchiveSpec:
        """What determines a closure-documents report's ZIP bytes."""
        if self.campaign_id is None or self.table is not None:
            raise ValueError(f"report {self.report_id} is a {self.kind} report, not a closing-documents ZIP")
        return ArchiveSpec(self.campaign_id, self.month, self.contract_types, self.padding)

    @property
    def file_name(self) -> str:
        """The file's name in the download link."""
        return self.table.file_name if self.table is not None else self.archive.file_name


@dataclass
class _Business:
    name: str
    token: str
    business_id: int
    campaign_ids: list[int]
    placement_type: str


@dataclass
class _Reply(Reply):
    throttle: str | None = None  # one of THROTTLES when this is an enforced 420


@dataclass
class _Window:
    """A fixed rate-limit window of one business and op."""

    start: float  # emulated seconds since start
    used: int = 0


def _error_body(status: int, message: str | None = None, code: str | None = None) -> bytes:
    error = {
        "code": code or _ERROR_CODES.get(status, "ERROR"),
        "message": message or _ERROR_MESSAGES.get(status, "Error"),
    }
    return json.dumps({"status": "ERROR", "errors": [error]}).encode()


def _error(status: int, message: str | None = None, code: str | None = None) -> _Reply:
    return _Reply(status, {"Content-Type": _JSON}, _error_body(status, message, code))


def _throttled(throttle: str, message: str) -> _Reply:
    reply = _error(420, message)
    reply.throttle = throttle
    return reply


def _ok(payload: Any) -> _Reply:
    return _Reply(200, {"Content-Type": _JSON}, json.dumps(payload, ensure_ascii=False).encode())


def _s3_error(status: int, code: str, message: str) -> _Reply:
    error = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n{error}'
    return _Reply(status, {"Content-Type": "application/xml"}, body.encode())


def _expired() -> _Reply:
    return _s3_error(403, "AccessDenied", "Request has expired")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _iso(moment: datetime) -> str:
    return moment.astimezone(MSK).isoformat(timespec="seconds")


def _int_param(query: Mapping[str, str], name: str, minimum: int, maximum: int) -> int | None:
    if name not in query:
        return None
    try:
        value = int(query[name])
    except ValueError:
        raise _BadRequest(f"{name}: must be an integer") from None
    if not minimum <= value <= maximum:
        raise _BadRequest(f"{name}: must be between {minimum} and {maximum}")
    return value


def _parse_generate(body: bytes) -> tuple[int, str, tuple[str, ...] | None]:
    """(campaignId, "YYYY-MM", contractTypes or None) from a generate body, validated as the spec does.

    Unknown fields are accepted: the spec's schema does not forbid additional properties.
    """
    data = _json_object(body)
    campaign_id = _id(data, "campaignId")
    period = data.get("monthOfYear")
    if period is None:
        raise _BadRequest("monthOfYear: is required")
    if not isinstance(period, dict):
        raise _BadRequest("monthOfYear: must be an object {year, month}")
    for name, low, high in (("year", -(2**31), 2**31 - 1), ("month", 1, 12)):
        value = period.get(name)
        if value is None:
            raise _BadRequest(f"monthOfYear.{name}: is required")
        if not _is_int(value) or not low <= value <= high:
            raise _BadRequest(f"monthOfYear.{name}: must be an integer between {low} and {high}")
    types = data.get("contractTypes")
    if types is not None:
        if not isinstance(types, list) or not 1 <= len(types) <= 3:
            raise _BadRequest("contractTypes: must be an array of 1 to 3 items")
        if any(t not in CONTRACT_TYPES for t in types):
            raise _BadRequest(f"contractTypes: items must be one of {', '.join(CONTRACT_TYPES)}")
        if len(set(types)) != len(types):
            raise _BadRequest("contractTypes: items must be unique")
        types = tuple(types)
    return campaign_id, f"{period['year']:04d}-{period['month']:02d}", types


# ------------------------------------------------------------------------------------------ table report requests

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_MAX_PERIOD_MONTHS = 3  # dateFrom..dateTo: "Максимальный период — 3 месяца"


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise _BadRequest("request body: not valid JSON") from None
    if not isinstance(data, dict):
        raise _BadRequest("request body: must be a JSON object")
    return data


def _month_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date | None:
    """The same day ``months`` later (clamped to the month's end); None past year 9999."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if year > 9999:
        return None
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _id(data: Mapping[str, Any], name: str) -> int:
    """A required int64 ≥ 1 (CampaignId, BusinessId)."""
    value = data.get(name)
    if value is None:
        raise _BadRequest(f"{name}: is required")
    if not _is_int(value) or not 1 <= value < 2**63:
        raise _BadRequest(f"{name}: must be an int64 greater than or equal to 1")
    return int(value)


def _month_start(data: Mapping[str, Any], year_name: str = "year", month_name: str = "month", where: str = "") -> date:
    """The first day of the month given by a year (int32) and a month (1..12) field; ``where`` prefixes the field
    names in errors."""
    for name, low, high in ((year_name, -(2**31), 2**31 - 1), (month_name, 1, 12)):
        value = data.get(name)
        if value is None:
            raise _BadRequest(f"{where}{name}: is required")
        if not _is_int(value) or not low <= value <= high:
            raise _BadRequest(f"{where}{name}: must be an integer between {low} and {high}")
    year = data[year_name]
    if not 1 <= year <= 9999:  # valid for the spec, but no report can cover it
        raise _BadRequest(f"{where}{year_name}: no reports exist for the year {year}")
    return date(year, data[month_name], 1)


def _month_of_year(data: Mapping[str, Any], name: str) -> date:
    value = data.get(name)
    if value is None:
        raise _BadRequest(f"{name}: is required")
    if not isinstance(value, dict):
        raise _BadRequest(f"{name}: must be an object {{year, month}}")
    return _month_start(value, where=f"{name}.")


def _date(data: Mapping[str, Any], name: str) -> date:
    value = data.get(name)
    if value is None:
        raise _BadRequest(f"{name}: is required")
    try:
        if isinstance(value, str) and _DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise _BadRequest(f"{name}: must be a date YYYY-MM-DD")


def _date_time(data: Mapping[str, Any], name: str) -> datetime:
    value = data.get(name)
    if value is None:
        raise _BadRequest(f"{name}: is required")
    try:
        if isinstance(value, str) and _DATE_TIME.fullmatch(value):
            return datetime.fromisoformat(value.upper())
    except ValueError:
        pass
    raise _BadRequest(f"{name}: must be an RFC 3339 date-time, e.g. 2025-12-01T00:00:00+03:00")


def _date_range(data: Mapping[str, Any]) -> tuple[date, date]:
    """dateFrom..dateTo (or the deprecated dateTimeFrom..dateTimeTo): at most three months, in order."""
    if {"dateTimeFrom", "dateTimeTo"} & data.keys():
        if {"dateFrom", "dateTo"} & data.keys():
            raise _BadRequest("dateTimeFrom/dateTimeTo: deprecated; send dateFrom/dateTo only")
        first, last = (_date_time(data, name).date() for name in ("dateTimeFrom", "dateTimeTo"))
    else:
        first, last = _date(data, "dateFrom"), _date(data, "dateTo")
    if last < first:
        raise _BadRequest("dateTo: must not be before dateFrom")
    limit = _add_months(first, _MAX_PERIOD_MONTHS)
    if limit is not None and last >= limit:
        raise _BadRequest(f"dateTo: the period must not exceed {_MAX_PERIOD_MONTHS} months")
    return first, last


def _range_label(first: date, last: date) -> str:
    """ "YYYY-MM" for one whole month, "YYYY-MM_YYYY-MM" for whole months, else "YYYY-MM-DD_YYYY-MM-DD"."""
    if first.day == 1 and last == _month_end(last):
        start, end = _month_label(first), _month_label(last)
        return start if start == end else f"{start}_{end}"
    return f"{first.isoformat()}_{last.isoformat()}"


def _filter(data: Mapping[str, Any], name: str, valid: Callable[[Any], bool], what: str) -> tuple[Any, ...] | None:
    """An optional, nullable filter: an array of at least one unique item."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise _BadRequest(f"{name}: must be an array of at least 1 item")
    if not all(valid(item) for item in value):
        raise _BadRequest(f"{name}: items must be {what}")
    if len(set(value)) != len(value):
        raise _BadRequest(f"{name}: items must be unique")
    return tuple(value)


def _business_request(data: Mapping[str, Any], first: date, last: date, label: str, variant: str) -> TableRequest:
    """A business-scoped request with the spec's optional filters."""
    return TableRequest(
        scope_id=_id(data, "businessId"),
        first=first,
        last=last,
        label=label,
        variant=variant,
        campaign_ids=_filter(data, "campaignIds", lambda v: _is_int(v) and 1 <= v < 2**63, "int64 ≥ 1"),
        placement_programs=_filter(data, "placementPrograms", PLACEMENT_TYPES.__contains__, "|".join(PLACEMENT_TYPES)),
        inns=_filter(data, "inns", lambda v: isinstance(v, str), "strings"),
    )


def _one_form(data: Mapping[str, Any], forms: Mapping[str, tuple[str, ...]]) -> str:
    """The one request form (by name) whose fields the body has: "cannot order several report types at once"."""
    present = [form for form, fields in forms.items() if set(fields) & data.keys()]
    if len(present) != 1:
        listing = "; ".join(f"{form}: {', '.join(fields)}" for form, fields in forms.items())
        problem = "no report type given" if not present else "only one report type per request"
        raise _BadRequest(f"request body: {problem} ({listing})")
    return present[0]


def parse_detalization(data: dict[str, Any]) -> TableRequest:
    """{campaignId, monthOfYear{year, month}, contractType}."""
    campaign_id = _id(data, "campaignId")
    first = _month_of_year(data, "monthOfYear")
    contract_type = data.get("contractType")
    if contract_type is None:
        raise _BadRequest("contractType: is required")
    if contract_type not in CONTRACT_TYPES:
        raise _BadRequest(f"contractType: must be one of {', '.join(CONTRACT_TYPES)}")
    label = f"{_month_label(first)}_{contract_type}"
    return TableRequest(campaign_id, first, _month_end(first), label, contract_type, contract_type)


def parse_goods_realization(data: dict[str, Any]) -> TableRequest:
    """{campaignId, year, month}; the layout follows the business's placement model (DBS has its own)."""
    campaign_id = _id(data, "campaignId")
    first = _month_start(data)
    return TableRequest(campaign_id, first, _month_end(first), _month_label(first))


_SERVICES_FORMS = {
    "act months": ("yearFrom", "monthFrom", "yearTo", "monthTo"),
    "service dates": ("dateFrom", "dateTo", "dateTimeFrom", "dateTimeTo"),
}


def parse_marketplace_services(data: dict[str, Any]) -> TableRequest:
    """{businessId} and either the act months yearFrom/monthFrom..yearTo/monthTo or the service dates
    dateFrom..dateTo (≤ 3 months; deprecated: dateTimeFrom..dateTimeTo); optional filters."""
    if _one_form(data, _SERVICES_FORMS) == "act months":
        first = _month_start(data, "yearFrom", "monthFrom")
        last = _month_end(_month_start(data, "yearTo", "monthTo"))
        if last < first:
            raise _BadRequest("yearTo/monthTo: must not be before yearFrom/monthFrom")
    else:
        first, last = _date_range(data)
    return _business_request(data, first, last, _range_label(first, last), DEFAULT_VARIANT)


_NETTING_FORMS = {
    "period": ("dateFrom", "dateTo", "dateTimeFrom", "dateTimeTo"),
    "bank-order": ("bankOrderId", "bankOrderDateTime"),
    "bonuses": ("monthOfYear",),
}


def parse_united_netting(data: dict[str, Any]) -> TableRequest:
    """{businessId} and exactly one of: dateFrom..dateTo (≤ 3 months; deprecated: dateTimeFrom..dateTimeTo),
    bankOrderId + bankOrderDateTime, monthOfYear (Market points); optional filters."""
    form = _one_form(data, _NETTING_FORMS)
    if form == "period":
        first, last = _date_range(data)
        label = _range_label(first, last)
    elif form == "bank-order":
        order = data.get("bankOrderId")
        if order is None:
            raise _BadRequest("bankOrderId: is required with bankOrderDateTime")
        if not _is_int(order) or not -(2**63) <= order < 2**63:
            raise _BadRequest("bankOrderId: must be an int64")
        first = last = _date_time(data, "bankOrderDateTime").date()
        label = f"bank-order-{order}"
    else:
        first = _month_of_year(data, "monthOfYear")
        last, label = _month_end(first), f"bonuses-{_month_label(first)}"
    return _business_request(data, first, last, label, form)


TABLE_KINDS: dict[str, TableKind] = {
    kind.name: kind
    for kind in (
        TableKind(
            "closure-documents-detalization",
            "/v2/reports/closure-documents/detalization/generate",
            "campaign",
            parse_detalization,
            no_data_variants=("MARKETING",),  # the 2026 docs have no MARKETING tables any more
        ),
        TableKind("goods-realization", "/v2/reports/goods-realization/generate", "campaign", parse_goods_realization),
        TableKind(
            "united-marketplace-services",
            "/v2/reports/united-marketplace-services/generate",
            "business",
            parse_marketplace_services,
            languages=True,
        ),
        TableKind("united-netting", "/v2/reports/united-netting/generate", "business", parse_united_netting, True),
    )
}
"""The table reports, by kind (= op) name."""


def ops() -> tuple[str, ...]:
    """Operations that can be counted and given faults. Unrouted requests are recorded with op ``"unknown"``."""
    return ("generate", "info", "download", "campaigns", *TABLE_KINDS)


def default_rate_limits() -> dict[str, tuple[int, int]]:
    """Per op: (requests per window, window in emulated seconds), as the spec's x-resource-limit-config says.
    These are also the ops the parallel limit applies to."""
    return {
        "generate": (1000, 3600),
        "info": (100, 60),
        "campaigns": (1000, 3600),
        **{kind.name: kind.rate_limit for kind in TABLE_KINDS.values()},
    }


def routes() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, path pattern, op); the op's handler is ``MarketEmulator._<op>``, or ``_generate_table`` for a table
    kind. An emulator takes the routes of :data:`TABLE_KINDS` as they are when it is made."""
    return (
        ("POST", re.compile(r"/v2/reports/closure-documents/generate"), "generate"),
        *(("POST", re.compile(re.escape(kind.path)), kind.name) for kind in TABLE_KINDS.values()),
        ("GET", re.compile(r"/v2/reports/info/(?P<id>[^/]{1,255})"), "info"),
        ("GET", re.compile(r"/v2/campaigns"), "campaigns"),
        ("GET", re.compile(r"/files/(?P<id>[^/]+)/(?P<name>[^/]+)"), "download"),
    )


OPS, RATE_LIMITS = ops(), default_rate_limits()  # of the kinds this module defines (the command line's help and checks)


class MarketEmulator(HttpEmulator):
    """The emulated Yandex Market Partner API; see the module docstring.

    Configure it (businesses, outcomes, padding, faults), then :meth:`start` it or use it as a context
    manager. All state is guarded by one lock; the server is :mod:`local.http_emulator`'s.
    """

    NAME = "market-emulator"
    SERVER_VERSION = "MarketEmulator/1.0"
    LOG_HTTP = True  # verbose: http.server's request lines (never the token)
    SECRET_HEADERS = frozenset({"api-key", "authorization"})
    _error = staticmethod(_error)

    def __init__(
        self,
        time_scale: float = 1.0,
        generation_seconds: float = 40.0,
        estimate_ms: int | None = 30000,
        link_ttl_seconds: float = 3600.0,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        *,
        rate_limits: Mapping[str, tuple[int, float]] | None = None,
        parallel_limit: int | None = 4,
        active_reports_limit: int | None = 1,
        api_latency_seconds: float = 0.0,
        info_estimates: bool = True,
        truth_tables: bool = True,
    ) -> None:
        """``time_scale``: real seconds per emulated second. ``generation_seconds``: emulated time from
        generate to a final status (PENDING for the first 20 %, then PROCESSING). ``estimate_ms``: the
        ``estimatedGenerationTime`` generate returns (may be negative; None sends 0). ``link_ttl_seconds``:
        lifetime of each signed file link. ``verbose``: log requests (never the token) to stderr.

        Limits, per business (see the module docstring): ``rate_limits``: op → (requests, window in emulated
        seconds), overriding :data:`RATE_LIMITS` for the ops given. ``parallel_limit``: API requests in flight
        at once (None: unlimited). ``active_reports_limit``: reports PENDING/PROCESSING at once (None:
        unlimited). ``api_latency_seconds``: emulated time each admitted API request takes before it is
        handled (holding its parallel slot). ``info_estimates``: whether reports/info tells the time left.
        ``truth_tables``: the CSV form of the four table kinds over a calendar month comes from one synthetic truth of
        the business (local.emulator.truth: every report agrees with the others, so the month's close is OK);
        False: every table file is a layout sample (local.emulator.tables)."""
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._routes, self._ops, defaults = routes(), ops(), default_rate_limits()
        self._limited = tuple(defaults)
        merged = {**defaults, **(rate_limits or {})}
        for op, (limit, period) in merged.items():
            if op not in defaults:
                raise ValueError(f"rate_limits: unknown op {op!r}; expected some of {tuple(defaults)}")
            if limit < 1 or period <= 0:
                raise ValueError(f"rate_limits[{op!r}]: need at least 1 request per a positive window")
        for name, value in (("parallel_limit", parallel_limit), ("active_reports_limit", active_reports_limit)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1 (or None for unlimited)")
        if api_latency_seconds < 0:
            raise ValueError("api_latency_seconds must be >= 0")
        super().__init__(host=host, port=port, verbose=verbose)
        self.rate_limits: dict[str, tuple[int, float]] = merged
        self.parallel_limit = parallel_limit
        self.active_reports_limit = active_reports_limit
        self.api_latency_seconds = api_latency_seconds
        self.time_scale = time_scale
        self.generation_seconds = generation_seconds
        self.estimate_ms = estimate_ms
        self.info_estimates = info_estimates
        self.truth_tables = truth_tables
        self.truth_knobs: set[str] = set()  # names of local.emulator.truth.Knobs to turn on in what it serves
        # (kind, format) whose table reports end FAILED (e.g. only the CSV form of united-netting)
        self.failing_formats: set[tuple[str, str]] = set()
        # A fault of GET /v2/campaigns: every page's nextPageToken is the token it was asked with (the first page's,
        # asked without one, is the first page's own): a client that follows it reads the same page for ever.
        self.page_token_loop = False
        self.link_ttl_seconds = link_ttl_seconds
        self._businesses: dict[str, _Business] = {}
        self._outcomes: dict[tuple[str, int, str | None, str | None], str] = {}  # (kind, scope, month, type)
        self._padding: dict[int, int] = {}
        self._reports: dict[str, ReportState] = {}
        self._windows: dict[tuple[str, str], _Window] = {}  # (business, op) → its current rate-limit window
        self._in_flight: dict[str, int] = {}  # business → admitted API requests not yet answered
        self._peak_in_flight: dict[str, int] = {}
        self._holds: dict[str, threading.Event] = {}  # op → set on release()
        self._key = secrets.token_bytes(32)
        self._archives = ArchiveStore()

    # ------------------------------------------------------------------------------ configuration

    def add_business(
        self,
        name: str,
        token: str,
        business_id: int,
        campaign_ids: Iterable[int],
        placement_type: str = "FBS",
    ) -> None:
        """Register a business (cabinet) with its own Api-Key token and campaigns (shops)."""
        with self._lock:
            if name in self._businesses:
                raise ValueError(f"business {name!r} already exists")
            if any(b.token == token for b in self._businesses.values()):
                raise ValueError("that token already belongs to another business")
            self._businesses[name] = _Business(name, token, business_id, sorted(set(campaign_ids)), placement_type)

    def set_outcome(
        self,
        scope_id: int,
        outcome: str,
        month: str | None = None,
        *,
        kind: str | None = None,
        contract_type: str | None = None,
    ) -> None:
        """Final outcome (a key of :data:`OUTCOMES`) of reports generated from now on.

        ``kind``: None or ``"closure-documents"`` for the closing documents (as before), else a key of
        :data:`TABLE_KINDS`. ``scope_id``: the campaign id for campaign-scoped kinds (closure-documents,
        closure-documents-detalization, goods-realization), the business id (``businessId``) for business-scoped
        ones (united-netting, united-marketplace-services). ``month``: "YYYY-MM", the month asked for (the first
        month of a longer period; for a netting bank-order request the order's month), or None for every month.
        ``contract_type``: closure-documents-detalization only, one of INCOME/OUTCOME/MARKETING, or None for every
        type. The most specific setting wins: month and type, then month, then type, then neither.

        Without a setting a report is DONE, except a detalization for MARKETING (NO_DATA: Yandex's 2026 docs
        dropped its tables). ``TOO_LARGE_COMBINED`` only applies to closure-documents. Examples::

            emulator.set_outcome(1002, "NO_DATA")  # closing documents of campaign 1002, every month
            emulator.set_outcome(5001, "NO_DATA", "2025-12", kind="united-netting")  # business 5001's payments
            emulator.set_outcome(1001, "FAILED", kind="closure-documents-detalization", contract_type="OUTCOME")
        """
        kind = kind or CLOSURE_DOCUMENTS
        if kind != CLOSURE_DOCUMENTS and kind not in TABLE_KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected {CLOSURE_DOCUMENTS!r} or one of {tuple(TABLE_KINDS)}")
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {list(OUTCOMES)}")
        if outcome == "TOO_LARGE_COMBINED" and kind != CLOSURE_DOCUMENTS:
            raise ValueError("TOO_LARGE_COMBINED only applies to closure-documents")
        if contract_type is not None:
            if kind != "closure-documents-detalization":
                raise ValueError("contract_type only applies to closure-documents-detalization")
            if contract_type not in CONTRACT_TYPES:
                raise ValueError(f"unknown contract type {contract_type!r}; expected one of {CONTRACT_TYPES}")
        with self._lock:
            self._outcomes[(kind, scope_id, month, contract_type)] = outcome

    def set_padding(self, campaign_id: int, n_bytes: int) -> None:
        """Add a stored padding PDF of ``n_bytes`` to this campaign's archives (0 removes it)."""
        if n_bytes < 0:
            raise ValueError("n_bytes must be >= 0")
        with self._lock:
            self._padding[campaign_id] = n_bytes

    def inject(self, op: str, *faults: Fault) -> None:
        """Queue faults for ``op`` (one of :data:`OPS`); each is consumed by one later call, in order."""
        if op not in self._ops:
            raise ValueError(f"unknown op {op!r}; expected one of {self._ops}")
        for fault in faults:
            if fault.kind in ("expired", "flip") and op != "download":
                raise ValueError(f"Fault(kind={fault.kind!r}) only applies to download")
        self._add_faults(op, faults)

    def hold(self, *ops: str) -> None:
        """Keep requests of these ops (some of :data:`RATE_LIMITS`) open after they are admitted, occupying their
        parallel slot, until :meth:`release` (or :meth:`stop`; at most ``HOLD_TIMEOUT`` real seconds)."""
        for op in ops:
            if op not in self._limited:
                raise ValueError(f"cannot hold {op!r}; expected some of {self._limited}")
        with self._lock:
            for op in ops:
                self._holds.setdefault(op, threading.Event())

    def release(self, *ops: str) -> None:
        """Let held requests of these ops (default: all) proceed, and stop holding new ones."""
        with self._lock:
            events = [self._holds.pop(op) for op in (ops or tuple(self._holds)) if op in self._holds]
        for event in events:
            event.set()

    # ------------------------------------------------------------------------------ lifecycle, inspection

    def stop(self) -> None:
        """Stop serving (held requests are released) and delete temporary archive files. Safe to call twice."""
        self.release()  # let held handler threads finish
        super().stop()
        self._archives.close()

    @property
    def reports(self) -> dict[str, ReportState]:
        """A snapshot of every generated report by id."""
        with self._lock:
            return dict(self._reports)

    def count_420(self, op: str | None = None, throttle: str | None = None) -> int:
        """How many 420s were answered, of ``op`` (None: any) and for ``throttle`` (one of :data:`THROTTLES`;
        None: any 420, injected faults included)."""
        if throttle is not None and throttle not in THROTTLES:
            raise ValueError(f"unknown throttle {throttle!r}; expected one of {THROTTLES}")
        with self._lock:
            return sum(
                1
                for call in self._calls
                if call.status == 420
                and (op is None or call.op == op)
                and (throttle is None or call.throttle == throttle)
            )

    def in_flight(self, business: str | None = None) -> int:
        """API requests admitted and not yet answered, of one business (by name) or all."""
        with self._lock:
            return self._in_flight.get(business, 0) if business else sum(self._in_flight.values())

    def peak_in_flight(self, business: str | None = None) -> int:
        """The most API requests one business (or, with None, any single business) had in flight at once."""
        with self._lock:
            if business:
                return self._peak_in_flight.get(business, 0)
            return max(self._peak_in_flight.values(), default=0)

    def wait_in_flight(self, n: int, business: str | None = None, timeout: float = 5.0) -> bool:
        """Wait (real seconds) until at least ``n`` requests are in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.in_flight(business) < n:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.002)
        return True

    def active_reports(self, business: str) -> int:
        """Reports of that business (by name) still PENDING/PROCESSING now."""
        with self._lock:
            return self._active_reports(business, self.now())

    def report_bytes(self, report_id: str) -> bytes:
        """The exact file served for a report, of any kind (even if its outcome does not offer it for download):
        the closing-documents ZIP, or a table report's XLSX / ZIP of CSV or JSON files."""
        with self._lock:
            report = self._reports[report_id]
        if report.table is not None:
            return build_file(report.table)
        return self._archives.read(report.archive)

    # ------------------------------------------------------------------------------ handlers

    def _serve(self, request: Request) -> _Reply:
        """Route one request, faults, limits and rate-limit headers applied, and record it."""
        op, handler = self._route(request)
        fault = self._next_fault(op)
        api = request.path.startswith("/v2/")
        business = self._business_for(request.headers) if api and op in self.rate_limits else None
        if fault is not None and fault.kind not in _AFTER_HANDLING:  # faults take precedence over every limit
            reply = self._fault_reply(op, fault)
            window = self._count(business.name, op) if business is not None else None
        elif business is not None:
            reply, window = self._admit(op, business.name, request, handler)
        else:  # unauthenticated or unrouted: no business to limit
            reply, window = self._run(handler, request), None
        if fault is not None and fault.kind == "truncate":
            reply.truncate = True
        if fault is not None and fault.kind == "flip" and reply.status == 200:
            reply.flip_at = self._flip_target(reply)
        if api:
            limits = self._settle(op, business.name if business is not None else None, window, reply)
            reply.headers = {**limits, **reply.headers}
        if fault is not None:
            reply.headers.update(fault.headers)
        try:
            parsed = json.loads(request.body) if request.body else None
        except (ValueError, UnicodeDecodeError):
            parsed = None
        call = Call(
            op=op,
            method=request.method,
            path=request.path,
            query=request.query,
            headers=self._mask_headers(request.sent_headers),
            json=parsed,
            status=reply.status,
            at=self.now(),
            url=f"{self.base_url}{request.target}",
            body=request.body or None,
            response_headers=dict(reply.headers),
            response_body=None if reply.stream is not None or reply.reset else reply.body,
            throttle=reply.throttle,
        )
        self._record_call(call)  # before replying: a client that got its response always finds the call
        return reply

    def _admit(
        self, op: str, business: str, request: Request, handler: Callable[[Request], _Reply]
    ) -> tuple[_Reply, _Window]:
        """Enforce the parallel and resource limits around the handler; returns (reply, counted window)."""
        with self._lock:
            in_flight = self._in_flight.get(business, 0)
            if self.parallel_limit is not None and in_flight >= self.parallel_limit:
                return _throttled("parallel", PARALLEL_LIMIT_MESSAGE), self._count(business, op)
            self._in_flight[business] = in_flight + 1
            self._peak_in_flight[business] = max(self._peak_in_flight.get(business, 0), in_flight + 1)
            window = self._count(business, op)
            limit, _ = self.rate_limits[op]
        try:
            if window.used > limit:
                return _throttled("resource", RESOURCE_LIMIT_MESSAGE), window
            if self.api_latency_seconds:
                time.sleep(self.api_latency_seconds * self.time_scale)
            with self._lock:
                hold = self._holds.get(op)
            if hold is not None:
                hold.wait(HOLD_TIMEOUT)
            return self._run(handler, request), window
        finally:
            with self._lock:
                self._in_flight[business] -= 1

    def _count(self, business: str, op: str) -> _Window:
        """Count one request of the business against the op's window (opening a new one if the last ended)."""
        now = self.now()
        _, period = self.rate_limits[op]
        with self._lock:
            window = self._windows.get((business, op))
            if window is None or now >= window.start + period:
                window = self._windows[(business, op)] = _Window(now)
            window.used += 1
            return window

    def _settle(self, op: str, business: str | None, window: _Window | None, reply: _Reply) -> dict[str, str]:
        """Uncount a 5xx or reset; the X-RateLimit-Resource-* headers of the reply."""
        limit, period = self.rate_limits.get(op, (1000, 3600))
        with self._lock:
            if window is not None and (reply.status == 0 or reply.status >= 500):
                window.used -= 1
            used = window.used if window is not None else 0
            start = window.start if window is not None else self.now()
        headers = {
            "X-RateLimit-Resource-Limit": str(limit),
            "X-RateLimit-Resource-Remaining": str(max(0, limit - used)),
        }
        if reply.throttle != "parallel":  # not a resource limit: no time to wait for
            until = math.ceil(self._started_wall + start + period)
            headers["X-RateLimit-Resource-Until"] = formatdate(until, usegmt=True)
        return headers

    def _active_reports(self, business: str, now: float) -> int:
        return sum(
            1
            for report in self._reports.values()
            if report.business == business and now - report.created_at < self.generation_seconds
        )

    def _route(self, request: Request) -> tuple[str, Callable[[Request], _Reply]]:
        """(op, handler) for a request; unroutable ones are op "unknown" with a 404/405 handler."""
        for method, pattern, op in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if request.method != method:
                return "unknown", lambda _: _error(405, f"Method {request.method} is not allowed here")
            request.params.update(match.groupdict())
            handler: Callable[[Request], _Reply]
            if op in TABLE_KINDS:
                handler = functools.partial(self._generate_table, TABLE_KINDS[op])
            else:
                handler = getattr(self, f"_{op}")
            return op, handler
        return "unknown", lambda _: _error(404, f"No such resource: {request.path}")

    def _flip_target(self, reply: _Reply) -> int:
        """Where a flip fault damages this download (a ZIP or XLSX, streamed or whole)."""
        file = reply.stream() if reply.stream is not None else io.BytesIO(reply.body)
        with file:
            return flip_target(file)[1]

    @staticmethod
    def _fault_reply(op: str, fault: Fault) -> _Reply:
        if fault.kind == "reset":
            return _Reply(0, reset=True)
        if fault.kind == "html":
            return _Reply(200, {"Content-Type": "text/html; charset=utf-8"}, _HTML_PAGE)
        if fault.kind == "empty":
            return _Reply(200, {"Content-Type": "application/zip" if op == "download" else _JSON})
        if fault.kind == "expired":
            return _expired()
        return _error(fault.status or 500, fault.message, fault.code)

    def _business_for(self, headers: Mapping[str, str]) -> _Business | None:
        token = headers.get("api-key")
        with self._lock:
            return next(
                (b for b in self._businesses.values() if token is not None and hmac.compare_digest(b.token, token)),
                None,
            )

    def _authenticate(self, headers: Mapping[str, str]) -> _Business | _Reply:
        """The token's business, or the 401 reply Yandex gives."""
        token = headers.get("api-key")
        if token is None:
            return _error(401, "Api-Key token not specified")
        if token.lower().startswith("bearer "):
            return _error(401, "Api-Key token prefix invalid")
        business = self._business_for(headers)
        return business if business is not None else _error(401, "Api-Key token invalid")

    def _outcome(self, kind: str, scope_id: int, month: str, contract_type: str | None, default: str = "DONE") -> str:
        """The outcome set with :meth:`set_outcome` for a new report (most specific first), else ``default``."""
        keys = ((month, contract_type), (month, None), (None, contract_type), (None, None))
        with self._lock:
            for key_month, key_type in keys:
                outcome = self._outcomes.get((kind, scope_id, key_month, key_type))
                if outcome is not None:
                    return outcome
        return default

    def _start_report(self, business: _Business, kind: str, **fields: Any) -> ReportState | _Reply:
        """Register a new report of ``kind`` (``fields``: the rest of its ReportState), or the active-reports 420."""
        with self._lock:  # the check and the new report are atomic: concurrent generates cannot both pass
            now = self.now()
            limit = self.active_reports_limit
            if limit is not None and self._active_reports(business.name, now) >= limit:
                return _throttled("active_reports", ACTIVE_REPORTS_MESSAGE)
            report = ReportState(
                report_id=f"{kind}-{len(self._reports) + 1}-{secrets.token_hex(8)}",
                business=business.name,
                kind=kind,
                created_at=now,
                requested_at=datetime.fromtimestamp(self._started_wall + now, UTC),
                **fields,
            )
            self._reports[report.report_id] = report
        return report

    def _accepted(self, report: ReportState) -> _Reply:
        """The spec's GenerateReportResponse."""
        estimate = self.estimate_ms if self.estimate_ms is not None else 0
        return _ok({"status": "OK", "result": {"reportId": report.report_id, "estimatedGenerationTime": estimate}})

    def _generate(self, request: Request) -> _Reply:
        business = self._authenticate(request.headers)
        if isinstance(business, _Reply):
            return business
        campaign_id, month, types = _parse_generate(request.body)
        if campaign_id in business.campaign_ids:
            outcome = self._outcome(CLOSURE_DOCUMENTS, campaign_id, month, None)
        else:
            outcome = WRONG_CAMPAIGN
        if outcome == "TOO_LARGE_COMBINED" and types is not None and len(types) == 1:
            outcome = "DONE"
        with self._lock:
            padding = self._padding.get(campaign_id, 0)
        report = self._start_report(
            business,
            CLOSURE_DOCUMENTS,
            campaign_id=campaign_id,
            month=month,
            contract_types=normalize_contract_types(types),
            outcome=outcome,
            padding=padding,
        )
        if isinstance(report, _Reply):
            return report
        if outcome == "DONE" and report.padding:  # build big archives while the report "generates"
            threading.Thread(target=self._archives.prepare, args=(report.archive,), daemon=True).start()
        return self._accepted(report)

    def _generate_table(self, kind: TableKind, request: Request) -> _Reply:
        """Start a table report of ``kind``: the query, the body, the business or campaign, then the report."""
        business = self._authenticate(request.headers)
        if isinstance(business, _Reply):
            return business
        file_format = request.query.get("format", "FILE")
        if file_format not in FORMATS:
            raise _BadRequest(f"format: must be one of {', '.join(FORMATS)}")
        language = request.query.get("language", "RU") if kind.languages else None
        if language is not None and language not in LANGUAGES:
            raise _BadRequest(f"language: must be one of {', '.join(LANGUAGES)}")
        asked = kind.parse(_json_object(request.body))
        if kind.scope == "business":
            if asked.scope_id != business.business_id:
                return _error(403, "Access denied")
            campaigns = asked.campaign_ids or tuple(business.campaign_ids)
        else:
            campaigns = (asked.scope_id,)
        default = "NO_DATA" if asked.variant in kind.no_data_variants else "DONE"
        if not set(campaigns) <= set(business.campaign_ids):
            outcome = WRONG_CAMPAIGN
        else:
            outcome = self._outcome(kind.name, asked.scope_id, asked.month, asked.contract_type, default)
        if outcome == "DONE" and (kind.name, file_format) in self.failing_formats:
            outcome = "FAILED"
        filtered_out = (
            asked.placement_programs is not None and business.placement_type not in asked.placement_programs
        ) or (asked.inns is not None and inn_of(business.business_id) not in asked.inns)
        if outcome == "DONE" and (filtered_out or not campaigns):  # the filters leave no rows
            outcome = "NO_DATA"
        spec = TableSpec(
            kind=kind.name,
            scope_id=asked.scope_id,
            label=asked.label,
            first=asked.first,
            last=asked.last,
            variant=asked.variant or business.placement_type,
            file_format=file_format,
            business_id=business.business_id,
            campaign_ids=campaigns,
            model=business.placement_type,
            shops=tuple(business.campaign_ids) if self.truth_tables else None,
            knobs=tuple(sorted(self.truth_knobs)),
        )
        report = self._start_report(
            business,
            kind.name,
            campaign_id=asked.scope_id if kind.scope == "campaign" else None,
            month=asked.month,
            contract_types=(asked.contract_type,) if asked.contract_type else (),
            outcome=outcome,
            table=spec,
            language=language,
        )
        return report if isinstance(report, _Reply) else self._accepted(report)

    def _info(self, request: Request) -> _Reply:
        business = self._authenticate(request.headers)
        if isinstance(business, _Reply):
            return business
        source = request.query.get("sourceType", "SELLER")
        if source not in ("SELLER", "ADVERTISER"):
            raise _BadRequest("sourceType: must be SELLER or ADVERTISER")
        with self._lock:
            report = self._reports.get(request.params["id"])
        if report is None or report.business != business.name:
            return _error(404, "Report not found.")
        elapsed = self.now() - report.created_at
        result: dict[str, Any] = {"generationRequestedAt": _iso(report.requested_at)}
        if elapsed < self.generation_seconds:
            result["status"] = "PENDING" if elapsed < 0.2 * self.generation_seconds else "PROCESSING"
            if self.info_estimates:  # optional in the spec: the time left, in ms
                result["estimatedGenerationTime"] = max(0, round((self.generation_seconds - elapsed) * 1000))
            return _ok({"status": "OK", "result": result})
        status, sub_status = _FINAL_STATES[report.outcome]
        result["status"] = status
        if sub_status is not None:
            result["subStatus"] = sub_status
        result["generationFinishedAt"] = _iso(report.requested_at + timedelta(seconds=self.generation_seconds))
        if status == "DONE" and sub_status is None:
            result["file"] = self._sign_link(report)
        return _ok({"status": "OK", "result": result})

    def _campaigns(self, request: Request) -> _Reply:
        business = self._authenticate(request.headers)
        if isinstance(business, _Reply):
            return business
        items = [
            {
                "id": cid,
                "domain": f"Shop {cid}",
                "business": {"id": business.business_id, "name": business.name},
                "placementType": business.placement_type,
                "apiAvailability": "AVAILABLE",
            }
            for cid in business.campaign_ids
        ]
        page_token = request.query.get("pageToken", request.query.get("page_token"))  # the spec's x-aliases
        if page_token is not None or "limit" in request.query:  # token pagination
            limit = _int_param(request.query, "limit", 1, PAGE_SIZE_MAX) or PAGE_SIZE_DEFAULT
            offset = self._decode_page_token(page_token)
            payload: dict[str, Any] = {"campaigns": items[offset : offset + limit]}
            if self.page_token_loop:
                own = page_token or base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()
                payload["paging"] = {"nextPageToken": own}
            elif offset + limit < len(items):
                next_token = base64.urlsafe_b64encode(f"offset:{offset + limit}".encode()).decode()
                payload["paging"] = {"nextPageToken": next_token}
            else:
                payload["paging"] = {}
            return _ok(payload)
        page = _int_param(request.query, "page", 1, 10000) or 1
        size = _int_param(request.query, "pageSize", 1, PAGE_SIZE_MAX) or PAGE_SIZE_DEFAULT
        offset = (page - 1) * size
        chunk = items[offset : offset + size]
        pager: dict[str, int] = {
            "total": len(items),
            "currentPage": page,
            "pageSize": size,
            "pagesCount": max(1, -(-len(items) // size)),
        }
        if chunk:
            pager.update({"from": offset + 1, "to": offset + len(chunk)})
        return _ok({"campaigns": chunk, "pager": pager})

    @staticmethod
    def _decode_page_token(token: str | None) -> int:
        if not token:
            return 0
        try:
            prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
            if prefix == "offset" and int(offset) >= 0:
                return int(offset)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            pass
        raise _BadRequest("pageToken: invalid page token")

    # ------------------------------------------------------------------------------ file links

    def _signature(self, path: str, expires: str, nonce: str) -> str:
        return hmac.new(self._key, f"{path}\n{expires}\n{nonce}".encode(), hashlib.sha256).hexdigest()

    def _sign_link(self, report: ReportState) -> str:
        """A fresh link (new nonce, new expiry) to the report's archive."""
        path = f"/files/{quote(report.report_id, safe='')}/{report.file_name}"
        expires = str(int(self.wall_time() + self.link_ttl_seconds))
        nonce = secrets.token_hex(8)
        signature = self._signature(path, expires, nonce)
        return f"{self.base_url}{path}?expires={expires}&nonce={nonce}&signature={signature}"

    def _download(self, request: Request) -> _Reply:
        expires, nonce, signature = (request.query.get(k, "") for k in ("expires", "nonce", "signature"))
        if not hmac.compare_digest(self._signature(request.path, expires, nonce), signature):
            return _s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if self.wall_time() > int(expires):
            return _expired()
        with self._lock:
            report = self._reports.get(unquote(request.params["id"]))
        if report is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if report.table is not None:
            table = report.table
            disposition = f'attachment; filename="{table.file_name}"'
            return _Reply(
                200, {"Content-Type": table.content_type, "Content-Disposition": disposition}, build_file(table)
            )
        spec = report.archive
        size = self._archives.size(spec)
        return _Reply(
            200,
            {
                "Content-Type": "application/zip",
                "Content-Length": str(size),
                "Content-Disposition": f'attachment; filename="{spec.file_name}"',
            },
            stream=functools.partial(self._archives.open, spec),
        )
