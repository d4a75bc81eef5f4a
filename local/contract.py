"""Check HTTP exchanges against the official Yandex Market Partner API OpenAPI spec (openapi-core).

The spec is the multi-file one vendored in the repository,
``<repo>/vendor/yandex-market-partner-api/openapi/openapi.yaml``: upstream's files verbatim, the root trimmed to
the operations the project uses (see its ``SOURCE.txt``; regenerate with ``scripts/vendor_market_spec.py``).
Override it with the ``MARKET_OPENAPI_SPEC`` environment variable (e.g. with the full upstream spec); it is
loaded once. URLs may point at any host (e.g. the emulator on 127.0.0.1:PORT): only path and query are matched
against the spec's paths.

Test-only: the emulator itself never imports this module.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_ENV = "MARKET_OPENAPI_SPEC"
SPEC_SERVER = "https://api.partner.market.yandex.ru"
_CREDENTIAL_HEADERS = {"api-key", "authorization"}  # the spec's schemes: ApiKey (header Api-Key) or OAuth
_DEFAULT_SPEC = (
    Path(__file__).resolve().parents[1] / "vendor" / "yandex-market-partner-api" / "openapi" / "openapi.yaml"
)


class ContractError(AssertionError):
    """A request or response that does not match the OpenAPI spec."""


def spec_path() -> Path:
    """The spec in use: ``$MARKET_OPENAPI_SPEC`` or the copy vendored in the repository."""
    return Path(os.environ.get(SPEC_ENV) or _DEFAULT_SPEC)


@functools.cache
def _load(path: Path) -> OpenAPI:
    if not path.is_file():
        raise FileNotFoundError(f"OpenAPI spec not found at {path} (set {SPEC_ENV})")
    return OpenAPI.from_file_path(str(path))


def load_spec() -> OpenAPI:
    """The parsed spec (cached per path)."""
    return _load(spec_path().resolve())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _spec_request(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> MockRequest:
    """The request as if it had been sent to the spec's server."""
    split = urlsplit(url)
    return MockRequest(
        SPEC_SERVER,
        method.lower(),
        split.path,
        args=parse_qsl(split.query, keep_blank_values=True),  # type: ignore[arg-type]  # a MultiDict source
        headers=dict(headers),
        data=body or None,
        content_type=_header(headers, "Content-Type") or "application/json",
    )


def _details(error: BaseException) -> Iterable[str]:
    """Every schema error message found along the exception's cause chain."""
    seen: BaseException | None = error
    while seen is not None:
        for schema_error in getattr(seen, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in schema_error.absolute_path) or "(root)"
            yield f"{where}: {schema_error.message}"
        seen = seen.__cause__ or seen.__context__


def _fail(what: str, error: Exception) -> ContractError:
    lines = [f"{what} does not match the OpenAPI spec: {type(error).__name__}: {error}"]
    lines += [f"  - {detail}" for detail in _details(error)]
    return ContractError("\n".join(lines))


def validate_request(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> None:
    """Raise :class:`ContractError` unless the request (as a client sent it) is valid for the spec.

    Checks the operation exists, its parameters, the body, and that credentials are present: openapi-core
    cannot check the spec's OAuth alternative (it accepts any request for an oauth2 scheme), so a request with
    neither ``Api-Key`` nor ``Authorization`` is rejected here (every operation of the spec requires one).
    """
    request = _spec_request(method, url, headers, body)
    what = f"request {method.upper()} {urlsplit(url).path}"
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Unsupported scheme type")
            load_spec().validate_request(request)
    except Exception as error:  # openapi-core raises several unrelated exception types
        raise _fail(what, error) from error
    if not {name.lower() for name in headers} & _CREDENTIAL_HEADERS:
        raise ContractError(f"{what} does not match the OpenAPI spec: no credentials (Api-Key or Authorization header)")


def validate_response(
    method: str, url: str, status: int, headers: Mapping[str, str], body: bytes, content_type: str
) -> None:
    """Raise :class:`ContractError` unless the response is one the spec declares for that operation,
    with a body matching the declared schema for ``status`` and ``content_type``."""
    request = _spec_request(method, url, {}, None)
    response = MockResponse(body, status_code=status, headers=dict(headers), content_type=content_type)
    try:
        load_spec().validate_response(request, response)
    except Exception as error:  # openapi-core raises several unrelated exception types
        raise _fail(f"response {status} to {method.upper()} {urlsplit(url).path}", error) from error


def validate_recorded_response(call: Any) -> None:
    """Validate the response of an exchange recorded by the emulator (``local.emulator.Call``)."""
    validate_response(
        call.method,
        call.url,
        call.status,
        call.response_headers,
        call.response_body,
        call.response_headers.get("Content-Type", "application/json"),
    )


def validate_exchange(call: Any) -> None:
    """Validate both sides of an exchange recorded by the emulator."""
    validate_request(call.method, call.url, call.headers, call.body)
    validate_recorded_response(call)
