"""The ActivePlatform emulator over real HTTP: the documented answer, every strictness rule, faults, no secrets."""

import base64
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.sources.activeplatform import MIME_TYPES, ActivePlatformEmulator, Fault

TOKEN = "ap-token-7d41c0e9b2"
JSON_API = "application/vnd.api+json"
HEADERS = {"X-Api-Token": TOKEN, "Content-Type": JSON_API, "Accept": JSON_API}
KEY = "0493e78a-e8ef-11e9-81b4-2a2ae2dbcce4"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 3 + b"\n%%EOF\n"
# The doc's example "file", and the text it encodes.
DOC_FILE = (
    "data:application/pdf;base64,SSBob2xkIHRoZSBwb3NpdGlvbiBvZiBhIHFhIGVuZ2luZWVyLiBRQSBlbmdp\n"
    "bmVlciByZXNwb25zaWJpbGl0aWVzIGluY2x1ZGUgZGVzaWduaW5nIGFuZCBp\nbXBsZW1lbnRpbmcgdGVzdHMsIGRlYnVnZ2luZyBhbmQgZGVmaW5pbmcgY29y\n"
    "cmVjdGl2ZSBhY3Rpb25zLiBJIGFsc28gcmV2aWV3IHN5c3RlbSByZXF1aXJl\nbWVudHMgYW5kIHRyYWNrIHF1YWxpdHkgYXNzdXJhbmNlIG1ldHJpY3MgKGUu\n"
    "Zy4gZGVmZWN0IGRlbnNpdGllcyBhbmQgb3BlbiBkZWZlY3QgY291bnRzLikg\nVGhlIFFBIHRlY2huaWNpYW4gcm9sZSBwbGF5cyBhbiBpbXBvcnRhbnQgcGFy\n"
    "dCBpbiBvdXIgY29tcGFueeKAmXMgcHJvZHVjdCBkZXZlbG9wbWVudCBwcm9j\nZXNzLg==\n"
)


@pytest.fixture
def emulator() -> Iterator[ActivePlatformEmulator]:
    emulator = ActivePlatformEmulator(TOKEN)
    emulator.add_document(10, 20, KEY, name="Act 2025-12", content=PDF, total="1500.00")
    emulator.add_account(10, 21)
    with emulator:
        yield emulator


def url(emulator: ActivePlatformEmulator, reseller: object = 10, account: object = 20) -> str:
    return f"{emulator.base_url}/api/v3/resellers/{reseller}/accounts/{account}/external_invoices"


def get(emulator: ActivePlatformEmulator, key: str | None = KEY, **kwargs: Any) -> requests.Response:
    headers = kwargs.pop("headers", HEADERS)
    target = kwargs.pop("target", url(emulator))
    params = kwargs.pop("params", {"filter[key]": key} if key is not None else {})
    return requests.get(target, params=params, headers=headers, timeout=kwargs.pop("timeout", 5), **kwargs)


def decode(file: str) -> tuple[str, bytes]:
    header, _, payload = file.partition(",")
    assert header.startswith("data:") and header.endswith(";base64")
    lines = payload.split("\n")
    assert lines[-1] == "" and all(len(line) == 60 for line in lines[:-2]) and 0 < len(lines[-2]) <= 60
    return header[5:-7], base64.b64decode(payload)


def assert_error(response: requests.Response, status: int, detail: str = "") -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"] == JSON_API
    (error,) = response.json()["errors"]
    assert error["status"] == str(status) and error["title"]
    assert detail in error["detail"]


