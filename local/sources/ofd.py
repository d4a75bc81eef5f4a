"""An offline emulator of the Yandex OFD sales report (Yandex OFD API documentation,
«Отчет по продажам»; the rules it enforces are listed here): ``POST /v1/docs/aggregations/sales`` with
``X-Yandex-Key`` (authentication),
``X-OFD-Key`` (authorization) and a JSON body; sales aggregated per day / week / month of a period.

Checks, in order: another path 404, another method 405; ``X-Yandex-Key`` missing or wrong 401; ``X-OFD-Key``
missing or wrong 403; ``Content-Type`` not ``application/json`` (a ``charset`` parameter is fine) 415; then 400
naming the field for: a body that is not a JSON object; an unknown field; ``date_from`` / ``date_to`` missing or not
``YYYY-MM-DD`` / ``YYYY-MM-DD hh:mm:ss`` (a date alone means 00:00:00 / 23:59:59, as the doc says); date_from after
date_to; ``interval`` missing (unless ``default_interval`` is set) or not day/week/month; ``limit`` / ``offset`` not
a non-negative JSON integer; a list field that is not a non-empty list of strings; a value of ``document_types`` /
``operation_types`` / ``taxation_types`` / ``orders`` outside the doc's lists. A ``company_ids`` entry that is not a
configured company: 403.

Assumptions (the doc is silent):

* error bodies are ``{"error": {"code": "UNAUTHORIZED", "message": "..."}}`` (codes: BAD_REQUEST, UNAUTHORIZED,
  FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED, UNSUPPORTED_MEDIA_TYPE, INTERNAL_ERROR, BAD_GATEWAY,
  SERVICE_UNAVAILABLE);
* ``limit`` / ``offset`` must be JSON integers: numeric strings (the request template quotes every placeholder) are
  refused with 400, like the doc's example sends them (``"limit": 20``); default limit ``page_size`` (10);
* ``interval`` is required: the doc marks it optional but gives no default, so a client must not rely on one;
* unknown fields are refused; ``retail_point_ids`` / ``cashbox_ids`` are validated but not modelled (no effect);
* a company id outside the configured ones is 403 (the keys do not grant it), not an empty report.

Model: each configured company (:meth:`OfdEmulator.set_company`) has deterministic sales per day (from its seed),
zero on some days; all of a day's checks are receipts issued at 12:00:00 of its taxation type. Every interval
overlapping the period is one ``data`` item (``empty_intervals="zero"``, default) or only those with checks
(``"omit"``, what the doc's example shows). ``start`` / ``end``: the interval's calendar bounds (YYYY-MM-DD);
``date_from`` / ``date_to``: the interval clipped to the period (``YYYY-MM-DD hh:mm:ss``, as the field
descriptions say; the example shows dates of the first and last sale instead). ``full`` sums every interval (its
dates are the period), ``total`` counts them; ``orders`` sorts, then ``offset`` / ``limit`` slice ``data``. Amounts
are kept in kopecks, so ``full`` equals the sum of the items to the kopeck. Faults: ``Fault(status=N)``,
``Fault(kind="reset")``, ``Fault(kind="slow", seconds=X)``; ``ignore_offset = True``: every page is the first.
"""

from __future__ import annotations

import calendar
import functools
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from local.http_emulator import Reply, Request, json_reply
from local.sources._http import Call, Fault, SourceEmulator

__all__ = ["Call", "Fault", "OfdEmulator"]

PATH = "/v1/docs/aggregations/sales"
OPERATIONS = ("income", "income_return", "outcome", "outcome_return")
PAYMENTS = ("prepaid", "cashTotal", "credit", "ecashTotal", "provision")
DOCUMENT_TYPES: tuple[str, ...] = ("fiscalReport", "fiscalReportCorrection", "openShift", "closeShift", "receipt")
DOCUMENT_TYPES += ("receiptCorrection", "bso", "bsoCorrection", "currentStateReport", "closeArchive")
TAXATION_TYPES = ("osn", "usn_income", "usn_income_wo_expenditure", "esn_agricultural", "psn")
INTERVALS = ("day", "week", "month")
_SORT_KEYS: dict[str, tuple[str, ...]] = {  # order → the item's field it sorts by
    "date": ("start",),
    "cash": ("income", "cashTotal"),
    "ecash": ("income", "ecashTotal"),
    "checks": ("checks",),
    "checks_income": ("checks_income",),
    "avg_receipt": ("income_avg",),
    **{op: (op, "total") for op in OPERATIONS},
}
_LISTS = {
    "company_ids": None,
    "retail_point_ids": None,
    "cashbox_ids": None,
    "document_types": DOCUMENT_TYPES,
    "operation_types": OPERATIONS,
    "taxation_types": TAXATION_TYPES,
    "orders": tuple(_SORT_KEYS) + tuple(f"-{key}" for key in _SORT_KEYS),
}
_FIELDS = {"date_from", "date_to", "limit", "offset", "interval", *_LISTS}
_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
_CODES |= {415: "UNSUPPORTED_MEDIA_TYPE", 500: "INTERNAL_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")
_FORMAT = "%Y-%m-%d %H:%M:%S"

