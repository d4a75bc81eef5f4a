import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from closing_docs.domain.config import Settings
from closing_docs.domain.errors import InvalidInput
from closing_docs.domain.market_api import Campaign, CampaignBusiness
from closing_docs.plan.limits import BUSINESS_DAYS, EXECUTION_DAYS, REPORT_SECONDS
from closing_docs.plan.planning import resolve_plan
from closing_docs.plan.request import ALLOWED

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def settings(**env: str) -> Settings:
    return Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t", **env})


def jobs(plan):
    return [job for business in plan.businesses for job in business.jobs]


def test_defaults_previous_month_and_configured_campaigns():
    plan = resolve_plan({}, NOW, settings(DEFAULT_CAMPAIGN_IDS="11,22", DEFAULT_CONTRACT_TYPES="MARKETING,INCOME"))
    assert plan.months == ["2025-12"] and not plan.scheduled
    assert [(j.campaign_id, str(j.month), j.contract_types) for j in jobs(plan)] == [
        (11, "2025-12", ["INCOME", "MARKETING"]),
        (22, "2025-12", ["INCOME", "MARKETING"]),
    ]


def test_scheduled_time_decides_the_month_not_the_start_time():
    plan = resolve_plan(
        {"scheduledTime": "2026-01-01T00:30:00+03:00"},
        datetime(2026, 3, 5, tzinfo=UTC),
        settings(DEFAULT_CAMPAIGN_IDS="1"),
    )
    assert plan.months == ["2025-12"] and plan.scheduled and plan.limits.recheck_days == 7


def test_given_values_override_configuration():
    plan = resolve_plan(
        {"month": "2025-06", "campaignIds": [7], "contractTypes": ["OUTCOME"], "force": True},
        NOW,
        settings(DEFAULT_CAMPAIGN_IDS="1,2"),
    )
    assert [(j.campaign_id, str(j.month), j.contract_types, j.force) for j in jobs(plan)] == [
        (7, "2025-06", ["OUTCOME"], True)
    ]


def test_no_contract_types_means_all():
    assert jobs(resolve_plan({"campaignIds": [7]}, NOW, settings()))[0].contract_types is None


@pytest.mark.parametrize(
    ("raw", "field", "allowed"),
    [
        ({"month": "2025-13"}, "month", "YYYY-MM"),
        ({"month": "2026-01"}, "month", "not over yet"),
        ({"month": "2027-05"}, "month", "not over yet"),
        ({"month": 202512}, "month", "YYYY-MM"),
        ({"campaignIds": [0]}, "campaignIds", "positive integers"),
        ({"campaignIds": [-5]}, "campaignIds", "positive integers"),
        ({"campaignIds": [1.5]}, "campaignIds", "positive integers"),
        ({"campaignIds": ["12"]}, "campaignIds", "positive integers"),
        ({"campaignIds": [True]}, "campaignIds", "positive integers"),
        ({"campaignIds": [3, 3]}, "campaignIds", "duplicated: 3"),
        ({"campaignIds": []}, "campaignIds", "non-empty"),
        ({"campaignIds": 5}, "campaignIds", "list"),
        ({"contractTypes": ["INCOMING"]}, "contractTypes", "INCOME, OUTCOME, MARKETING"),
        ({"contractTypes": ["INCOME", "INCOME"]}, "contractTypes", "duplicated: INCOME"),
        ({"force": "yes"}, "force", "true or false"),
        ({"scheduledTime": "yesterday"}, "scheduledTime", "ISO 8601"),
        ({"campaignId": [1]}, "campaignId", "allowed fields: month, months, campaignIds"),
    ],
)
def test_invalid_input_names_the_field_and_what_is_allowed(raw, field, allowed):
    with pytest.raises(InvalidInput) as caught:
        resolve_plan({"campaignIds": [1], **raw} if field != "campaignIds" else raw, NOW, settings())
    assert field in str(caught.value) and allowed in str(caught.value)


def test_all_problems_are_reported_together():
    with pytest.raises(InvalidInput) as caught:
        resolve_plan({"month": "2025-13", "campaignIds": [0], "extra": 1}, NOW, settings())
    assert all(word in str(caught.value) for word in ("month:", "campaignIds:", "'extra'"))


def test_not_an_object():
    with pytest.raises(InvalidInput, match="JSON object"):
        resolve_plan(["2025-12"], NOW, settings())


def test_no_campaigns_anywhere_is_explained():
    with pytest.raises(InvalidInput, match="CampaignIds"):
        resolve_plan({}, NOW, settings())


# --- issue 5: month ranges, several businesses, discovery ------------------------------------------------

DISCOVERED = {
    "main": [Campaign(id=5, api_availability="AVAILABLE"), Campaign(id=3, api_availability="AVAILABLE")],
    "other": [Campaign(id=9), Campaign(id=8, api_availability="DISABLED_BY_INACTIVITY")],
}


def plan_for(raw, names=("main", "other"), **env):
    return resolve_plan(raw, NOW, settings(**env), lambda: list(names), DISCOVERED.__getitem__)


def test_a_month_range_gives_every_month_times_every_campaign():
    plan = plan_for({"months": {"from": "2025-10", "to": "2025-12"}}, names=["main"])
    assert plan.months == ["2025-10", "2025-11", "2025-12"] and plan.job_count == 6
    assert [(str(j.month), j.campaign_id) for j in jobs(plan)] == [
        (m, c) for m in ("2025-10", "2025-11", "2025-12") for c in (3, 5)
    ]
    assert plan.limits.recheck_days == 0  # only a scheduled run of the month just ended waits for Yandex


