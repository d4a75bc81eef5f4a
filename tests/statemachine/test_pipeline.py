"""The real statemachine/closing_documents.asl.json executed by moto, with the real handlers, against
the emulator over HTTP."""

import hashlib
import io
import json
import zipfile

from local.aws import EmbeddedAws
from local.emulator import MarketEmulator

MONTH = "2025-12"
ZIP_KEY = "closing-documents/2025-12/default/{c}/closing-documents_{c}_2025-12_ALL.zip"
PACK = "closing-documents/2025-12/default/pack.json"
INDEX = ["closing-documents/default/index.csv", "closing-documents/default/index.html"]  # the archive's index


def pack_entries(aws: EmbeddedAws) -> list[dict]:
    return json.loads(aws.objects()[PACK])["entries"]


def state_names(aws: EmbeddedAws, arn: str, event_type: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in aws.events(arn) if e["type"] == event_type]


def test_happy_path_archives_zip_and_manifest_after_several_polls(aws: EmbeddedAws, emulator: MarketEmulator):
    # 400 s with a 30 s estimate (2 s real): never ready at the first check, however slow a busy machine makes the
    # steps between (100 s, half a second, was eaten by a full test run twice)
    emulator.generation_seconds = 400.0
    execution = aws.run({"month": MONTH})

    assert execution.status == "SUCCEEDED", execution.cause
    objects = aws.objects()
    zip_key = ZIP_KEY.format(c=1001)
    assert sorted(objects) == sorted([PACK, *INDEX, zip_key.replace(".zip", ".manifest.json"), zip_key])
    (report_id,) = emulator.reports
    body = objects[zip_key]
    assert body == emulator.report_bytes(report_id)
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None

    manifest = json.loads(objects[zip_key.replace(".zip", ".manifest.json")])
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest() and manifest["sizeBytes"] == len(body)
    assert manifest["campaignId"] == 1001 and manifest["month"] == MONTH and manifest["reportId"] == report_id
    assert sorted(d["name"] for d in manifest["documents"]) == sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())
    assert manifest["executionId"] == execution.arn and manifest["generationRequestedAt"]
    assert manifest["kind"] == "closure-documents" and manifest["request"] == {
        "campaignId": 1001,
        "monthOfYear": {"year": 2025, "month": 12},
    }
    (entry,) = pack_entries(aws)
    assert (entry["kind"], entry["campaignId"], entry["status"], entry["key"]) == (
        "closure-documents", 1001, "ARCHIVED", zip_key)  # fmt: skip
    assert (entry["sha256"], entry["sizeBytes"], entry["reportId"]) == (manifest["sha256"], len(body), report_id)

    (notice,) = aws.notifications()
    assert notice.subject == "Closing documents 2025-12 for default campaign 1001: ARCHIVED"
    assert notice.attributes == {
        "status": "ARCHIVED",
        "business": "default",
        "campaignId": "1001",
        "month": MONTH,
        "kind": "closure-documents",
    }
    message = notice.body()
    assert message["status"] == "ARCHIVED" and message["s3Uri"] == f"s3://{aws.bucket}/{zip_key}"
    assert message["sha256"] == manifest["sha256"] and message["executionArn"] == execution.arn
    assert execution.output["kind"] == "RUN_SUMMARY" and execution.output["counts"]["ARCHIVED"] == 1

    waits = state_names(aws, execution.arn, "WaitStateEntered")
    assert len(waits) >= 2, "a 400 s report with a 30 s estimate is not ready at the first check"
    assert emulator.count("generate") == 1
    assert emulator.count("info") == len(waits) + 1  # one per check, plus the archive step's fresh link
    assert emulator.count("download") == 1
    assert aws.open_uploads() == []

    logs = [json.loads(line) for line in aws.logs()]
    assert {line["correlation_id"] for line in logs} == {execution.arn.rsplit(":", 1)[1]}  # the execution's name
    (archived,) = [line for line in logs if line["message"] == "archived"]
    assert (archived["business"], archived["campaign_id"], archived["month"]) == ("default", 1001, MONTH)
    assert archived["report_id"] == report_id


def test_report_failed_is_announced_with_the_reason(aws: EmbeddedAws, emulator: MarketEmulator):
    emulator.set_outcome(1001, "FAILED")
    execution = aws.run({"month": MONTH})

    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    (notice,) = aws.notifications()
    message = notice.body()
    assert notice.attributes["status"] == "FAILED" and message["error"] == "ReportFailed"
    assert "check the campaign id and the month" in message["cause"]
    assert message["reportId"] in emulator.reports
    assert list(aws.objects()) == [PACK, *INDEX] and emulator.count("download") == 0
    assert [(e["status"], e["error"], e["key"]) for e in pack_entries(aws)] == [("FAILED", "ReportFailed", None)]