Sales = dict[str, list[int]]  # operation → [checks, kopecks per PAYMENTS]


def _zero() -> Sales:
    return {op: [0] * (1 + len(PAYMENTS)) for op in OPERATIONS}


@dataclass(frozen=True)
class Company:
    company_id: str
    seed: int
    taxation: str
    zero_days: frozenset[date]
    zero_share: float

    def sales(self, day: date) -> Sales:
        """The company's checks of that day, deterministic (income, some returns, rarely an outcome)."""
        sales = _zero()
        rng = random.Random(f"{self.seed}|{self.company_id}|{day.isoformat()}")
        if day in self.zero_days or rng.random() < self.zero_share:
            return sales
        counts = {"income": rng.randint(1, 30), "income_return": rng.choice((0, 0, 0, 1, 2))}
        counts["outcome"] = rng.choice((0,) * 9 + (1,))
        for op, n in counts.items():
            for _ in range(n):
                method = rng.choices(range(len(PAYMENTS)), weights=(5, 30, 2, 60, 3))[0]
                sales[op][0] += 1
                sales[op][1 + method] += rng.randint(50, 5000) * 100 + rng.choice((0, 50, 90))
        return sales


def _block(sales: Sales, op: str) -> dict[str, float]:
    block = {name: kopecks / 100 for name, kopecks in zip(PAYMENTS, sales[op][1:], strict=True)}
    return {**block, "total": sum(sales[op][1:]) / 100}


def _summary(sales: Sales) -> dict[str, Any]:
    checks_income, income = sales["income"][0], sum(sales["income"][1:])
    average = round(income / checks_income / 100, 2) if checks_income else 0.0
    summary: dict[str, Any] = {"checks": sum(sales[op][0] for op in OPERATIONS), "checks_income": checks_income}
    return {**summary, "income_avg": average, **{op: _block(sales, op) for op in OPERATIONS}}


def _field(item: dict[str, Any], path: tuple[str, ...]) -> Any:
    return item[path[0]] if len(path) == 1 else item[path[0]][path[1]]


def _intervals(first: date, last: date, interval: str) -> list[tuple[date, date]]:
    """The calendar intervals (weeks Monday to Sunday, months 1st to last) overlapping [first, last]."""
    start = {"day": first, "week": first - timedelta(days=first.weekday()), "month": first.replace(day=1)}[interval]
    bounds = []
    while start <= last:
        if interval == "day":
            end = start
        elif interval == "week":
            end = start + timedelta(days=6)
        else:
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        bounds.append((start, end))
        start = end + timedelta(days=1)
    return bounds


