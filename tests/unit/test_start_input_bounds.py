"""Issue 17: start inputs that reached an API. Each is refused (InvalidInput naming the field) before any call."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from closing_docs.domain.config import Settings
from closing_docs.domain.errors import InvalidInput
from closing_docs.domain.market_api import Campaign, CampaignBusiness
from closing_docs.domain.months import MIN_MONTH, Month
from closing_docs.domain.texts import MAX_QUOTED
from closing_docs.plan.planning import resolve_plan
from closing_docs.plan.request import MAX_INPUT_BYTES

NOW = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)  # Moscow: 2026-12; the current month is 2026-12


def settings(**env: str) -> Settings:
    return Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t", **env})


def refused(raw: object, now: datetime = NOW, **kwargs) -> str:
    with pytest.raises(InvalidInput) as caught:
        resolve_plan(raw, now, settings(), **kwargs)
    return str(caught.value)


# --- months: canonical, bounded ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-11\n", " 2026-11", "2026-11 ", "２０２６-１１", "٢٠٢٦-١١", "2026-１1", "2026-11\r"]
)
def test_a_month_is_ascii_digits_only_and_nothing_around_them(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)
    assert "month:" in refused({"month": text, "campaignIds": [1]})


def test_one_month_twice_through_a_trailing_newline_or_other_digits_is_refused_not_planned_twice():
    for twin in ("2026-11\n", "２０２６-１１"):
        message = refused({"months": ["2026-11", twin], "campaignIds": [1]})
        assert message.startswith("months:")


@pytest.mark.parametrize(
    "raw",
    [
        {"month": "0001-01"},
        {"months": ["0001-01"]},
        {"months": {"from": "0001-01", "to": "0001-12"}},
        {"scheduledTime": "0001-02-01T00:00:00+00:00"},  # the month before it: 0001-01
        {"month": str(MIN_MONTH.shift(-1))},
    ],
)
def test_a_month_before_the_lower_bound_is_refused(raw):
    message = refused({**raw, "campaignIds": [1]})
    assert str(MIN_MONTH) in message and ("month" in message or "scheduledTime" in message)


def test_the_lower_bound_itself_is_allowed():
    plan = resolve_plan({"month": str(MIN_MONTH), "campaignIds": [1]}, NOW, settings())
    assert plan.months == [str(MIN_MONTH)]


def test_the_upper_bound_is_the_last_finished_month():
    assert resolve_plan({"month": "2026-11", "campaignIds": [1]}, NOW, settings()).months == ["2026-11"]
    assert "not over yet" in refused({"month": "2026-12", "campaignIds": [1]})


# --- scheduledTime --------------------------------------------------------------------------------------------


def test_a_scheduled_time_more_than_five_minutes_ahead_is_refused():
    ahead = (NOW + timedelta(minutes=6)).isoformat()
    message = refused({"scheduledTime": ahead, "campaignIds": [1]})
    assert message.startswith("scheduledTime:") and "5 minutes" in message
    far = refused({"scheduledTime": "2030-05-20T00:00:00+03:00", "campaignIds": [1]})
    assert far.startswith("scheduledTime:")


def test_a_scheduled_time_a_little_ahead_is_clock_skew_and_allowed():
    soon = (NOW + timedelta(minutes=4)).isoformat()
    assert resolve_plan({"scheduledTime": soon, "campaignIds": [1]}, NOW, settings()).scheduled


# --- the Direct invoice's months ------------------------------------------------------------------------------


@pytest.fixture
def direct(monkeypatch):
    monkeypatch.setenv("DIRECT_API_URL", "https://direct.example")
    monkeypatch.setenv("DIRECT_PAYMENTS", "3193279:50000:RUB")


INVOICE = {"reports": ["direct-invoice"]}


def invoice_months(raw: dict, now: datetime = NOW) -> list[str]:
    return resolve_plan({**INVOICE, **raw}, now, settings()).months


def test_the_invoice_by_hand_is_for_the_next_month_by_default_or_the_current_or_next_month(direct):
    assert invoice_months({}) == ["2027-01"]
    assert invoice_months({"month": "2026-12"}) == ["2026-12"]
    assert invoice_months({"month": "2027-01"}) == ["2027-01"]


@pytest.mark.parametrize("month", ["2026-11", "2020-01", "2027-02", "2030-05"])
def test_the_invoice_is_never_for_a_past_month_nor_further_ahead(direct, month):
    message = refused({**INVOICE, "month": month})
    assert message.startswith("month:")
    assert "2026-12" in message and "2027-01" in message
    assert "finished" not in message  # an invoice month is not a finished month: the text says what it is


@pytest.mark.parametrize(
    "months",
    [{"from": "2022-02", "to": "2027-01"}, ["2026-12", "2027-01"], ["2027-01"], {"from": "2027-01", "to": "2027-01"}],
)
def test_a_backfill_range_with_the_invoice_is_refused_not_ignored(direct, months):
    message = refused({**INVOICE, "months": months})
    assert message.startswith("months:") and "direct-invoice" in message and "one month" in message


def test_the_scheduled_invoice_is_for_the_month_the_schedule_names(direct):
    scheduled, started = "2026-12-25T09:00:00+03:00", datetime(2026, 12, 25, 6, 0, 2, tzinfo=UTC)
    assert invoice_months({"scheduledTime": scheduled}, started) == ["2027-01"]
    assert invoice_months({"scheduledTime": scheduled, "month": "2027-01"}, started) == ["2027-01"]
    message = refused({**INVOICE, "scheduledTime": scheduled, "month": "2026-12"}, started)
    assert message.startswith("month:") and "2027-01" in message


def test_a_scheduled_invoice_whose_month_is_past_is_refused(direct):
    message = refused({**INVOICE, "scheduledTime": "2026-10-25T09:00:00+03:00"})  # would invoice 2026-11
    assert message.startswith("month:") and "2026-11" in message


def test_a_future_scheduled_time_does_not_invoice_a_future_month(direct):
    message = refused({**INVOICE, "scheduledTime": "2030-04-25T09:00:00+03:00"})
    assert message.startswith("scheduledTime:")


def test_the_invoice_does_not_run_with_finished_month_kinds(direct):
    message = refused({"reports": ["direct-invoice", "closure-documents"], "campaignIds": [1]})
    assert message.startswith("reports:") and "direct-invoice" in message


# --- campaign ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("big", [2**63, 10**30])
def test_a_campaign_id_is_a_positive_int64(big):
    message = refused({"month": "2026-11", "campaignIds": [big]})
    assert message.startswith("campaignIds:") and "int64" in message


def test_the_largest_int64_is_a_campaign_id():
    plan = resolve_plan({"month": "2026-11", "campaignIds": [2**63 - 1]}, NOW, settings())
    assert plan.job_count == 1


SHOPS = {"main": [Campaign(id=5, business=CampaignBusiness(id=50)), Campaign(id=3, business=CampaignBusiness(id=50))]}


def test_a_given_campaign_id_the_token_does_not_list_is_refused_naming_it():
    message = refused(
        {"month": "2026-11", "campaignIds": [5, 9999, 8888]}, businesses=lambda: ["main"], discover=SHOPS.__getitem__
    )
    assert message.startswith("campaignIds:") and "9999" in message and "8888" in message and "main" in message
    assert "3, 5" in message  # what the token does list


def test_configured_campaign_ids_are_the_operator_s_and_skip_discovery():
    plan = resolve_plan({"month": "2026-11"}, NOW, settings(DEFAULT_CAMPAIGN_IDS="77"), lambda: ["main"], None)
    assert [job.campaign_id for business in plan.businesses for job in business.jobs] == [77]


def test_listed_campaign_ids_are_planned():
    plan = resolve_plan({"month": "2026-11", "campaignIds": [3]}, NOW, settings(), lambda: ["main"], SHOPS.__getitem__)
    assert [job.campaign_id for business in plan.businesses for job in business.jobs] == [3]


# --- business names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "a/b", "main\n", "ma\x00in", "-x"])
def test_a_business_name_in_the_start_input_follows_the_safe_pattern(name):
    assert refused({"month": "2026-11", "businesses": [name]}).startswith("businesses:")


@pytest.mark.parametrize("name", ["..", ".", "main\n", "a/b"])
def test_the_business_name_setting_follows_the_safe_pattern(name):
    with pytest.raises(ValueError):
        settings(BUSINESS_NAME=name)
    with pytest.raises(ValueError):
        settings(DEFAULT_CAMPAIGN_IDS=f"{name}:5")


# --- odd and oversized start inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, [], ["2026-11"], "2026-11", 5, True])
def test_a_start_input_that_is_not_an_object_is_invalid_input(raw):
    assert "JSON object" in refused(raw)


HUGE = "x" * 130_000


@pytest.mark.parametrize(
    "raw",
    [
        {"month": HUGE},
        {"months": [HUGE]},
        {"campaignIds": [HUGE]},
        {"campaignIds": list(range(1, 30_000))},
        {"businesses": [HUGE]},
        {HUGE: 1},
        {"surprise": HUGE},
        {"reports": [HUGE]},
        {"contractTypes": [HUGE]},
        {"scheduledTime": HUGE},
        {"months": {"from": HUGE, "to": "2026-11"}},
    ],
)
def test_an_error_quotes_a_bounded_excerpt_of_the_input(raw):
    message = refused(raw)
    assert len(message) <= 2_000, len(message)


def test_an_oversized_start_input_is_refused_by_size_first():
    raw = {"campaignIds": [1], "month": "2026-11", "surprise": ["y" * 1000] * 130}
    message = refused(raw)
    assert message.startswith("input:") and f"{MAX_INPUT_BYTES // 1024} KB" in message and len(message) < 400
    assert len(json.dumps(raw)) > MAX_INPUT_BYTES


def test_a_quoted_value_is_cut_to_its_excerpt():
    message = refused({"month": "2026-11", "campaignIds": [1], "force": "y" * 500})
    assert "y" * (MAX_QUOTED + 1) not in message and "… (500 characters)" in message
