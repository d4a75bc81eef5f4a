"""Issue 20: the month's close through the real state machine, against the emulator serving one synthetic truth.

After a business-month's units ended, the Close task reads the archived CSV form of its table reports (the CSV twins
with ReportFormat FILE, the pack's own ZIPs with CSV), stores the close under <month>/<business>/close/ with its
manifest, and one notice per business-month carries the status attribute CLOSE_OK, CLOSE_WARN or CLOSE_FAIL.
"""

import hashlib
import io
import json
import zipfile

import pytest

from local.aws import EmbeddedAws
from local.emulator import MarketEmulator
from tests.conftest import TIME_SCALE, aws_maker

MONTH = "2025-12"
TABLES = ("closure-documents-detalization", "goods-realization", "united-marketplace-services", "united-netting")
PACK = ("closure-documents", *TABLES)
TOKEN = "close-token-north"
SHOPS = [1001, 1002]
FOLDER = f"closing-documents/{MONTH}/north/close"
OUTPUTS = (
    "ledger.csv",
    "checks.json",
    "close.xlsx",
    "1c/sales-returns.xlsx",
    "1c/services.xlsx",
    "payment-orders.csv",
)


@pytest.fixture
def market():
    emulator = MarketEmulator(time_scale=TIME_SCALE, generation_seconds=60.0, estimate_ms=60_000)
    emulator.add_business(name="north", token=TOKEN, business_id=5001, campaign_ids=SHOPS)
    with emulator:
        yield emulator


@pytest.fixture
def make(market):
    with aws_maker(market, TOKEN, NoticeMode="EACH", BusinessName="north") as make:
        yield make


def closes(notices) -> list:
    return [n for n in notices if n.attributes.get("status", "").startswith("CLOSE_")]


def close_objects(aws: EmbeddedAws) -> dict[str, bytes]:
    return {k: v for k, v in aws.objects().items() if k.startswith(f"{FOLDER}/")}


def manifest_of(aws: EmbeddedAws) -> dict:
    return json.loads(aws.objects()[f"{FOLDER}/close.manifest.json"])


def test_a_clean_pack_closes_ok_from_its_csv_twins(make, market: MarketEmulator):
    aws = make()
    execution = aws.run({"month": MONTH, "reports": list(PACK)}, timeout=300)

    assert execution.status == "SUCCEEDED", execution.cause
    assert market.count_420() == 0, "the twins are paced like the pack"
    # each table report twice: the XLSX of the pack and its CSV twin (MARKETING: no data, in both forms)
    assert {k: market.count(k) for k in TABLES} == {
        "closure-documents-detalization": 12,
        "goods-realization": 4,
        "united-marketplace-services": 2,
        "united-netting": 2,
    }
    objects = aws.objects()
    assert f"closing-documents/{MONTH}/north/united-netting_5001_{MONTH}.xlsx" in objects
    twin = f"closing-documents/{MONTH}/north/united-netting_5001_{MONTH}.csv.zip"
    twin_manifest = json.loads(objects[twin.removesuffix(".zip") + ".manifest.json"])
    assert twin_manifest["format"] == "CSV" and twin_manifest["twin"] == "CSV"
    assert zipfile.ZipFile(io.BytesIO(objects[twin])).namelist()
    manifest = manifest_of(aws)
    assert manifest["status"] == "OK" and manifest["kind"] == "close"
    for stored in manifest["files"]:  # every file of the close, with its SHA-256
        assert hashlib.sha256(objects[stored["key"]]).hexdigest() == stored["sha256"]
    assert sorted(f["key"] for f in manifest["files"]) == sorted(f"{FOLDER}/{name}" for name in OUTPUTS)
    assert {i["key"] for i in manifest["inputs"] if i["status"] == "ARCHIVED"} >= {twin}
    checks = json.loads(objects[f"{FOLDER}/checks.json"])
    assert checks["status"] == "OK" and {c["status"] for c in checks["checks"]} == {"OK"}
    (notice,) = closes(aws.notifications())
    assert notice.attributes["status"] == "CLOSE_OK" and notice.attributes["month"] == MONTH
    body = notice.body()
    assert body["status"] == "CLOSE_OK" and body["figures"] == checks["figures"]
    assert body["closeUri"].endswith(f"{FOLDER}/close.xlsx")


