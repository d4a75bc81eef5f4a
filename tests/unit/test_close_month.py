"""Issue 20, wired: the close's units (CSV twins), its start-input field, which files it reads, when it runs again,
and that it never raises (tests/statemachine/test_close.py runs it through the real state machine)."""

import json
from datetime import UTC, datetime

import pytest

from closing_docs import kinds
from closing_docs.close import pipeline as mc
from closing_docs.domain.config import Settings
from closing_docs.domain.errors import InvalidInput
from closing_docs.domain.market_api import Campaign, CampaignBusiness
from closing_docs.domain.models import Job, Manifest, Outcome
from closing_docs.domain.run import BusinessDone, Written
from closing_docs.plan.planning import resolve_plan
from closing_docs.views import notices

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
TABLES = ["goods-realization", "united-netting"]


def settings(**env: str) -> Settings:
    return Settings.model_validate({"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t", **env})


def plan(start: dict, **env: str):
    shops = [Campaign(id=i, business=CampaignBusiness(id=5001)) for i in (11, 22)]
    return resolve_plan({"month": "2025-12", **start}, NOW, settings(**env), discover=lambda business: shops)


def test_with_xlsx_each_table_report_gets_its_csv_twin_in_its_kind_s_queue_and_the_month_its_close():
    (business,) = plan({"reports": ["closure-documents", *TABLES], "campaignIds": [11]}).businesses
    twins = [job for job in business.jobs if job.twin]
    assert [(j.kind, j.campaign_id, j.business_id) for j in twins] == [
        ("goods-realization", 11, None),
        ("united-netting", None, 5001),
    ]
    for twin in twins:
        pack = twin.model_copy(update={"twin": None})
        assert pack in business.jobs
        assert twin.lock_key == pack.lock_key + "#CSV"
        assert kinds.keys(twin, "p").file("zip") == kinds.keys(pack, "p").stem + ".csv.zip"
        assert kinds.title(twin).endswith("(CSV)") and twin.file_format("FILE") == "CSV" == pack.file_format("CSV")
    assert business.close_months == ["2025-12"]


@pytest.mark.parametrize(
    ("start", "env", "twins", "closes"),
    [
        ({"reports": TABLES}, {"REPORT_FORMAT": "CSV"}, False, True),  # the pack's own ZIPs are read
        ({"reports": TABLES, "close": False}, {}, False, False),
        ({"reports": TABLES}, {"CLOSE_ENABLED": "false"}, False, False),
        ({"reports": TABLES, "close": True}, {"CLOSE_ENABLED": "false"}, True, True),  # the start input wins
        ({"reports": ["closure-documents"]}, {}, False, False),  # no table report: no close at all
    ],
)
def test_when_the_close_and_its_twins_are_planned(start, env, twins, closes):
    (business,) = plan({**start, "campaignIds": [11]}, **env).businesses
    assert any(job.twin for job in business.jobs) == twins
    assert business.close_months == (["2025-12"] if closes else [])


@pytest.mark.parametrize("value", ["yes", 1, [True], None])
def test_close_must_be_a_boolean(value):
    with pytest.raises(InvalidInput, match=r"^close: must be true or false \(default: the stack parameter Close"):
        plan({"close": value})


def test_a_unit_s_json_names_twin_only_for_a_twin():
    job = Job(business="b", kind="united-netting", business_id=5, month="2025-12")
    assert "twin" not in job.wire() and job.model_copy(update={"twin": "CSV"}).wire()["twin"] == "CSV"
    assert Job.model_validate(job.model_copy(update={"twin": "CSV"}).wire()).twin == "CSV"


def test_a_failed_twin_is_listed_but_does_not_fail_the_run():
    job = Job(business="b", kind="united-netting", business_id=5, month="2025-12")
    twin = Outcome(**job.model_copy(update={"twin": "CSV"}).identity(), status="FAILED", error="ReportFailed")
    done = BusinessDone(business="b", results=Written(Bucket="w", Key="k"))
    summary = notices.run_summary(["2025-12"], "arn", [(done, [twin])])
    assert summary.status == "OK" and summary.counts["FAILED"] == 1
    pack = Outcome(**job.identity(), status="FAILED", error="ReportFailed")
    assert notices.run_summary(["2025-12"], "arn", [(done, [pack])]).status == "FAILED"


# --- which files the close reads ---------------------------------------------------------------------------------

