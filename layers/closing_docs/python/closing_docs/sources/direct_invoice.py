"""Yandex Direct: the monthly prepayment invoice (Live 4 ``CreateInvoice``). A financial operation.

``POST {base}/live/v4/json/`` with ``{"method": "CreateInvoice", "token", "finance_token", "operation_num",
"param": {"Payments": [{"CampaignID", "Sum", "Currency"}]}}``; ``finance_token`` is the SHA-256 hex of master token +
str(operation_num) + "CreateInvoice" + login (Yandex's own example); ``operation_num`` must grow with every call ever
made with the login: an atomic counter item in the lock table (``direct-opnum#<login>``), first set from the clock.

Safety rules:

* **At most one invoice per month and payment set** (the unit: its scope is the payment set). A re-run, a second
  start or a retry finds the archived record (ALREADY_ARCHIVED) and creates nothing, unless ``force``.
* **The attempt is recorded before the request is sent** (item ``direct-invoice#<login>#<month>#<payments>``). If
  the answer never comes (a timeout or a reset after sending), an invoice may exist: the unit fails with
  InvoiceOutcomeUnknown, which is never retried, and the notice says what to check in Yandex Balance. Only a
  connection that was never made (nothing sent), a 5xx or an error answer clears the attempt.
* Live 4 answers errors with HTTP 200 and ``{"error_code", "error_str", "error_detail"}``: 56 (limits) and 245
  (currency) and every other code are FAILED with code and text (InvoiceRefused; 53 is SourceRefused), never
  retried: a retry would need a new operation number for the same money.

Settings (template parameters): ``DIRECT_API_URL`` (empty: off), ``DIRECT_SECRET`` (a secret holding
``{"token": "<OAuth>", "masterToken": "<finance master token>", "login": "<Direct login>"}``),
``DIRECT_PAYMENTS`` (``CAMPAIGN_ID:SUM:CURRENCY,...``; start input ``payments`` overrides it), ``DIRECT_NAME``
(default ``direct``). Not in the monthly run: its own schedule (DirectInvoiceDay) starts it for the next month.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import requests

from ..errors import (
    InvalidInput,
    InvoiceOutcomeUnknown,
    InvoiceRefused,
    SourceBadRequest,
    SourceRefused,
    SourceServerError,
    SourceUnavailable,
)
from ..texts import say
from ..unit import Unit
from . import Fetched, FetchedFile, Fetching, Planning, SourceKind, env, secret
from ._http import TIMEOUT, USER_AGENT

NAME = "direct-invoice"
CURRENCIES = ("RUB", "CHF", "EUR", "KZT", "TRY", "UAH", "USD", "BYN")
MAX_PAYMENTS = 8  # the payment set is the unit's scope (its keys and lock), which keeps it short
ATTEMPT_DAYS = 400  # how long the record of an invoice request is kept
INPUTS = {
    "payments": f'a non-empty list of at most {MAX_PAYMENTS} {{"campaignId": <id>, "sum": <positive number>, '
    f'"currency": "<one of {", ".join(CURRENCIES)}>"}}, one currency for all, each campaign once'
}
_SCOPE = re.compile(r"^([A-Z]{3})((?:_\d+-\d+\.\d\d)+)$")


def enabled() -> bool:
    return bool(env("DIRECT_API_URL"))


def clock() -> float:
    return time.time()


def _payments(given: Any, field: str) -> list[tuple[int, Decimal, str]]:
    problem = f"{field}: must be {INPUTS['payments']}"
    if not isinstance(given, list) or not 1 <= len(given) <= MAX_PAYMENTS:
        raise InvalidInput(f"{problem}; got {given!r}")
    found: list[tuple[int, Decimal, str]] = []
    for item in given:
        if not isinstance(item, dict) or set(item) != {"campaignId", "sum", "currency"}:
            raise InvalidInput(f"{problem}; got {item!r}")
        campaign, amount, currency = item["campaignId"], item["sum"], item["currency"]
        if not isinstance(campaign, int) or isinstance(campaign, bool) or campaign < 1:
            raise InvalidInput(f"{problem}; campaignId {campaign!r} is not a positive integer")
        try:
            money = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            money = Decimal(0)
        if isinstance(amount, bool) or not isinstance(amount, int | float | str) or not money > 0:
            raise InvalidInput(f"{problem}; sum {amount!r} of campaign {campaign} is not a positive amount")
        if currency not in CURRENCIES:
            raise InvalidInput(f"{problem}; currency {currency!r} of campaign {campaign} is not known")
        found.append((campaign, money, currency))
    if len({c for c, _, _ in found}) != len(found):
        raise InvalidInput(f"{problem}; a campaign is listed twice")
    if len({cur for *_, cur in found}) != 1:
        raise InvalidInput(
            f"{problem}; one invoice takes one currency, got {', '.join(sorted({c for *_, c in found}))}"
        )
    return sorted(found)


def _configured() -> list[dict[str, Any]]:
    payments = []
    for entry in (e.strip() for e in env("DIRECT_PAYMENTS").split(",") if e.strip()):
        campaign, _, rest = entry.partition(":")
        amount, _, currency = rest.partition(":")
        payments.append({"campaignId": int(campaign) if campaign.isdigit() else campaign, "sum": amount,
                         "currency": currency})  # fmt: skip
    return payments


def scope_of(payments: list[tuple[int, Decimal, str]]) -> str:
    """The payment set as the unit's scope: ``RUB_<campaign>-<sum>_...`` (readable, and the lock's key)."""
    return payments[0][2] + "".join(f"_{campaign}-{money}" for campaign, money, _ in payments)


def _from_scope(scope: str) -> list[tuple[int, Decimal, str]]:
    match = _SCOPE.match(scope)
    if match is None:
        raise SourceBadRequest(say("direct.not_a_set", scope=scope))
    currency = match.group(1)
    return [(int(c), Decimal(s), currency) for c, s in (p.split("-") for p in match.group(2).strip("_").split("_"))]


def plan(planning: Planning) -> list[Unit]:
    if "payments" in planning.inputs:
        payments = _payments(planning.inputs["payments"], "payments")
    else:
        if not _configured():
            raise InvalidInput(
                f"payments: none given and the stack parameter DirectPayments is empty; give {INPUTS['payments']}"
            )
        payments = _payments(_configured(), "DirectPayments (stack parameter)")
    return [
        Unit(business=env("DIRECT_NAME", "direct"), kind=NAME, scope=scope_of(payments), month=month)
        for month in planning.months
    ]


def _counter(table: Any, login: str) -> int:
    """The next operation number of ``login``: an atomic counter, first set from the clock (seconds)."""
    answer = table.update_item(
        Key={"pk": f"direct-opnum#{login}"},
        UpdateExpression="SET n = if_not_exists(n, :floor) + :one",
        ExpressionAttributeValues={":floor": int(clock()), ":one": 1},
        ReturnValues="UPDATED_NEW",
    )
    return int(answer["Attributes"]["n"])


def _record(unit: Unit, payments: list[tuple[int, Decimal, str]], login: str, attempt: dict[str, Any]) -> Fetched:
    total = sum(money for _, money, _ in payments)
    currency = payments[0][2]
    record = {
        "month": str(unit.month),
        "login": login,
        "payments": [{"campaignId": c, "sum": str(m), "currency": cur} for c, m, cur in payments],
        "total": str(total),
        "currency": currency,
        "invoiceUrl": attempt["url"],
        "operationNum": int(attempt["operationNum"]),
        "createdAt": attempt["createdAt"],
    }
    return Fetched(
        files=[FetchedFile("json", json.dumps(record, ensure_ascii=False, indent=2).encode(), "application/json")],
        details={**record, "api": env("DIRECT_API_URL")},
        message=say("direct.invoice", total=total, currency=currency, url=attempt["url"], login=login),
    )


def fetch(context: Fetching) -> Fetched:
    unit, table = context.unit, context.table
    system = say("system.direct")
    keys = secret(env("DIRECT_SECRET"), system)
    if not isinstance(keys, dict) or not all(keys.get(k) for k in ("token", "masterToken", "login")):
        raise SourceBadRequest(say("direct.secret"))
    login, payments = str(keys["login"]), _from_scope(unit.scope or "")
    attempt_key = {"pk": f"{NAME}#{login}#{unit.month}#{unit.scope}"}
    attempt = table.get_item(Key=attempt_key, ConsistentRead=True).get("Item")
    if attempt and attempt.get("status") == "CREATED" and not context.force:
        return _record(unit, payments, login, attempt)  # created before; its record was not archived yet
    if attempt and attempt.get("status") == "SENT" and not context.force:
        raise InvoiceOutcomeUnknown(
            say(
                "direct.unknown_before",
                month=unit.month,
                scope=unit.scope,
                sent_at=attempt["sentAt"],
                number=attempt["operationNum"],
                login=login,
            )
        )
    number = _counter(table, login)
    sent_at = datetime.now(UTC).isoformat(timespec="seconds")
    table.put_item(
        Item={
            **attempt_key,
            "status": "SENT",
            "operationNum": number,
            "sentAt": sent_at,
            "expiresAt": int(clock()) + ATTEMPT_DAYS * 86400,
        }
    )
    body = {
        "method": "CreateInvoice",
        "token": keys["token"],
        "finance_token": hashlib.sha256(f"{keys['masterToken']}{number}CreateInvoice{login}".encode()).hexdigest(),
        "operation_num": number,
        "param": {"Payments": [{"CampaignID": c, "Sum": float(m), "Currency": cur} for c, m, cur in payments]},
    }
    url = env("DIRECT_API_URL").rstrip("/") + "/live/v4/json/"
    try:
        response = requests.post(url, json=body, timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
    except requests.ConnectTimeout:  # never connected: nothing was sent
        table.delete_item(Key=attempt_key)
        raise SourceUnavailable(say("direct.no_connection", system=system)) from None
    except requests.RequestException as exc:
        raise InvoiceOutcomeUnknown(
            say(
                "direct.unknown",
                month=unit.month,
                scope=unit.scope,
                sent_at=sent_at,
                number=number,
                problem=type(exc).__name__,
                login=login,
            )
        ) from None
    if response.status_code >= 500:
        table.delete_item(Key=attempt_key)
        raise SourceServerError(say("direct.server_error", system=system, status=response.status_code))
    try:
        answer = response.json()
    except ValueError:
        answer = {"error_code": response.status_code, "error_str": response.text[:200]}
    if not isinstance(answer, dict) or "error_code" in answer or not isinstance(answer.get("data"), str):
        table.delete_item(Key=attempt_key)
        code = answer.get("error_code") if isinstance(answer, dict) else None
        if isinstance(answer, dict):
            words = say("direct.refused_code", code=code, text=answer.get("error_str"))
        else:
            words = say("direct.refused_unexpected")
        detail = answer.get("error_detail") if isinstance(answer, dict) else None
        text = say("direct.refused", system=system, words=words) + (f" ({detail})" if detail else "")
        raise (SourceRefused if code == 53 else InvoiceRefused)(text)
    created = {
        "url": answer["data"],
        "operationNum": number,
        "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    table.update_item(
        Key=attempt_key,
        UpdateExpression="SET #s = :created, #u = :url, createdAt = :at",
        ExpressionAttributeNames={"#s": "status", "#u": "url"},
        ExpressionAttributeValues={":created": "CREATED", ":url": created["url"], ":at": created["createdAt"]},
    )
    return _record(unit, payments, login, created)


KIND = SourceKind(
    name=NAME,
    label="Direct invoice",
    label_ru="Счёт Директа",
    enabled=enabled,
    inputs=INPUTS,
    plan=plan,
    fetch=fetch,
    monthly=False,
    future_months=True,
)
