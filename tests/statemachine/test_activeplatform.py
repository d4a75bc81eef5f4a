"""Issue 11: ActivePlatform closing documents as a source, through the real state machine on embedded AWS."""

import json

import pytest

from local.sources.activeplatform import ActivePlatformEmulator, Fault
from tests.conftest import TOKEN, aws_maker

AP_TOKEN = "vY5fwetestK3gJXZH5uHCw"
MONTH = "2025-11"
PDF_KEY, XLSX_KEY, OTHER_KEY = (
    "0493e78a-e8ef-11e9-81b4-2a2ae2dbcce4",
    "1593e78a-e8ef-11e9-81b4-2a2ae2dbcce5",
    "2693e78a-e8ef-11e9-81b4-2a2ae2dbcce6",
)
PDF = b"%PDF-1.4\n" + b"act of services " * 400 + b"\n%%EOF\n"
XLSX = b"PK\x03\x04" + b"invoice sheet " * 300
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FOLDER = "closing-documents/{month}/activeplatform/activeplatform"


def keys(*items: tuple[str, int, int]) -> list[dict]:
    return [{"key": k, "resellerId": r, "accountId": a} for k, r, a in items]


@pytest.fixture
def platform():
    emulator = ActivePlatformEmulator(AP_TOKEN)
    emulator.add_document(1, 11, PDF_KEY, name="Акт за ноябрь", doc_type="act", total="1200.50", currency="RUB",
                          start_date="2025-11-01", end_date="2025-11-30", content=PDF)  # fmt: skip
    emulator.add_document(1, 12, XLSX_KEY, name="Invoice 12", total="99.00", currency="RUB",
                          start_date="2025-10-01", end_date="2025-10-31", content=XLSX, mime=XLSX_MIME)  # fmt: skip
    emulator.add_account(1, 13)
    with emulator:
        yield emulator


@pytest.fixture
def make(emulator, platform):
    with aws_maker(
        emulator,
        TOKEN,
        {"ActivePlatformSecret": AP_TOKEN},
        CampaignIds="1001",
        NoticeMode="EACH",
        ActivePlatformApiUrl=platform.base_url,
    ) as make:
        yield make


def test_given_keys_are_archived_decoded_under_their_own_period(make, platform, emulator):
    aws = make()
    start = {"month": MONTH, "reports": ["activeplatform"], "documentKeys": keys((PDF_KEY, 1, 11), (XLSX_KEY, 1, 12))}
    execution = aws.run(start)

    assert execution.status == "SUCCEEDED", execution.cause
    assert emulator.calls == []
    objects = aws.objects()
    pdf_key = f"{FOLDER.format(month='2025-11')}/activeplatform_r1-a11-{PDF_KEY}_2025-11.pdf"
    xlsx_key = f"{FOLDER.format(month='2025-10')}/activeplatform_r1-a12-{XLSX_KEY}_2025-10.xlsx"  # its start_date
    assert objects[pdf_key] == PDF and objects[xlsx_key] == XLSX
    manifest = json.loads(objects[pdf_key.replace(".pdf", ".manifest.json")])
    assert manifest["details"] | {"id": None} == {
        "id": None, "key": PDF_KEY, "resellerId": 1, "accountId": 11, "name": "Акт за ноябрь", "type": "act",
        "amountTotal": "1200.50", "currency": "RUB", "startDate": "2025-11-01", "endDate": "2025-11-30",
        "mimeType": "application/pdf", "api": platform.base_url,
    }  # fmt: skip
    assert manifest["sha256"] == __import__("hashlib").sha256(PDF).hexdigest() and manifest["sizeBytes"] == len(PDF)
    calls = [c for c in platform.calls if c.op != "unknown"]
    assert len(calls) == 2
    assert all(c.headers["accept"] == c.headers["content-type"] == "application/vnd.api+json" for c in calls)
    notices = {n.body()["scope"]: n.body() for n in aws.notifications()}
    assert {b["status"] for b in notices.values()} == {"ARCHIVED"}
    assert "Акт за ноябрь (act), 1200.50 RUB" in notices[f"r1-a11-{PDF_KEY}"]["message"]


