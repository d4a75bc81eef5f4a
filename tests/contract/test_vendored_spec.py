"""The spec vendored in the repository (vendor/yandex-market-partner-api) holds every operation the project
uses and checks request bodies for the report generators."""

import json

import pytest
import yaml

from local.contract import SPEC_ENV, ContractError, spec_path, validate_request

HEADERS = {"Api-Key": "x", "Content-Type": "application/json"}
MONTH = {"year": 2025, "month": 1}
GENERATE = {  # URL path and query -> a valid body
    "/v2/reports/closure-documents/generate": {"campaignId": 1, "monthOfYear": MONTH},
    "/v2/reports/closure-documents/detalization/generate?format=FILE": {
        "campaignId": 1,
        "monthOfYear": MONTH,
        "contractType": "INCOME",
    },
    "/v2/reports/goods-realization/generate?format=CSV": {"campaignId": 1, "year": 2025, "month": 1},
    "/v2/reports/united-marketplace-services/generate?format=FILE": {
        "businessId": 5,
        "yearFrom": 2025,
        "monthFrom": 1,
        "yearTo": 2025,
        "monthTo": 1,
    },
    "/v2/reports/united-netting/generate?format=JSON": {
        "businessId": 5,
        "dateFrom": "2025-01-01",
        "dateTo": "2025-01-31",
    },
}


@pytest.fixture(autouse=True)
def vendored_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vendored spec, even when ``$MARKET_OPENAPI_SPEC`` points elsewhere."""
    monkeypatch.delenv(SPEC_ENV, raising=False)


def test_the_vendored_root_lists_exactly_the_operations_used():
    assert spec_path().parts[-4:] == ("vendor", "yandex-market-partner-api", "openapi", "openapi.yaml")
    root = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    assert set(root["paths"]) == {
        "/v2/campaigns",
        "/v2/reports/info/{reportId}",
        "/v2/reports/closure-documents/generate",
        "/v2/reports/closure-documents/detalization/generate",
        "/v2/reports/goods-realization/generate",
        "/v2/reports/united-marketplace-services/generate",
        "/v2/reports/united-netting/generate",
    }


@pytest.mark.parametrize(("url", "body"), GENERATE.items(), ids=[url.split("?")[0] for url in GENERATE])
def test_a_valid_generate_request_matches_the_vendored_spec(url: str, body: dict[str, object]):
    validate_request("POST", "http://localhost" + url, HEADERS, json.dumps(body).encode())


def test_a_generate_request_missing_a_required_field_is_a_contract_error():
    body = {"campaignId": 1, "monthOfYear": MONTH}  # detalization requires contractType
    with pytest.raises(ContractError, match="contractType"):
        validate_request(
            "POST",
            "http://localhost/v2/reports/closure-documents/detalization/generate?format=FILE",
            HEADERS,
            json.dumps(body).encode(),
        )
