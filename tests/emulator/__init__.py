"""Shared helpers for the emulator tests: a configured emulator and a tiny Market API client."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from local.emulator import MarketEmulator

TOKEN = "emulator-test-token-4b1d"
OTHER_TOKEN = "other-business-token-77aa"
TIME_SCALE = 0.005  # 1 emulated second = 5 ms: a 20 s report generates in 0.1 s
GENERATION_SECONDS = 20.0
MONTH = "2025-12"
MAIN_CAMPAIGNS = [1001, 1002, 1003]
OTHER_CAMPAIGNS = [2001]
HTTP_TIMEOUT = 10.0


@contextmanager
def running_emulator(**options: Any) -> Iterator[MarketEmulator]:
    """A started emulator: business "main" (TOKEN, campaigns 1001-1003), "other" (OTHER_TOKEN, 2001)."""
    settings: dict[str, Any] = {
        "time_scale": TIME_SCALE,
        "generation_seconds": GENERATION_SECONDS,
        "estimate_ms": 30000,
        "link_ttl_seconds": 3600.0,
        "truth_tables": False,  # these tests read the layout samples (local.emulator.tables) in every format
        **options,
    }
    emulator = MarketEmulator(**settings)
    emulator.add_business(name="main", token=TOKEN, business_id=5001, campaign_ids=MAIN_CAMPAIGNS)
    emulator.add_business(name="other", token=OTHER_TOKEN, business_id=6001, campaign_ids=OTHER_CAMPAIGNS)
    with emulator:
        yield emulator


class Client:
    """Just enough of a Market API client to drive the emulator over HTTP."""

    def __init__(self, base_url: str, token: str | None = TOKEN) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Api-Key"] = token

    def generate(
        self,
        campaign_id: Any = 1001,
        month: str = MONTH,
        contract_types: list[str] | None = None,
        **body: Any,
    ) -> requests.Response:
        """POST generate; ``body`` overrides/extends the JSON body built from the other arguments."""
        year, mon = (int(part) for part in month.split("-"))
        payload: dict[str, Any] = {"campaignId": campaign_id, "monthOfYear": {"year": year, "month": mon}}
        if contract_types is not None:
            payload["contractTypes"] = contract_types
        url = f"{self.base_url}/v2/reports/closure-documents/generate"
        return self.session.post(url, json={**payload, **body}, timeout=HTTP_TIMEOUT)

    def report_id(self, campaign_id: int = 1001, month: str = MONTH, contract_types: list[str] | None = None) -> str:
        """Generate and return the new report id (asserting a 200)."""
        response = self.generate(campaign_id, month, contract_types)
        assert response.status_code == 200, response.text
        return response.json()["result"]["reportId"]

    def info(self, report_id: str, **params: str) -> requests.Response:
        return self.session.get(f"{self.base_url}/v2/reports/info/{report_id}", params=params, timeout=HTTP_TIMEOUT)

    def campaigns(self, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base_url}/v2/campaigns", params=params, timeout=HTTP_TIMEOUT)

    def wait_final(self, report_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Poll info until the report is no longer PENDING/PROCESSING; returns the final ``result``."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.info(report_id)
            assert response.status_code == 200, response.text
            result = response.json()["result"]
            if result["status"] not in ("PENDING", "PROCESSING"):
                return result
            assert time.monotonic() < deadline, f"report {report_id} still {result['status']}"
            time.sleep(0.02)

    def ready_link(
        self, campaign_id: int = 1001, month: str = MONTH, contract_types: list[str] | None = None
    ) -> tuple[str, str]:
        """(report id, fresh file link) of a report generated and waited for."""
        report_id = self.report_id(campaign_id, month, contract_types)
        result = self.wait_final(report_id)
        assert result["status"] == "DONE" and "file" in result, result
        return report_id, result["file"]


def fetch(url: str, **kwargs: Any) -> requests.Response:
    """A plain GET (file links need no auth header)."""
    return requests.get(url, timeout=HTTP_TIMEOUT, **kwargs)


def error_of(response: requests.Response) -> dict[str, str]:
    """The single error of a Yandex-style error body."""
    body = response.json()
    assert body["status"] == "ERROR" and len(body["errors"]) == 1, body
    return body["errors"][0]


def assert_valid_pdf(data: bytes) -> None:
    """Header, trailer, and an xref table whose every offset points at its object."""
    assert data.startswith(b"%PDF-1.") and data.endswith(b"%%EOF\n")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data)[1])  # type: ignore[index]
    assert data[startxref:].startswith(b"xref\n0 ")
    count = int(data[startxref:].split(b"\n")[1].split()[1])
    entries = data[startxref:].split(b"\n")[3 : 2 + count]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry.split()[0])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), (number, offset)
    assert b"/Type /Catalog" in data and b"/Type /Page " in data


def zip_members(body: bytes) -> dict[str, bytes]:
    """Members of a ZIP (after checking every CRC)."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}
