"""Yandex Direct: the monthly prepayment invoice (Live 4 ``CreateInvoice``). A financial operation.

``POST {base}/live/v4/json/`` with ``{"method": "CreateInvoice", "token", "finance_token", "operation_num",
"param": {"Payments": [{"CampaignID", "Sum", "Currency"}]}}``; ``finance_token`` is the SHA-256 hex of master token +
str(operation_num) + "CreateInvoice" + login (Yandex's own example); ``operation_num`` must grow with every call ever
made with the login: an atomic counter item in the lock table (``direct-opnum#<login>``), first set from the clock.

Safety rules (README, Yandex Direct: the guarantee):

* **At most one invoice per login and month, whatever the sum.** The attempt record
  ``direct-invoice#<login>#<month>`` is written before the request is sent, by a conditional write: of two writers
  for one month one wins, the other refuses (InvoiceExists) and sends nothing. A month with a record never gets a
  second request unless ``force``: a CREATED record is archived again (the same invoice), another payment set is
  refused (InvoiceExists).
* **Only Direct's documented refusals mean "not created".** Live 4 answers errors with HTTP 200 and ``{"error_code",
  "error_str", "error_detail"}``: then the record is deleted and the unit FAILED with code and text (InvoiceRefused;
  53 is SourceRefused), never retried (a retry would need a new operation number for the same money). A connection
  that was never made (nothing sent) deletes the record too, and is retried. Anything else after the request left
  (a 5xx, any other status, a 200 that does not parse or has another shape, a reset, a timeout) is
  InvoiceOutcomeUnknown: the record stays, nothing is retried, and no re-run or schedule sends another request for
  the month until a person resolves it: ``invoiceNumber`` (the invoice they found in Yandex Balance: it is recorded
  and archived, nothing is sent), or ``force`` (there is none: a new one is created).
* **Sums are exact:** a positive amount with at most two decimals (``1.005`` is refused, not rounded), finite, at most
  ``MAX_SUM``.

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
import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from botocore.exceptions import ClientError

from closing_docs.adapters.http import TIMEOUT, USER_AGENT
from closing_docs.domain.errors import (
    InvalidInput,
    InvoiceExists,
    InvoiceOutcomeUnknown,
    InvoiceRefused,
    SourceBadRequest,
    SourceRefused,
    SourceUnavailable,
)
from closing_docs.domain.texts import excerpt, say
from closing_docs.domain.unit import Unit
from closing_docs.kinds import Planning
from closing_docs.kinds.sources import Fetched, FetchedFile, Fetching, SourceKind, env, secret

NAME = "direct-invoice"
CURRENCIES = ("RUB", "CHF", "EUR", "KZT", "TRY", "UAH", "USD", "BYN")
MAX_PAYMENTS = 8  # the payment set is the unit's scope (its keys), which keeps it short
MAX_SUM = Decimal("99999999999.99")  # Live 4 takes Sum as a JSON float: exact to the kopeck far beyond this
ATTEMPT_DAYS = 400  # how long the record of an invoice request is kept
INVOICE_NUMBER = re.compile(r"^[0-9A-Za-zА-Яа-яЁё./#-]{1,64}$")
INPUTS = {
    "payments": f'a non-empty list of at most {MAX_PAYMENTS} {{"campaignId": <id>, "sum": <amount>, '
    f'"currency": "<one of {", ".join(CURRENCIES)}>"}}, one currency for all, each campaign once; a sum is positive, '
    f"with at most two decimals (not rounded), at most {MAX_SUM}",
    "invoiceNumber": "the number of the month's invoice as Yandex Balance shows it (1-64 letters, digits, - . / #), "
    "after a request whose outcome is unknown: it is recorded and archived, and nothing is sent; not with force",
}
SENT, CREATED, RESOLVED = "SENT", "CREATED", "RESOLVED"  # an attempt record's status
_SCOPE = re.compile(r"^([A-Z]{3})((?:_\d+-\d+\.\d\d)+)$")
_AMOUNT = re.compile(r"^[0-9]{1,11}(?:\.[0-9]{1,2})?$")


def enabled() -> bool:
    return bool(env("DIRECT_API_URL"))


def clock() -> float:
    return time.time()


def _money(amount: Any) -> tuple[Decimal | None, str]:
    """An invoice sum, exact: (the amount, "") or (None, what is wrong with it)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None, "is not a number"
    if isinstance(amount, str) and not _AMOUNT.fullmatch(amount):
        return None, "is not a plain amount such as 1200.50"
    try:
        money = Decimal(repr(amount) if isinstance(amount, float) else str(amount))
    except InvalidOperation:
        return None, "is not a number"
    if not money.is_finite():
        return None, "is not a finite number"
    if money <= 0:
        return None, "is not positive"
    if money > MAX_SUM:
        return None, f"is more than {MAX_SUM}"
    if money != money.quantize(Decimal("0.01")):
        return None, "has more than two decimal places (it is not rounded)"
    return money.quantize(Decimal("0.01")), ""


