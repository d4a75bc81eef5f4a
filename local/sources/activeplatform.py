"""An offline emulator of ActivePlatform's "Get closing document" (ActivePlatform's API
documentation, method "Get closing document"; the rules it enforces are listed here): ``GET
/api/v3/resellers/{reseller_id}/accounts/{account_id}/
external_invoices?filter[key]={GUID}``, JSON:API, authorized by a manager's ``X-Api-Token``.

The checks, in order (every error is a JSON:API ``{"errors": [{"status", "title", "detail"}]}`` with
``Content-Type: application/vnd.api+json``):

1. another path: 404; another method on the path: 405;
2. ``X-Api-Token`` missing or not the token: 401;
3. ``Content-Type`` not exactly ``application/vnd.api+json`` (the doc requires it even on this GET; media type
   parameters are refused, as JSON:API says): 415;
4. ``Accept`` without a bare ``application/vnd.api+json`` among its entries (``*/*`` is not enough): 406;
5. ``reseller_id`` / ``account_id`` not a number: 400 naming it (assumption: the doc types them "number" but says
   nothing of the error; Rails-style APIs may answer 404 instead);
6. ``filter[key]`` missing or empty: 400 naming ``filter[key]``; any other query parameter: 400 naming it
   (assumption: strictness, the doc lists no other parameter);
7. unknown reseller, or account not of that reseller: 404;
8. a key the account has no document for: 404 (``unknown_key="not_found"``, the default) or 200 ``{"data": []}``
   (``unknown_key="empty"``); the doc does not say which the real API does.

The answer is the doc's ``{"data": {"id", "type": "external_invoices", "attributes": {...}}}``; ``file`` is a data
URI whose base64 is wrapped every 60 characters with a trailing ``\\n`` (Ruby's ``Base64.encode64``, exactly like
the doc's example). Dates are Moscow time like ``2019-10-18T13:45:38.333297+0300``. Faults: ``Fault(status=N)``
(a JSON:API error), ``Fault(kind="reset")``, ``Fault(kind="slow", seconds=X)``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from local.http_emulator import Reply, Request, json_reply
from local.sources._http import Call, Fault, SourceEmulator

__all__ = ["MIME_TYPES", "ActivePlatformEmulator", "Call", "Fault"]

JSON_API = "application/vnd.api+json"
MSK = timezone(timedelta(hours=3))
MIME_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The document formats the emulator serves (``add_document(mime=...)`` takes the values)."""

_PATH = re.compile(r"/api/v3/resellers/(?P<reseller>[^/]+)/accounts/(?P<account>[^/]+)/external_invoices")
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_UNKNOWN_KEY = ("not_found", "empty")


@dataclass(frozen=True)
class Document:
    """One registered closing document (as the API serves it)."""

    id: str
    reseller_id: int
    account_id: int
    key: str
    name: str
    doc_type: str
    total: str
    currency: str
    start_date: str
    end_date: str
    content: bytes
    mime: str
    created_at: str

    @property
    def file(self) -> str:
        """The ``file`` attribute: a data URI, base64 wrapped at 60 characters, every line ending in ``\\n``."""
        encoded = base64.b64encode(self.content).decode()
        return f"data:{self.mime};base64," + "".join(f"{encoded[i : i + 60]}\n" for i in range(0, len(encoded), 60))

    def resource(self) -> dict[str, Any]:
        attributes = {
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "key": self.key,
            "name": self.name,
            "amount": {"total": self.total, "currency": self.currency},
            "start_date": self.start_date,
            "end_date": self.end_date,
            "file": self.file,
            "type": self.doc_type,
        }
        return {"id": self.id, "type": "external_invoices", "attributes": attributes}


