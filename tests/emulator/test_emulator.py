"""The Market emulator over real HTTP: auth, validation, the report state machine, links, archives, faults."""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from local.emulator import WRONG_CAMPAIGN, Fault, MarketEmulator

from . import (
    HTTP_TIMEOUT,
    MONTH,
    OTHER_TOKEN,
    TOKEN,
    Client,
    assert_valid_pdf,
    error_of,
    fetch,
    running_emulator,
    zip_members,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def emu() -> Iterator[MarketEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: MarketEmulator) -> Client:
    return Client(emu.base_url)


def raw_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes, bool]:
    """GET with http.client: (status, headers, body received, complete?) — survives a truncated body."""
    split = urlsplit(url)
    connection = http.client.HTTPConnection(split.netloc, timeout=10)
    try:
        connection.request("GET", f"{split.path}?{split.query}" if split.query else split.path, headers=headers or {})
        response = connection.getresponse()
        try:
            return response.status, dict(response.getheaders()), response.read(), True
        except http.client.IncompleteRead as short:
            return response.status, dict(response.getheaders()), short.partial, False
    finally:
        connection.close()


# ------------------------------------------------------------------------------------------ auth


@pytest.mark.parametrize(
    ("api_key", "message"),
    [
        (None, "Api-Key token not specified"),
        (f"Bearer {TOKEN}", "Api-Key token prefix invalid"),
        ("not-a-known-token", "Api-Key token invalid"),
    ],
)
def test_auth_errors_are_401_with_yandex_messages(emu: MarketEmulator, api_key: str | None, message: str):
    client = Client(emu.base_url, token=api_key)
    for response in (client.generate(), client.info("whatever"), client.campaigns()):
        assert response.status_code == 401
        assert error_of(response) == {"code": "UNAUTHORIZED", "message": message}
    assert emu.reports == {}


def test_the_token_is_never_recorded(client: Client, emu: MarketEmulator):
    client.generate()
    Client(emu.base_url, token=f"Bearer {TOKEN}").campaigns()
    (generate, campaigns) = emu.calls
    assert generate.headers["Api-Key"] == "***" and campaigns.headers["Api-Key"] == "***"
    assert TOKEN not in repr(emu.calls)


