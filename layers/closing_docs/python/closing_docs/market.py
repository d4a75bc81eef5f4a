"""A small client of the Yandex Market Partner API: the three calls the archive needs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
from pydantic import ValidationError

from .errors import (
    DownloadFailed,
    MarketApiError,
    MarketBadRequest,
    MarketForbidden,
    MarketProtocolError,
    MarketRateLimited,
    MarketServerError,
    MarketUnauthorized,
    MarketUnavailable,
    ReportNotFound,
)
from .models import ContractType, GeneratedReport, ReportInfo
from .months import Month

API_TIMEOUT = (5, 30)  # connect, read seconds
DOWNLOAD_TIMEOUT = (10, 60)
USER_AGENT = "closing-documents-archive/1.0"
_Body = TypeVar("_Body", GeneratedReport, ReportInfo)
_ERRORS_BY_STATUS: dict[int, type[MarketApiError]] = {
    400: MarketBadRequest,
    401: MarketUnauthorized,
    403: MarketForbidden,
    404: ReportNotFound,
    420: MarketRateLimited,
}


def link_host(url: str) -> str:
    """What may be logged of a signed link: its host, never the path or the signature."""
    return urlsplit(url).hostname or "?"


def _yandex_errors(response: requests.Response) -> tuple[str | None, str]:
    """(code, message) from Yandex's ``{"status":"ERROR","errors":[{"code","message"}]}`` body."""
    try:
        errors = response.json().get("errors") or []
        code = errors[0].get("code")
        message = "; ".join(str(e.get("message") or e.get("code")) for e in errors)
        return code, message
    except (ValueError, AttributeError, IndexError, TypeError):
        return None, (response.reason or "no error message")


def _retry_after(response: requests.Response) -> float | None:
    until = response.headers.get("X-RateLimit-Resource-Until")
    if not until:
        return None
    try:
        return max(0.0, (parsedate_to_datetime(until) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class MarketClient:
    """Calls the Market Partner API with an ``Api-Key`` token; maps HTTP failures to pipeline errors."""

    def __init__(self, base_url: str, api_key: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT

    def _call(self, operation: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                json=body,
                headers={"Api-Key": self._api_key, "Accept": "application/json"},
                timeout=API_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise MarketUnavailable(f"{operation}: no answer from the Market API ({type(exc).__name__})") from None
        if response.status_code >= 400:
            code, message = _yandex_errors(response)
            text = f"{operation}: Market API answered HTTP {response.status_code}" + (
                f" {code}: {message}" if code else f": {message}"
            )
            if response.status_code in _ERRORS_BY_STATUS:
                error_class = _ERRORS_BY_STATUS[response.status_code]
                if error_class is MarketRateLimited:
                    raise MarketRateLimited(text, retry_after_seconds=_retry_after(response), status=420, code=code)
                raise error_class(text, status=response.status_code, code=code)
            if response.status_code >= 500:
                raise MarketServerError(text, status=response.status_code, code=code)
            raise MarketBadRequest(text, status=response.status_code, code=code)
        try:
            return response.json()["result"]
        except (ValueError, KeyError, TypeError):
            raise MarketProtocolError(f"{operation}: the Market API answer has no JSON result") from None

    def generate_closure_documents(
        self, campaign_id: int, month: Month, contract_types: list[ContractType] | None
    ) -> GeneratedReport:
        """POST /v2/reports/closure-documents/generate."""
        body: dict[str, Any] = {
            "campaignId": campaign_id,
            "monthOfYear": {"year": month.year, "month": month.month},
        }
        if contract_types:
            body["contractTypes"] = [t.value for t in contract_types]
        result = self._call("generate", "POST", "/v2/reports/closure-documents/generate", body)
        return self._parse(GeneratedReport, result, "generate")

    def report_info(self, report_id: str) -> ReportInfo:
        """GET /v2/reports/info/{reportId}: status, and a fresh signed link once DONE."""
        result = self._call("reports/info", "GET", f"/v2/reports/info/{quote(report_id, safe='')}")
        return self._parse(ReportInfo, result, "reports/info")

    @staticmethod
    def _parse(model: type[_Body], result: Any, operation: str) -> _Body:
        try:
            return model.model_validate(result)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors(include_url=False))
            raise MarketProtocolError(f"{operation}: unexpected answer from the Market API ({fields})") from None

    def download(self, url: str, chunk_size: int) -> tuple[Iterator[bytes], int | None]:
        """Open a signed file link (plain GET, no Api-Key) and return (chunks, Content-Length)."""
        host = link_host(url)
        try:
            response = requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT, headers={"User-Agent": USER_AGENT})
        except requests.RequestException as exc:
            raise DownloadFailed(f"download from {host} failed ({type(exc).__name__})") from None
        if response.status_code != 200:
            response.close()
            reason = "the link has expired or was refused" if response.status_code in (401, 403, 410) else "error"
            raise DownloadFailed(f"download from {host} answered HTTP {response.status_code} ({reason})")
        length = response.headers.get("Content-Length")
        return _chunks(response, chunk_size, host), int(length) if length and length.isdigit() else None


def _chunks(response: requests.Response, chunk_size: int, host: str) -> Iterator[bytes]:
    try:
        yield from response.iter_content(chunk_size)
    except requests.RequestException as exc:
        raise DownloadFailed(f"download from {host} broke off ({type(exc).__name__})") from None
    finally:
        response.close()
