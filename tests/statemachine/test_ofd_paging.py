"""Issue 17: OFD paging that repeats (the same page whatever the offset) or a total that does not add up ends the
unit as FAILED at once, naming it, and nothing is archived (today's: the same days archived twice, as ARCHIVED).
A month before the lower bound (0001-01 once reached OFD) is refused before any call."""

import json

import pytest

from local.sources.ofd import OfdEmulator
from tests.conftest import TOKEN, aws_maker

AUTH_KEY, OFD_KEY = "ofd-auth-key-7c1e", "ofd-key-99ab"
MONTH = "2025-11"  # 30 days, 3 pages of 10


@pytest.fixture
def ofd():
    emulator = OfdEmulator(AUTH_KEY, OFD_KEY, page_size=10)
    emulator.set_company("shop-1", seed=1)
    with emulator:
        yield emulator


@pytest.fixture
def aws(emulator, ofd):
    secrets = {"OfdSecret": json.dumps({"authKey": AUTH_KEY, "ofdKey": OFD_KEY})}
    with aws_maker(emulator, TOKEN, secrets, CampaignIds="1001", NoticeMode="EACH", OfdApiUrl=ofd.base_url) as make:
        yield make()


def sales_calls(ofd: OfdEmulator) -> list:
    return [c for c in ofd.calls if c.path.endswith("/aggregations/sales")]


def test_pages_that_repeat_end_the_unit_failed_at_once_with_nothing_archived(aws, ofd):
    ofd.ignore_offset = True
    execution = aws.run({"month": MONTH, "reports": ["ofd-sales"]})

    assert execution.status == "FAILED", execution.cause
    (notice,) = aws.notifications()
    body = notice.body()
    assert body["status"] == "FAILED" and "pages repeat" in body["cause"] and "2025-11-01" in body["cause"]
    assert len(sales_calls(ofd)) == 2  # the first page, then the same page again: stop
    assert not any(key.endswith((".json", ".csv")) and "/ofd-sales/" in key for key in aws.objects())


def test_a_month_before_the_lower_bound_never_reaches_ofd(aws, ofd, emulator):
    execution = aws.run({"month": "0001-01", "reports": ["ofd-sales"]})

    assert execution.status == "FAILED" and execution.error == "InvalidInput"
    assert "2017-01" in execution.cause
    assert sales_calls(ofd) == [] and emulator.calls == []
