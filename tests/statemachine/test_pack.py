"""Issue 10: the monthly accounting pack through the real state machine, against the limit-enforcing emulator.

Every kind of the pack runs the same generate -> reports/info -> download cycle as the closing-documents ZIP, paced
to Yandex's per-kind windows (1 generate per 120 s for the table reports) by design: no test here sees a 420.
"""

import contextlib
import hashlib
import io
import json
import zipfile
from collections import Counter

import pytest

from closing_docs.adapters.zips import workbook_sheets
from local.aws import EmbeddedAws
from local.emulator import Fault, MarketEmulator
from tests.conftest import TIME_SCALE, aws_maker

MONTH = "2025-12"
PACK = (
    "closure-documents",
    "closure-documents-detalization",
    "goods-realization",
    "united-marketplace-services",
    "united-netting",
)
TOKENS = {"north": "pack-token-north", "south": "pack-token-south"}
SHOPS = {"north": [1001, 1002], "south": [2001, 2002]}
BUSINESS_IDS = {"north": 5001, "south": 5002}


@pytest.fixture
def market():
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=60.0, estimate_ms=60_000)
    for name, token in TOKENS.items():
        emulator.add_business(name=name, token=token, business_id=BUSINESS_IDS[name], campaign_ids=SHOPS[name])
    with emulator:
        yield emulator


@pytest.fixture
def make(market):
    # the pack alone: its close and the close's CSV twins are tests/statemachine/test_close.py's
    with aws_maker(market, json.dumps(TOKENS), NoticeMode="BOTH", Close="false") as make:
        yield make


def kinds_of(notices) -> Counter:
    return Counter((n.body()["kind"], n.body()["status"]) for n in notices if "kind" in n.attributes)


def pack_of(aws: EmbeddedAws, business: str) -> list[dict]:
    return json.loads(aws.objects()[f"closing-documents/{MONTH}/{business}/pack.json"])["entries"]


def test_the_whole_pack_for_two_businesses_is_archived_verified_and_paced(make, market: MarketEmulator):
    aws = make()
    execution = aws.run({"month": MONTH, "reports": list(PACK)}, timeout=300)

    assert execution.status == "SUCCEEDED", execution.cause
    assert market.count_420() == 0, "paced by design: not one 420"
    # per business: 2 ZIPs, 2 x 3 detalization types, 2 realizations, 1 services, 1 payments report
    assert {k: market.count(k) for k in PACK[1:]} == {
        "closure-documents-detalization": 12,
        "goods-realization": 4,
        "united-marketplace-services": 2,  # once per business, however many shops
        "united-netting": 2,
    }
    assert market.count("generate") == 4
    objects, notices = aws.objects(), aws.notifications()  # notifications() drains: once per execution
    for notice in notices:
        body = notice.body()
        if body.get("status") != "ARCHIVED":
            continue
        key = body["s3Uri"].split("/", 3)[3]
        served = market.report_bytes(body["reportId"])
        assert objects[key] == served and body["sha256"] == hashlib.sha256(served).hexdigest()
        manifest = json.loads(objects[body["manifestUri"].split("/", 3)[3]])
        assert manifest["kind"] == body["kind"] and manifest["request"]
        if body["kind"] != "closure-documents":
            assert key.endswith(".xlsx") and manifest["format"] == "FILE"
            with zipfile.ZipFile(io.BytesIO(served)) as workbook:
                assert manifest["sheets"] == workbook_sheets(workbook) and manifest["sheets"]
    assert kinds_of(notices) == Counter(
        {
            ("closure-documents", "ARCHIVED"): 4,
            ("closure-documents-detalization", "ARCHIVED"): 8,  # INCOME and OUTCOME
            ("closure-documents-detalization", "NO_DOCUMENTS"): 4,  # MARKETING: no such contract (NO_DATA)
            ("goods-realization", "ARCHIVED"): 4,
            ("united-marketplace-services", "ARCHIVED"): 2,
            ("united-netting", "ARCHIVED"): 2,
        }
    )
    for business, shops in SHOPS.items():
        entries = pack_of(aws, business)
        assert len(entries) == 2 + 6 + 2 + 2
        assert {e["campaignId"] for e in entries if e["campaignId"]} == set(shops)
        assert {e["businessId"] for e in entries if e["businessId"]} == {BUSINESS_IDS[business]}
        for entry in entries:
            if entry["status"] == "ARCHIVED":
                assert hashlib.sha256(objects[entry["key"]]).hexdigest() == entry["sha256"]
                assert len(objects[entry["key"]]) == entry["sizeBytes"] and entry["reportId"] in market.reports
    netting = next(n for n in notices if n.attributes.get("kind") == "united-netting")
    assert "campaignId" not in netting.attributes and netting.attributes["businessId"] in ("5001", "5002")
    summary = execution.output
    assert summary["counts"]["FAILED"] == 0
    assert all(set(b["kinds"]) == set(PACK) for b in summary["businesses"])
    largest = max(len(child) for child in aws.child_histories())
    assert largest < 200, f"a unit's child workflow has {largest} events"