def _payments(given: Any, field: str) -> list[tuple[int, Decimal, str]]:
    problem = f"{field}: must be {INPUTS['payments']}"
    if not isinstance(given, list) or not 1 <= len(given) <= MAX_PAYMENTS:
        raise InvalidInput(f"{problem}; got {excerpt(given)}")
    found: list[tuple[int, Decimal, str]] = []
    for item in given:
        if not isinstance(item, dict) or set(item) != {"campaignId", "sum", "currency"}:
            raise InvalidInput(f"{problem}; got {excerpt(item)}")
        campaign, amount, currency = item["campaignId"], item["sum"], item["currency"]
        if not isinstance(campaign, int) or isinstance(campaign, bool) or not 1 <= campaign < 2**63:
            raise InvalidInput(f"{problem}; campaignId {excerpt(campaign)} is not a positive integer")
        money, wrong = _money(amount)
        if money is None:
            raise InvalidInput(f"{problem}; sum {excerpt(amount)} of campaign {campaign} {wrong}")
        if currency not in CURRENCIES:
            raise InvalidInput(f"{problem}; currency {excerpt(currency)} of campaign {campaign} is not known")
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
        payments.append({"campaignId": int(campaign) if campaign.isascii() and campaign.isdigit() else campaign,
                         "sum": amount, "currency": currency})  # fmt: skip
    return payments


def scope_of(payments: list[tuple[int, Decimal, str]]) -> str:
    """The payment set as the unit's scope: ``RUB_<campaign>-<sum>_...`` (readable, and part of its keys)."""
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
    number = planning.inputs.get("invoiceNumber")
    if number is not None:
        if not isinstance(number, str) or not INVOICE_NUMBER.fullmatch(number):
            raise InvalidInput(f"invoiceNumber: must be {INPUTS['invoiceNumber']}; got {excerpt(number)}")
        if planning.force:
            raise InvalidInput(
                "invoiceNumber: records an invoice that exists, and force creates a new one; give one of them"
            )
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


def _record(
    unit: Unit, payments: list[tuple[int, Decimal, str]], login: str, attempt: dict[str, Any], execution_id: str
) -> Fetched:
    """The archived record of the month's invoice (created now, by an earlier run, or recorded by a person)."""
    total = sum(money for _, money, _ in payments)
    currency = payments[0][2]
    record = {
        "month": str(unit.month),
        "login": login,
        "payments": [{"campaignId": c, "sum": str(m), "currency": cur} for c, m, cur in payments],
        "total": str(total),
        "currency": currency,
        "invoiceUrl": attempt.get("url"),
        "invoiceNumber": attempt.get("invoiceNumber"),
        "operationNum": int(attempt["operationNum"]) if attempt.get("operationNum") is not None else None,
        "createdAt": attempt.get("createdAt") or attempt.get("resolvedAt"),
        "recordedBy": "person" if attempt["status"] == RESOLVED else "CreateInvoice",
    }
    if attempt["status"] == RESOLVED:
        message = say("direct.resolved", total=total, currency=currency, number=attempt["invoiceNumber"], login=login)
    else:
        message = say("direct.invoice", total=total, currency=currency, url=attempt["url"], login=login)
    earlier = None
    if attempt.get("executionId") != execution_id:  # made by an earlier run: nothing was created now
        earlier = datetime.fromisoformat(str(record["createdAt"]))
    return Fetched(
        files=[FetchedFile("json", json.dumps(record, ensure_ascii=False, indent=2).encode(), "application/json")],
        details={**record, "api": env("DIRECT_API_URL")},
        message=message,
        earlier=earlier,
    )