def test_document_as_documented(emulator: ActivePlatformEmulator) -> None:
    response = get(emulator)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_API
    data = response.json()["data"]
    assert data["id"] == "1" and data["type"] == "external_invoices"
    attributes = data["attributes"]
    assert set(attributes) == {
        "created_at",
        "updated_at",
        "key",
        "name",
        "amount",
        "start_date",
        "end_date",
        "file",
        "type",
    }
    assert attributes["key"] == KEY and attributes["name"] == "Act 2025-12" and attributes["type"] == "invoice"
    assert attributes["amount"] == {"total": "1500.00", "currency": "RUB"}
    assert (attributes["start_date"], attributes["end_date"]) == ("2025-12-01", "2025-12-31")
    assert attributes["created_at"].endswith("+0300") and len(attributes["created_at"]) == 31
    assert decode(attributes["file"]) == ("application/pdf", PDF)


def test_file_is_encoded_exactly_like_the_docs_example() -> None:
    text = base64.b64decode(DOC_FILE.partition(",")[2])
    emulator = ActivePlatformEmulator(TOKEN)
    document = emulator.add_document(1, 2, KEY, name="New invoice", content=text)
    assert document.file == DOC_FILE


@pytest.mark.parametrize("mime", sorted(MIME_TYPES.values()))
def test_every_supported_format(emulator: ActivePlatformEmulator, mime: str) -> None:
    content = mime.encode() * 7
    emulator.add_document(10, 21, "key-" + mime, name="doc", content=content, mime=mime, doc_type="act")
    attributes = get(emulator, "key-" + mime, target=url(emulator, account=21)).json()["data"]["attributes"]
    assert decode(attributes["file"]) == (mime, content)
    assert attributes["type"] == "act"


def test_add_document_validates() -> None:
    emulator = ActivePlatformEmulator(TOKEN)
    with pytest.raises(ValueError, match="unsupported mime"):
        emulator.add_document(1, 2, "k", name="n", content=b"x", mime="image/png")
    emulator.add_document(1, 2, "k", name="n", content=b"x")
    with pytest.raises(ValueError, match="already has"):
        emulator.add_document(1, 2, "k", name="n", content=b"x")
    with pytest.raises(ValueError):
        emulator.add_document(1, 2, "k2", name="n", content=b"x", start_date="2025-13-01")
    with pytest.raises(ValueError):
        ActivePlatformEmulator(TOKEN, unknown_key="maybe")


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x"])
def test_token_is_required(emulator: ActivePlatformEmulator, token: str | None) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "X-Api-Token"}
    if token is not None:
        headers["X-Api-Token"] = token
    assert_error(get(emulator, headers=headers), 401, "X-Api-Token")


@pytest.mark.parametrize("content_type", [None, "application/json", f"{JSON_API}; charset=utf-8", "text/plain"])
def test_content_type_is_strict(emulator: ActivePlatformEmulator, content_type: str | None) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "Content-Type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    assert_error(get(emulator, headers=headers), 415, "Content-Type")


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", f"{JSON_API}; ext=bulk"])
def test_accept_is_strict(emulator: ActivePlatformEmulator, accept: str | None) -> None:
    headers: dict[str, str | None] = {**HEADERS, "Accept": accept}  # None: not sent (not even requests' */*)
    assert_error(get(emulator, headers=headers), 406, "Accept")


def test_accept_may_list_more_types(emulator: ActivePlatformEmulator) -> None:
    response = get(emulator, headers={**HEADERS, "Accept": f"application/json, {JSON_API}"})
    assert response.status_code == 200


@pytest.mark.parametrize(("reseller", "account", "name"), [("abc", 20, "reseller_id"), (10, "x1", "account_id")])
def test_ids_must_be_numbers(emulator: ActivePlatformEmulator, reseller: object, account: object, name: str) -> None:
    assert_error(get(emulator, target=url(emulator, reseller, account)), 400, name)


@pytest.mark.parametrize("params", [{}, {"filter[key]": ""}, {"key": KEY}])
def test_filter_key_is_required(emulator: ActivePlatformEmulator, params: dict[str, str]) -> None:
    assert_error(get(emulator, params=params), 400, "key")


def test_unknown_query_parameter(emulator: ActivePlatformEmulator) -> None:
    assert_error(get(emulator, params={"filter[key]": KEY, "page": "1"}), 400, "page")


