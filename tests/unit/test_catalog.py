"""The report catalog and the unit of work: each kind's request body against Yandex's spec, keys, plans."""

import json
from datetime import UTC, datetime

import pytest

from closing_docs import kinds
from closing_docs.domain.config import Settings
from closing_docs.domain.errors import ConfigurationError, InvalidInput
from closing_docs.domain.market_api import Campaign, CampaignBusiness
from closing_docs.domain.models import Job
from closing_docs.plan.planning import resolve_plan
from closing_docs.plan.request import ALLOWED
from local.contract import ContractError, validate_request
from local.template import load_template

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
KINDS = tuple(kinds.family("market"))  # every Market kind of the catalog: a new kind is covered by the tests below


def settings(**env: str) -> Settings:
    return Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t", **env})


def shops(*ids: int, business_id: int = 5001) -> list[Campaign]:
    return [Campaign(id=i, business=CampaignBusiness(id=business_id), api_availability="AVAILABLE") for i in ids]


def units(plan):
    """The pack's units (the close's CSV twins are planned beside them: tests/unit/test_close_month.py)."""
    return [job for business in plan.businesses for job in business.jobs if job.twin is None]


def test_the_catalog_lists_the_five_kinds_of_the_pack():
    pack = (
        "closure-documents",
        "closure-documents-detalization",
        "goods-realization",
        "united-marketplace-services",
        "united-netting",
    )
    assert pack == KINDS
    assert {kinds.get(k).scope for k in KINDS} == {"campaign", "business"}
    assert kinds.names()[: len(KINDS)] == KINDS  # then the other systems' sources
    with pytest.raises(KeyError, match="allowed: closure-documents, "):
        kinds.get("acts")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("month", ["2025-02", "2024-12"])
def test_every_kind_sends_a_body_the_official_spec_accepts(kind, month):
    report = kinds.get(kind)
    job = Job(business="main", kind=kind, campaign_id=1001, business_id=5001, month=month, contract_types=["OUTCOME"])
    query = "?format=FILE" if report.table else ""
    validate_request(
        "POST",
        f"https://api.partner.market.yandex.ru{report.path}{query}",
        {"Api-Key": "t", "Content-Type": "application/json"},
        json.dumps(report.body(job)).encode(),
    )


def test_the_bodies_say_the_month_each_kind_s_way():
    feb = {"business": "main", "month": "2025-02", "campaign_id": 7, "business_id": 9}
    body = {k: kinds.get(k).body(Job(kind=k, contract_types=["INCOME"], **feb)) for k in KINDS}
    assert body["closure-documents"] == {"campaignId": 7, "monthOfYear": {"year": 2025, "month": 2},
                                         "contractTypes": ["INCOME"]}  # fmt: skip
    assert body["closure-documents-detalization"] == {
        "campaignId": 7, "monthOfYear": {"year": 2025, "month": 2}, "contractType": "INCOME"}  # fmt: skip
    assert body["goods-realization"] == {"campaignId": 7, "year": 2025, "month": 2}
    assert body["united-marketplace-services"] == {
        "businessId": 9, "yearFrom": 2025, "monthFrom": 2, "yearTo": 2025, "monthTo": 2}  # fmt: skip
    assert body["united-netting"] == {"businessId": 9, "dateFrom": "2025-02-01", "dateTo": "2025-02-28"}


def test_a_body_without_its_scope_fails_the_spec():
    job = Job(business="main", kind="united-netting", campaign_id=7, month="2025-02")  # no business id
    with pytest.raises(ContractError):
        validate_request(
            "POST",
            "https://api.partner.market.yandex.ru/v2/reports/united-netting/generate",
            {"Api-Key": "t"},
            json.dumps(kinds.get("united-netting").body(job)).encode(),
        )


def test_closing_documents_keep_their_keys_and_lock_and_new_kinds_get_their_own():
    zip_job = Job(business="main", campaign_id=1001, month="2025-12")
    keys = kinds.keys(zip_job, "closing-documents")
    assert keys.file("zip") == "closing-documents/2025-12/main/1001/closing-documents_1001_2025-12_ALL.zip"
    assert keys.manifest == "closing-documents/2025-12/main/1001/closing-documents_1001_2025-12_ALL.manifest.json"
    assert zip_job.lock_key == "main#1001#2025-12#ALL"
    detail = Job(business="main", kind="closure-documents-detalization", campaign_id=1001, month="2025-12",
                 contract_types=["MARKETING"])  # fmt: skip
    assert kinds.keys(detail, "p").file("xlsx") == (
        "p/2025-12/main/1001/closure-documents-detalization_1001_2025-12_MARKETING.xlsx"
    )
    netting = Job(business="main", kind="united-netting", business_id=5001, month="2025-12")
    assert kinds.keys(netting, "p").marker == "p/2025-12/main/united-netting_5001_2025-12.no-documents.json"
    assert len({zip_job.lock_key, detail.lock_key, netting.lock_key}) == 3


def test_a_unit_serializes_its_month_as_yyyy_mm_and_reads_it_back():
    job = Job(business="main", kind="goods-realization", campaign_id=3, month="2025-07")
    wire = job.wire()
    assert wire["month"] == "2025-07" and wire["kind"] == "goods-realization" and wire["lockKey"] == job.lock_key
    assert Job.model_validate(wire) == job
    with pytest.raises(ValueError, match="YYYY-MM"):
        Job(business="main", campaign_id=3, month="July")


