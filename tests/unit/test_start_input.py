from datetime import UTC, datetime

import pytest

from closing_docs.config import Settings
from closing_docs.errors import InvalidInput
from closing_docs.start_input import resolve_plan

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def settings(**env: str) -> Settings:
    return Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t", **env})


def test_defaults_previous_month_and_configured_campaigns():
    plan = resolve_plan({}, NOW, settings(DEFAULT_CAMPAIGN_IDS="11,22", DEFAULT_CONTRACT_TYPES="MARKETING,INCOME"))
    assert plan.month == "2025-12" and not plan.scheduled
    assert [(j.campaign_id, j.month, j.contract_types) for j in plan.jobs] == [
        (11, "2025-12", ["INCOME", "MARKETING"]),
        (22, "2025-12", ["INCOME", "MARKETING"]),
    ]


def test_scheduled_time_decides_the_month_not_the_start_time():
    plan = resolve_plan(
        {"scheduledTime": "2026-01-01T00:30:00+03:00"},
        datetime(2026, 3, 5, tzinfo=UTC),
        settings(DEFAULT_CAMPAIGN_IDS="1"),
    )
    assert plan.month == "2025-12" and plan.scheduled


def test_given_values_override_configuration():
    plan = resolve_plan(
        {"month": "2025-06", "campaignIds": [7], "contractTypes": ["OUTCOME"], "force": True},
        NOW,
        settings(DEFAULT_CAMPAIGN_IDS="1,2"),
    )
    assert [(j.campaign_id, j.month, j.contract_types, j.force) for j in plan.jobs] == [
        (7, "2025-06", ["OUTCOME"], True)
    ]


def test_no_contract_types_means_all():
    assert resolve_plan({"campaignIds": [7]}, NOW, settings()).jobs[0].contract_types is None


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
        ({"campaignId": [1]}, "campaignId", "allowed fields: month, campaignIds"),
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