def _write(table: Any, item: dict[str, Any], seen: dict[str, Any] | None, month: Any) -> None:
    """Write the month's attempt record, only if the month's record is still what this unit read: none, or the one
    it replaces (its ``attemptId``). Of two writers, one wins; the other refuses and sends nothing."""
    if seen is None or seen["pk"] != item["pk"]:  # none (or only one under the older per-payment-set key)
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
    else:
        condition = {
            "ConditionExpression": "attemptId = :seen",
            "ExpressionAttributeValues": {":seen": seen["attemptId"]},
        }
    try:
        table.put_item(Item={**item, "attemptId": uuid.uuid4().hex}, **condition)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        raise InvoiceExists(say("direct.concurrent", month=month)) from None


def _forget(table: Any, key: dict[str, str], number: int) -> None:
    """Delete this request's record: Direct said it created nothing (or nothing was sent)."""
    try:
        table.delete_item(Key=key, ConditionExpression="operationNum = :n", ExpressionAttributeValues={":n": number})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise  # replaced meanwhile by a forced request: that one is not ours to delete


def _attempt(table: Any, login: str, unit: Unit) -> tuple[dict[str, str], dict[str, Any] | None]:
    """The month's record key and its record, if any (also one written under the older per-payment-set key)."""
    key = {"pk": f"{NAME}#{login}#{unit.month}"}
    seen = table.get_item(Key=key, ConsistentRead=True).get("Item")
    if seen is None:
        seen = table.get_item(Key={"pk": f"{key['pk']}#{unit.scope}"}, ConsistentRead=True).get("Item")
    return key, seen