# ------------------------------------------------------------------------------------------ generate


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"campaignId": None}, "campaignId"),
        ({"campaignId": 0}, "campaignId"),
        ({"campaignId": "1001"}, "campaignId"),
        ({"campaignId": True}, "campaignId"),
        ({"monthOfYear": None}, "monthOfYear"),
        ({"monthOfYear": "2025-12"}, "monthOfYear"),
        ({"monthOfYear": {"year": 2025, "month": 13}}, "monthOfYear.month"),
        ({"monthOfYear": {"year": 2025, "month": 0}}, "monthOfYear.month"),
        ({"monthOfYear": {"month": 12}}, "monthOfYear.year"),
        ({"contractTypes": []}, "contractTypes"),
        ({"contractTypes": ["INCOME", "INCOME"]}, "contractTypes"),
        ({"contractTypes": ["PLACEMENT"]}, "contractTypes"),
        ({"contractTypes": ["INCOME", "OUTCOME", "MARKETING", "INCOME"]}, "contractTypes"),
        ({"contractTypes": "INCOME"}, "contractTypes"),
    ],
)
def test_bad_generate_body_is_400_naming_the_field(client: Client, emu: MarketEmulator, body: dict, field: str):
    response = client.generate(**body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "BAD_REQUEST" and error["message"].startswith(f"{field}:")
    assert emu.reports == {}


def test_body_that_is_not_json_is_400(client: Client):
    response = client.session.post(
        f"{client.base_url}/v2/reports/closure-documents/generate",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 400 and "not valid JSON" in error_of(response)["message"]


def test_unknown_fields_and_null_contract_types_are_accepted_as_the_spec_allows(client: Client, emu: MarketEmulator):
    response = client.generate(contractTypes=None, surprise=True)
    assert response.status_code == 200, response.text
    (report,) = emu.reports.values()
    assert report.contract_types == ("INCOME", "MARKETING")


def test_generate_returns_report_id_and_configured_estimate(client: Client, emu: MarketEmulator):
    body = client.generate(1002, "2025-11", ["MARKETING", "OUTCOME"]).json()
    assert body["status"] == "OK" and body["result"]["estimatedGenerationTime"] == 30000
    report = emu.reports[body["result"]["reportId"]]
    assert (report.campaign_id, report.month, report.contract_types, report.outcome) == (
        1002,
        "2025-11",
        ("OUTCOME", "MARKETING"),
        "DONE",
    )


@pytest.mark.parametrize(("configured", "sent"), [(-9007199254740991, -9007199254740991), (None, 0)])
def test_estimate_can_be_negative_or_missing(configured: int | None, sent: int):
    with running_emulator(estimate_ms=configured) as emulator:
        assert Client(emulator.base_url).generate().json()["result"]["estimatedGenerationTime"] == sent


# ------------------------------------------------------------------------------------------ info


def test_report_goes_pending_processing_done_over_emulated_time():
    with running_emulator(time_scale=0.01, generation_seconds=100.0) as emulator:  # PENDING 0.2 s, done at 1 s
        client = Client(emulator.base_url)
        report_id = client.report_id()
        seen = []
        while not seen or seen[-1]["status"] in ("PENDING", "PROCESSING"):
            seen.append(client.info(report_id).json()["result"])
            time.sleep(0.05)
    statuses = [r["status"] for r in seen]
    assert statuses[0] == "PENDING" and "PROCESSING" in statuses and statuses[-1] == "DONE"
    assert statuses == sorted(statuses, key=["PENDING", "PROCESSING", "DONE"].index)
    estimates = [r["estimatedGenerationTime"] for r in seen[:-1]]
    assert estimates == sorted(estimates, reverse=True) and 0 <= estimates[-1] < estimates[0] <= 100_000
    assert all(r["generationRequestedAt"] == seen[0]["generationRequestedAt"] for r in seen)
    assert all("file" not in r and "generationFinishedAt" not in r for r in seen[:-1])
    done = seen[-1]
    assert "estimatedGenerationTime" not in done and "subStatus" not in done
    assert done["generationFinishedAt"] > done["generationRequestedAt"] and done["file"].startswith(emulator.base_url)


def test_every_info_call_mints_a_fresh_link_and_each_downloads(client: Client, emu: MarketEmulator):
    report_id, first = client.ready_link()
    second = client.info(report_id).json()["result"]["file"]
    assert first != second
    bodies = [fetch(link) for link in (first, second)]
    assert all(b.status_code == 200 for b in bodies) and bodies[0].content == bodies[1].content


def test_unknown_report_is_404(client: Client):
    response = client.info("no-such-report")
    assert response.status_code == 404 and error_of(response) == {
        "code": "NOT_FOUND",
        "message": "Report not found.",
    }


def test_another_business_cannot_see_a_report(client: Client, emu: MarketEmulator):
    report_id = client.report_id()
    response = Client(emu.base_url, token=OTHER_TOKEN).info(report_id)
    assert response.status_code == 404 and error_of(response)["message"] == "Report not found."


def test_bad_source_type_is_400(client: Client):
    response = client.info(client.report_id(), sourceType="BUYER")
    assert response.status_code == 400 and error_of(response)["message"].startswith("sourceType:")


# ------------------------------------------------------------------------------------------ outcomes


@pytest.mark.parametrize(
    ("outcome", "status", "sub_status"),
    [
        ("NO_DATA", "DONE", "NO_DATA"),
        ("FAILED", "FAILED", None),
        ("TOO_LARGE", "FAILED", "TOO_LARGE"),
        ("RESOURCE_NOT_FOUND", "FAILED", "RESOURCE_NOT_FOUND"),
    ],
)
def test_outcomes_on_the_wire(client: Client, emu: MarketEmulator, outcome: str, status: str, sub_status: str | None):
    emu.set_outcome(1002, outcome)
    result = client.wait_final(client.report_id(1002))
    assert result["status"] == status and result.get("subStatus") == sub_status
    assert "file" not in result and "generationFinishedAt" in result


def test_outcome_can_be_set_for_one_month(client: Client, emu: MarketEmulator):
    emu.set_outcome(1001, "NO_DATA", month="2025-11")
    assert client.wait_final(client.report_id(month="2025-11")).get("subStatus") == "NO_DATA"
    assert client.wait_final(client.report_id(month="2025-12"))["status"] == "DONE"


@pytest.mark.parametrize("campaign_id", [999, 2001])  # unknown anywhere / another business's campaign
def test_wrong_campaign_is_not_an_error_but_a_failed_no_data_report(
    client: Client, emu: MarketEmulator, campaign_id: int
):
    report_id = client.report_id(campaign_id)
    result = client.wait_final(report_id)
    assert (result["status"], result["subStatus"]) == ("FAILED", "NO_DATA") and "file" not in result
    assert emu.reports[report_id].outcome == WRONG_CAMPAIGN


# ------------------------------------------------------------------------------------------ download


EXPECTED_DOCUMENTS = {
    "INCOME": ["act", "invoice", "summary_report", "agent_report"],
    "OUTCOME": ["act", "invoice"],
    "MARKETING": ["act", "invoice", "advance_invoice", "account_statement", "act_details"],
}


@pytest.mark.parametrize(
    ("requested", "expected_types"),
    [
        (None, ["INCOME", "MARKETING"]),
        (["OUTCOME"], ["OUTCOME"]),
        (["MARKETING", "INCOME", "OUTCOME"], ["INCOME", "OUTCOME", "MARKETING"]),
    ],
)
def test_download_is_a_zip_of_valid_pdfs_per_contract_type(
    client: Client, emu: MarketEmulator, requested: list[str] | None, expected_types: list[str]
):
    report_id, link = client.ready_link(1003, contract_types=requested)
    response = fetch(link)  # no auth header needed
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert response.content == emu.report_bytes(report_id)
    members = zip_members(response.content)
    assert list(members) == [f"{t}_{doc}_1003_{MONTH}.pdf" for t in expected_types for doc in EXPECTED_DOCUMENTS[t]]
    for name, pdf in members.items():
        assert_valid_pdf(pdf)
        assert b"Campaign 1003, month 2025-12" in pdf and name.encode() in pdf


def test_archives_are_deterministic():
    with running_emulator(active_reports_limit=None) as emu:  # three reports generating at once
        client = Client(emu.base_url)
        first, second = client.report_id(), client.report_id()
        other_month = client.report_id(month="2025-11")
        assert emu.report_bytes(first) == emu.report_bytes(second) != emu.report_bytes(other_month)
        with running_emulator() as again:
            assert Client(again.base_url).report_id()
            assert again.report_bytes(next(iter(again.reports))) == emu.report_bytes(first)


def test_expired_link_is_403_like_s3():
    with running_emulator(link_ttl_seconds=5.0) as emulator:  # 5 emulated seconds = 25 ms
        _, link = Client(emulator.base_url).ready_link()
        time.sleep(0.1)
        response = fetch(link)
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in response.text


def tampered(link: str, **changes: str) -> str:
    split = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(split.query).items()} | changes
    return split._replace(query=urlencode(query)).geturl()


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "0" * 64},
        {"expires": "99999999999"},
        {"nonce": "feedface"},
    ],
)
def test_tampered_link_is_403(client: Client, change: dict[str, str]):
    _, link = client.ready_link()
    response = fetch(tampered(link, **change))
    assert response.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in response.text


