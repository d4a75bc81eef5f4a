"""Issue 19: the unit travels whole; Python builds every notice, outcome and split part. The three defects of the
state machine that built them field by field, each run through the real state machine."""

import json
import time

from local.aws import EmbeddedAws
from local.emulator import Fault, MarketEmulator

MONTH = "2025-12"


def locks(aws) -> list:
    """The units' locks still held (the table also keeps Yandex's windows, which are no locks)."""
    items = aws.client("dynamodb").scan(TableName=aws.environment["LOCK_TABLE"])["Items"]
    return [item for item in items if "ownerExecution" in item]


def outcomes(aws) -> list[dict]:
    """Every unit's outcome as the Distributed Map's ResultWriter wrote it to the work bucket."""
    s3 = aws.client("s3")
    found = []
    for bucket in (b["Name"] for b in s3.list_buckets()["Buckets"]):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="runs/"):
            for item in page.get("Contents", []):
                if item["Key"].endswith("SUCCEEDED_0.json"):
                    entries = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
                    found += [json.loads(e["Output"]) for e in entries]
    return [o for o in found if "kind" in o]  # the units' (the businesses' entries are their results)


def test_a_split_part_s_failed_notice_carries_its_own_title(aws, emulator: MarketEmulator):
    emulator.set_outcome(1001, "TOO_LARGE_COMBINED")
    emulator.inject("download", Fault(kind="flip"), Fault(kind="flip"))  # the first part's file, twice: FAILED
    execution = aws.run({"month": MONTH})

    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    notices = aws.notifications()
    failed, *archived = notices
    assert failed.body()["status"] == "FAILED" and failed.body()["contractTypes"] == ["INCOME"]
    assert "(INCOME)" in failed.body()["title"] and failed.subject == f"{failed.body()['title']}: FAILED"
    assert "(INCOME)" in failed.body()["message"]
    assert [(n.body()["status"], n.body()["contractTypes"]) for n in archived] == [
        ("ARCHIVED", ["OUTCOME"]),
        ("ARCHIVED", ["MARKETING"]),
    ]
    assert all(f"({n.body()['contractTypes'][0]})" in n.subject for n in archived)
    (outcome,) = outcomes(aws)
    assert (outcome["status"], outcome["contractTypes"], outcome["error"]) == ("FAILED", ["INCOME"], "InvalidArchive")
    assert locks(aws) == []  # the unit's own lock and each part's


def test_paced_then_a_failed_generate_gives_one_failed_notice_a_summary_and_a_released_lock():
    """Two shops of one business asking for goods-realization: the first answer closes the window for the kind, the
    second shop's Generate is PACED, waits, and then gets 500s until its retries are spent."""
    # The first shop's unit (a few in-process steps, about half a real second on a busy machine) must end inside the
    # kind's 120 s window for the second to be PACED: at this scale the window lasts 6 real seconds, whatever the load.
    scale = 0.05
    market = MarketEmulator(time_scale=scale, generation_seconds=5.0, estimate_ms=5_000)
    market.add_business(name="north", token="pace-token", business_id=5001, campaign_ids=[1001, 1002])
    parameters = {"NoticeLanguage": "en", "NoticeMode": "BOTH"}
    with (
        market,
        EmbeddedAws(
            api_key=json.dumps({"north": "pace-token"}), parameters=parameters, time_scale=scale,
            market_url=market.base_url,
        ) as aws,
    ):  # fmt: skip
        start = {"month": MONTH, "reports": ["goods-realization"], "campaignIds": [1001, 1002], "close": False}
        arn = aws.start_execution(start)
        deadline = time.monotonic() + 120
        while market.count("goods-realization") < 1:  # the first shop's report is requested: the window closes
            assert time.monotonic() < deadline
            time.sleep(0.02)
        market.inject("goods-realization", *[Fault(status=500)] * 6)  # the second shop's, after its wait
        execution = aws.wait_for(arn, timeout=300)

        assert execution.status == "FAILED" and execution.error == "CampaignsFailed", execution.cause
        notices = aws.notifications()
        units = [n.body() for n in notices if "kind" in n.attributes]
        assert sorted((b["campaignId"], b["status"]) for b in units) == [(1001, "ARCHIVED"), (1002, "FAILED")]
        (failed,) = [b for b in units if b["status"] == "FAILED"]
        assert failed["error"] == "MarketServerError" and failed["reportId"] is None
        assert len([n for n in notices if "kind" not in n.attributes]) == 1  # the run summary
        entered = [
            e["stateEnteredEventDetails"]["name"]
            for h in aws.child_histories()
            for e in h
            if "stateEnteredEventDetails" in e
        ]
        assert "WaitToGenerate" in entered, "the second shop's Generate was not PACED"
        assert locks(aws) == []


def test_a_notice_that_cannot_be_published_is_recorded_and_the_lock_released(make_aws, monkeypatch):
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import SNSBackend

    publish = SNSBackend.publish

    def refusing(self, message, arn=None, phone_number=None, subject=None, *args, **kwargs):
        if subject and subject.endswith(": ARCHIVED"):
            raise SNSInvalidParameter("KMS key is disabled")
        return publish(self, message, arn, phone_number, subject, *args, **kwargs)

    monkeypatch.setattr(SNSBackend, "publish", refusing)
    aws = make_aws(NoticeMode="BOTH", NoticeLanguage="en")
    execution = aws.run({"month": MONTH})

    assert execution.status == "SUCCEEDED", execution.cause  # archived; its notice is what failed
    notices = aws.notifications()
    assert [n for n in notices if "kind" in n.attributes] == []
    (summary,) = [n.body() for n in notices]
    assert summary["counts"]["ARCHIVED"] == 1 and "1 notice(s) could not be published" in summary["message"]
    (outcome,) = outcomes(aws)
    assert outcome["status"] == "ARCHIVED" and outcome["noticeError"]["Error"]
    assert "KMS key is disabled" in outcome["noticeError"]["Cause"]
    assert locks(aws) == []
