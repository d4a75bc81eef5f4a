"""Issue 17: odd answers from Yandex Market never surface as a Python TypeError, and a page token that comes back
ends the paging at once as a protocol error; and a campaign id the token does not list is refused, naming it."""

from email.utils import formatdate

import pytest

from local.emulator import Fault, MarketEmulator

MONTH = "2025-12"
ZIP = "closing-documents/2025-12/default/1001/closing-documents_1001_2025-12_ALL.zip"


def naive_dates(emulator: MarketEmulator) -> dict[str, list[str]]:
    now = emulator.wall_time()
    return {
        "-0000": [formatdate(now).rsplit(" ", 1)[0] + " -0000"],  # "no time zone": email.utils reads it naive
        "two headers": [formatdate(now, usegmt=True), formatdate(now + 5, usegmt=True)],  # joined by ", "
    }


@pytest.mark.parametrize("form", ["-0000", "two headers"])
def test_a_date_header_without_a_usable_time_zone_is_ignored(aws, emulator, form):
    date = naive_dates(emulator)[form]
    emulator.inject("info", *[Fault(kind="headers", headers={"Date": date})] * 20)
    execution = aws.run({"month": MONTH})

    assert execution.status == "SUCCEEDED", execution.cause
    assert [n.attributes["status"] for n in aws.notifications()] == ["ARCHIVED"]
    assert ZIP in aws.objects()


@pytest.mark.parametrize("form", ["-0000", "two headers"])
def test_a_420_whose_date_has_no_usable_time_zone_is_retried(aws, emulator, form):
    date = naive_dates(emulator)[form]
    until = formatdate(emulator.wall_time() + 1, usegmt=True)
    emulator.inject(
        "generate", Fault(status=420, headers={"Date": date, "X-RateLimit-Resource-Until": until}, message="Too many")
    )
    execution = aws.run({"month": MONTH})

    assert execution.status == "SUCCEEDED", execution.cause
    assert emulator.count("generate") == 2


def test_a_page_token_that_comes_back_ends_the_listing_at_once_as_a_protocol_error(make_aws, emulator):
    emulator.page_token_loop = True
    aws = make_aws(CampaignIds="")  # every shop of the token: GET /v2/campaigns
    execution = aws.run({"month": MONTH})

    assert execution.status == "FAILED" and execution.error == "MarketProtocolError", execution.cause
    assert "page token" in execution.cause and "loops" in execution.cause
    assert emulator.count("campaigns") == 2  # the first page, then the page its token named again: not 100
    assert emulator.count("generate") == 0
    (notice,) = aws.notifications()
    assert notice.body()["error"] == "MarketProtocolError"


def test_a_campaign_id_the_token_does_not_list_fails_the_run_naming_it_before_any_report(aws, emulator):
    execution = aws.run({"month": MONTH, "campaignIds": [1001, 777]})

    assert execution.status == "FAILED" and execution.error == "InvalidInput", execution.cause
    assert "777" in execution.cause and "campaignIds" in execution.cause
    assert "1001, 1002, 1003" in execution.cause  # what the token does list
    assert emulator.count("campaigns") == 1 and emulator.count("generate") == 0
    (notice,) = aws.notifications()
    assert notice.body()["error"] == "InvalidInput" and "777" in notice.body()["cause"]
