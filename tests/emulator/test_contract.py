"""Every request and response of a scripted emulator session checked against the official OpenAPI spec,
plus the behaviour of the ``local.contract`` helpers themselves."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from local.contract import (
    SPEC_ENV,
    ContractError,
    load_spec,
    spec_path,
    validate_recorded_response,
    validate_request,
    validate_response,
)
from local.emulator import Call, Fault, MarketEmulator

from . import OTHER_TOKEN, TOKEN, Client, running_emulator

SPEC_DECLARED_ERRORS = {400, 401, 403, 404, 420, 500}  # what the three operations declare besides 200


@pytest.fixture(scope="module")
def session() -> Iterator[list[Call]]:
    """The recorded calls of one session exercising every response the spec must describe."""
    # PENDING for 0.2 s, done at 1 s; several reports generate at once here, so no active-reports limit
    with running_emulator(time_scale=0.01, generation_seconds=100.0, active_reports_limit=None) as emulator:
        client = Client(emulator.base_url)
        _exercise(emulator, client)
        yield emulator.calls


def _exercise(emulator: MarketEmulator, client: Client) -> None:
    emulator.set_outcome(1002, "NO_DATA")
    emulator.set_outcome(1003, "FAILED")
    # generate: 200 (with and without contract types, wrong campaign), 400 (spec-invalid bodies), 401
    done = client.report_id(1001)
    assert client.info(done).json()["result"]["status"] == "PENDING"
    client.report_id(1001, contract_types=["OUTCOME", "MARKETING"])
    no_data, failed, wrong = client.report_id(1002), client.report_id(1003), client.report_id(2001)
    for bad in (
        {"campaignId": 0},
        {"monthOfYear": {"year": 2025, "month": 13}},
        {"contractTypes": []},
        {"contractTypes": ["INCOME", "INCOME"]},
        {"campaignId": None},
    ):
        assert client.generate(**bad).status_code == 400
    for token in (None, "Bearer " + TOKEN, "wrong-token"):
        assert Client(emulator.base_url, token=token).generate().status_code == 401
    # info: PENDING / PROCESSING (polling), DONE with file, NO_DATA, FAILED, 404, 401
    for report_id in (done, no_data, failed, wrong):
        client.wait_final(report_id)
    assert client.info(done).json()["result"]["file"]
    assert client.info("no-such-report").status_code == 404
    assert Client(emulator.base_url, token=None).info(done).status_code == 401
    # campaigns: both pagings, another business
    client.campaigns(page=1, pageSize=2)
    client.campaigns(page=2, pageSize=2)
    next_token = client.campaigns(limit=2).json()["paging"]["nextPageToken"]
    client.campaigns(limit=2, pageToken=next_token)
    Client(emulator.base_url, token=OTHER_TOKEN).campaigns()
    assert Client(emulator.base_url, token="wrong-token").campaigns().status_code == 401
    # faults with the statuses the spec declares
    for op in ("generate", "info", "campaigns"):
        emulator.inject(op, Fault(status=420, message="Hit rate limit"), Fault(status=500))
    emulator.inject("info", Fault(status=404, message="Report not found."))
    for send in (client.generate, lambda: client.info(done), client.campaigns) * 2 + (lambda: client.info(done),):
        assert send().status_code != 200


def _api_calls(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.op in ("generate", "info", "campaigns")]


def test_session_covers_every_case_the_brief_lists(session: list[Call]):
    seen = {(c.op, c.status) for c in session}
    for op in ("generate", "info", "campaigns"):
        assert {(op, 200), (op, 401), (op, 420), (op, 500)} <= seen
    assert {("generate", 400), ("info", 404)} <= seen
    results = [json.loads(c.response_body)["result"] for c in session if c.op == "info" and c.status == 200]
    assert {r["status"] for r in results} == {"PENDING", "PROCESSING", "DONE", "FAILED"}
    assert {r.get("subStatus") for r in results} == {None, "NO_DATA"}
    pages = [json.loads(c.response_body) for c in session if c.op == "campaigns" and c.status == 200]
    assert any("pager" in p for p in pages) and any(p.get("paging", {}).get("nextPageToken") for p in pages)


@pytest.mark.filterwarnings("ignore:page.* parameter is deprecated:DeprecationWarning")  # exercised on purpose
def test_every_accepted_request_matches_the_spec(session: list[Call]):
    for call in _api_calls(session):
        if call.status != 400 and "Api-Key" in call.headers:
            validate_request(call.method, call.url, call.headers, call.body)


def test_requests_the_emulator_rejects_are_rejected_by_the_spec_too(session: list[Call]):
    rejected = [c for c in _api_calls(session) if c.status == 400 or "Api-Key" not in c.headers]
    assert len(rejected) >= 7
    for call in rejected:
        with pytest.raises(ContractError):
            validate_request(call.method, call.url, call.headers, call.body)


def test_every_response_matches_the_spec(session: list[Call]):
    checked = 0
    for call in _api_calls(session):
        assert call.status == 200 or call.status in SPEC_DECLARED_ERRORS
        assert call.response_body is not None
        validate_recorded_response(call)
        checked += 1
    assert checked >= 40


# ---------------------------------------------------------------------------------------------- the helpers

URL = "http://127.0.0.1:8123/v2/reports/info/abc"


def test_a_response_outside_the_schema_is_reported_with_its_field():
    body = json.dumps({"status": "OK", "result": {"status": "READY", "generationRequestedAt": "2025-12-01T00:00:00Z"}})
    with pytest.raises(ContractError, match=r"result/status: 'READY' is not one of"):
        validate_response("GET", URL, 200, {}, body.encode(), "application/json")


def test_an_undeclared_status_is_a_contract_error():
    with pytest.raises(ContractError, match="503"):
        validate_response("GET", URL, 503, {}, b'{"status":"ERROR"}', "application/json")


def test_unknown_path_and_missing_api_key_are_contract_errors():
    with pytest.raises(ContractError, match="/reports/info/abc"):
        validate_request("GET", "http://127.0.0.1:1/reports/info/abc", {"Api-Key": "x"}, None)
    with pytest.raises(ContractError):
        validate_request("GET", URL, {}, None)
    validate_request("GET", URL + "?sourceType=ADVERTISER", {"api-key": "x"}, None)


def test_spec_path_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    shutil.copytree(spec_path().parent, tmp_path, dirs_exist_ok=True)  # the vendored spec, minus /v2/campaigns
    root = yaml.safe_load((tmp_path / "openapi.yaml").read_text(encoding="utf-8"))
    del root["paths"]["/v2/campaigns"]
    subset = tmp_path / "subset.yaml"
    subset.write_text(yaml.safe_dump(root, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(SPEC_ENV, str(subset))
    assert spec_path() == subset and load_spec() is load_spec()
    body = json.dumps({"campaignId": 1, "monthOfYear": {"year": 2025, "month": 1}}).encode()
    validate_request(
        "POST",
        "http://localhost/v2/reports/closure-documents/generate",
        {"Api-Key": "x", "Content-Type": "application/json"},
        body,
    )
    with pytest.raises(ContractError):  # the subset has no /v2/campaigns
        validate_request("GET", "http://localhost/v2/campaigns", {"Api-Key": "x"}, None)
    monkeypatch.setenv(SPEC_ENV, str(Path("/nonexistent/openapi.yaml")))
    with pytest.raises(FileNotFoundError, match=SPEC_ENV):
        load_spec()