def test_a_title_fits_an_sns_subject_with_its_status():
    job = Job(business="b" * 64, kind="closure-documents-detalization", campaign_id=10**15, month="2025-07",
              contract_types=["MARKETING"])  # fmt: skip
    assert len(f"{kinds.title(job)}: ALREADY_ARCHIVED") < 100 and kinds.title(job).isascii()


def test_the_whole_pack_plans_every_kind_per_scope_and_contract_type():
    plan = resolve_plan(
        {"month": "2025-12", "campaignIds": [11, 22], "reports": list(KINDS)},
        NOW,
        settings(),
        discover=lambda business: shops(11, 22, 33),
    )
    got = sorted((j.kind, j.campaign_id, j.business_id, j.types_label) for j in units(plan))
    assert got == sorted(
        [("closure-documents", c, None, "ALL") for c in (11, 22)]
        + [("closure-documents-detalization", c, None, t) for c in (11, 22) for t in ("INCOME", "MARKETING", "OUTCOME")]
        + [("goods-realization", c, None, "ALL") for c in (11, 22)]
        + [("united-marketplace-services", None, 5001, "ALL"), ("united-netting", None, 5001, "ALL")]
    )


def test_business_wide_kinds_run_once_per_business_and_month_however_many_campaigns():
    plan = resolve_plan(
        {"months": ["2025-11", "2025-12"], "reports": ["united-netting"]},
        NOW,
        settings(),
        discover=lambda business: shops(*range(1, 40)),
    )
    assert [(str(j.month), j.business_id) for j in units(plan)] == [("2025-11", 5001), ("2025-12", 5001)]


def test_the_order_spreads_each_kind_over_the_run():
    plan = resolve_plan(
        {"month": "2025-12", "reports": ["closure-documents", "closure-documents-detalization"]},
        NOW,
        settings(),
        discover=lambda business: shops(*range(1, 11)),
    )
    kinds = ["Z" if j.kind == "closure-documents" else "d" for j in units(plan)]
    assert len(kinds) == 40 and kinds.count("Z") == 10
    # 10 ZIPs among 30 detalization reports: never two ZIPs in a row, never more than three detalizations.
    order = "".join(kinds)
    assert "ZZ" not in order and "dddd" not in order


def test_configured_reports_and_contract_types_apply():
    plan = resolve_plan(
        {"month": "2025-12", "campaignIds": [11]},
        NOW,
        settings(REPORTS="goods-realization,closure-documents-detalization", DEFAULT_CONTRACT_TYPES="INCOME"),
        discover=lambda business: shops(11),
    )
    assert sorted((j.kind, j.types_label) for j in units(plan)) == [
        ("closure-documents-detalization", "INCOME"),
        ("goods-realization", "ALL"),
    ]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"reports": ["acts"]}, "unknown: acts"),
        ({"reports": ["united-netting", "united-netting"]}, "duplicated: united-netting"),
        ({"reports": []}, "reports: must be"),
        ({"reports": "united-netting"}, "reports: must be"),
        ({"reports": ["goods-realization"], "contractTypes": ["INCOME"]}, "takes contract types"),
    ],
)
def test_bad_reports_are_refused_before_any_market_call(raw, says):
    def no_call(business):
        raise AssertionError("the Market API was called")

    with pytest.raises(InvalidInput, match="reports") as refused:
        resolve_plan({"campaignIds": [1], **raw}, NOW, settings(), businesses=no_call, discover=no_call)
    assert says in str(refused.value)
    if "must be" in says or "unknown" in says or "duplicated" in says:
        assert ALLOWED["reports"] in str(refused.value)
        assert all(kind in str(refused.value) for kind in KINDS)


def test_a_business_wide_kind_needs_campaigns_of_the_token_s_business():
    with pytest.raises(InvalidInput, match=r"reports: united-netting .* campaignIds 99 "):
        resolve_plan(
            {"campaignIds": [99], "reports": ["united-netting"]}, NOW, settings(), discover=lambda b: shops(11)
        )


def test_an_unknown_configured_kind_is_a_configuration_error():
    with pytest.raises(ValueError, match="must be unique kinds"):
        settings(REPORTS="closure-documents,closure-documents")
    with pytest.raises(ConfigurationError, match="REPORTS: unknown kinds acts; allowed: closure-documents, "):
        resolve_plan({"month": "2025-12", "campaignIds": [11]}, NOW, settings(REPORTS="closure-documents,acts"))


def test_too_many_units_say_what_to_split():
    # 400 shops x 24 months with the whole pack: 48,048 reports, more than one business's share of an execution
    with pytest.raises(InvalidInput, match=r"would generate 48,048 reports \(2,002 a month\).* at most 21 months each"):
        resolve_plan(
            {"months": {"from": "2024-01", "to": "2025-12"}, "reports": list(KINDS), "close": False},
            NOW,
            settings(),
            discover=lambda business: shops(*range(1, 401)),
        )


def test_the_template_s_reports_parameter_allows_exactly_the_catalog_s_market_kinds():
    """The stack parameter Reports is checked by CloudFormation before ResolveInput sees it: its pattern and its
    description list the catalog's Market kinds, no more, no fewer (a new kind's module fails this until added)."""
    parameter = load_template()["Parameters"]["Reports"]
    names = "|".join(KINDS)
    assert parameter["AllowedPattern"] == f"^({names})(,({names}))*$"
    described = parameter["ConstraintDescription"].replace("\n", " ")
    assert all(kind in described for kind in KINDS)
