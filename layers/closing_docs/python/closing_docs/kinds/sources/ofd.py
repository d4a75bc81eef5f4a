"""Yandex OFD: the month's sales, returns and totals by day (POST {base}/v1/docs/aggregations/sales).

Settings (template parameters): ``OFD_API_URL`` (empty: off), ``OFD_SECRET`` (a secret holding
``{"authKey": "<X-Yandex-Key>", "ofdKey": "<X-OFD-Key>"}``), ``OFD_COMPANY_IDS`` (comma list; empty: every
company of the keys), ``OFD_NAME`` (the folder and notice name, default ``ofd``). Start input ``companyIds``
overrides the companies. One unit per month: every page read (``limit``/``offset`` until ``total`` intervals),
archived as one JSON document (every page's ``data`` in order, and ``full``) and a CSV of the daily rows an
accountant opens in Excel (UTF-8 with BOM, ``;`` between fields, decimal comma).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from closing_docs.adapters.http import send
from closing_docs.domain.errors import InvalidInput, SourceBadRequest
from closing_docs.domain.texts import excerpt, say
from closing_docs.domain.unit import Unit
from closing_docs.kinds import Planning
from closing_docs.kinds.sources import Fetched, FetchedFile, Fetching, SourceKind, env, secret

NAME = "ofd-sales"
PAGE_SIZE = 10  # intervals a page; a month takes several pages
SYSTEM = "Yandex OFD"  # the archived document's "source" (a machine field); notices say("system.ofd")
OPERATIONS = ("income", "income_return", "outcome", "outcome_return")
PAYMENTS = ("total", "cashTotal", "ecashTotal", "prepaid", "credit", "provision")
ADVICE = {401: "advice.ofd.401", 403: "advice.ofd.403"}  # what to do, by HTTP status (texts.py)


def enabled() -> bool:
    return bool(env("OFD_API_URL"))


_COMPANY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _companies(planning: Planning) -> list[str]:
    given = planning.inputs.get("companyIds")
    if given is None:
        given = [c.strip() for c in env("OFD_COMPANY_IDS").split(",") if c.strip()]
        field = "OfdCompanyIds (stack parameter)"
    else:
        field = "companyIds"
    if not isinstance(given, list) or not all(isinstance(c, str) and _COMPANY.fullmatch(c) for c in given):
        raise InvalidInput(f"{field}: must be {INPUTS['companyIds']}; got {excerpt(given)}")
    if len(set(given)) != len(given) or len(".".join(given)) > 120 or (field == "companyIds" and not given):
        raise InvalidInput(f"{field}: must be {INPUTS['companyIds']}; got {excerpt(given)}")
    return sorted(given)


def _scope(companies: list[str]) -> str:
    """The unit's scope says which companies: all of the keys', or the ids themselves."""
    return ".".join(companies) if companies else "all"


def plan(planning: Planning) -> list[Unit]:
    companies = _companies(planning)
    return [Unit(business=env("OFD_NAME", "ofd"), kind=NAME, scope=_scope(companies), month=month)
            for month in planning.months]  # fmt: skip


def _body(unit: Unit, companies: list[str], offset: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date_from": f"{unit.month.first_day} 00:00:00",
        "date_to": f"{unit.month.last_day} 23:59:59",
        "interval": "day",
        "limit": PAGE_SIZE,
        "offset": offset,
    }
    if companies:
        body["company_ids"] = companies
    return body


def _number(value: Any) -> str:
    return "" if value is None else str(value).replace(".", ",")


def _csv(days: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header = ["date_from", "date_to", "checks", "checks_income", "income_avg"]
    header += [f"{op}_{kind}" for op in OPERATIONS for kind in PAYMENTS]
    writer.writerow(header)
    for day in days:
        row = [day.get("date_from", ""), day.get("date_to", ""), day.get("checks", ""), day.get("checks_income", "")]
        row.append(_number(day.get("income_avg")))
        row += [_number((day.get(op) or {}).get(kind)) for op in OPERATIONS for kind in PAYMENTS]
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode()


def fetch(context: Fetching) -> Fetched:
    system = say("system.ofd")
    unit, keys = context.unit, secret(env("OFD_SECRET"), system)
    if not isinstance(keys, dict) or not keys.get("authKey") or not keys.get("ofdKey"):
        raise SourceBadRequest(say("ofd.secret"))
    companies = [] if unit.scope in (None, "all") else unit.scope.split(".")
    headers = {"X-Yandex-Key": keys["authKey"], "X-OFD-Key": keys["ofdKey"], "Content-Type": "application/json"}
    url = env("OFD_API_URL").rstrip("/") + "/v1/docs/aggregations/sales"
    data: list[dict[str, Any]] = []
    full: Any = None
    total = first = None
    days = unit.month.last_day.day  # one interval a day: a month has no more
    seen: set[str] = set()  # the days read: a page that brings one back repeats (paging would not end, or lie)
    while total is None or len(data) < total:
        body = _body(unit, companies, len(data))
        response = send(system, "POST", url, what=say("ofd.what"), advice=ADVICE, json=body, headers=headers)
        try:
            page = response.json()
            rows, full, total = list(page["data"]), page.get("full"), page["total"]
            starts = [str(row["date_from"]) for row in rows]
        except (ValueError, KeyError, TypeError):
            raise SourceBadRequest(say("ofd.no_total")) from None
        first = total if first is None else first
        if not isinstance(total, int) or isinstance(total, bool) or not 0 <= total <= days or total != first:
            raise SourceBadRequest(say("ofd.bad_total", total=excerpt(total), first=excerpt(first), days=days))
        if not rows and len(data) < total:
            raise SourceBadRequest(say("ofd.stopped", read=len(data), total=total))
        if again := next((day for day in starts if day in seen), None):
            raise SourceBadRequest(say("ofd.page_repeated", offset=len(data), day=excerpt(again)))
        seen.update(starts)
        data += rows
    request = _body(unit, companies, 0)
    del request["limit"], request["offset"]
    document = {"source": SYSTEM, "request": request, "total": total, "data": data, "full": full}
    income = (full or {}).get("income", {}).get("total")
    return Fetched(
        files=[
            FetchedFile("json", json.dumps(document, ensure_ascii=False, indent=2).encode(), "application/json"),
            FetchedFile("csv", _csv(data), "text/csv; charset=utf-8"),
        ],
        details={"companyIds": companies or None, "days": len(data), "incomeTotal": income, "api": url},
        message=say("ofd.read", days=len(data), income=income),
    )


INPUTS = {"companyIds": "a non-empty list of unique Yandex OFD company ids (1-64 of A-Z a-z 0-9 _ -, 120 in all)"}
KIND = SourceKind(
    name=NAME, label="OFD sales", label_ru="Продажи по ОФД", enabled=enabled, inputs=INPUTS, units=plan, call=fetch
)
