"""pack.json: one per business and month, built from what the archive holds, updated with no lost update."""

import json

import pytest

from closing_docs.adapters.archive import ArchiveStore
from closing_docs.domain.errors import PackConflict
from closing_docs.domain.models import Job, Outcome
from closing_docs.views import pack
from tests.archived import PREFIX, archive, bucket, no_documents

MONTH = "2025-12"
KEY = f"{PREFIX}/{MONTH}/main/pack.json"


@pytest.fixture
def store():
    with bucket() as store:
        yield store


def unit(kind: str = "closure-documents", **scope) -> Job:
    return Job(business="main", kind=kind, month=MONTH, **(scope or {"campaign_id": 1001}))


def outcome(job: Job, status: str, **extra) -> Outcome:
    return Outcome(**job.identity(), status=status, **extra)


def entries(store: ArchiveStore) -> list[dict]:
    return json.loads(store.read(KEY))["entries"]


def test_entries_come_from_the_archive_and_the_run(store):
    zip_job, netting, detail = (
        unit(),
        unit("united-netting", business_id=5001),
        unit("closure-documents-detalization", campaign_id=1001, contract_types=["MARKETING"]),
    )
    manifest = archive(store, zip_job, b"P" * 123)
    no_documents(store, detail, report_id="r-3")
    outcomes = [
        outcome(zip_job, "ARCHIVED"),
        outcome(netting, "FAILED", error="MarketServerError", cause="HTTP 500"),
        outcome(detail, "NO_DOCUMENTS"),
        outcome(unit(campaign_id=1002), "IN_PROGRESS"),  # its owner writes it
    ]
    assert pack.update_all(store, PREFIX, outcomes, "exec-1") == [KEY]
    got = {(e["kind"], e["status"]): e for e in entries(store)}
    assert set(got) == {
        ("closure-documents", "ARCHIVED"),
        ("united-netting", "FAILED"),
        ("closure-documents-detalization", "NO_DOCUMENTS"),
    }
    zip_entry = got[("closure-documents", "ARCHIVED")]
    assert (zip_entry["key"], zip_entry["sha256"], zip_entry["sizeBytes"], zip_entry["reportId"]) == (
        manifest.zip_key, manifest.sha256, 123, "r-1")  # fmt: skip
    assert got[("united-netting", "FAILED")]["businessId"] == 5001
    assert got[("united-netting", "FAILED")]["error"] == "MarketServerError"
    detail_entry = got[("closure-documents-detalization", "NO_DOCUMENTS")]
    assert detail_entry["contractTypes"] == ["MARKETING"] and detail_entry["reportId"] == "r-3"
    assert detail_entry["key"].endswith("_MARKETING.no-documents.json")


def test_a_rerun_replaces_its_units_and_keeps_the_others(store):
    zip_job, netting = unit(), unit("united-netting", business_id=5001)
    pack.update_all(store, PREFIX, [outcome(zip_job, "FAILED", error="X"), outcome(netting, "NO_DOCUMENTS")], "e1")
    archive(store, zip_job, report_id="r-9")
    pack.update_all(store, PREFIX, [outcome(zip_job, "ARCHIVED")], "e2")  # a re-run of one kind only
    got = {e["kind"]: e for e in entries(store)}
    assert got["closure-documents"]["status"] == "ARCHIVED" and got["closure-documents"]["reportId"] == "r-9"
    assert got["closure-documents"]["executionId"] == "e2" and got["closure-documents"]["error"] is None
    assert got["united-netting"]["status"] == "NO_DOCUMENTS" and got["united-netting"]["executionId"] == "e1"
    pack.update_all(store, PREFIX, [outcome(zip_job, "ALREADY_ARCHIVED")], "e3")
    assert {e["kind"]: e["status"] for e in entries(store)} == {
        "closure-documents": "ALREADY_ARCHIVED",
        "united-netting": "NO_DOCUMENTS",
    }
    assert {e["kind"]: e["key"] for e in entries(store)}["closure-documents"].endswith(".zip")


def test_a_write_in_between_is_a_conflict_not_a_lost_update(store):
    zip_job, netting = unit(), unit("united-netting", business_id=5001)
    pack.update_all(store, PREFIX, [outcome(zip_job, "FAILED", error="X")], "e1")
    seen = store.read_versioned(KEY)
    pack.update_all(store, PREFIX, [outcome(netting, "NO_DOCUMENTS")], "e2")  # another execution, meanwhile
    with pytest.raises(PackConflict, match="changed while it was being updated"):
        store.replace_json(KEY, {"entries": []}, seen.etag)
    with pytest.raises(PackConflict):  # two first writers: only one creates it
        store.replace_json(f"{PREFIX}/{MONTH}/other/pack.json", {"entries": []}, None)
        store.replace_json(f"{PREFIX}/{MONTH}/other/pack.json", {"entries": []}, None)
    assert {e["kind"] for e in entries(store)} == {"closure-documents", "united-netting"}
