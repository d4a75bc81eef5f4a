"""The Yandex Direct Live 4 CreateInvoice emulator over real HTTP: invoices, every error code, faults, no secrets."""

import hashlib
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from local.sources.direct import DirectEmulator, Fault, finance_token

OAUTH = "y0_direct-oauth-token-51c9d7"
MASTER = "direct-master-token-8e2f4a1b"
LOGIN = "shop-login"
CAMPAIGNS = {3193279: "RUB", 3193244: "RUB", 4000001: "KZT"}
PAYMENTS = [
    {"CampaignID": 3193279, "Sum": 50000.0, "Currency": "RUB"},
    {"CampaignID": 3193244, "Sum": 1200.0, "Currency": "RUB"},
]


@pytest.fixture
def emulator() -> Iterator[DirectEmulator]:
    with DirectEmulator(OAUTH, MASTER, LOGIN, CAMPAIGNS) as emulator:
        yield emulator


_numbers = itertools.count(1)


def body(number: int | None = None, payments: Any = None, **overrides: Any) -> dict[str, Any]:
    number = next(_numbers) + 1000 if number is None else number
    request = {
        "method": "CreateInvoice",
        "token": OAUTH,
        "finance_token": finance_token(MASTER, number, LOGIN),
        "operation_num": number,
        "param": {"Payments": PAYMENTS if payments is None else payments},
    }
    return {**request, **overrides}


def post(emulator: DirectEmulator, payload: Any, timeout: float = 5) -> requests.Response:
    return requests.post(f"{emulator.base_url}/live/v4/json/", json=payload, timeout=timeout)


def call(emulator: DirectEmulator, payload: Any) -> dict[str, Any]:
    response = post(emulator, payload)
    assert response.status_code == 200  # Live 4 answers errors with 200 too
    result: dict[str, Any] = response.json()
    return result


def assert_code(emulator: DirectEmulator, payload: Any, code: int) -> dict[str, Any]:
    result = call(emulator, payload)
    assert set(result) == {"error_code", "error_str", "error_detail"}, result
    assert result["error_code"] == code and result["error_str"] and result["error_detail"]
    return result


def test_finance_token_formula() -> None:
    expected = hashlib.sha256(f"{MASTER}42CreateInvoice{LOGIN}".encode()).hexdigest()
    assert finance_token(MASTER, 42, LOGIN) == expected


def test_create_invoice(emulator: DirectEmulator) -> None:
    result = call(emulator, body(7))
    url = result["data"]
    assert set(result) == {"data"}
    split = urlsplit(url)
    assert (split.scheme, split.netloc, split.path) == ("https", "passport.yandex.ru", "/passport")
    query = parse_qs(split.query)
    assert query["mode"] == ["subscribe"] and query["from"] == ["balance"]
    retpath = urlsplit(query["retpath"][0])
    assert retpath.netloc == "balance.yandex.ru" and retpath.path == "/paypreview.xml"
    request_id = int(parse_qs(retpath.query)["request_id"][0])
    (invoice,) = emulator.invoices
    assert invoice.request_id == request_id and invoice.url == url and invoice.operation_num == 7
    assert invoice.login == LOGIN and invoice.created_at.tzinfo is not None
    assert [(p.campaign_id, p.amount, p.currency) for p in invoice.payments] == [
        (3193279, Decimal("50000.00"), "RUB"),
        (3193244, Decimal("1200.00"), "RUB"),
    ]
    assert emulator.last_operation_num(LOGIN) == 7 == emulator.last_operation_num()
    second = call(emulator, body(9, [{"CampaignID": 4000001, "Sum": 10.005, "Currency": "KZT"}]))
    assert second["data"] != url and len(emulator.invoices) == 2
    assert emulator.invoices[1].payments[0].amount == Decimal("10.01")  # rounded half up to cents


def test_operation_numbers_must_grow(emulator: DirectEmulator) -> None:
    assert emulator.last_operation_num() is None
    call(emulator, body(10))
    assert_code(emulator, body(10), 354)  # reused
    assert_code(emulator, body(5), 354)  # smaller
    call(emulator, body(11))
    assert len(emulator.invoices) == 2 and emulator.last_operation_num() == 11
    emulator.set_last_operation_num(100)
    assert_code(emulator, body(100), 354)
    call(emulator, body(101))


def test_a_number_is_used_up_once_the_finance_token_checks_out(emulator: DirectEmulator) -> None:
    assert_code(emulator, body(20, []), 71)
    assert emulator.last_operation_num() == 20
    assert_code(emulator, body(20), 354)
    assert_code(emulator, body(21, finance_token="0" * 64), 350)
    assert emulator.last_operation_num() == 20  # a wrong finance token uses nothing up
    call(emulator, body(21))