def test_the_monthly_run_reads_the_keys_the_erp_wrote_for_the_month(make, platform):
    aws = make()
    s3 = aws.client("s3")
    s3.put_object(
        Bucket=aws.bucket,
        Key=f"{FOLDER.format(month=MONTH)}/document-keys.json",
        Body=json.dumps({"documentKeys": keys((PDF_KEY, 1, 11))}).encode(),
    )
    execution = aws.run({"month": MONTH})  # the monthly run: closure-documents and every source that is on
    assert execution.status == "SUCCEEDED", execution.cause
    assert sorted((n.body()["kind"], n.body()["status"]) for n in aws.notifications()) == [
        ("activeplatform", "ARCHIVED"),
        ("closure-documents", "ARCHIVED"),
    ]


def test_a_month_without_keys_says_so_and_is_not_a_failure(make, platform):
    aws = make()
    execution = aws.run({"month": MONTH, "reports": ["activeplatform"]})
    assert execution.status == "SUCCEEDED", execution.cause
    (notice,) = aws.notifications()
    body = notice.body()
    assert body["status"] == "NO_DOCUMENTS" and "No closing-document keys for 2025-11" in body["message"]
    assert "document-keys.json" in body["message"] and platform.calls == []


@pytest.mark.parametrize("mode", ["not_found", "empty"])
def test_an_unknown_key_fails_naming_it_and_the_others_are_archived(make, emulator, mode):
    platform = ActivePlatformEmulator(AP_TOKEN, unknown_key=mode)
    platform.add_document(1, 11, PDF_KEY, name="Act", start_date="2025-11-01", end_date="2025-11-30", content=PDF)
    platform.add_account(1, 13)
    with platform:
        aws = make(ActivePlatformApiUrl=platform.base_url)
        start = {
            "month": MONTH,
            "reports": ["activeplatform"],
            "documentKeys": keys((PDF_KEY, 1, 11), (OTHER_KEY, 1, 13)),
        }
        execution = aws.run(start)
    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    bodies = {n.body()["scope"]: n.body() for n in aws.notifications()}
    assert bodies[f"r1-a11-{PDF_KEY}"]["status"] == "ARCHIVED"
    failed = bodies[f"r1-a13-{OTHER_KEY}"]
    assert failed["status"] == "FAILED" and failed["error"] == "DocumentNotFound" and OTHER_KEY in failed["cause"]


def test_a_refused_token_is_not_retried_and_a_server_error_is(make, platform):
    aws = make()
    platform.inject(Fault(status=502), Fault(status=401))
    execution = aws.run({"month": MONTH, "reports": ["activeplatform"], "documentKeys": keys((PDF_KEY, 1, 11))})
    assert execution.status == "FAILED"
    (notice,) = aws.notifications()
    assert notice.body()["error"] == "SourceRefused" and "API token" in notice.body()["cause"]
    assert len(platform.calls) == 2  # the 502 was retried once; the 401 was not


def test_archived_once_then_skipped_and_the_token_never_leaks(make, platform):
    aws = make()
    start = {"month": MONTH, "reports": ["activeplatform"], "documentKeys": keys((PDF_KEY, 1, 11))}
    first = aws.run(start)
    assert first.status == "SUCCEEDED"
    texts = ["\n".join(aws.logs()), json.dumps([n.message for n in aws.notifications()])]
    second = aws.run(start)
    assert [n.body()["status"] for n in aws.notifications()] == ["ALREADY_ARCHIVED"] and len(platform.calls) == 1
    for execution in (first, second):
        texts += [json.dumps([aws.history(execution.arn), aws.child_histories()], default=str)]
    texts += [body.decode("utf-8", "replace") for body in aws.objects().values()]
    assert all(AP_TOKEN not in text for text in texts)


@pytest.mark.parametrize(
    "bad",
    [
        [{"key": PDF_KEY, "resellerId": 1}],
        [{"key": "not a guid!", "resellerId": 1, "accountId": 2}],
        [{"key": PDF_KEY, "resellerId": "1", "accountId": 2}],
        keys((PDF_KEY, 1, 11), (PDF_KEY, 1, 12)),
        [],
    ],
)
def test_bad_document_keys_are_refused_before_any_call(make, platform, bad):
    aws = make()
    execution = aws.run({"month": MONTH, "reports": ["activeplatform"], "documentKeys": bad})
    assert execution.status == "FAILED" and execution.error == "InvalidInput"
    assert "documentKeys: must be" in execution.cause and platform.calls == []