def test_no_data_is_no_documents_not_a_failure(aws: EmbeddedAws, emulator: MarketEmulator):
    emulator.set_outcome(1001, "NO_DATA")
    execution = aws.run({"month": MONTH})

    assert execution.status == "SUCCEEDED", execution.cause
    (notice,) = aws.notifications()
    assert notice.attributes["status"] == "NO_DOCUMENTS"
    assert notice.body()["message"].startswith("Closing documents 2025-12 for default campaign 1001: Yandex Market has")
    (marker_key,) = set(aws.objects()) - {PACK, *INDEX}  # no archive; the audit's evidence that nothing is missing
    assert marker_key == ZIP_KEY.format(c=1001).replace(".zip", ".no-documents.json")
    marker = json.loads(aws.objects()[marker_key])
    assert marker["reportStatus"] == "NO_DATA" and marker["campaignId"] == 1001 and marker["month"] == MONTH
    assert marker["reportId"] == notice.body()["reportId"] and marker["executionId"] == execution.arn
    assert [(e["status"], e["key"], e["reportId"]) for e in pack_entries(aws)] == [
        ("NO_DOCUMENTS", marker_key, marker["reportId"])
    ]


def test_attempt_cap_ends_in_report_timeout(make_aws, emulator: MarketEmulator):
    emulator.generation_seconds = 10_000  # far longer than two checks wait for
    aws = make_aws(MaxStatusChecks="2")
    execution = aws.run({"month": MONTH})

    assert execution.status == "FAILED"
    (notice,) = aws.notifications()
    message = notice.body()
    assert message["error"] == "ReportTimeout"
    assert "still not ready after 2 status checks" in message["cause"]
    assert emulator.count("info") == 2 and list(aws.objects()) == [PACK, *INDEX]


def test_invalid_input_fails_the_first_step_without_calling_market(aws: EmbeddedAws, emulator: MarketEmulator):
    execution = aws.run({"month": "2025-13", "campaignIds": [0], "surprise": True})

    assert execution.status == "FAILED" and execution.error == "InvalidInput"
    for expected in ("month:", "campaignIds:", "'surprise'"):
        assert expected in execution.cause
    (notice,) = aws.notifications()
    assert notice.subject == "Closing documents run failed: InvalidInput"
    assert notice.body()["cause"] == execution.cause
    assert emulator.calls == []
    assert state_names(aws, execution.arn, "TaskStateEntered") == [
        "ResolveInput",
        "DescribeRunFailure",
        "AnnounceRun",
    ]


def test_a_failing_campaign_does_not_stop_the_others(aws: EmbeddedAws, emulator: MarketEmulator):
    emulator.set_outcome(1003, "FAILED")
    execution = aws.run({"month": MONTH, "campaignIds": [1001, 1003, 1002]})

    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    statuses = {n.attributes["campaignId"]: n.attributes["status"] for n in aws.notifications()}
    assert statuses == {"1001": "ARCHIVED", "1002": "ARCHIVED", "1003": "FAILED"}
    assert {ZIP_KEY.format(c=1001), ZIP_KEY.format(c=1002)} <= set(aws.objects())
    assert not any("/1003/" in key for key in aws.objects())


def test_rejected_token_is_a_failed_notice_without_the_token(make_aws, emulator: MarketEmulator, token: str):
    aws = make_aws(api_key="not-the-" + token)
    execution = aws.run({"month": MONTH})

    assert execution.status == "FAILED"
    (notice,) = aws.notifications()
    assert notice.body()["error"] == "MarketUnauthorized"
    assert "401" in notice.body()["cause"]
    assert token not in notice.message
    assert emulator.count("generate") == 1  # 401 is not retried


def test_contract_types_are_sent_and_part_of_the_key(aws: EmbeddedAws, emulator: MarketEmulator):
    execution = aws.run({"month": MONTH, "contractTypes": ["MARKETING", "INCOME"]})

    assert execution.status == "SUCCEEDED", execution.cause
    generate = next(c for c in emulator.calls if c.op == "generate")
    assert generate.json == {
        "campaignId": 1001,
        "monthOfYear": {"year": 2025, "month": 12},
        "contractTypes": ["INCOME", "MARKETING"],
    }
    assert any(k.endswith("_2025-12_INCOME-MARKETING.zip") for k in aws.objects())


def test_with_default_parameters_the_notices_speak_russian(emulator: MarketEmulator):
    from tests.conftest import TIME_SCALE, TOKEN

    with EmbeddedAws(api_key=TOKEN, parameters={"CampaignIds": "1001"}, time_scale=TIME_SCALE,
                     market_url=emulator.base_url) as aws:  # fmt: skip
        emulator.set_outcome(1002, "FAILED")
        execution = aws.run({"month": MONTH, "campaignIds": [1001, 1002]})
        notices = aws.notifications()

    assert execution.status == "FAILED"
    subjects = sorted(n.subject for n in notices)
    assert subjects == [
        "Закрывающие документы 2025-12, default, магазин 1001: ARCHIVED",
        "Закрывающие документы 2025-12, default, магазин 1002: FAILED",
        "Итоги архива документов: FAILED",
    ]
    bodies = {n.subject: n.body() for n in notices}
    archived = bodies[subjects[0]]
    assert archived["status"] == "ARCHIVED" and "сохранено в архив" in archived["message"]  # keys and values stay
    failed = bodies[subjects[1]]
    assert failed["error"] == "ReportFailed" and "архивирование не удалось" in failed["message"]
    assert "Яндекс не смог сформировать отчёт" in failed["cause"]
    summary = bodies[subjects[2]]
    assert summary["kind"] == "RUN_SUMMARY" and summary["message"].startswith("Документы за 2025-12: с ошибкой: 1")
    assert "в архиве: 1" in summary["message"]