JOBS = [
    Job(business="b", kind="goods-realization", campaign_id=11, month="2025-12"),
    Job(business="b", kind="united-netting", business_id=5001, month="2025-12"),
    Job(business="b", kind="united-marketplace-services", business_id=5001, month="2025-12"),
    Job(
        business="b", kind="closure-documents-detalization", campaign_id=11, month="2025-12", contract_types=["INCOME"]
    ),
]


def manifest(unit: Job, key: str, report_format: str, sha: str = "a" * 64) -> Manifest:
    return Manifest(
        **unit.identity(), report_id="r", zip_key=key, sha256=sha, size_bytes=3, documents=[], format=report_format,
        archived_at=NOW, execution_id="e", source_api="x", download_host="h",
    )  # fmt: skip


def test_the_close_reads_the_twins_with_xlsx_and_says_what_is_missing():
    twins = [job.model_copy(update={"twin": "CSV"}) for job in JOBS]
    stored = {
        kinds.keys(twins[0], "p").manifest: manifest(twins[0], kinds.keys(twins[0], "p").file("zip"), "CSV"),
        kinds.keys(JOBS[1], "p").manifest: manifest(JOBS[1], "x.xlsx", "FILE"),  # the XLSX: not what it reads
    }
    markers = {kinds.keys(twins[2], "p").marker}
    failed = {twins[3].lock_key: "ReportFailed: no"}
    found = mc.find_sources(JOBS, "p", "FILE", stored.get, markers.__contains__, failed)
    assert [(s.kind, s.status) for s in found] == [
        ("goods-realization", "ARCHIVED"),
        ("united-netting", "FAILED"),  # its twin is not archived
        ("united-marketplace-services", "NO_DATA"),
        ("closure-documents-detalization", "FAILED"),
    ]
    assert found[0].key.endswith("goods-realization_11_2025-12.csv.zip") and found[0].sha256 == "a" * 64
    assert found[1].error == "not archived" and found[3].error == "ReportFailed: no"


def test_with_csv_the_pack_s_own_zip_is_read_and_an_older_xlsx_is_refused_saying_why():
    stored = {
        kinds.keys(JOBS[0], "p").manifest: manifest(JOBS[0], "r.zip", "CSV"),
        kinds.keys(JOBS[1], "p").manifest: manifest(JOBS[1], "n.xlsx", "FILE"),
    }
    found = mc.find_sources(JOBS[:2], "p", "CSV", stored.get, lambda key: False, {})
    assert (found[0].status, found[0].key) == ("ARCHIVED", "r.zip")
    assert found[1].status == "FAILED" and "n.xlsx is FILE, not CSV" in found[1].error


def test_a_rerun_with_the_same_inputs_leaves_the_close_and_force_or_a_new_file_rebuilds_it():
    sources = [mc.CloseSource(kind="united-netting", business_id=5, status="ARCHIVED", key="k", sha256="a" * 64)]
    previous = mc.CloseManifest(
        business="b", month="2025-12", status="OK", zip_key="c", sha256="s", size_bytes=1, files=[],
        inputs=sources, archived_at=NOW, execution_id="e",
    )  # fmt: skip
    assert mc.unchanged(previous, list(sources), force=False)
    assert not mc.unchanged(previous, sources, force=True)
    assert not mc.unchanged(None, sources, force=False)
    changed = [sources[0].model_copy(update={"sha256": "b" * 64})]
    assert not mc.unchanged(previous, changed, force=False)
    failed_before = [sources[0].model_copy(update={"status": "FAILED", "sha256": None})]
    assert not mc.unchanged(previous.model_copy(update={"inputs": failed_before}), sources, force=False)


def test_the_step_never_raises_a_close_that_cannot_run_is_announced(monkeypatch):
    from closing_docs.domain.config import get_settings
    from closing_docs.steps import close

    for name, value in {"MARKET_API_KEY_SECRET": "s", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NOTICE_LANGUAGE", "ru")
    get_settings.cache_clear()

    def broken(step):
        raise OSError("the work bucket is gone")

    monkeypatch.setattr(close, "_units", broken)
    step = mc.CloseStep.model_validate(
        {"business": "main", "month": "2025-12", "executionId": "arn", "units": {"bucket": "w", "key": "u"}}
    )
    try:
        done = close.close_month(step)
    finally:
        get_settings.cache_clear()
    assert done.outcome == "NOT_RUN" and done.announcement is not None
    assert done.announcement.attributes["status"] == {"DataType": "String", "StringValue": "CLOSE_FAIL"}
    assert "Закрытие месяца 2025-12, main не выполнено: OSError: the work bucket is gone" in json.dumps(
        done.announcement.body, ensure_ascii=False
    )