@pytest.mark.parametrize(
    "overrides",
    [
        {"finance_token": None},
        {"finance_token": "not-a-token"},
        {"finance_token": finance_token(MASTER, 31, LOGIN)},  # another operation number
        {"finance_token": finance_token(MASTER, 30, "other-login")},
        {"finance_token": finance_token(MASTER, 30, LOGIN, "PayCampaigns")},
        {"finance_token": finance_token("old-master", 30, LOGIN)},
    ],
)
def test_finance_token_errors(emulator: DirectEmulator, overrides: dict[str, Any]) -> None:
    payload = {k: v for k, v in body(30, **overrides).items() if v is not None}
    assert_code(emulator, payload, 350)
    assert emulator.invoices == []


@pytest.mark.parametrize("number", [None, "12", 0, -3, 1.5, True])
def test_operation_number_errors(emulator: DirectEmulator, number: Any) -> None:
    payload = body(12, operation_num=number)
    if number is None:
        del payload["operation_num"]
    assert_code(emulator, payload, 353)


@pytest.mark.parametrize(("token", "code"), [(None, 53), ("", 53), ("y0_other", 53), (MASTER, 53)])
def test_token_errors(emulator: DirectEmulator, token: str | None, code: int) -> None:
    payload = {k: v for k, v in body(token=token).items() if v is not None}
    assert_code(emulator, payload, code)


@pytest.mark.parametrize("method", [None, "GetBalance", "createinvoice", 5])
def test_unknown_method(emulator: DirectEmulator, method: Any) -> None:
    payload = {k: v for k, v in body(method=method).items() if v is not None}
    assert_code(emulator, payload, 55)


@pytest.mark.parametrize(
    "param",
    [
        None,
        [],
        {},
        {"Payments": []},
        {"Payments": {"CampaignID": 3193279}},
        {"Payments": PAYMENTS, "Extra": 1},
        {"Payments": [{"CampaignID": 3193279, "Sum": 10}]},  # Currency is required (Live 4)
        {"Payments": [{"CampaignID": 3193279, "Sum": 10, "Currency": "RUB", "Comment": "x"}]},
        {"Payments": [{"CampaignID": "3193279", "Sum": 10, "Currency": "RUB"}]},
        {"Payments": [{"CampaignID": 3193279, "Sum": "10", "Currency": "RUB"}]},
        {"Payments": [{"CampaignID": 3193279, "Sum": 0, "Currency": "RUB"}]},
        {"Payments": [{"CampaignID": 3193279, "Sum": -5.0, "Currency": "RUB"}]},
        {"Payments": [{"CampaignID": 3193279, "Sum": 0.004, "Currency": "RUB"}]},  # rounds to 0.00
        {"Payments": [{"CampaignID": 3193279, "Sum": 10, "Currency": "GBP"}]},  # not an accepted currency
        {"Payments": [{"CampaignID": 3193279, "Sum": 10, "Currency": "rub"}]},
    ],
)
def test_invalid_parameters(emulator: DirectEmulator, param: Any) -> None:
    payload = body()
    if param is None:
        del payload["param"]
    else:
        payload["param"] = param
    assert_code(emulator, payload, 71)
    assert emulator.invoices == []


def test_invalid_body(emulator: DirectEmulator) -> None:
    url = f"{emulator.base_url}/live/v4/json/"
    assert requests.post(url, data=b"{oops", timeout=5).json()["error_code"] == 71
    assert_code(emulator, [body()], 71)
    assert_code(emulator, body(extra=1), 71)
    assert call(emulator, body(locale="ru"))["data"]  # locale is a Live 4 field


def test_unknown_campaign(emulator: DirectEmulator) -> None:
    assert_code(emulator, body(payments=[{"CampaignID": 1, "Sum": 10.0, "Currency": "RUB"}]), 1)


def test_currency_mismatch(emulator: DirectEmulator) -> None:
    mixed = [PAYMENTS[0], {"CampaignID": 4000001, "Sum": 10.0, "Currency": "KZT"}]
    assert "same currency" in assert_code(emulator, body(payments=mixed), 245)["error_detail"]
    wrong = [{"CampaignID": 4000001, "Sum": 10.0, "Currency": "RUB"}]  # a KZT campaign
    assert "KZT" in assert_code(emulator, body(payments=wrong), 245)["error_detail"]
    assert emulator.invoices == []