def test_link_to_another_report_path_is_403(client: Client):
    _, link = client.ready_link()
    response = fetch(link.replace("/closure-documents-1-", "/closure-documents-2-"))
    assert response.status_code == 403


def test_padded_archive_streams_and_matches_report_bytes(client: Client, emu: MarketEmulator):
    emu.set_padding(1001, 20 * 1024 * 1024)
    report_id, link = client.ready_link()
    digest, size = hashlib.sha256(), 0
    with fetch(link, stream=True) as response:
        assert response.status_code == 200
        announced = int(response.headers["Content-Length"])
        for chunk in response.iter_content(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    body = emu.report_bytes(report_id)
    assert size == announced == len(body) > 20 * 1024 * 1024
    assert digest.hexdigest() == hashlib.sha256(body).hexdigest()
    members = zip_members(body)
    padding = members[f"PADDING_1001_{MONTH}.pdf"]
    assert len(padding) == 20 * 1024 * 1024
    assert_valid_pdf(padding)


# ------------------------------------------------------------------------------------------ campaigns


def campaign_ids(response: requests.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["campaigns"]]


def test_campaigns_of_the_tokens_business(client: Client, emu: MarketEmulator):
    body = client.campaigns().json()
    assert [c["id"] for c in body["campaigns"]] == [1001, 1002, 1003]
    assert body["campaigns"][0] == {
        "id": 1001,
        "domain": "Shop 1001",
        "business": {"id": 5001, "name": "main"},
        "placementType": "FBS",
        "apiAvailability": "AVAILABLE",
    }
    assert campaign_ids(Client(emu.base_url, token=OTHER_TOKEN).campaigns()) == [2001]


def test_campaigns_page_and_page_size(client: Client):
    first = client.campaigns(page=1, pageSize=2)
    assert campaign_ids(first) == [1001, 1002]
    assert first.json()["pager"] == {
        "total": 3,
        "from": 1,
        "to": 2,
        "currentPage": 1,
        "pagesCount": 2,
        "pageSize": 2,
    }
    second = client.campaigns(page=2, pageSize=2)
    assert campaign_ids(second) == [1003] and second.json()["pager"]["to"] == 3
    assert campaign_ids(client.campaigns(page=3, pageSize=2)) == []


def test_campaigns_page_token_and_limit(client: Client):
    first = client.campaigns(limit=2)
    assert campaign_ids(first) == [1001, 1002]
    token = first.json()["paging"]["nextPageToken"]
    last = client.campaigns(limit=2, pageToken=token)
    assert campaign_ids(last) == [1003] and "nextPageToken" not in last.json()["paging"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pageSize": 101}, "pageSize"),
        ({"page": "one"}, "page"),
        ({"limit": 0}, "limit"),
        ({"pageToken": "!!"}, "pageToken"),
    ],
)
def test_bad_paging_is_400(client: Client, params: dict, field: str):
    response = client.campaigns(**params)
    assert response.status_code == 400 and error_of(response)["message"].startswith(f"{field}:")