class OfdEmulator(SourceEmulator):
    """The emulated Yandex OFD sales report; see the module docstring."""

    NAME = "ofd-emulator"
    SECRET_HEADERS = frozenset({"x-yandex-key", "x-ofd-key"})

    def __init__(
        self,
        auth_key: str,
        ofd_key: str,
        *,
        page_size: int = 10,
        empty_intervals: str = "zero",
        default_interval: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        """``auth_key`` / ``ofd_key``: the X-Yandex-Key / X-OFD-Key values. ``page_size``: the limit when none is
        given. ``empty_intervals``: "zero" (an item per interval) or "omit" (only intervals with checks).
        ``default_interval``: the interval when none is given (None: ``interval`` is required)."""
        if not auth_key or not ofd_key:
            raise ValueError("auth_key and ofd_key must not be empty")
        if page_size < 1 or empty_intervals not in ("zero", "omit"):
            raise ValueError("page_size must be >= 1 and empty_intervals 'zero' or 'omit'")
        if default_interval is not None and default_interval not in INTERVALS:
            raise ValueError(f"default_interval must be one of {INTERVALS}")
        super().__init__(host=host, port=port, verbose=verbose)
        self.auth_key, self.ofd_key = auth_key, ofd_key
        self.page_size, self.empty_intervals, self.default_interval = page_size, empty_intervals, default_interval
        # A fault: every page is the first one, whatever the offset asked (paging that repeats: a client that reads
        # until ``total`` gets the same days again and again).
        self.ignore_offset = False
        self._companies: dict[str, Company] = {}

    def set_company(
        self,
        company_id: str,
        seed: int = 0,
        *,
        taxation: str = "osn",
        zero_days: Iterable[date] = (),
        zero_share: float = 0.15,
    ) -> Company:
        """Configure (or replace) a company: its sales come from ``seed``; none on ``zero_days`` and on a
        ``zero_share`` of the other days."""
        if taxation not in TAXATION_TYPES or not 0 <= zero_share <= 1:
            raise ValueError(f"taxation must be one of {TAXATION_TYPES} and zero_share within [0, 1]")
        company = Company(str(company_id), seed, taxation, frozenset(zero_days), zero_share)
        with self._lock:
            self._companies[company.company_id] = company
        return company

    def sales(self, company_id: str, day: date) -> Sales:
        """What a company sold that day: operation → [checks, kopecks per PAYMENTS] (for tests)."""
        with self._lock:
            return self._companies[company_id].sales(day)

    # ---------------------------------------------------------------- handling

    def _secrets(self) -> tuple[str, ...]:
        return (self.auth_key, self.ofd_key)

    def _op(self, request: Request) -> str:
        return "sales" if request.path == PATH else "unknown"

    def _error(self, status: int, message: str) -> Reply:
        return json_reply(status, {"error": {"code": _CODES.get(status, "ERROR"), "message": message}})

    def _handle(self, request: Request) -> Reply:
        if request.path != PATH:
            raise self._reject(404, f"Not found: {request.path}")
        if request.method != "POST":
            raise self._reject(405, f"Method {request.method} is not allowed")
        if request.headers.get("x-yandex-key") != self.auth_key:
            raise self._reject(401, "X-Yandex-Key is missing or invalid")
        if request.headers.get("x-ofd-key") != self.ofd_key:
            raise self._reject(403, "X-OFD-Key is missing or invalid")
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise self._reject(415, "Content-Type must be application/json")
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise self._reject(400, "The body must be a JSON object")
        return json_reply(200, self._report(body))

    def _report(self, body: dict[str, Any]) -> dict[str, Any]:
        for name in body:
            if name not in _FIELDS:
                raise self._reject(400, f"{name}: unknown field")
        start, end = self._moment(body, "date_from", time(0, 0, 0)), self._moment(body, "date_to", time(23, 59, 59))
        if start > end:
            raise self._reject(400, "date_from: must not be after date_to")
        interval = body.get("interval", self.default_interval)
        if interval not in INTERVALS:
            raise self._reject(400, f"interval: must be one of {', '.join(INTERVALS)}")
        limit, offset = self._count(body, "limit", self.page_size), self._count(body, "offset", 0)
        lists = {name: self._strings(body, name) for name in _LISTS}
        with self._lock:
            companies = dict(self._companies)
        for company_id in lists["company_ids"] or ():
            if company_id not in companies:
                raise self._reject(403, f"company_ids: company {company_id} is not available for these keys")
        chosen = [
            company
            for company in companies.values()
            if (lists["company_ids"] is None or company.company_id in lists["company_ids"])
            and (lists["taxation_types"] is None or company.taxation in lists["taxation_types"])
        ]
        if lists["document_types"] is not None and "receipt" not in lists["document_types"]:
            chosen = []  # the emulated checks are all receipts
        operations = lists["operation_types"] or OPERATIONS
        items, full = [], _zero()
        for first, last in _intervals(start.date(), end.date(), interval):
            sales = _zero()
            for offset_days in range((last - first).days + 1):
                day = first + timedelta(days=offset_days)
                if not start <= datetime.combine(day, time(12)) <= end:
                    continue
                for company in chosen:
                    day_sales = company.sales(day)
                    for op in operations:
                        sales[op] = [a + b for a, b in zip(sales[op], day_sales[op], strict=True)]
                        full[op] = [a + b for a, b in zip(full[op], day_sales[op], strict=True)]
            if self.empty_intervals == "omit" and not any(sales[op][0] for op in OPERATIONS):
                continue
            clipped = max(start, datetime.combine(first, time(0))), min(end, datetime.combine(last, time(23, 59, 59)))
            bounds = {"date_from": clipped[0].strftime(_FORMAT), "date_to": clipped[1].strftime(_FORMAT)}
            items.append({**bounds, "start": first.isoformat(), "end": last.isoformat(), **_summary(sales)})
        for order in reversed(lists["orders"] or ()):
            field = functools.partial(_field, path=_SORT_KEYS[order.lstrip("-")])
            items.sort(key=field, reverse=order.startswith("-"))
        period = {"date_from": start.strftime(_FORMAT), "date_to": end.strftime(_FORMAT)}
        offset = 0 if self.ignore_offset else offset
        return {"data": items[offset : offset + limit], "full": {**period, **_summary(full)}, "total": len(items)}

    def _moment(self, body: dict[str, Any], name: str, default: time) -> datetime:
        value = body.get(name)
        if value is None:
            raise self._reject(400, f"{name}: required")
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise self._reject(400, f"{name}: must be YYYY-MM-DD or YYYY-MM-DD hh:mm:ss")
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), default)
            return datetime.strptime(value, _FORMAT)  # noqa: DTZ007 (the API's local, naive date-times)
        except ValueError:
            raise self._reject(400, f"{name}: not a valid date-time") from None

    def _count(self, body: dict[str, Any], name: str, default: int) -> int:
        value = body.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self._reject(400, f"{name}: must be a non-negative integer")
        return value

    def _strings(self, body: dict[str, Any], name: str) -> tuple[str, ...] | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self._reject(400, f"{name}: must be a non-empty list of strings")
        allowed = _LISTS[name]
        for item in value:
            if allowed is not None and item not in allowed:
                raise self._reject(400, f"{name}: unknown value {item!r}")
        return tuple(value)
