"""The monthly archive audit after the real pipeline: the real state machine archives a month on embedded AWS (with
S3 Object Lock on, so every PutObject must carry a checksum), then the audit function runs in-process with the input
its schedule sends on the 20th of the next month."""

import contextlib
import io
import json

from local.aws import EmbeddedAws
from local.emulator import MarketEmulator

MONTH = "2025-12"
SCHEDULED = {"scheduledTime": "2026-01-20T06:00:00Z"}  # the audit schedule's input: audits the month before
STEM = "closing-documents/2025-12/default/{c}/closing-documents_{c}_2025-12_ALL"


def metric(stdout: str, name: str) -> list[float]:
    """The values of ``name`` in the Embedded Metric Format documents Powertools printed."""
    values: list[float] = []
    for line in stdout.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            values += document.get(name, [])
    return values


def audit(aws: EmbeddedAws) -> tuple[dict, list[float]]:
    """The audit function's output and the MissingArchives values it emitted. Powertools prints the metrics to
    sys.stdout when the handler ends; its Logger keeps the stream it was created with (a pipeline run made it)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        payload, errored = aws.functions[f"{aws.stack_name}-audit-archive"].invoke(SCHEDULED)
    assert not errored, payload
    return json.loads(payload), metric(printed.getvalue(), "MissingArchives")


def test_the_audit_lists_what_is_missing_and_accounts_for_no_documents(make_aws, emulator: MarketEmulator):
    aws = make_aws(CampaignIds="1001,1002,1003", ObjectLockMode="GOVERNANCE")
    emulator.set_outcome(1002, "NO_DATA")
    execution = aws.run({"month": MONTH, "campaignIds": [1001, 1002]})  # 1003 is never archived
    assert execution.status == "SUCCEEDED", execution.cause
    assert {n.attributes["campaignId"]: n.attributes["status"] for n in aws.notifications()} == {
        "1001": "ARCHIVED",
        "1002": "NO_DOCUMENTS",
    }
    assert f"{STEM.format(c=1002)}.no-documents.json" in aws.objects()

    report, missing_archives = audit(aws)

    (message,) = aws.operations()
    assert message.subject == "Monthly documents archive audit 2025-12: 1 report(s) MISSING"
    assert message.attributes == {"kind": "ARCHIVE_AUDIT", "status": "MISSING", "months": MONTH}
    body = message.body()
    assert body == report and body["status"] == "MISSING" and body["months"] == [MONTH]
    assert body["counts"] == {"ARCHIVED": 1, "NO_DOCUMENTS": 1, "MISSING": 1}
    (missing,) = body["missing"]
    assert (missing["business"], missing["campaignId"], missing["month"]) == ("default", 1003, MONTH)
    assert "neither archived nor marked as without documents" in missing["reason"]
    (no_documents,) = body["noDocuments"]
    assert no_documents["campaignId"] == 1002 and no_documents["keys"] == [f"{STEM.format(c=1002)}.no-documents.json"]
    assert "MISSING Closing documents 2025-12 for default campaign 1003" in body["message"]
    assert missing_archives == [1.0]
    assert aws.notifications() == [], "the audit speaks on the operations topic only"

    # Once the missing month is archived the audit publishes nothing, and says so with a zero.
    assert aws.run({"month": MONTH, "campaignIds": [1003]}).status == "SUCCEEDED"
    report, missing_archives = audit(aws)
    assert report["status"] == "OK" and report["counts"] == {"ARCHIVED": 2, "NO_DOCUMENTS": 1, "MISSING": 0}
    assert aws.operations() == [] and missing_archives == [0.0]


def test_a_month_still_unpublished_after_the_daily_rechecks_is_missing(make_aws, emulator: MarketEmulator):
    """A scheduled run that Yandex answered FAILED every day ends NO_DOCUMENTS, but that is no evidence of a month
    without documents: the audit still reports it."""
    aws = make_aws(NotPublishedRecheckDays="1", NotPublishedRecheckSeconds="100")
    emulator.set_outcome(1001, "FAILED")
    execution = aws.run({"scheduledTime": "2026-01-10T06:00:00Z"})
    assert execution.status == "SUCCEEDED", execution.cause
    marker = json.loads(aws.objects()[f"{STEM.format(c=1001)}.no-documents.json"])
    assert marker["reportStatus"] == "FAILED"

    report, missing_archives = audit(aws)
    assert missing_archives == [1.0]
    (missing,) = report["missing"]
    assert missing["campaignId"] == 1001 and "answered FAILED on every daily attempt" in missing["reason"]
    assert [m.body()["status"] for m in aws.operations()] == ["MISSING"]