# ------------------------------------------------------------------------------------------ headers, calls


def test_rate_limit_headers_count_per_token_and_resource(client: Client, emu: MarketEmulator):
    first, second = client.campaigns(), client.campaigns()
    report = client.generate()
    other = Client(emu.base_url, token=OTHER_TOKEN).campaigns()
    remaining = [int(r.headers["X-RateLimit-Resource-Remaining"]) for r in (first, second, report, other)]
    assert remaining == [999, 998, 999, 999]
    assert {r.headers["X-RateLimit-Resource-Limit"] for r in (first, report)} == {"1000"}
    info = client.info(report.json()["result"]["reportId"])
    assert (info.headers["X-RateLimit-Resource-Limit"], info.headers["X-RateLimit-Resource-Remaining"]) == (
        "100",
        "99",
    )
    until = parsedate_to_datetime(first.headers["X-RateLimit-Resource-Until"])
    assert until > parsedate_to_datetime(first.headers["Date"])


def test_calls_are_recorded(client: Client, emu: MarketEmulator):
    report_id, link = client.ready_link(contract_types=["OUTCOME"])
    fetch(link)
    calls = emu.calls
    assert calls[0].op == "generate" and calls[-1].op == "download"
    generate, download = calls[0], calls[-1]
    assert generate.method == "POST" and generate.path == "/v2/reports/closure-documents/generate"
    assert generate.json == {
        "campaignId": 1001,
        "monthOfYear": {"year": 2025, "month": 12},
        "contractTypes": ["OUTCOME"],
    }
    assert generate.status == 200 and report_id.encode() in generate.response_body
    assert (
        download.status == 200
        and download.response_body is None
        and set(download.query) == {"expires", "nonce", "signature"}
    )
    assert download.response_headers["Content-Type"] == "application/zip"
    assert [c.at for c in calls] == sorted(c.at for c in calls)
    assert emu.count("generate") == 1 and emu.count("download") == 1 and emu.count("info") == len(calls) - 2


def test_unknown_route_is_404(client: Client, emu: MarketEmulator):
    response = client.session.get(f"{client.base_url}/reports/info/x", timeout=HTTP_TIMEOUT)  # the old path without /v2
    assert response.status_code == 404 and emu.calls[-1].op == "unknown"


def test_clock_runs_at_time_scale(emu: MarketEmulator):
    before = emu.now()
    time.sleep(0.05)
    assert 8 <= emu.now() - before <= 40  # 0.05 s / 0.005 = 10 emulated seconds (generous upper bound)


# ------------------------------------------------------------------------------------------ faults


@pytest.mark.parametrize("op", ["generate", "info", "campaigns", "download"])
@pytest.mark.parametrize("status", [500, 503, 420, 404])
def test_status_faults_are_consumed_once_in_order(client: Client, emu: MarketEmulator, op: str, status: int):
    report_id, link = client.ready_link()
    send = {
        "generate": client.generate,
        "info": lambda: client.info(report_id),
        "campaigns": client.campaigns,
        "download": lambda: fetch(link),
    }[op]
    emu.inject(op, Fault(status=status), Fault(status=500, message="second"))
    response = send()
    assert response.status_code == status and error_of(response)["code"]
    assert error_of(send())["message"] == "second"
    assert send().status_code == 200