def test_a_month_list_is_sorted():
    assert plan_for({"months": ["2025-03", "2024-12"]}, names=["main"]).months == ["2024-12", "2025-03"]


def test_every_business_is_discovered_and_disabled_shops_are_listed_not_archived():
    plan = plan_for({})
    assert {b.business: [j.campaign_id for j in b.jobs] for b in plan.businesses} == {"main": [3, 5], "other": [9]}
    (other,) = [b for b in plan.businesses if b.business == "other"]
    assert [(u.campaign_id, u.api_availability) for u in other.unavailable] == [(8, "DISABLED_BY_INACTIVITY")]


def test_configured_campaigns_per_business_skip_discovery():
    plan = plan_for({}, DEFAULT_CAMPAIGN_IDS="main:7,other:8,other:9")
    assert {b.business: [j.campaign_id for j in b.jobs] for b in plan.businesses} == {"main": [7], "other": [8, 9]}


def test_bare_configured_ids_belong_to_the_only_business():
    plan = plan_for({}, names=["solo"], DEFAULT_CAMPAIGN_IDS="7")
    assert [(b.business, [j.campaign_id for j in b.jobs]) for b in plan.businesses] == [("solo", [7])]


def test_businesses_narrow_the_run_and_campaign_ids_need_exactly_one():
    plan = plan_for({"businesses": ["other"], "campaignIds": [9]})
    assert [(j.business, j.campaign_id) for j in jobs(plan)] == [("other", 9)]
    with pytest.raises(InvalidInput, match="businesses: \\[name\\]"):
        plan_for({"campaignIds": [9]})
    with pytest.raises(InvalidInput, match=r"businesses: .*unknown: nobody .*configured: main, other"):
        plan_for({"businesses": ["nobody"]})


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"months": {"from": "2025-06", "to": "2025-01"}}, "from 2025-06 is after to 2025-01"),
        ({"months": {"from": "2025-06", "to": "2026-01"}}, "2026-01 is not over yet"),
        ({"months": {"from": "2019-01", "to": "2025-06"}}, "spans 78 months"),
        ({"months": {"from": "2025-06"}}, "months: must be"),
        ({"months": {"from": "2025-06", "to": "2025-07", "step": 1}}, "months: must be"),
        ({"months": []}, "months: must be"),
        ({"months": ["2025-01", "2025-01"]}, "duplicated: 2025-01"),
        ({"months": ["2025-1"]}, "months: must be"),
        ({"month": "2025-01", "months": ["2025-02"]}, "both month and months"),
        ({"businesses": ["no spaces allowed"]}, "businesses: must be"),
    ],
)
def test_bad_month_ranges_and_businesses_are_explained(raw, reason):
    with pytest.raises(InvalidInput, match=reason) as caught:
        plan_for(raw)
    assert str(caught.value).split(":")[0] in ALLOWED


def test_a_business_too_long_for_one_execution_is_refused_saying_how_many_months_fit():
    # 1000 shops x 60 months: 60,000 reports, ~417 days one at a time (10 minutes a report, pessimistically)
    start = {
        "months": {"from": "2021-01", "to": "2025-12"},
        "businesses": ["main"],
        "campaignIds": list(range(1, 1001)),
    }
    shops = [Campaign(id=i) for i in range(1, 1001)]  # given ids must be the token's shops (issue 17)
    with pytest.raises(InvalidInput) as caught:
        resolve_plan(start, NOW, settings(), lambda: ["main"], lambda name: shops)
    message = str(caught.value)
    assert message.startswith("months: business main would generate 60,000 reports (1,000 a month)")
    most = BUSINESS_DAYS * 86_400 // REPORT_SECONDS
    assert f"start several executions of at most {most // 1000} months each for it" in message, message
    assert f"{EXECUTION_DAYS} days" in message


def test_bad_input_is_reported_before_the_secret_is_read():
    def no_secret():
        raise AssertionError("the secret was read for an invalid input")

    with pytest.raises(InvalidInput, match="month"):
        resolve_plan({"month": "2025-13"}, NOW, settings(), no_secret)


@pytest.mark.parametrize("sample", sorted((Path(__file__).parents[2] / "events").glob("*.json")), ids=lambda p: p.name)
def test_sample_start_inputs_in_events_are_what_they_say(sample: Path, monkeypatch):
    for variable in ("ACTIVEPLATFORM_API_URL", "OFD_API_URL", "DIRECT_API_URL"):  # every source turned on
        monkeypatch.setenv(variable, "https://example.invalid")
    raw = json.loads(sample.read_text())
    names = lambda: ["main"]  # noqa: E731
    shops = lambda business: [  # noqa: E731 (GET /v2/campaigns: the business id of business-wide reports)
        Campaign(id=i, business=CampaignBusiness(id=5001)) for i in (7, 1234, 5678)
    ]
    if "invalid" in sample.name:
        with pytest.raises(InvalidInput):
            resolve_plan(raw, NOW, settings(), names, shops)
    else:
        assert resolve_plan(raw, NOW, settings(DEFAULT_CAMPAIGN_IDS="7"), names, shops).job_count >= 1
