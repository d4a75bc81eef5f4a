"""The Yandex OFD emulator over real HTTP: paging a month, sums, filters, every validation rule, faults, no secrets."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from local.sources.ofd import OPERATIONS, PAYMENTS, Fault, OfdEmulator

AUTH_KEY = "ofd-auth-key-3b9e21f0aa"
OFD_KEY = "ofd-authz-key-c5d8e6a71f"
HEADERS = {"X-Yandex-Key": AUTH_KEY, "X-OFD-Key": OFD_KEY}
DECEMBER = {"date_from": "2025-12-01", "date_to": "2025-12-31", "interval": "day"}
ZERO_DAY = date(2025, 12, 7)
ITEM_FIELDS = ("date_from", "date_to", "start", "end", "checks", "checks_income", "income_avg")


@pytest.fixture
def emulator() -> Iterator[OfdEmulator]:
    emulator = OfdEmulator(AUTH_KEY, OFD_KEY)
    emulator.set_company("301", seed=1, zero_days=[ZERO_DAY])
    emulator.set_company("302", seed=2, taxation="usn_income", zero_days=[ZERO_DAY])
    with emulator:
        yield emulator


def post(emulator: OfdEmulator, body: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
    url = f"{emulator.base_url}/v1/docs/aggregations/sales"
    return requests.post(url, json=body, headers=HEADERS if headers is None else headers, timeout=5, **kwargs)


def report(emulator: OfdEmulator, **body: Any) -> dict[str, Any]:
    response = post(emulator, {**DECEMBER, **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def all_pages(emulator: OfdEmulator, **body: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = report(emulator, offset=len(items), **body)
        items += page["data"]
        if not page["data"] or len(items) >= page["total"]:
            return items, page


def assert_error(response: requests.Response, status: int, code: str, text: str = "") -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and text in error["message"]


def assert_sum(items: list[dict[str, Any]], full: dict[str, Any]) -> None:
    for name in ("checks", "checks_income"):
        assert sum(item[name] for item in items) == full[name]
    for op in OPERATIONS:
        for field in (*PAYMENTS, "total"):
            assert round(sum(item[op][field] for item in items), 2) == full[op][field]
    average = round(full["income"]["total"] / full["checks_income"], 2) if full["checks_income"] else 0.0
    assert full["income_avg"] == pytest.approx(average, abs=0.011)


def test_a_month_of_days_in_pages(emulator: OfdEmulator) -> None:
    first = report(emulator)
    assert first["total"] == 31 and len(first["data"]) == 10  # the default page size
    items, last = all_pages(emulator)
    assert len(items) == 31 and last["total"] == 31
    assert [item["start"] for item in items] == [date(2025, 12, d).isoformat() for d in range(1, 32)]
    first_day = items[0]
    assert first_day["end"] == "2025-12-01"
    assert (first_day["date_from"], first_day["date_to"]) == ("2025-12-01 00:00:00", "2025-12-01 23:59:59")
    for item in items:
        assert set(item) == {*ITEM_FIELDS, *OPERATIONS}
        for op in OPERATIONS:
            assert set(item[op]) == {*PAYMENTS, "total"}
            assert item[op]["total"] == round(sum(item[op][p] for p in PAYMENTS), 2)
    zero = items[ZERO_DAY.day - 1]
    assert zero["checks"] == 0 and zero["income"]["total"] == 0.0 and zero["income_avg"] == 0.0
    full = last["full"]
    assert (full["date_from"], full["date_to"]) == ("2025-12-01 00:00:00", "2025-12-31 23:59:59")
    assert full["checks"] > 0
    assert_sum(items, full)


def test_page_size_is_configurable_and_limit_offset_slice() -> None:
    with OfdEmulator(AUTH_KEY, OFD_KEY, page_size=7) as emulator:
        emulator.set_company("301", seed=1)
        assert len(report(emulator)["data"]) == 7
        everything = report(emulator, limit=100)["data"]
        page = report(emulator, limit=5, offset=28)
        assert page["data"] == everything[28:] and page["total"] == 31
        assert report(emulator, limit=0)["data"] == [] and report(emulator, offset=31)["data"] == []


def test_deterministic_and_matches_the_daily_sales(emulator: OfdEmulator) -> None:
    items, _ = all_pages(emulator, company_ids=["301"])
    again, _ = all_pages(emulator, company_ids=["301"])
    assert items == again
    day = emulator.sales("301", date(2025, 12, 3))
    assert items[2]["income"]["total"] == sum(day["income"][1:]) / 100
    assert items[2]["checks"] == sum(day[op][0] for op in OPERATIONS)


def test_company_ids_filter(emulator: OfdEmulator) -> None:
    both = report(emulator, limit=31)["full"]
    one, two = (report(emulator, limit=31, company_ids=[c])["full"] for c in ("301", "302"))
    assert both["checks"] == one["checks"] + two["checks"] and 0 < one["checks"] < both["checks"]
    assert both["income"]["total"] == round(one["income"]["total"] + two["income"]["total"], 2)
    assert_error(post(emulator, {**DECEMBER, "company_ids": ["301", "999"]}), 403, "FORBIDDEN", "999")


def test_taxation_document_and_operation_filters(emulator: OfdEmulator) -> None:
    assert report(emulator, taxation_types=["usn_income"])["full"] == report(emulator, company_ids=["302"])["full"]
    assert report(emulator, taxation_types=["psn"])["full"]["checks"] == 0
    assert report(emulator, document_types=["receipt", "bso"])["full"] == report(emulator)["full"]
    assert report(emulator, document_types=["openShift", "closeShift"])["full"]["checks"] == 0
    income = report(emulator, operation_types=["income"])["full"]
    assert income["checks"] == income["checks_income"] > 0
    assert income["income_return"]["total"] == 0.0 and income["income"] == report(emulator)["full"]["income"]


@pytest.mark.parametrize(
    ("interval", "bounds"),
    [
        ("month", [("2025-12-01", "2025-12-31")]),
        ("week", [("2025-12-01", "2025-12-07"), ("2025-12-08", "2025-12-14"), ("2025-12-15", "2025-12-21")]),
    ],
)
def test_weeks_and_months(emulator: OfdEmulator, interval: str, bounds: list[tuple[str, str]]) -> None:
    result = report(emulator, interval=interval, limit=50)
    got = [(item["start"], item["end"]) for item in result["data"]]
    assert got[: len(bounds)] == bounds
    assert result["total"] == (1 if interval == "month" else 5)  # 2025-12-29 (a Monday) to 2026-01-04 is the 5th
    last = result["data"][-1]
    assert last["date_to"] == "2025-12-31 23:59:59"  # clipped to the period, while "end" is the calendar bound
    assert_sum(result["data"], result["full"])
    daily = report(emulator, limit=31)["full"]
    assert result["full"] == daily


def test_times_in_the_period(emulator: OfdEmulator) -> None:
    afternoon = report(emulator, date_from="2025-12-01 12:00:01", date_to="2025-12-02 12:00:00")
    assert afternoon["total"] == 2 and afternoon["data"][0]["checks"] == 0  # 2025-12-01's sales are at noon
    assert afternoon["data"][0]["date_from"] == "2025-12-01 12:00:01"
    assert afternoon["data"][1] == report(emulator, date_from="2025-12-02", date_to="2025-12-02")["data"][0] | {
        "date_to": "2025-12-02 12:00:00"
    }


def test_orders(emulator: OfdEmulator) -> None:
    items = report(emulator, limit=31, orders=["-date"])["data"]
    assert [item["start"] for item in items] == [date(2025, 12, d).isoformat() for d in range(31, 0, -1)]
    by_income = report(emulator, limit=31, orders=["-income", "date"])["data"]
    totals = [item["income"]["total"] for item in by_income]
    assert totals == sorted(totals, reverse=True)
    assert [item["checks"] for item in report(emulator, limit=31, orders=["checks"])["data"]] == sorted(
        item["checks"] for item in items
    )


def test_empty_intervals_may_be_omitted() -> None:
    with OfdEmulator(AUTH_KEY, OFD_KEY, empty_intervals="omit") as emulator:
        emulator.set_company("301", seed=1, zero_days=[ZERO_DAY])
        items, last = all_pages(emulator)
        assert ZERO_DAY.isoformat() not in [item["start"] for item in items]
        assert last["total"] == len(items) < 31
        assert_sum(items, last["full"])


def test_default_interval_option() -> None:
    with OfdEmulator(AUTH_KEY, OFD_KEY, default_interval="month") as emulator:
        body = {k: v for k, v in DECEMBER.items() if k != "interval"}
        assert post(emulator, body).json()["total"] == 1


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "UNAUTHORIZED"),
        ({"X-OFD-Key": OFD_KEY}, 401, "UNAUTHORIZED"),
        ({"X-Yandex-Key": "wrong", "X-OFD-Key": OFD_KEY}, 401, "UNAUTHORIZED"),
        ({"X-Yandex-Key": AUTH_KEY}, 403, "FORBIDDEN"),
        ({"X-Yandex-Key": AUTH_KEY, "X-OFD-Key": "wrong"}, 403, "FORBIDDEN"),
    ],
)
def test_keys(emulator: OfdEmulator, headers: dict[str, str], status: int, code: str) -> None:
    assert_error(post(emulator, DECEMBER, headers), status, code)


def test_content_type_and_body(emulator: OfdEmulator) -> None:
    url = f"{emulator.base_url}/v1/docs/aggregations/sales"
    response = requests.post(url, data=b'{"date_from": "2025-12-01"}', headers=HEADERS, timeout=5)
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    plain = {**HEADERS, "Content-Type": "application/json; charset=utf-8"}
    assert requests.post(url, data=b"[]", headers=plain, timeout=5).status_code == 400
    assert requests.post(url, data=b"{not json", headers=plain, timeout=5).status_code == 400
    assert_error(requests.get(url, headers=HEADERS, timeout=5), 405, "METHOD_NOT_ALLOWED")
    assert_error(requests.post(url + "x", json=DECEMBER, headers=HEADERS, timeout=5), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_from": None}, "date_from"),
        ({"date_to": None}, "date_to"),
        ({"date_from": "01.12.2025"}, "date_from"),
        ({"date_from": "2025-12-01T00:00:00"}, "date_from"),
        ({"date_to": "2025-02-30"}, "date_to"),
        ({"date_to": "2025-12-31 24:00:00"}, "date_to"),
        ({"date_from": "2026-01-01"}, "date_from"),  # after date_to
        ({"interval": None}, "interval"),
        ({"interval": "year"}, "interval"),
        ({"limit": "10"}, "limit"),  # numeric strings are refused
        ({"limit": -1}, "limit"),
        ({"limit": 1.5}, "limit"),
        ({"limit": True}, "limit"),
        ({"offset": "0"}, "offset"),
        ({"offset": -5}, "offset"),
        ({"company_ids": "301"}, "company_ids"),
        ({"company_ids": [301]}, "company_ids"),
        ({"company_ids": []}, "company_ids"),
        ({"cashbox_ids": [1]}, "cashbox_ids"),
        ({"document_types": ["check"]}, "document_types"),
        ({"operation_types": ["refund"]}, "operation_types"),
        ({"taxation_types": ["usn"]}, "taxation_types"),
        ({"orders": ["-amount"]}, "orders"),
        ({"page": 2}, "page"),
    ],
)
def test_validation(emulator: OfdEmulator, change: dict[str, Any], field: str) -> None:
    body = {**DECEMBER, **change}
    body = {k: v for k, v in body.items() if v is not None}
    assert_error(post(emulator, body), 400, "BAD_REQUEST", field)


def test_unmodelled_lists_are_accepted(emulator: OfdEmulator) -> None:
    assert report(emulator, retail_point_ids=["7"], cashbox_ids=["0000000001"])["total"] == 31


@pytest.mark.parametrize("status", [500, 502, 503])
def test_status_faults(emulator: OfdEmulator, status: int) -> None:
    emulator.inject(Fault(status=status, message="maintenance"))
    code = {500: "INTERNAL_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE"}[status]
    assert_error(post(emulator, DECEMBER), status, code, "maintenance")
    assert post(emulator, DECEMBER).status_code == 200


def test_reset_and_slow_faults(emulator: OfdEmulator) -> None:
    emulator.inject(Fault(kind="reset"), Fault(kind="slow", seconds=1.0))
    with pytest.raises(requests.ConnectionError):
        post(emulator, DECEMBER)
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{emulator.base_url}/v1/docs/aggregations/sales", json=DECEMBER, headers=HEADERS, timeout=0.2)
    assert post(emulator, DECEMBER).status_code == 200
    with pytest.raises(ValueError):
        emulator.inject(Fault(kind="reset_after_send"))


def test_recorded_calls_and_logs_never_hold_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    with OfdEmulator(AUTH_KEY, OFD_KEY, verbose=True) as emulator:
        emulator.set_company("301")
        post(emulator, DECEMBER)
        post(emulator, DECEMBER, {"X-Yandex-Key": "leaked-other-key", "X-OFD-Key": OFD_KEY})
        post(emulator, {**DECEMBER, "company_ids": [OFD_KEY]})
        calls = emulator.calls
    assert [call.status for call in calls] == [200, 401, 403]
    assert all(call.headers["x-yandex-key"] == "***" and call.headers["x-ofd-key"] == "***" for call in calls)
    assert calls[2].json["company_ids"] == ["***"] and calls[0].json == DECEMBER and calls[0].op == "sales"
    for secret in (AUTH_KEY, OFD_KEY, "leaked-other-key"):
        assert secret not in repr(calls)
    logged = capsys.readouterr().err
    assert "ofd-emulator: POST /v1/docs/aggregations/sales -> 200" in logged
    assert AUTH_KEY not in logged and OFD_KEY not in logged


def test_constructor_and_company_validation() -> None:
    for kwargs in ({"page_size": 0}, {"empty_intervals": "none"}, {"default_interval": "year"}):
        with pytest.raises(ValueError):
            OfdEmulator(AUTH_KEY, OFD_KEY, **kwargs)
    with pytest.raises(ValueError):
        OfdEmulator(AUTH_KEY, OFD_KEY).set_company("1", taxation="flat")
