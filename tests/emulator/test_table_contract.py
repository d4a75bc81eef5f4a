"""Both sides of every table-report exchange (the four generate operations and reports/info) checked against the
official OpenAPI spec: what the emulator accepts the spec accepts, what the spec rejects the emulator rejects, and
every answer (200, 400, 401, 403, 420, 500) has the declared shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.contract import ContractError, validate_exchange, validate_recorded_response, validate_request
from local.emulator import Call, Fault, MarketEmulator

from . import OTHER_TOKEN, running_emulator
from .tables import (
    DETALIZATION,
    KINDS,
    NETTING,
    NETTING_PERIOD,
    PATHS,
    REALIZATION,
    SERVICES,
    ReportsClient,
    month_body,
)

CASE = "X-Test-Case"  # a header marking the requests the spec must reject
SPEC_INVALID = "spec-invalid"
ACT_MONTHS = ("yearFrom", "monthFrom", "yearTo", "monthTo")

REJECTED_BY_THE_SPEC: list[tuple[str, dict[str, Any], tuple[str, ...], dict[str, str]]] = [
    # kind, fields to set, fields to drop, query
    (DETALIZATION, {}, ("contractType",), {}),
    (DETALIZATION, {"contractType": "INCOMING"}, (), {}),
    (DETALIZATION, {"monthOfYear": {"year": 2025, "month": 13}}, (), {}),
    (DETALIZATION, {"campaignId": 0}, (), {}),
    (DETALIZATION, {}, (), {"format": "XLSX"}),
    (REALIZATION, {}, ("year",), {}),
    (REALIZATION, {"campaignId": "1001"}, (), {}),
    (REALIZATION, {"month": 0}, (), {}),
    (SERVICES, {}, ("businessId",), {}),
    (SERVICES, {"placementPrograms": ["FBS", "FBS"]}, (), {}),
    (SERVICES, {"campaignIds": []}, (), {}),
    (SERVICES, {}, (), {"language": "DE"}),
    (NETTING, {"dateFrom": "2025-02-30"}, (), {}),
    (NETTING, {"inns": [7700005001]}, (), {}),
    (NETTING, {}, (), {"format": "csv"}),
    (NETTING, {"bankOrderId": "5", "bankOrderDateTime": "2025-12-10T12:00:00Z"}, NETTING_PERIOD, {}),
]
REFUSED_THOUGH_SPEC_VALID: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    # what the schema cannot say: one report type per request, the forms' fields together, at most three months
    (SERVICES, {"dateFrom": "2025-12-01", "dateTo": "2025-12-31"}, ()),
    (SERVICES, {}, ACT_MONTHS),
    (SERVICES, {}, ("monthTo",)),
    (NETTING, {"monthOfYear": {"year": 2025, "month": 12}}, ()),
    (NETTING, {"bankOrderId": 5}, NETTING_PERIOD),
    (NETTING, {"dateFrom": "2025-09-01", "dateTo": "2025-12-01"}, ()),
    (NETTING, {"dateFrom": "2026-01-01"}, ()),
]


@pytest.fixture(scope="module")
def session() -> Iterator[list[Call]]:
    """The recorded calls of one session exercising every answer the spec must describe for the table reports."""
    # PENDING for 0.2 s, done at 1 s; no active-reports limit, generous windows (one test below uses the real ones)
    options = {"rate_limits": dict.fromkeys(KINDS, (1000, 60)), "active_reports_limit": None}
    with running_emulator(time_scale=0.01, generation_seconds=100.0, **options) as emulator:
        _exercise(emulator, ReportsClient(emulator.base_url))
        yield emulator.calls


def _exercise(emulator: MarketEmulator, client: ReportsClient) -> None:
    emulator.set_outcome(1002, "NO_DATA", kind=REALIZATION)
    emulator.set_outcome(5001, "FAILED", "2025-11", kind=NETTING)
    reports = [client.table_id(kind, format=fmt) for kind in KINDS for fmt in ("FILE", "CSV", "JSON")]
    assert client.info(reports[0]).json()["result"]["status"] == "PENDING"
    reports += [
        client.table_id(NETTING, language="EN"),
        client.table_id(SERVICES, language="RU"),
        client.table_id(
            NETTING, {"bankOrderId": 42, "bankOrderDateTime": "2025-12-10T12:00:00+03:00"}, drop=NETTING_PERIOD
        ),
        client.table_id(NETTING, {"monthOfYear": {"year": 2025, "month": 11}}, drop=NETTING_PERIOD),
        client.table_id(NETTING, month_body(NETTING, 2025, 11)),  # FAILED
        client.table_id(SERVICES, {"dateFrom": "2025-10-01", "dateTo": "2025-12-31"}, drop=ACT_MONTHS),
        client.table_id(SERVICES, {"campaignIds": [1001], "placementPrograms": ["FBS"], "inns": ["7700005001"]}),
        client.table_id(REALIZATION, {"campaignId": 1002}),  # NO_DATA
        client.table_id(REALIZATION, {"campaignId": 2001}),  # another business's campaign: FAILED/NO_DATA
        client.table_id(DETALIZATION, {"contractType": "MARKETING"}),  # NO_DATA
    ]
    invalid = ReportsClient(emulator.base_url)
    invalid.session.headers[CASE] = SPEC_INVALID
    for kind, fields, drop, query in REJECTED_BY_THE_SPEC:
        assert invalid.table(kind, fields, drop=drop, **query).status_code == 400
    for kind, fields, drop in REFUSED_THOUGH_SPEC_VALID:
        assert client.table(kind, fields, drop=drop).status_code == 400
    no_token = ReportsClient(emulator.base_url, token=None)
    no_token.session.headers[CASE] = SPEC_INVALID  # the spec requires credentials
    for kind in KINDS:
        assert no_token.table(kind).status_code == 401
        assert ReportsClient(emulator.base_url, token="wrong-token").table(kind).status_code == 401
    for kind in (SERVICES, NETTING):
        assert ReportsClient(emulator.base_url, token=OTHER_TOKEN).table(kind).status_code == 403
    for kind in KINDS:
        emulator.inject(kind, Fault(status=500), Fault(status=420, message="Hit rate limit"))
        assert [client.table(kind).status_code for _ in range(2)] == [500, 420]
    for report_id in reports:
        client.wait_final(report_id)


def test_session_covers_every_answer(session: list[Call]):
    seen = {(c.op, c.status) for c in session}
    for kind in KINDS:
        assert {(kind, 200), (kind, 400), (kind, 401), (kind, 420), (kind, 500)} <= seen
    assert {(SERVICES, 403), (NETTING, 403)} <= seen
    results = [json.loads(c.response_body or b"")["result"] for c in session if c.op == "info" and c.status == 200]
    assert {r["status"] for r in results} == {"PENDING", "PROCESSING", "DONE", "FAILED"}
    assert {r.get("subStatus") for r in results} == {None, "NO_DATA"}


def _table_calls(session: list[Call]) -> list[Call]:
    return [c for c in session if c.op in (*KINDS, "info")]


def test_every_request_the_spec_allows_and_its_answer_match_the_spec(session: list[Call]):
    allowed = [c for c in _table_calls(session) if CASE not in c.headers]
    assert sum(c.op in KINDS and c.status == 200 for c in allowed) >= 20
    for call in allowed:
        validate_exchange(call)


def test_requests_the_spec_rejects_are_rejected_by_the_emulator_with_a_valid_answer(session: list[Call]):
    rejected = [c for c in _table_calls(session) if c.headers.get(CASE) == SPEC_INVALID]
    assert len(rejected) == len(REJECTED_BY_THE_SPEC) + len(KINDS)
    for call in rejected:
        assert call.status in (400, 401)
        with pytest.raises(ContractError):
            validate_request(call.method, call.url, call.headers, call.body)
        validate_recorded_response(call)


def test_the_routes_are_the_specs_paths():
    for kind, path in PATHS.items():
        body = {
            DETALIZATION: {"campaignId": 1, "monthOfYear": {"year": 2025, "month": 1}, "contractType": "OUTCOME"},
            REALIZATION: {"campaignId": 1, "year": 2025, "month": 1},
            SERVICES: {"businessId": 1, "yearFrom": 2025, "monthFrom": 1, "yearTo": 2025, "monthTo": 1},
            NETTING: {"businessId": 1, "dateFrom": "2025-01-01", "dateTo": "2025-01-31"},
        }[kind]
        headers = {"Api-Key": "x", "Content-Type": "application/json"}
        validate_request("POST", f"http://127.0.0.1:1{path}?format=CSV", headers, json.dumps(body).encode())


def test_enforced_window_420s_match_the_spec():
    with running_emulator(active_reports_limit=None) as emulator:
        client = ReportsClient(emulator.base_url)
        for kind in KINDS:
            assert [client.table(kind).status_code for _ in range(2)] == [200, 420]
    throttled = [c for c in emulator.calls if c.status == 420]
    assert [c.throttle for c in throttled] == ["resource"] * len(KINDS)
    for call in throttled:
        validate_exchange(call)
