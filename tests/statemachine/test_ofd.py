"""Issue 11: Yandex OFD as a source on the same pipeline, through the real state machine on embedded AWS."""

import hashlib
import json

import pytest

from local.sources.ofd import Fault, OfdEmulator
from tests.conftest import TOKEN, aws_maker

AUTH_KEY, OFD_KEY = "ofd-auth-key-7c1e", "ofd-key-99ab"
MONTH = "2025-11"  # 30 days
FOLDER = f"closing-documents/{MONTH}/ofd/ofd-sales"


@pytest.fixture
def ofd():
    emulator = OfdEmulator(AUTH_KEY, OFD_KEY, page_size=10)
    emulator.set_company("shop-1", seed=1)
    emulator.set_company("shop-2", seed=2)
    with emulator:
        yield emulator


@pytest.fixture
def make(emulator, ofd):
    with aws_maker(
        emulator,
        TOKEN,
        {"OfdSecret": json.dumps({"authKey": AUTH_KEY, "ofdKey": OFD_KEY})},
        CampaignIds="1001",
        NoticeMode="EACH",
        OfdApiUrl=ofd.base_url,
    ) as make:
        yield make


def ofd_calls(ofd: OfdEmulator) -> list:
    return [c for c in ofd.calls if c.path.endswith("/aggregations/sales")]


def test_the_month_is_read_page_by_page_and_archived_as_json_and_csv(make, ofd, emulator):
    aws = make()
    execution = aws.run({"month": MONTH, "reports": ["ofd-sales"]})

    assert execution.status == "SUCCEEDED", execution.cause
    assert emulator.calls == [], "an OFD-only run does not touch the Market"
    calls = ofd_calls(ofd)
    assert len(calls) == 3 and [c.json["offset"] for c in calls] == [0, 10, 20]  # 30 days, 10 a page
    assert all(
        c.json["date_from"] == "2025-11-01 00:00:00" and c.json["date_to"] == "2025-11-30 23:59:59" for c in calls
    )
    assert all(c.json["interval"] == "day" and "company_ids" not in c.json for c in calls)
    objects = aws.objects()
    document = json.loads(objects[f"{FOLDER}/ofd-sales_all_{MONTH}.json"])
    assert len(document["data"]) == document["total"] == 30
    assert [d["date_from"][:10] for d in document["data"]] == [f"2025-11-{d:02d}" for d in range(1, 31)]
    assert document["full"]["checks"] == sum(d["checks"] for d in document["data"])
    csv_text = objects[f"{FOLDER}/ofd-sales_all_{MONTH}.csv"].decode("utf-8")
    assert csv_text.startswith("\ufeffdate_from;date_to;checks") and len(csv_text.strip().splitlines()) == 31
    manifest = json.loads(objects[f"{FOLDER}/ofd-sales_all_{MONTH}.manifest.json"])
    assert {f["key"]: f["sha256"] for f in manifest["files"]} == {
        key: hashlib.sha256(objects[key]).hexdigest() for key in objects if key.startswith(f"{FOLDER}/")
        and not key.endswith(".manifest.json")
    }  # fmt: skip
    assert manifest["kind"] == "ofd-sales" and manifest["details"]["days"] == 30
    (notice,) = aws.notifications()
    assert notice.body()["status"] == "ARCHIVED" and notice.attributes["kind"] == "ofd-sales"
    assert notice.subject == f"OFD sales {MONTH} for ofd all: ARCHIVED"
    (entry,) = json.loads(objects[f"closing-documents/{MONTH}/ofd/pack.json"])["entries"]
    assert entry["status"] == "ARCHIVED" and entry["sha256"] == manifest["sha256"]


def test_given_companies_are_asked_for_and_named_in_the_keys(make, ofd):
    aws = make()
    execution = aws.run({"month": MONTH, "reports": ["ofd-sales"], "companyIds": ["shop-2", "shop-1"]})
    assert execution.status == "SUCCEEDED", execution.cause
    assert {tuple(c.json["company_ids"]) for c in ofd_calls(ofd)} == {("shop-1", "shop-2")}
    assert f"{FOLDER}/ofd-sales_shop-1.shop-2_{MONTH}.csv" in aws.objects()