def fetch(context: Fetching) -> Fetched:
    unit, table = context.unit, context.table
    system = say("system.direct")
    keys = secret(env("DIRECT_SECRET"), system)
    if not isinstance(keys, dict) or not all(keys.get(k) for k in ("token", "masterToken", "login")):
        raise SourceBadRequest(say("direct.secret"))
    login, payments = str(keys["login"]), _from_scope(unit.scope or "")
    key, seen = _attempt(table, login, unit)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    expires = int(clock()) + ATTEMPT_DAYS * 86400
    if context.resolution:  # a person found the invoice in Yandex Balance: record it, send nothing
        if seen is not None and seen["status"] in (CREATED, RESOLVED):
            raise InvoiceExists(_exists(unit, seen, login))
        resolved: dict[str, Any] = {**key, "status": RESOLVED, "scope": unit.scope, "invoiceNumber": context.resolution,
                    "resolvedAt": now, "executionId": context.execution_id, "expiresAt": expires,
                    **{k: seen[k] for k in ("operationNum", "sentAt") if seen and k in seen}}  # fmt: skip
        _write(table, resolved, seen, unit.month)
        return _record(unit, payments, login, resolved, context.execution_id)
    if seen is not None and not context.force:
        if seen["status"] == SENT:
            raise InvoiceOutcomeUnknown(
                say(
                    "direct.unknown_before",
                    month=unit.month,
                    scope=seen.get("scope", unit.scope),
                    sent_at=seen["sentAt"],
                    number=seen["operationNum"],
                    login=login,
                )
            )
        if seen.get("scope", unit.scope) == unit.scope:
            # created by an earlier run; its record is not in this archive yet (a local runner's new archive)
            return _record(unit, payments, login, seen, context.execution_id)
        raise InvoiceExists(_exists(unit, seen, login))
    number = _counter(table, login)
    attempt = {**key, "status": SENT, "scope": unit.scope, "operationNum": number, "sentAt": now,
               "executionId": context.execution_id, "expiresAt": expires}  # fmt: skip
    _write(table, attempt, seen, unit.month)
    body = {
        "method": "CreateInvoice",
        "token": keys["token"],
        "finance_token": hashlib.sha256(f"{keys['masterToken']}{number}CreateInvoice{login}".encode()).hexdigest(),
        "operation_num": number,
        "param": {"Payments": [{"CampaignID": c, "Sum": float(m), "Currency": cur} for c, m, cur in payments]},
    }
    url = env("DIRECT_API_URL").rstrip("/") + "/live/v4/json/"

    def unknown(problem: str) -> InvoiceOutcomeUnknown:  # the handler logs it, as every step's error
        return InvoiceOutcomeUnknown(
            say(
                "direct.unknown",
                month=unit.month,
                scope=unit.scope,
                sent_at=now,
                number=number,
                problem=problem,
                login=login,
            )
        )

    try:
        response = requests.post(url, json=body, timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
    except requests.ConnectTimeout:  # never connected (refused, unreachable, no answer to SYN): nothing was sent
        _forget(table, key, number)
        raise SourceUnavailable(say("direct.no_connection", system=system)) from None
    except requests.RequestException as exc:
        raise unknown(type(exc).__name__) from None
    try:
        answer = response.json() if response.status_code == 200 else None
    except ValueError:
        answer = None
    if isinstance(answer, dict) and set(answer) == {"data"} and _is_link(answer["data"]):
        created = {**attempt, "status": CREATED, "url": answer["data"], "createdAt": now}
        try:
            table.update_item(
                Key=key,
                UpdateExpression="SET #s = :created, #u = :url, createdAt = :at",
                ConditionExpression="operationNum = :n",
                ExpressionAttributeNames={"#s": "status", "#u": "url"},
                ExpressionAttributeValues={":created": CREATED, ":url": answer["data"], ":at": now, ":n": number},
            )
        except ClientError as exc:  # replaced meanwhile by a forced request: ours exists all the same
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
        return _record(unit, payments, login, created, context.execution_id)
    if isinstance(answer, dict) and _refusal(answer):  # Direct's documented error answer: nothing was created
        _forget(table, key, number)
        words = say("direct.refused_code", code=answer["error_code"], text=answer["error_str"])
        detail = answer.get("error_detail")
        text = say("direct.refused", system=system, words=words) + (f" ({detail})" if detail else "")
        raise (SourceRefused if answer["error_code"] == 53 else InvoiceRefused)(text)
    if response.status_code != 200:
        raise unknown(f"HTTP {response.status_code}")
    raise unknown(say("direct.unreadable", excerpt=excerpt(response.text, 120)))


def _is_link(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 2048


def _refusal(answer: dict[str, Any]) -> bool:
    """Live 4's documented error answer: ``{"error_code": int, "error_str": str[, "error_detail": str]}``."""
    return (
        isinstance(answer.get("error_code"), int)
        and not isinstance(answer["error_code"], bool)
        and isinstance(answer.get("error_str"), str)
        and set(answer) <= {"error_code", "error_str", "error_detail"}
    )


def _exists(unit: Unit, seen: dict[str, Any], login: str) -> str:
    return say(
        "direct.exists",
        month=unit.month,
        scope=seen.get("scope", "?"),
        what=seen.get("url") or seen.get("invoiceNumber") or "?",
        login=login,
    )


KIND = SourceKind(
    name=NAME,
    label="Direct invoice",
    label_ru="Счёт Директа",
    enabled=enabled,
    inputs=INPUTS,
    units=plan,
    call=fetch,
    monthly=False,
    future_months=True,
    resolution_input="invoiceNumber",
)