class ActivePlatformEmulator(SourceEmulator):
    """The emulated ActivePlatform API; see the module docstring."""

    NAME = "activeplatform-emulator"
    SECRET_HEADERS = frozenset({"x-api-token"})

    def __init__(
        self,
        token: str,
        *,
        unknown_key: str = "not_found",
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        """``token``: the manager's API token. ``unknown_key``: ``"not_found"`` (404) or ``"empty"``
        (200 ``{"data": []}``) for a key the account has no document for."""
        if not token:
            raise ValueError("token must not be empty")
        if unknown_key not in _UNKNOWN_KEY:
            raise ValueError(f"unknown_key must be one of {_UNKNOWN_KEY}")
        super().__init__(host=host, port=port, verbose=verbose)
        self.token = token
        self.unknown_key = unknown_key
        self._accounts: dict[int, set[int]] = {}  # reseller → its accounts
        self._documents: dict[tuple[int, int, str], Document] = {}  # (reseller, account, key)

    def add_account(self, reseller_id: int, account_id: int) -> None:
        """Register an account (with no document yet) of a reseller."""
        with self._lock:
            self._accounts.setdefault(reseller_id, set()).add(account_id)

    def add_document(
        self,
        reseller_id: int,
        account_id: int,
        key: str,
        *,
        name: str,
        content: bytes,
        doc_type: str = "invoice",
        total: str = "123.45",
        currency: str = "RUB",
        start_date: str = "2025-12-01",
        end_date: str = "2025-12-31",
        mime: str = MIME_TYPES["pdf"],
        created_at: datetime | None = None,
    ) -> Document:
        """Register a closing document (and its account); returns it (its ``id`` is the platform's)."""
        if mime not in MIME_TYPES.values():
            raise ValueError(f"unsupported mime {mime!r}; expected one of {sorted(MIME_TYPES.values())}")
        if not key:
            raise ValueError("key must not be empty")
        for value in (start_date, end_date):
            datetime.strptime(value, "%Y-%m-%d")  # noqa: DTZ007 (validates a YYYY-MM-DD date only)
        moment = (created_at or datetime.now(MSK)).astimezone(MSK)
        with self._lock:
            if (reseller_id, account_id, key) in self._documents:
                raise ValueError(f"account {account_id} already has a document with key {key!r}")
            self.add_account(reseller_id, account_id)
            document = Document(
                id=str(len(self._documents) + 1),
                reseller_id=reseller_id,
                account_id=account_id,
                key=key,
                name=name,
                doc_type=doc_type,
                total=total,
                currency=currency,
                start_date=start_date,
                end_date=end_date,
                content=content,
                mime=mime,
                created_at=moment.strftime("%Y-%m-%dT%H:%M:%S.%f%z"),
            )
            self._documents[(reseller_id, account_id, key)] = document
        return document

    # ---------------------------------------------------------------- handling

    def _secrets(self) -> tuple[str, ...]:
        return (self.token,)

    def _op(self, request: Request) -> str:
        return "external_invoices" if _PATH.fullmatch(request.path) else "unknown"

    def _error(self, status: int, message: str) -> Reply:
        error = {"status": str(status), "title": _TITLES.get(status, "Error"), "detail": message}
        return json_reply(status, {"errors": [error]}, JSON_API)

    def _handle(self, request: Request) -> Reply:
        match = _PATH.fullmatch(request.path)
        if match is None:
            raise self._reject(404, f"No route matches {request.path}")
        if request.method != "GET":
            raise self._reject(405, f"Method {request.method} is not allowed here")
        if request.headers.get("x-api-token") != self.token:
            raise self._reject(401, "X-Api-Token is missing or invalid")
        if request.headers.get("content-type", "").strip().lower() != JSON_API:
            raise self._reject(415, f"Content-Type must be {JSON_API}")
        accepted = [item.strip().lower() for item in request.headers.get("accept", "").split(",")]
        if JSON_API not in accepted:
            raise self._reject(406, f"Accept must include {JSON_API}")
        ids = []
        for name in ("reseller", "account"):
            if not match[name].isdigit():
                raise self._reject(400, f"{name}_id must be a number")
            ids.append(int(match[name]))
        reseller_id, account_id = ids
        for name in request.query:
            if name != "filter[key]":
                raise self._reject(400, f"Unknown query parameter {name}")
        key = request.query.get("filter[key]", "")
        if not key:
            raise self._reject(400, "filter[key] is required")
        with self._lock:
            if account_id not in self._accounts.get(reseller_id, set()):
                what = "Reseller" if reseller_id not in self._accounts else "Account"
                raise self._reject(404, f"{what} not found")
            document = self._documents.get((reseller_id, account_id, key))
        if document is None:
            if self.unknown_key == "empty":
                return json_reply(200, {"data": []}, JSON_API)
            raise self._reject(404, f"Closing document with key {key} not found")
        return json_reply(200, {"data": document.resource()}, JSON_API)
