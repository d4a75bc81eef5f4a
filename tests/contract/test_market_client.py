"""The pipeline's Market client over real HTTP to the emulator: its requests match the official spec,
and every HTTP failure maps to the error name the state machine retries or reports."""

from email.utils import formatdate

import pytest

from closing_docs import kinds
from closing_docs.adapters.market import MarketClient
from closing_docs.domain.errors import (
    DownloadFailed,
    DownloadRefused,
    MarketBadRequest,
    MarketForbidden,
    MarketRateLimited,
    MarketServerError,
    MarketUnauthorized,
    MarketUnavailable,
    ReportNotFound,
)
from closing_docs.domain.market_api import GeneratedReport
from closing_docs.domain.models import ContractType, Job
from local.contract import validate_exchange
from local.emulator import Fault, MarketEmulator

DECEMBER = "2025-12"
ZIP = kinds.get("closure-documents")


def closing_documents(client: MarketClient, campaign: int, types: list[ContractType] | None = None) -> GeneratedReport:
    job = Job(business="main", campaign_id=campaign, month=DECEMBER, contract_types=types)
    return client.generate(ZIP.path, ZIP.body(job)).report


@pytest.fixture
def client(emulator: MarketEmulator, token: str) -> MarketClient:
    return MarketClient(emulator.base_url, token, download_allowed=(emulator.base_url,))


def test_every_request_and_response_matches_the_spec(client: MarketClient, emulator: MarketEmulator):
    emulator.active_reports_limit = None  # two reports at once: this test is about their shape, not the limit
    closing_documents(client, 1001)
    report = closing_documents(client, 1002, [ContractType.INCOME, ContractType.MARKETING])
    client.report_info(report.report_id)

    api_calls = [c for c in emulator.calls if c.op in ("generate", "info")]
    assert [c.op for c in api_calls] == ["generate", "generate", "info"]
    for call in api_calls:
        assert call.headers.get("Api-Key") == "***"  # sent (the emulator masks it), no Bearer prefix
        validate_exchange(call)
    assert api_calls[0].json == {"campaignId": 1001, "monthOfYear": {"year": 2025, "month": 12}}


def test_discovery_reads_every_page_of_campaigns_within_the_spec(emulator: MarketEmulator):
    emulator.add_business(name="big", token="token-big", business_id=9, campaign_ids=list(range(1, 251)))
    client = MarketClient(emulator.base_url, "token-big")

    assert [c.id for c in client.campaigns()] == list(range(1, 251))
    pages = [c for c in emulator.calls if c.op == "campaigns"]
    assert len(pages) == 3  # 100 a page, the spec's maximum
    for call in pages:
        validate_exchange(call)


@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        (Fault(status=400, message="campaignId: wrong"), MarketBadRequest, "HTTP 400"),
        (Fault(status=401, message="Api-Key token invalid"), MarketUnauthorized, "Api-Key token invalid"),
        (Fault(status=403, message="Access denied"), MarketForbidden, "HTTP 403"),
        (Fault(status=420, message="Active reports limit exceeded"), MarketRateLimited, "Active reports limit"),
        (Fault(status=500), MarketServerError, "HTTP 500"),
        (Fault(status=503), MarketServerError, "HTTP 503"),
        (Fault(kind="reset"), MarketUnavailable, "no answer"),
    ],
)
def test_http_failures_map_to_pipeline_errors(client: MarketClient, emulator: MarketEmulator, fault, error, text):
    emulator.inject("generate", fault)
    with pytest.raises(error, match=text):
        closing_documents(client, 1001)


def test_rate_limit_reads_resource_until(client: MarketClient, emulator: MarketEmulator):
    until = emulator.wall_time() + 120
    emulator.inject(
        "generate", Fault(status=420, headers={"X-RateLimit-Resource-Until": formatdate(until, usegmt=True)})
    )
    with pytest.raises(MarketRateLimited) as caught:
        closing_documents(client, 1001)
    assert caught.value.retry_after_seconds is not None


def test_a_generate_reports_its_resource_window_from_yandex_s_headers(client: MarketClient, emulator: MarketEmulator):
    generation = client.generate(ZIP.path, ZIP.body(Job(business="main", campaign_id=1001, month=DECEMBER)))
    limit, _ = emulator.rate_limits["generate"]
    assert generation.window is not None
    assert (generation.window.limit, generation.window.remaining) == (limit, limit - 1)
    assert generation.window.reset_seconds is not None and generation.window.reset_seconds > 0


def test_unknown_report_is_report_not_found(client: MarketClient):
    with pytest.raises(ReportNotFound, match="Report not found"):
        client.report_info("no-such-report")


def test_download_sends_no_api_key_and_refuses_expired_links(client: MarketClient, emulator: MarketEmulator):
    emulator.generation_seconds = 0
    report = closing_documents(client, 1001)
    link = client.report_info(report.report_id).file
    chunks, length = client.download(link, 1024)
    assert b"".join(chunks) == emulator.report_bytes(report.report_id) and length
    download = next(c for c in emulator.calls if c.op == "download")
    assert "Api-Key" not in download.headers

    emulator.inject("download", Fault(kind="expired"))
    with pytest.raises(DownloadFailed, match="expired or was refused") as caught:
        client.download(client.report_info(report.report_id).file, 1024)
    assert "signature" not in str(caught.value)


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.2:1/files/x.zip",
        "https://evil.example/files/x.zip",
        "https://yandex.net.evil.example/x.zip",
        "ftp://storage.yandexcloud.net/x.zip",
        "http://storage.yandexcloud.net/x.zip",
    ],
)
def test_links_off_the_allowed_origins_are_refused_unfetched(token: str, link: str):
    client = MarketClient("http://127.0.0.1:9", token, download_allowed=("https://*.yandexcloud.net",))
    with pytest.raises(DownloadRefused, match="not an allowed origin"):
        client.download(link, 1024)