def test_rate_limit_fault_carries_its_headers_and_message(client: Client, emu: MarketEmulator):
    until = "Wed, 01 Jan 2031 00:00:00 GMT"
    emu.inject(
        "generate",
        Fault(status=420, headers={"X-RateLimit-Resource-Until": until}, message="Active reports limit exceeded"),
    )
    response = client.generate()
    assert response.status_code == 420 and response.headers["X-RateLimit-Resource-Until"] == until
    assert error_of(response) == {"code": "HIT_RATE_LIMIT", "message": "Active reports limit exceeded"}
    assert emu.reports == {}


def test_truncate_fault_announces_the_full_length_but_sends_half(client: Client, emu: MarketEmulator):
    report_id, link = client.ready_link()
    emu.inject("download", Fault(kind="truncate"))
    status, headers, received, complete = raw_get(link)
    full = emu.report_bytes(report_id)
    assert status == 200 and not complete
    assert int(headers["Content-Length"]) == len(full) and received == full[: len(full) // 2]
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        emu.inject("download", Fault(kind="truncate"))
        fetch(link)
    assert fetch(link).content == full


def test_truncate_fault_on_an_api_call_still_does_the_work(client: Client, emu: MarketEmulator):
    emu.inject("generate", Fault(kind="truncate"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        client.generate()
    assert len(emu.reports) == 1


def test_html_fault_is_a_200_html_page(client: Client, emu: MarketEmulator):
    _, link = client.ready_link()
    emu.inject("download", Fault(kind="html"))
    emu.inject("info", Fault(kind="html"))
    for response in (fetch(link), client.info("anything")):
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
        assert response.text.startswith("<!DOCTYPE html>")


def test_empty_fault_is_a_200_without_body(client: Client, emu: MarketEmulator):
    _, link = client.ready_link()
    emu.inject("download", Fault(kind="empty"))
    response = fetch(link)
    assert response.status_code == 200 and response.content == b"" and response.headers["Content-Length"] == "0"


def test_expired_fault_rejects_a_fresh_link(client: Client, emu: MarketEmulator):
    _, link = client.ready_link()
    emu.inject("download", Fault(kind="expired"))
    response = fetch(link)
    assert response.status_code == 403 and "Request has expired" in response.text
    assert fetch(link).status_code == 200


@pytest.mark.parametrize("op", ["generate", "download"])
def test_reset_fault_closes_the_socket_without_response(client: Client, emu: MarketEmulator, op: str):
    _, link = client.ready_link()
    emu.inject(op, Fault(kind="reset"))
    reports_before = len(emu.reports)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.generate() if op == "generate" else fetch(link)
    assert emu.calls[-1].op == op and emu.calls[-1].status == 0
    assert len(emu.reports) == reports_before


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: Fault(), "exactly one"),
        (lambda: Fault(status=500, kind="html"), "exactly one"),
        (lambda: Fault(kind="explode"), "unknown fault kind"),
        (lambda: Fault(status=42), "invalid HTTP status"),
    ],
)
def test_fault_rejects_nonsense(make, problem: str):
    with pytest.raises(ValueError, match=problem):
        make()


def test_inject_checks_the_op(emu: MarketEmulator):
    with pytest.raises(ValueError, match="unknown op"):
        emu.inject("upload", Fault(status=500))
    with pytest.raises(ValueError, match="only applies to download"):
        emu.inject("info", Fault(kind="expired"))


# ------------------------------------------------------------------------------------------ lifecycle


def test_context_manager_sets_base_url_and_stop_closes_the_port():
    with running_emulator() as emulator:
        url = emulator.base_url
        assert url and url.startswith("http://127.0.0.1:") and Client(url).campaigns().status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        fetch(f"{url}/v2/campaigns")


def test_command_line_serves_until_sigterm():
    arguments = "--port 0 --token cli-token --campaign 1001 --campaign 1002:NO_DATA --campaign 1003:FAILED"
    command = [sys.executable, "-m", "local.emulator", *arguments.split(), "--time-scale", "0.005"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with subprocess.Popen(command, cwd=REPO, env=env, **pipes) as process:
        try:
            base_url = process.stdout.readline().strip()  # type: ignore[union-attr]
            client = Client(base_url, token="cli-token")
            assert campaign_ids(client.campaigns()) == [1001, 1002, 1003]
            assert client.wait_final(client.report_id(1002)).get("subStatus") == "NO_DATA"
            assert client.wait_final(client.report_id(1003))["status"] == "FAILED"
        finally:
            process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0 and "cli-token" not in stderr and stderr == ""
