"""Issue 3: every fault the real API and network produce, executed for real through the state machine.

Each test scripts the emulator (faults per call sequence), runs the real ASL on moto with the real
handlers, and asserts the outcome, the number of calls of each kind, the S3 contents and the notices.
"""

import json
import time
from email.utils import formatdate

import pytest

from local.aws import EmbeddedAws
from local.emulator import Fault, MarketEmulator

MONTH = "2025-12"
ZIP = "closing-documents/2025-12/default/1001/closing-documents_1001_2025-12_ALL.zip"
PACK = "closing-documents/2025-12/default/pack.json"
INDEX = ["closing-documents/default/index.csv", "closing-documents/default/index.html"]  # the archive's index


def run_one(aws: EmbeddedAws, start: dict | None = None):
    execution = aws.run({"month": MONTH, **(start or {})})
    notices = aws.notifications()
    return execution, notices, [n.body() for n in notices]


def assert_archived_right_bytes(aws: EmbeddedAws, emulator: MarketEmulator, execution, bodies):
    assert execution.status == "SUCCEEDED", execution.cause
    assert [b["status"] for b in bodies] == ["ARCHIVED"]
    objects = aws.objects()
    assert objects[ZIP] == emulator.report_bytes(bodies[0]["reportId"])
    assert json.loads(objects[ZIP.replace(".zip", ".manifest.json")])["sha256"] == bodies[0]["sha256"]
    assert aws.open_uploads() == []


def assert_failed_with_nothing_stored(aws: EmbeddedAws, execution, bodies, error: str) -> dict:
    assert execution.status == "FAILED" and execution.error == "CampaignsFailed"
    (body,) = bodies
    assert body["status"] == "FAILED" and body["error"] == error, body
    objects = aws.objects()
    assert list(objects) == [PACK, *INDEX] and aws.open_uploads() == [], "only pack.json and the index: the failure"
    (entry,) = json.loads(objects[PACK])["entries"]
    assert (entry["status"], entry["error"], entry["key"]) == ("FAILED", error, None)
    assert aws.client("dynamodb").scan(TableName=aws.environment["LOCK_TABLE"])["Items"] == [], "lock not released"
    return body


# --- throttling and server errors: retried with backoff ---------------------------------------------------


def test_420_with_resource_until_is_waited_out_then_generated(aws, emulator):
    until = formatdate(emulator.wall_time() + 2, usegmt=True)
    emulator.inject("generate", Fault(status=420, headers={"X-RateLimit-Resource-Until": until}, message="Too many"))
    execution, _, bodies = run_one(aws)
    assert_archived_right_bytes(aws, emulator, execution, bodies)
    assert emulator.count("generate") == 2
    generates = [c for c in emulator.calls if c.op == "generate"]
    assert generates[1].at >= generates[0].at + 2, "the retry came before X-RateLimit-Resource-Until"


def test_active_reports_limit_is_retried_with_backoff(aws, emulator):
    emulator.inject("generate", *[Fault(status=420, message="Active reports limit exceeded")] * 2)
    execution, _, bodies = run_one(aws)
    assert_archived_right_bytes(aws, emulator, execution, bodies)
    assert emulator.count("generate") == 3


def test_5xx_and_resets_are_retried(aws, emulator):
    emulator.inject("generate", Fault(kind="reset"))
    emulator.inject("info", Fault(status=500), Fault(status=503))
    execution, _, bodies = run_one(aws)
    assert_archived_right_bytes(aws, emulator, execution, bodies)
    assert emulator.count("generate") == 2 and emulator.count("download") == 1


def test_persistent_5xx_ends_failed_after_bounded_attempts(aws, emulator):
    emulator.inject("generate", *[Fault(status=500)] * 20)
    execution, _, bodies = run_one(aws)
    body = assert_failed_with_nothing_stored(aws, execution, bodies, "MarketServerError")
    assert "HTTP 500" in body["cause"]
    assert emulator.count("generate") == 6  # the first call and the ASL Retry's MaxAttempts (5)


# --- refusals: not retried, explained -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "error", "advice"),
    [
        (401, "Api-Key token revoked", "MarketUnauthorized", "missing, invalid or revoked"),
        (403, "Access denied: scope", "MarketForbidden", "finance-and-accounting"),
        (400, "monthOfYear: invalid", "MarketBadRequest", "Yandex rejected the request"),
    ],
)
def test_refusals_fail_at_once_with_yandex_message_and_what_to_do(aws, emulator, status, message, error, advice):
    emulator.inject("generate", Fault(status=status, message=message))
    execution, _, bodies = run_one(aws)
    body = assert_failed_with_nothing_stored(aws, execution, bodies, error)
    assert message in body["cause"] and advice in body["cause"]
    assert emulator.count("generate") == 1


# --- lost reports ------------------------------------------------------------------------------------------


def test_report_not_found_generates_again_then_continues(aws, emulator):
    emulator.inject("info", Fault(status=404, message="Report not found."))
    execution, _, bodies = run_one(aws)
    assert_archived_right_bytes(aws, emulator, execution, bodies)
    # The lost report still counts as generating, so the new request may meet "Active reports limit exceeded"
    # first, and waits it out in Retry.
    assert emulator.count("generate") - emulator.count_420("generate") == 2


def test_report_never_found_fails_after_bounded_regenerations(aws, emulator):
    emulator.inject("info", *[Fault(status=404, message="Report not found.")] * 10)
    execution, _, bodies = run_one(aws)
    body = assert_failed_with_nothing_stored(aws, execution, bodies, "ReportNotFound")
    assert "Report not found." in body["cause"]
    assert emulator.count("generate") - emulator.count_420("generate") == 3  # the first and MaxRegenerations (2)


