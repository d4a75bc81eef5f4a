"""An offline emulator of Yandex Direct's Live 4 finance method CreateInvoice (Yandex Direct API documentation,
Live 4 "CreateInvoice"; the rules it enforces are listed here): ``POST /live/v4/json/`` with a JSON body
``{"method": "CreateInvoice",
"token", "finance_token", "operation_num", "param": {"Payments": [{"CampaignID", "Sum", "Currency"}]}}``.

Live 4 answers its errors with HTTP 200 and ``{"error_code": int, "error_str": str, "error_detail": str}``. The
checks, in order (another path: HTTP 404, another HTTP method: 405, both HTML pages):

====  =======================================  ==============================================================
code  error_str                                when
====  =======================================  ==============================================================
71    Invalid request parameters               the body is not a JSON object, or has fields other than method,
                                               token, finance_token, operation_num, param, locale
55    Method not found                         ``method`` missing or not CreateInvoice (the only one emulated)
53    Authorization error                      ``token`` missing or not the OAuth token
56    Exceeded the method call limit           more than ``daily_limit`` authorized calls this (Moscow) day
353   Invalid financial operation number       ``operation_num`` missing, not an integer, or < 1
350   Invalid financial transaction token      ``finance_token`` != sha256_hex(master_token + str(operation_num)
                                               + "CreateInvoice" + login)
354   Financial operation number already used  ``operation_num`` not greater than every number already used
71    Invalid request parameters               ``param`` / ``Payments`` missing, empty or malformed (a payment
                                               needs exactly CampaignID int, Sum finite number, Currency
                                               string); a Currency outside RUB CHF EUR KZT TRY UAH USD BYN;
                                               Sum rounded to cents <= 0
245   Currency mismatch                        currencies differ across the payments
1     Invalid CampaignID                       a CampaignID that is not one of ``campaigns``
245   Currency mismatch                        a Currency that is not its campaign's currency
====  =======================================  ==============================================================

Sourced: 56 and 245 (this doc), 1 and 53 (Yandex's error-code lists). Assumptions (the texts too): 55, 71, 350,
353, 354 and the order. An operation number is used up once the finance token checks out, even if the call then
fails on its parameters. The daily count includes every call past the token check (failed ones too); a 56 uses
no operation number. Sums are rounded half up to cents (the doc: "rounded mathematically").

Success: an :class:`Invoice` in :attr:`DirectEmulator.invoices` and ``{"data": "https://passport.yandex.ru/
passport?mode=subscribe&from=balance&retpath=..."}`` naming its request id, like the doc's example. Faults:
``Fault(status=N)`` (an HTML page), ``Fault(error_code=N, message=...)``, ``Fault(kind="reset")`` (nothing created),
``Fault(kind="slow", seconds=X)``, ``Fault(kind="timeout_after_send", seconds=X)`` / ``Fault(kind=
"reset_after_send")``: the invoice IS created, then the answer is held X seconds / the connection is reset.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from local.http_emulator import Rejected, Reply, Request, json_reply
from local.sources._http import Call, Fault, SourceEmulator

__all__ = ["CURRENCIES", "Call", "DirectEmulator", "Fault", "Invoice", "Payment", "finance_token"]

PATHS = ("/live/v4/json/", "/live/v4/json")
CURRENCIES = ("RUB", "CHF", "EUR", "KZT", "TRY", "UAH", "USD", "BYN")
MESSAGES = {
    1: "Invalid CampaignID",
    52: "Authorization server temporarily unavailable",
    53: "Authorization error",
    54: "No rights",
    55: "Method not found",
    56: "Exceeded the method call limit",
    71: "Invalid request parameters",
    245: "Currency mismatch",
    350: "Invalid financial transaction token",
    353: "Invalid financial operation number",
    354: "Financial operation number already used",
}
MSK = timezone(timedelta(hours=3))
FIRST_REQUEST_ID = 14062489
_TOP_FIELDS = {"method", "token", "finance_token", "operation_num", "param", "locale"}
_HTML = "<html><head><title>{0}</title></head><body><h1>{0}</h1><p>nginx</p></body></html>\n"


def finance_token(master_token: str, operation_num: int, login: str, method: str = "CreateInvoice") -> str:
    """The finance token of one call: sha256 hex of master token, operation number, method and login."""
    return hashlib.sha256(f"{master_token}{operation_num}{method}{login}".encode()).hexdigest()


@dataclass(frozen=True)
class Payment:
    campaign_id: int
    amount: Decimal  # rounded to cents
    currency: str


@dataclass(frozen=True)
class Invoice:
    request_id: int
    login: str
    operation_num: int
    payments: tuple[Payment, ...]
    url: str
    created_at: datetime  # UTC


class DirectEmulator(SourceEmulator):
    """The emulated Live 4 CreateInvoice; see the module docstring."""

    NAME = "direct-emulator"
    FAULT_KINDS = ("reset", "slow", "timeout_after_send", "reset_after_send")
    ERROR_CODE_FAULTS = True
    SECRET_HEADERS = frozenset({"authorization"})
    SECRET_FIELDS = frozenset({"token", "finance_token"})

    def __init__(
        self,
        oauth_token: str,
        master_token: str,
        login: str,
        campaigns: dict[int, str],
        *,
        daily_limit: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        """``oauth_token``: the login's OAuth token; ``master_token``: its finance master token; ``campaigns``:
        campaign id → currency. ``daily_limit``: CreateInvoice calls per day before error 56 (None: unlimited)."""
        if not oauth_token or not master_token or not login:
            raise ValueError("oauth_token, master_token and login must not be empty")
        for campaign_id, currency in campaigns.items():
            if currency not in CURRENCIES:
                raise ValueError(f"campaign {campaign_id}: currency {currency!r} is not one of {CURRENCIES}")
        if daily_limit is not None and daily_limit < 0:
            raise ValueError("daily_limit must be >= 0 (or None)")
        super().__init__(host=host, port=port, verbose=verbose)
        self.oauth_token, self.master_token, self.login = oauth_token, master_token, login
        self.campaigns = dict(campaigns)
        self.daily_limit = daily_limit
        self._invoices: list[Invoice] = []
        self._last_operation: dict[str, int] = {}
        self._daily: tuple[str, int] = ("", 0)  # (Moscow date, calls counted that day)

    @property
    def invoices(self) -> list[Invoice]:
        """A snapshot of the invoices created, oldest first."""
        with self._lock:
            return list(self._invoices)

    def last_operation_num(self, login: str | None = None) -> int | None:
        """The greatest operation number used with ``login`` (default: the emulator's), None if none yet."""
        with self._lock:
            return self._last_operation.get(login or self.login)

    def set_last_operation_num(self, number: int, login: str | None = None) -> None:
        """Pretend ``number`` was already used (e.g. by another client of the same login)."""
        with self._lock:
            self._last_operation[login or self.login] = number

    def reset_daily_count(self) -> None:
        """Start a new day for ``daily_limit``."""
        with self._lock:
            self._daily = ("", 0)

    # ---------------------------------------------------------------- handling

    def _secrets(self) -> tuple[str, ...]:
        return (self.oauth_token, self.master_token)

    def _op(self, request: Request) -> str:
        try:
            method = json.loads(request.body).get("method")
        except (ValueError, UnicodeDecodeError, AttributeError):
            method = None
        return method if isinstance(method, str) and request.path in PATHS else "unknown"

    def _error(self, status: int, message: str) -> Reply:
        return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, _HTML.format(f"{status} {message}").encode())

    def _error_code_reply(self, fault: Fault) -> Reply:
        code = fault.error_code or 0
        return self._live_error(code, fault.message or "Injected fault").reply

    @staticmethod
    def _live_error(code: int, detail: str) -> Rejected:
        error = {"error_code": code, "error_str": MESSAGES.get(code, "Error"), "error_detail": detail}
        return Rejected(json_reply(200, error))

    def _handle(self, request: Request) -> Reply:
        if request.path not in PATHS:
            raise self._reject(404, "Not Found")
        if request.method != "POST":
            raise self._reject(405, "Method Not Allowed")
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or not set(body) <= _TOP_FIELDS:
            raise self._live_error(71, f"The body must be a JSON object of {', '.join(sorted(_TOP_FIELDS))}")
        if body.get("method") != "CreateInvoice":
            raise self._live_error(55, f"Unknown method {body.get('method')!r}")
        if body.get("token") != self.oauth_token:
            raise self._live_error(53, "Invalid or missing OAuth token")
        number = body.get("operation_num")
        with self._lock:
            today = datetime.now(MSK).date().isoformat()
            day, used = self._daily if self._daily[0] == today else (today, 0)
            if self.daily_limit is not None and used >= self.daily_limit:
                raise self._live_error(56, f"At most {self.daily_limit} CreateInvoice calls a day")
            self._daily = (day, used + 1)
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                raise self._live_error(353, "operation_num must be a positive integer")
            if body.get("finance_token") != finance_token(self.master_token, number, self.login):
                raise self._live_error(350, "finance_token does not match operation_num, method and login")
            last = self._last_operation.get(self.login, 0)
            if number <= last:
                raise self._live_error(354, f"operation_num must be greater than {last}")
            self._last_operation[self.login] = number
        payments = self._payments(body.get("param"))
        with self._lock:
            request_id = FIRST_REQUEST_ID + len(self._invoices)
            retpath = f"http://balance.yandex.ru/paypreview.xml?request_id={request_id}&ref_service_id=7&ui_type=std"
            url = f"https://passport.yandex.ru/passport?mode=subscribe&from=balance&retpath={quote(retpath, safe='')}"
            invoice = Invoice(request_id, self.login, number, payments, url, datetime.now(UTC))
            self._invoices.append(invoice)
        return json_reply(200, {"data": url})

    def _payments(self, param: Any) -> tuple[Payment, ...]:
        items = param.get("Payments") if isinstance(param, dict) and set(param) == {"Payments"} else None
        if not isinstance(items, list) or not items:
            raise self._live_error(71, 'param must be {"Payments": [...]} with at least one payment')
        payments = []
        for i, item in enumerate(items):
            where = f"Payments[{i}]"
            if not isinstance(item, dict) or set(item) != {"CampaignID", "Sum", "Currency"}:
                raise self._live_error(71, f"{where} must have exactly CampaignID, Sum and Currency")
            campaign_id, amount, currency = item["CampaignID"], item["Sum"], item["Currency"]
            if not isinstance(campaign_id, int) or isinstance(campaign_id, bool):
                raise self._live_error(71, f"{where}.CampaignID must be an integer")
            if not isinstance(amount, int | float) or isinstance(amount, bool) or not math.isfinite(amount):
                raise self._live_error(71, f"{where}.Sum must be a number")
            if currency not in CURRENCIES:
                raise self._live_error(71, f"{where}.Currency must be one of {', '.join(CURRENCIES)}")
            rounded = Decimal(str(amount)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if rounded <= 0:
                raise self._live_error(71, f"{where}.Sum must be positive")
            payments.append(Payment(campaign_id, rounded, currency))
        if len({p.currency for p in payments}) > 1:
            raise self._live_error(245, "All payments of one invoice must be in the same currency")
        for p in payments:
            if p.campaign_id not in self.campaigns:
                raise self._live_error(1, f"Campaign {p.campaign_id} not found")
            if self.campaigns[p.campaign_id] != p.currency:
                raise self._live_error(245, f"Campaign {p.campaign_id} is in {self.campaigns[p.campaign_id]}")
        return tuple(payments)