@pytest.mark.parametrize(("status", "field"), [(401, "authKey"), (403, "ofdKey")])
def test_refused_keys_fail_with_ofd_s_message_and_are_not_retried(make, ofd, status, field):
    aws = make()
    ofd.inject(Fault(status=status, message="Ключ не найден"))
    execution = aws.run({"month": MONTH, "reports": ["ofd-sales"]})
    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    (notice,) = aws.notifications()
    body = notice.body()
    assert body["status"] == "FAILED" and body["error"] == "SourceRefused"
    assert "Ключ не найден" in body["cause"] and field in body["cause"]
    assert len(ofd_calls(ofd)) == 1


def test_server_errors_and_resets_are_retried(make, ofd):
    aws = make()
    ofd.inject(Fault(status=503), Fault(kind="reset"))
    execution = aws.run({"month": MONTH, "reports": ["ofd-sales"]})
    assert execution.status == "SUCCEEDED", execution.cause
    assert len(ofd_calls(ofd)) == 2 + 3


def test_archived_once_then_skipped_unless_forced(make, ofd):
    aws = make()
    start = {"month": MONTH, "reports": ["ofd-sales"]}
    assert aws.run(start).status == "SUCCEEDED"
    aws.notifications()
    assert aws.run(start).status == "SUCCEEDED"
    assert [n.body()["status"] for n in aws.notifications()] == ["ALREADY_ARCHIVED"]
    assert len(ofd_calls(ofd)) == 3
    assert aws.run({**start, "force": True}).status == "SUCCEEDED"
    assert len(ofd_calls(ofd)) == 6


def test_a_mixed_run_archives_the_market_and_ofd_in_one_execution(make, ofd, emulator):
    aws = make()
    execution = aws.run({"month": MONTH})  # the monthly run: Reports (closure-documents) and every source that is on

    assert execution.status == "SUCCEEDED", execution.cause
    statuses = sorted((n.body()["kind"], n.body()["status"]) for n in aws.notifications())
    assert statuses == [("closure-documents", "ARCHIVED"), ("ofd-sales", "ARCHIVED")]
    assert emulator.count("generate") == 1 and len(ofd_calls(ofd)) == 3


def test_the_keys_never_leak(make, ofd):
    aws = make()
    execution = aws.run({"month": MONTH, "reports": ["ofd-sales"]})
    texts = [
        json.dumps(aws.events(execution.arn), default=str),
        json.dumps([aws.history(execution.arn), aws.child_histories()], default=str),
        json.dumps(execution.output),
        "\n".join(aws.logs()),
        json.dumps([n.message for n in aws.notifications()]),
        *(body.decode("utf-8", "replace") for body in aws.objects().values()),
        json.dumps([c.headers for c in ofd.calls]),
    ]
    for text in texts:
        assert AUTH_KEY not in text and OFD_KEY not in text


def test_ofd_when_it_is_off_is_refused_before_any_call(make, ofd, emulator):
    aws = make(OfdApiUrl="")
    execution = aws.run({"month": MONTH, "reports": ["ofd-sales"]})
    assert execution.status == "FAILED" and execution.error == "InvalidInput"
    assert "ofd-sales is not configured" in execution.cause
    assert ofd_calls(ofd) == [] and emulator.calls == []


def test_ofd_input_for_a_run_without_ofd_is_refused_before_any_call(make, ofd, emulator):
    aws = make()
    execution = aws.run({"month": MONTH, "companyIds": ["shop-1"], "reports": ["closure-documents"]})
    assert execution.status == "FAILED" and "companyIds: only ofd-sales reads it" in execution.cause
    assert ofd_calls(ofd) == [] and emulator.calls == []