# --- downloads ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["truncate", "expired", "reset", "empty", "html"])
def test_broken_download_gets_a_fresh_link_and_archives_the_right_bytes(aws, emulator, kind):
    emulator.inject("download", Fault(kind=kind))
    execution, _, bodies = run_one(aws)
    assert_archived_right_bytes(aws, emulator, execution, bodies)
    assert emulator.count("download") == 2
    links = [c.query["signature"] for c in emulator.calls if c.op == "download"]
    assert links[0] != links[1], "the retry reused a link instead of asking reports/info for a fresh one"


def test_body_that_is_never_a_zip_fails_as_invalid_archive(aws, emulator):
    emulator.inject("download", *[Fault(kind="html")] * 5)
    execution, _, bodies = run_one(aws)
    body = assert_failed_with_nothing_stored(aws, execution, bodies, "InvalidArchive")
    assert "not a ZIP" in body["cause"]
    assert emulator.count("download") == 2


def test_link_outside_the_allowed_origins_is_never_fetched(make_aws, emulator):
    aws = make_aws(DownloadAllowedOrigins="https://*.yandex.net")  # the emulator's http://127.0.0.1 is not on it
    execution, _, bodies = run_one(aws)
    body = assert_failed_with_nothing_stored(aws, execution, bodies, "DownloadRefused")
    assert "DownloadAllowedOrigins" in body["cause"] and "signature" not in body["cause"]
    assert emulator.count("download") == 0


# --- report outcomes ---------------------------------------------------------------------------------------


def test_too_large_is_retried_one_contract_type_at_a_time(aws, emulator):
    emulator.set_outcome(1001, "TOO_LARGE_COMBINED")
    execution = aws.run({"month": MONTH})

    assert execution.status == "SUCCEEDED", execution.cause
    bodies = [n.body() for n in aws.notifications()]
    assert [(b["status"], b["contractTypes"]) for b in bodies] == [
        ("ARCHIVED", ["INCOME"]),
        ("ARCHIVED", ["OUTCOME"]),
        ("ARCHIVED", ["MARKETING"]),
    ]
    assert sorted(k.rsplit("_", 1)[1] for k in aws.objects() if k.endswith(".zip")) == [
        "INCOME.zip",
        "MARKETING.zip",
        "OUTCOME.zip",
    ]
    assert emulator.count("generate") == 4


def test_too_large_for_one_type_is_a_failure_with_advice(aws, emulator):
    emulator.set_outcome(1001, "TOO_LARGE")
    execution, _, bodies = run_one(aws, {"contractTypes": ["INCOME"]})
    body = assert_failed_with_nothing_stored(aws, execution, bodies, "ReportTooLarge")
    assert "even for one contract type" in body["cause"]


def test_resource_not_found_says_to_check_the_campaign_id(aws, emulator):
    emulator.set_outcome(1001, "RESOURCE_NOT_FOUND")
    execution, _, bodies = run_one(aws)
    body = assert_failed_with_nothing_stored(aws, execution, bodies, "ReportFailed")
    assert "not a business id" in body["cause"]


# --- not yet published ---------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["NO_DATA", "FAILED"])
def test_scheduled_run_waits_a_day_while_yandex_has_not_published(make_aws, emulator, outcome):
    aws = make_aws(NotPublishedRecheckDays="2", NotPublishedRecheckSeconds="200")
    emulator.set_outcome(1001, outcome)
    execution = aws.run({"scheduledTime": "2026-01-10T06:00:00Z"})

    assert execution.status == "SUCCEEDED", execution.cause
    (notice,) = aws.notifications()
    assert notice.attributes["status"] == "NO_DOCUMENTS"
    assert f"was {outcome} on each of 3 daily attempts" in notice.body()["message"]
    assert emulator.count("generate") == 3
    waits = [e["stateEnteredEventDetails"] for e in aws.events(execution.arn) if e["type"] == "WaitStateEntered"]
    days = [json.loads(w["input"]) for w in waits if w["name"] == "WaitToGenerate"]
    assert len(days) == 2 and all(d["waitSeconds"] == d["limits"]["recheckSeconds"] for d in days)  # a day each


def test_scheduled_run_archives_once_yandex_publishes(make_aws, emulator):
    aws = make_aws(NotPublishedRecheckDays="3", NotPublishedRecheckSeconds="200")
    emulator.set_outcome(1001, "NO_DATA")
    execution_arn = aws.start_execution({"scheduledTime": "2026-01-10T06:00:00Z"})
    deadline = time.monotonic() + 60
    while emulator.count("generate") < 2 and time.monotonic() < deadline:  # Yandex publishes on day two
        time.sleep(0.01)
    emulator.set_outcome(1001, "DONE")
    execution = aws.wait_for(execution_arn)
    assert execution.status == "SUCCEEDED", execution.cause
    statuses = [n.attributes["status"] for n in aws.notifications()]
    assert statuses == ["ARCHIVED"]


def test_manual_run_of_an_older_month_takes_no_data_as_final(aws, emulator):
    emulator.set_outcome(1001, "NO_DATA")
    execution, _, bodies = run_one(aws)
    assert execution.status == "SUCCEEDED" and [b["status"] for b in bodies] == ["NO_DOCUMENTS"]
    assert emulator.count("generate") == 1