def test_unknown_reseller_account_key(emulator: ActivePlatformEmulator) -> None:
    assert_error(get(emulator, target=url(emulator, 11, 20)), 404, "Reseller")
    assert_error(get(emulator, target=url(emulator, 10, 22)), 404, "Account")
    assert_error(get(emulator, "00000000-0000-0000-0000-000000000000"), 404, "not found")
    assert_error(get(emulator, KEY, target=url(emulator, 10, 21)), 404)  # another account's document


def test_unknown_key_may_be_empty_data() -> None:
    with ActivePlatformEmulator(TOKEN, unknown_key="empty") as emulator:
        emulator.add_account(10, 20)
        response = get(emulator, "unknown")
        assert response.status_code == 200 and response.json() == {"data": []}
        assert_error(get(emulator, target=url(emulator, 10, 99)), 404)  # unknown accounts are still 404


def test_other_paths_and_methods(emulator: ActivePlatformEmulator) -> None:
    assert_error(requests.get(f"{emulator.base_url}/api/v3/resellers", headers=HEADERS, timeout=5), 404)
    response = requests.post(url(emulator), params={"filter[key]": KEY}, headers=HEADERS, timeout=5)
    assert_error(response, 405)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_status_faults_then_recovery(emulator: ActivePlatformEmulator, status: int) -> None:
    emulator.inject(Fault(status=status))
    assert_error(get(emulator), status)
    assert get(emulator).status_code == 200


def test_faults_are_consumed_in_order(emulator: ActivePlatformEmulator) -> None:
    emulator.inject(Fault(status=503), Fault(kind="reset"), Fault(status=500))
    assert get(emulator).status_code == 503
    with pytest.raises(requests.ConnectionError):
        get(emulator)
    assert get(emulator).status_code == 500
    assert get(emulator).status_code == 200
    assert [call.status for call in emulator.calls] == [503, 0, 500, 200]
    assert [call.fault for call in emulator.calls] == ["status=503", "kind=reset", "status=500", None]


def test_slow_fault_times_out_a_short_client(emulator: ActivePlatformEmulator) -> None:
    emulator.inject(Fault(kind="slow", seconds=1.0))
    with pytest.raises(requests.ReadTimeout):
        get(emulator, timeout=0.2)
    assert get(emulator).status_code == 200


def test_fault_kinds_are_checked() -> None:
    emulator = ActivePlatformEmulator(TOKEN)
    with pytest.raises(ValueError):
        emulator.inject(Fault(kind="timeout_after_send", seconds=1))
    with pytest.raises(ValueError):
        emulator.inject(Fault(error_code=52))
    with pytest.raises(ValueError):
        Fault(status=503, kind="reset")
    with pytest.raises(ValueError):
        Fault(kind="slow")


def test_recorded_calls_and_logs_never_hold_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    with ActivePlatformEmulator(TOKEN, verbose=True) as emulator:
        emulator.add_document(10, 20, KEY, name="n", content=PDF)
        get(emulator)
        get(emulator, headers={**HEADERS, "X-Api-Token": "another-secret-token"})
        get(emulator, params={"filter[key]": TOKEN})  # even if a client leaks it elsewhere
        calls = emulator.calls
    assert [call.status for call in calls] == [200, 401, 404]
    assert all(call.op == "external_invoices" and call.headers["x-api-token"] == "***" for call in calls)
    assert calls[2].query == {"filter[key]": "***"}
    assert TOKEN not in repr(calls) and "another-secret-token" not in repr(calls)
    logged = capsys.readouterr().err
    assert "activeplatform-emulator: GET" in logged and TOKEN not in logged


def test_concurrent_requests(emulator: ActivePlatformEmulator) -> None:
    statuses: list[int] = []

    def fetch() -> None:
        statuses.append(get(emulator).status_code)

    threads = [threading.Thread(target=fetch) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 16 and emulator.count("external_invoices") == 16