def test_a_discrepancy_is_announced_close_fail_and_the_run_still_succeeds(make, market: MarketEmulator):
    market.truth_knobs = {"payment_order_off"}  # the first payment order's BANK_SUM +100.00
    aws = make(ReportFormat="CSV")
    execution = aws.run({"month": MONTH, "reports": list(TABLES)}, timeout=300)

    assert execution.status == "SUCCEEDED", execution.cause
    # CSV: the pack's own ZIPs are read, no twin is asked for
    assert {k: market.count(k) for k in TABLES} == {
        "closure-documents-detalization": 6,
        "goods-realization": 2,
        "united-marketplace-services": 1,
        "united-netting": 1,
    }
    assert not any(key.endswith(".csv.zip") for key in aws.objects())
    checks = json.loads(aws.objects()[f"{FOLDER}/checks.json"])
    by_id = {c["id"]: c for c in checks["checks"]}
    assert checks["status"] == "FAIL" and by_id["payment-orders"]["status"] == "FAIL"
    (finding,) = by_id["payment-orders"]["findings"]
    assert finding["residual"] in ("100.00", "-100.00")
    (notice,) = closes(aws.notifications())
    assert notice.attributes["status"] == "CLOSE_FAIL"
    assert "payment-orders" in notice.body()["message"] and finding["key"] in notice.body()["message"]


def test_a_failed_twin_skips_its_checks_and_the_run_still_succeeds(make, market: MarketEmulator):
    market.failing_formats = {("united-netting", "CSV")}  # the XLSX archives; its CSV twin fails
    aws = make()
    execution = aws.run({"month": MONTH, "reports": list(TABLES)}, timeout=300)

    assert execution.status == "SUCCEEDED", execution.cause  # every report of the pack archived
    assert execution.output["counts"]["FAILED"] == 1  # the twin, listed in the run summary
    checks = json.loads(aws.objects()[f"{FOLDER}/checks.json"])
    statuses = {c["id"]: c["status"] for c in checks["checks"]}
    assert statuses["payment-orders"] == statuses["paid-out"] == "SKIPPED"  # they need netting
    assert statuses["pack-complete"] == "FAIL" and statuses["realization-arithmetic"] == "OK"
    skipped = next(c for c in checks["checks"] if c["id"] == "payment-orders")
    assert "united-netting_5001_2025-12.csv.zip" in skipped["message"] and "ReportFailed" in skipped["message"]
    (notice,) = closes(aws.notifications())
    assert notice.attributes["status"] == "CLOSE_FAIL"


def test_a_failed_report_of_the_pack_fails_the_run_not_the_close(make, market: MarketEmulator):
    market.set_outcome(5001, "FAILED", kind="united-netting")
    aws = make(ReportFormat="CSV")
    execution = aws.run({"month": MONTH, "reports": list(TABLES)}, timeout=300)

    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"  # the report, as before
    checks = json.loads(aws.objects()[f"{FOLDER}/checks.json"])
    statuses = {c["id"]: c["status"] for c in checks["checks"]}
    assert statuses["payment-orders"] == statuses["paid-out"] == "SKIPPED"
    assert statuses["detalization-summary"] == "OK"
    (notice,) = closes(aws.notifications())
    assert notice.attributes["status"] == "CLOSE_FAIL"


def test_close_false_or_the_stack_parameter_turns_it_off(make, market: MarketEmulator):
    aws = make(ReportFormat="FILE")
    start = {"month": MONTH, "reports": ["goods-realization", "united-netting"], "close": False}
    assert aws.run(start, timeout=300).status == "SUCCEEDED"
    assert market.count("goods-realization") == 2 and market.count("united-netting") == 1  # no twins
    assert not close_objects(aws) and not closes(aws.notifications())