def test_a_kind_that_fails_does_not_stop_the_others(make, market: MarketEmulator):
    market.set_outcome(5001, "FAILED", kind="united-netting")
    market.inject("goods-realization", Fault(status=400, message="campaignId: rejected"))
    aws = make()
    execution = aws.run({"month": MONTH, "reports": list(PACK), "businesses": ["north"]}, timeout=300)

    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    notices = aws.notifications()
    statuses = kinds_of(notices)
    assert statuses[("united-netting", "FAILED")] == 1 and statuses[("goods-realization", "FAILED")] == 1
    assert statuses[("closure-documents", "ARCHIVED")] == 2 and statuses[("goods-realization", "ARCHIVED")] == 1
    assert statuses[("united-marketplace-services", "ARCHIVED")] == 1
    failed = {e["kind"]: e for e in pack_of(aws, "north") if e["status"] == "FAILED"}
    assert failed["united-netting"]["error"] == "ReportFailed" and failed["united-netting"]["key"] is None
    assert failed["goods-realization"]["error"] == "MarketBadRequest"
    assert "campaignId: rejected" in failed["goods-realization"]["cause"]
    run = next(n for n in notices if n.attributes.get("status") == "RUN_SUMMARY").body()
    assert run["status"] == "FAILED" and run["businesses"][0]["kinds"]["united-netting"]["FAILED"] == 1
    assert "FAILED north united-netting business id 5001 2025-12: ReportFailed" in run["message"]
    assert market.count_420() == 0


def test_a_detalization_type_without_data_is_no_documents(make, market: MarketEmulator):
    market.set_outcome(1001, "NO_DATA", kind="closure-documents-detalization", contract_type="OUTCOME")
    aws = make()
    start = {"month": MONTH, "reports": ["closure-documents-detalization"], "businesses": ["north"]}
    execution = aws.run({**start, "campaignIds": [1001], "contractTypes": ["INCOME", "OUTCOME"]}, timeout=300)
    assert execution.status == "SUCCEEDED", execution.cause
    by_type = {tuple(e["contractTypes"]): e for e in pack_of(aws, "north")}
    assert by_type[("INCOME",)]["status"] == "ARCHIVED"
    assert by_type[("OUTCOME",)]["status"] == "NO_DOCUMENTS" and by_type[("OUTCOME",)]["key"].endswith(
        "closure-documents-detalization_1001_2025-12_OUTCOME.no-documents.json"
    )
    assert market.count("closure-documents-detalization") == 2 and market.count_420() == 0


def test_skip_and_force_per_kind(make, market: MarketEmulator):
    aws = make()
    first = {"month": MONTH, "businesses": ["north"], "campaignIds": [1001], "reports": ["goods-realization"]}
    assert aws.run(first, timeout=300).status == "SUCCEEDED"
    again = {**first, "reports": ["goods-realization", "united-netting"]}
    assert aws.run(again, timeout=300).status == "SUCCEEDED"
    assert market.count("goods-realization") == 1 and market.count("united-netting") == 1
    entries = {e["kind"]: e["status"] for e in pack_of(aws, "north")}
    assert entries == {"goods-realization": "ALREADY_ARCHIVED", "united-netting": "ARCHIVED"}
    assert aws.run({**first, "force": True}, timeout=300).status == "SUCCEEDED"
    assert market.count("goods-realization") == 2 and market.count("united-netting") == 1
    assert {e["kind"]: e["status"] for e in pack_of(aws, "north")} == {
        "goods-realization": "ARCHIVED",
        "united-netting": "ARCHIVED",
    }
    assert market.count_420() == 0, "the second realization waited for its window"


def test_pack_json_is_right_after_a_rerun_of_what_failed(make, market: MarketEmulator):
    market.set_outcome(5001, "FAILED", MONTH, kind="united-netting")
    aws = make()
    start = {"month": MONTH, "businesses": ["north"], "campaignIds": [1001], "reports": ["closure-documents",
             "united-netting"]}  # fmt: skip
    assert aws.run(start, timeout=300).status == "FAILED"
    assert {e["kind"]: e["status"] for e in pack_of(aws, "north")} == {
        "closure-documents": "ARCHIVED",
        "united-netting": "FAILED",
    }
    market.set_outcome(5001, "DONE", MONTH, kind="united-netting")
    assert aws.run(start, timeout=300).status == "SUCCEEDED"
    entries = {e["kind"]: e for e in pack_of(aws, "north")}
    assert {k: e["status"] for k, e in entries.items()} == {
        "closure-documents": "ALREADY_ARCHIVED",
        "united-netting": "ARCHIVED",
    }
    assert entries["united-netting"]["error"] is None and entries["united-netting"]["sha256"]
    assert entries["closure-documents"]["sha256"] and entries["closure-documents"]["key"].endswith(".zip")


def test_the_audit_reports_a_missing_kind_like_a_missing_zip(make, market: MarketEmulator):
    aws = make(Reports="closure-documents,united-netting", CampaignIds="north:1001")
    assert aws.run({"month": MONTH, "businesses": ["north"], "reports": ["closure-documents"]}).status == "SUCCEEDED"
    with contextlib.redirect_stdout(io.StringIO()):  # Powertools prints the metrics there
        audit = aws.functions[f"{aws.stack_name}-audit-archive"]
        payload, failed = audit.invoke({"month": MONTH, "businesses": ["north"]})
    report = json.loads(payload)
    assert not failed and report["status"] == "MISSING", payload
    (missing,) = report["missing"]
    assert (missing["kind"], missing["businessId"], missing["month"]) == ("united-netting", 5001, MONTH)
    (alert,) = aws.operations()
    assert "MISSING Payments 2025-12 for north business id 5001" in alert.body()["message"]
