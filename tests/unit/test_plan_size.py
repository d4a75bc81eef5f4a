"""The plan is the largest payload of a run (every state holds it or less): it must stay under Step Functions'
256 KiB state limit, which fails an execution uncatchably (States.DataLimitExceeded)."""

import json
from datetime import UTC, datetime

import pytest

from closing_docs.config import Settings
from closing_docs.errors import InvalidInput
from closing_docs.models import Campaign, CampaignBusiness
from closing_docs.start_input import PLAN_MAX_BYTES, resolve_plan

PACK = ["closure-documents", "closure-documents-detalization", "goods-realization", "united-marketplace-services",
        "united-netting"]  # fmt: skip


def plan_for(shops: int, months: dict | str, monkeypatch, language: str, names=("business-1", "business-2"), first=1):
    monkeypatch.setenv("NOTICE_LANGUAGE", language)  # Russian titles take two bytes a letter
    settings = Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t"})

    def discover(name: str) -> list[Campaign]:
        number = names.index(name) + 1
        return [Campaign(id=first + 100_000 * number + i, business=CampaignBusiness(id=number)) for i in range(shops)]

    start = {"reports": PACK, **({"month": months} if isinstance(months, str) else {"months": months})}
    return resolve_plan(start, datetime(2026, 1, 15, tzinfo=UTC), settings, lambda: list(names), discover)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_pack_for_100_shops_over_2_businesses_fits_with_room(monkeypatch, language):
    plan = plan_for(50, "2025-12", monkeypatch, language)
    assert plan.job_count == 504
    size = len(json.dumps(plan.wire(), ensure_ascii=False).encode())
    assert size < PLAN_MAX_BYTES + 2_000 < 256 * 1024 - 30_000, size  # the room: Lambda's envelope, the outputs


@pytest.mark.parametrize(
    ("shops", "names", "first"),
    [(50, ("b" * 64, "c" * 64), 10**15)],  # the pack of 100 shops, with the longest names and ids there are
)
def test_a_plan_too_big_for_one_execution_is_refused_saying_what_to_split(monkeypatch, shops, names, first):
    with pytest.raises(InvalidInput, match=r"would not fit Step Functions' 256 KB state limit; start several"):
        plan_for(shops, "2025-12", monkeypatch, "ru", names, first)