def test_daily_limit() -> None:
    with DirectEmulator(OAUTH, MASTER, LOGIN, CAMPAIGNS, daily_limit=2) as emulator:
        call(emulator, body(1))
        assert_code(emulator, body(1), 354)  # counts: it got past the token
        assert_code(emulator, body(2), 56)
        assert_code(emulator, body(2, token="bad"), 53)  # authorization comes first
        assert emulator.last_operation_num() == 1  # a 56 uses no operation number
        emulator.reset_daily_count()
        call(emulator, body(2))
        assert len(emulator.invoices) == 2


def test_http_level_errors(emulator: DirectEmulator) -> None:
    assert requests.post(f"{emulator.base_url}/v4/json/", json=body(), timeout=5).status_code == 404
    assert requests.get(f"{emulator.base_url}/live/v4/json/", timeout=5).status_code == 405


def test_timeout_after_send_creates_the_invoice(emulator: DirectEmulator) -> None:
    emulator.inject(Fault(kind="timeout_after_send", seconds=1.5))
    with pytest.raises(requests.ReadTimeout):
        post(emulator, body(40), timeout=0.3)
    (invoice,) = emulator.invoices  # created although the caller never learnt it
    assert invoice.operation_num == 40 and emulator.last_operation_num() == 40
    (recorded,) = emulator.calls
    assert recorded.status == 200 and recorded.fault == "kind=timeout_after_send"
    assert recorded.response_json == {"data": invoice.url}
    assert_code(emulator, body(40), 354)  # a retry with the same number is refused: no duplicate
    assert len(emulator.invoices) == 1


def test_reset_after_send_creates_the_invoice(emulator: DirectEmulator) -> None:
    emulator.inject(Fault(kind="reset_after_send"))
    with pytest.raises(requests.ConnectionError):
        post(emulator, body(50))
    assert [invoice.operation_num for invoice in emulator.invoices] == [50]
    assert emulator.calls[0].status == 0 and emulator.calls[0].response_body is None


def test_reset_and_server_errors_create_nothing(emulator: DirectEmulator) -> None:
    emulator.inject(Fault(kind="reset"), Fault(status=502), Fault(status=503))
    with pytest.raises(requests.ConnectionError):
        post(emulator, body(60))
    for status in (502, 503):
        response = post(emulator, body(60))
        assert response.status_code == status and response.headers["Content-Type"].startswith("text/html")
    assert emulator.invoices == [] and emulator.last_operation_num() is None
    call(emulator, body(60))


def test_slow_fault(emulator: DirectEmulator) -> None:
    emulator.inject(Fault(kind="slow", seconds=0.3))
    assert call(emulator, body(70))["data"]


def test_error_code_fault(emulator: DirectEmulator) -> None:
    emulator.inject(Fault(error_code=52), Fault(error_code=1000, message="Server temporarily unavailable"))
    assert assert_code(emulator, body(80), 52)["error_str"] == "Authorization server temporarily unavailable"
    assert assert_code(emulator, body(80), 1000)["error_detail"] == "Server temporarily unavailable"
    assert emulator.invoices == []
    call(emulator, body(80))


def test_recorded_calls_and_logs_never_hold_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    with DirectEmulator(OAUTH, MASTER, LOGIN, CAMPAIGNS, verbose=True) as emulator:
        call(emulator, body(1))
        assert_code(emulator, body(2, token="y0_another-users-token"), 53)
        assert_code(emulator, body(3, payments=[{"CampaignID": 1, "Sum": MASTER, "Currency": "RUB"}]), 71)
        emulator.inject(Fault(kind="timeout_after_send", seconds=0.1))
        call(emulator, body(4))
        calls = emulator.calls
    assert [c.op for c in calls] == ["CreateInvoice"] * 4
    assert all(c.json["token"] == "***" and c.json["finance_token"] == "***" for c in calls)
    assert calls[2].json["param"]["Payments"][0]["Sum"] == "***"
    secrets = [OAUTH, MASTER, "y0_another-users-token", *(finance_token(MASTER, n, LOGIN) for n in range(1, 5))]
    for secret in secrets:
        assert secret not in repr(calls)
    logged = capsys.readouterr().err
    assert "direct-emulator: POST /live/v4/json/ -> 200" in logged
    assert not any(secret in logged for secret in secrets)


def test_constructor_validation() -> None:
    with pytest.raises(ValueError):
        DirectEmulator(OAUTH, MASTER, LOGIN, {1: "GBP"})
    with pytest.raises(ValueError):
        DirectEmulator("", MASTER, LOGIN, CAMPAIGNS)
    with pytest.raises(ValueError):
        DirectEmulator(OAUTH, MASTER, LOGIN, CAMPAIGNS, daily_limit=-1)
