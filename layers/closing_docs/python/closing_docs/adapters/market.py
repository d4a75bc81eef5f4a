"""A small client of the Yandex Market Partner API: the calls the archive needs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import requests
from pydantic import ValidationError

from closing_docs.adapters.observability import patch_requests
from closing_docs.domain.errors import (
    DownloadFailed,
    DownloadRefused,
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
from closing_docs.domain.market_api import Campaign, GeneratedReport, ReportInfo
from closing_docs.domain.texts import excerpt, say

patch_requests()  # trace the calls of requests (X-Ray), now that it is loaded

API_TIMEOUT = (5, 30)  # connect, read seconds
DOWNLOAD_TIMEOUT = (10, 60)
USER_AGENT = "closing-documents-archive/1.0"
RATE_LIMIT_PAUSE_CAP = 60.0  # longest X-RateLimit-Resource-Until wait held inside the Lambda
MAX_REDIRECTS = 3
CAMPAIGNS_PAGE = 100  # the spec's maximum page size for GET /v2/campaigns
MAX_CAMPAIGN_PAGES = 100
_Body = TypeVar("_Body", GeneratedReport, ReportInfo)


def link_host(url: str) -> str:
    """What may be logged of a signed link: its host, never the path or the signature."""
    return urlsplit(url).hostname or "?"


def _origin_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``url`` is on an allowed origin: ``https://*.yandex.net`` (the domain or any subdomain), or an
    exact origin such as ``http://127.0.0.1:8080`` (the only way plain http is ever allowed)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for entry in allowed:
        pattern = urlsplit(entry)
        if parts.scheme != pattern.scheme or parts.port != pattern.port or parts.username or not host:
            continue
        wanted = (pattern.hostname or "").lower()
        if host == wanted or (wanted.startswith("*.") and (host == wanted[2:] or host.endswith(wanted[1:]))):
            return True
    return False


def _yandex_errors(response: requests.Response) -> str:
    """Yandex's own words from ``{"status":"ERROR","errors":[{"code","message"}]}``."""
    try:
        errors = response.json().get("errors") or []
        return "; ".join(f"{e.get('code')}: {e.get('message')}" if e.get("message") else str(e["code"]) for e in errors)
    except (ValueError, AttributeError, KeyError, TypeError):
        return response.reason or say("error.no_message")


# The error of each refusal, and what it means for the user after Yandex's own message (texts.py: advice.market.*).
_REFUSALS: dict[int, type[MarketApiError]] = {
    400: MarketBadRequest,
    401: MarketUnauthorized,
    403: MarketForbidden,
    404: ReportNotFound,
    420: MarketRateLimited,
}


def http_date(text: str | None) -> datetime | None:
    """An HTTP date header (``Date``, ``X-RateLimit-Resource-Until``) as an aware datetime; None when it is missing
    or unreadable, which the callers ignore. That includes what ``email.utils`` reads as a naive time: ``-0000``
    ("no time zone information", RFC 5322) and two headers joined by ", " (it reads the first and drops the zone):
    a naive time against an aware one would be a TypeError."""
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment if moment.tzinfo is not None and moment.utcoffset() is not None else None


def _seconds_until_reset(response: requests.Response) -> float | None:
    """Seconds until ``X-RateLimit-Resource-Until``, measured against the server's own ``Date`` (ours when that is
    missing or unreadable); None when the former is."""
    until = http_date(response.headers.get("X-RateLimit-Resource-Until"))
    if until is None:
        return None
    now = http_date(response.headers.get("Date")) or datetime.now(UTC)
    return max(0.0, (until - now).total_seconds())


@dataclass(frozen=True)
class RateWindow:
    """What Yandex's ``X-RateLimit-Resource-*`` headers say about a resource: how many requests the window allows,
    how many are left, and the seconds until it opens again (by Yandex's own clock)."""

    limit: int
    remaining: int
    reset_seconds: float | None


def rate_window(response: requests.Response) -> RateWindow | None:
    """The resource window an answer reports, or None when its headers are missing or unreadable."""
    try:
        limit = int(response.headers["X-RateLimit-Resource-Limit"])
        remaining = int(response.headers["X-RateLimit-Resource-Remaining"])
    except (KeyError, TypeError, ValueError):
        return None
    return RateWindow(limit, remaining, _seconds_until_reset(response))


@dataclass(frozen=True)
class Generation:
    report: GeneratedReport
    window: RateWindow | None  # the generate endpoint's own limit, as this answer reports it


def pause(seconds: float) -> None:
    """Sleep (the local harness scales it with every other delay)."""
    time.sleep(seconds)