def test_the_close_stack_parameter_is_the_default_the_start_input_overrides(make, market: MarketEmulator):
    off = make(Close="false")
    assert off.run({"month": MONTH, "reports": ["united-netting"]}, timeout=300).status == "SUCCEEDED"
    assert market.count("united-netting") == 1  # no twin
    assert not close_objects(off) and not closes(off.notifications())
    assert off.run({"month": MONTH, "reports": ["united-netting"], "close": True}, timeout=300).status == "SUCCEEDED"
    assert market.count("united-netting") == 2  # its CSV twin, now
    # the start input overrides the parameter; netting alone: the checks of the other reports are SKIPPED
    checks = json.loads(off.objects()[f"{FOLDER}/checks.json"])
    assert {c["id"]: c["status"] for c in checks["checks"]}["payment-orders"] == "OK"
    assert manifest_of(off)["inputs"][0]["key"].endswith("united-netting_5001_2025-12.csv.zip")
    (notice,) = closes(off.notifications())
    assert notice.attributes["status"] == f"CLOSE_{checks['status']}"


def test_a_rerun_leaves_the_close_as_it_is_and_force_rebuilds_it(make, market: MarketEmulator):
    aws = make(ReportFormat="CSV")
    start = {"month": MONTH, "reports": list(TABLES)}
    assert aws.run(start, timeout=300).status == "SUCCEEDED"
    first = close_objects(aws)
    assert len(closes(aws.notifications())) == 1

    assert aws.run(start, timeout=300).status == "SUCCEEDED"  # nothing new archived
    assert close_objects(aws) == first
    assert closes(aws.notifications()) == []

    assert aws.run({**start, "force": True}, timeout=300).status == "SUCCEEDED"
    rebuilt = close_objects(aws)
    assert (
        json.loads(rebuilt[f"{FOLDER}/close.manifest.json"])["archivedAt"]
        != json.loads(first[f"{FOLDER}/close.manifest.json"])["archivedAt"]
    )
    (notice,) = closes(aws.notifications())
    assert notice.attributes["status"] == "CLOSE_OK"


def test_the_index_page_shows_the_month_s_close_linked(make, market: MarketEmulator):
    market.truth_knobs = {"vat_off"}  # the first accrual's VAT_SUM +1.00: a FAIL
    aws = make(ReportFormat="CSV")
    assert aws.run({"month": MONTH, "reports": ["united-netting"]}, timeout=300).status == "SUCCEEDED"
    objects = aws.objects()
    page = objects["closing-documents/north/index.html"].decode()
    assert f'data-close-month="{MONTH}" data-close-status="FAIL"' in page
    assert f'href="../{MONTH}/north/close/close.xlsx"' in page and f'href="../{MONTH}/north/close/checks.json"' in page
    # the close's manifest is not a unit of the pack: the index lists the units as before
    assert "close.manifest.json" not in objects["closing-documents/north/index.csv"].decode()


def test_a_close_task_that_times_out_is_announced_close_fail_and_the_run_still_succeeds(make, market: MarketEmulator):
    aws = make(ReportFormat="CSV")
    (name,) = [name for name in aws.functions if "close-month" in name]
    function = aws.functions[name]
    timed_out = json.dumps({"errorMessage": "Task timed out after 900.00 seconds", "errorType": "Sandbox.Timedout"})
    real = function.invoke
    # the close times out, as the Lambda runtime answers it; then the same function, given the error, describes it
    function.invoke = lambda event: real(event) if event.get("error") else (timed_out, True)
    execution = aws.run({"month": MONTH, "reports": ["united-netting"]}, timeout=300)

    assert execution.status == "SUCCEEDED", execution.cause
    (notice,) = closes(aws.notifications())
    assert notice.attributes["status"] == "CLOSE_FAIL" and notice.attributes["business"] == "north"
    body = notice.body()
    assert body["status"] == "CLOSE_FAIL" and body["error"] == "Sandbox.Timedout" and MONTH in notice.subject
    assert close_objects(aws) == {}, "nothing of a close that did not run is stored"


def test_a_close_of_shop_reports_alone_names_the_business_id(make, market: MarketEmulator):
    aws = make(ReportFormat="CSV")
    execution = aws.run({"month": MONTH, "reports": ["goods-realization"], "campaignIds": SHOPS}, timeout=300)

    assert execution.status == "SUCCEEDED", execution.cause
    checks = json.loads(aws.objects()[f"{FOLDER}/checks.json"])
    assert checks["businessId"] == 5001, "looked up with the shops (GET /v2/campaigns), not left 0"
    (notice,) = closes(aws.notifications())
    assert notice.attributes["businessId"] == "5001" and notice.body()["businessId"] == 5001