class MarketClient:
    """Calls the Market Partner API with an ``Api-Key`` token; maps HTTP failures to pipeline errors."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        session: requests.Session | None = None,
        download_allowed: tuple[str, ...] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._download_allowed = download_allowed

    def _send(
        self,
        operation: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> requests.Response:
        """The successful answer; a failure raises the pipeline error for its HTTP status."""
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                json=body,
                params=params,
                headers={"Api-Key": self._api_key, "Accept": "application/json"},
                timeout=API_TIMEOUT,
            )
        except requests.RequestException as exc:
            problem = type(exc).__name__
            raise MarketUnavailable(say("error.market.no_answer", operation=operation, problem=problem)) from None
        status = response.status_code
        if status >= 400:
            error_class = _REFUSALS.get(status, MarketServerError if status >= 500 else MarketBadRequest)
            words = _yandex_errors(response)
            text = say("error.market.answered", operation=operation, status=status, words=words)
            if status in _REFUSALS:
                text += "; " + say(f"advice.market.{status}")
            if error_class is MarketRateLimited:
                wait = _seconds_until_reset(response)
                if wait is not None and wait <= RATE_LIMIT_PAUSE_CAP:
                    # Yandex said when the limit resets: hold the failure until then, so that the state
                    # machine's Retry (which follows at once) lands after the reset.
                    pause(wait)
                raise MarketRateLimited(text, retry_after_seconds=wait, status=status)
            raise error_class(text, status=status)
        return response

    @staticmethod
    def _json(response: requests.Response, operation: str, unwrap: bool = True) -> Any:
        try:
            answer = response.json()
            return answer["result"] if unwrap else dict(answer)
        except (ValueError, KeyError, TypeError):
            raise MarketProtocolError(say("error.market.no_json", operation=operation)) from None

    def campaigns(self) -> list[Campaign]:
        """GET /v2/campaigns, every page: the shops of the token's business."""
        found: list[Campaign] = []
        params: dict[str, Any] = {"limit": CAMPAIGNS_PAGE}
        seen: set[str] = set()  # the page tokens followed: one that comes back would read the same pages for ever
        for _ in range(MAX_CAMPAIGN_PAGES):
            response = self._send("campaigns", "GET", "/v2/campaigns", params=params)
            answer = self._json(response, "campaigns", unwrap=False)  # this answer has no "result" wrapper
            try:
                found += [Campaign.model_validate(item) for item in answer["campaigns"]]
                next_token = (answer.get("paging") or {}).get("nextPageToken")
            except (KeyError, TypeError, AttributeError, ValidationError):
                raise MarketProtocolError(say("error.market.unexpected", operation="campaigns")) from None
            if not next_token:
                return found
            if not isinstance(next_token, str) or next_token in seen:
                raise MarketProtocolError(say("error.market.page_repeated", token=excerpt(next_token)))
            seen.add(next_token)
            params = {"limit": CAMPAIGNS_PAGE, "pageToken": next_token}
        raise MarketProtocolError(say("error.market.pages", pages=MAX_CAMPAIGN_PAGES))

    def generate(self, path: str, body: dict[str, Any], params: dict[str, Any] | None = None) -> Generation:
        """POST a report's generate endpoint (``path``, from the report catalog)."""
        operation = f"generate {path.removeprefix('/v2/reports/').removesuffix('/generate')}"
        response = self._send(operation, "POST", path, body, params)
        report = self._parse(GeneratedReport, self._json(response, operation), operation)
        return Generation(report, rate_window(response))

    def report_info(self, report_id: str) -> ReportInfo:
        """GET /v2/reports/info/{reportId}: status, and a fresh signed link once DONE."""
        response = self._send("reports/info", "GET", f"/v2/reports/info/{quote(report_id, safe='')}")
        info = self._parse(ReportInfo, self._json(response, "reports/info"), "reports/info")
        info.answered_at = http_date(response.headers.get("Date"))  # Yandex's own clock, for time spent generating
        return info

    @staticmethod
    def _parse(model: type[_Body], result: Any, operation: str) -> _Body:
        try:
            return model.model_validate(result)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors(include_url=False))
            raise MarketProtocolError(f"{say('error.market.unexpected', operation=operation)} ({fields})") from None

    def download(self, url: str, chunk_size: int) -> tuple[Iterator[bytes], int | None]:
        """Open a signed file link (plain GET, no Api-Key) and return (chunks, Content-Length).

        The link and every redirect must be on an allowed origin; anything else is refused unfetched.
        """
        for _ in range(MAX_REDIRECTS + 1):
            host = link_host(url)
            if not _origin_allowed(url, self._download_allowed):
                origin = f"{urlsplit(url).scheme}://{host}"
                allowed = ", ".join(self._download_allowed)
                raise DownloadRefused(say("error.download.refused", origin=origin, allowed=allowed))
            try:
                response = requests.get(
                    url,
                    stream=True,
                    timeout=DOWNLOAD_TIMEOUT,
                    headers={"User-Agent": USER_AGENT},
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                problem = type(exc).__name__
                raise DownloadFailed(say("error.download.no_answer", host=host, problem=problem)) from None
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                response.close()
                continue
            if response.status_code != 200:
                response.close()
                status = response.status_code
                reason = say("error.download.expired" if status in (401, 403, 410) else "error.download.other")
                raise DownloadFailed(say("error.download.answered", host=host, status=status, reason=reason))
            length = response.headers.get("Content-Length")
            return _chunks(response, chunk_size, host), int(length) if length and length.isdigit() else None
        raise DownloadFailed(say("error.download.redirects", host=host, redirects=MAX_REDIRECTS))


def _chunks(response: requests.Response, chunk_size: int, host: str) -> Iterator[bytes]:
    try:
        yield from response.iter_content(chunk_size)
    except requests.RequestException as exc:
        problem = type(exc).__name__
        raise DownloadFailed(say("error.download.broke_off", host=host, problem=problem)) from None
    finally:
        response.close()
