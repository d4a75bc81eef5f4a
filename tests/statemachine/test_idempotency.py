"""Issue 3: nothing twice. Re-runs skip archived months, duplicate starts stand aside, a retried
Generate reuses its report, and no secret or signed link shows up anywhere."""

import json
import threading

from local.aws import EmbeddedAws
from local.emulator import Fault, MarketEmulator

MONTH = "2025-12"
ZIP = "closing-documents/2025-12/default/1001/closing-documents_1001_2025-12_ALL.zip"


def zip_versions(aws: EmbeddedAws) -> list[dict]:
    return aws.client("s3").list_object_versions(Bucket=aws.bucket, Prefix=ZIP).get("Versions", [])


def test_archived_month_is_skipped_and_announced_unless_forced(aws: EmbeddedAws, emulator: MarketEmulator):
    assert aws.run({"month": MONTH}).status == "SUCCEEDED"
    first = aws.notifications()[0].body()

    again = aws.run({"month": MONTH})
    assert again.status == "SUCCEEDED"
    (notice,) = aws.notifications()
    assert notice.attributes["status"] == "ALREADY_ARCHIVED"
    assert notice.body()["sha256"] == first["sha256"] and notice.body()["s3Uri"] == first["s3Uri"]
    assert emulator.count("generate") == 1 and len(zip_versions(aws)) == 1

    forced = aws.run({"month": MONTH, "force": True})
    assert forced.status == "SUCCEEDED"
    assert [n.attributes["status"] for n in aws.notifications()] == ["ARCHIVED"]
    assert emulator.count("generate") == 2 and len(zip_versions(aws)) == 2  # versioning keeps the first copy


def test_two_executions_at_once_make_one_report_one_archive_one_archived_notice(aws, emulator):
    arns = []
    starters = [threading.Thread(target=lambda: arns.append(aws.start_execution({"month": MONTH}))) for _ in range(2)]
    for thread in starters:
        thread.start()
    for thread in starters:
        thread.join()
    executions = [aws.wait_for(arn) for arn in arns]

    assert [e.status for e in executions] == ["SUCCEEDED", "SUCCEEDED"]
    statuses = sorted(n.attributes["status"] for n in aws.notifications())
    assert statuses in (["ARCHIVED", "IN_PROGRESS"], ["ALREADY_ARCHIVED", "ARCHIVED"])
    assert emulator.count("generate") == 1 and emulator.count("download") == 1
    assert len(zip_versions(aws)) == 1


def test_a_retried_generate_reuses_its_report_id(aws: EmbeddedAws, emulator: MarketEmulator):
    # imported here, as in Lambda: after the function's environment is set (Powertools reads it at import)
    from closing_docs.domain.models import Job, Limits
    from closing_docs.domain.unitrun import UnitRun
    from closing_docs.steps.generate import generate

    emulator.active_reports_limit = None  # the deliberate new report below would wait for the first one
    limits = Limits(max_status_checks=5, max_regenerations=2, recheck_days=0, recheck_seconds=86400)
    step = UnitRun(job=Job(business="default", campaign_id=1001, month=MONTH), execution_id="exec-1", limits=limits)
    first, retried = generate(step), generate(step)
    assert first.report.report_id == retried.report.report_id
    assert emulator.count("generate") == 1
    again = generate(step.model_copy(update={"generation": 2}))  # a deliberate new report (e.g. after 404)
    assert again.report.report_id != first.report.report_id


def test_a_lock_left_by_a_stopped_execution_is_taken_over(aws: EmbeddedAws, emulator: MarketEmulator):
    table = aws.environment["LOCK_TABLE"]
    stale = "arn:aws:states:eu-central-1:123456789012:execution:closing-docs-local-closing-documents:gone"
    aws.client("dynamodb").put_item(
        TableName=table, Item={"pk": {"S": f"default#1001#{MONTH}#ALL"}, "ownerExecution": {"S": stale}}
    )
    execution = aws.run({"month": MONTH})
    assert execution.status == "SUCCEEDED"
    assert [n.attributes["status"] for n in aws.notifications()] == ["ARCHIVED"]
    assert aws.client("dynamodb").scan(TableName=table)["Items"] == []  # released at the end


def test_no_token_or_signed_link_in_any_log_output_notice_history_or_object(make_aws, emulator, token):
    emulator.inject("download", Fault(kind="expired"), Fault(kind="truncate"))
    emulator.inject("generate", Fault(status=500))
    emulator.set_outcome(1003, "FAILED")
    aws = make_aws()
    execution = aws.run({"month": MONTH, "campaignIds": [1001, 1003]})
    notices = aws.notifications()

    assert emulator.count("download") == 3 and len(notices) == 2  # links were minted and used
    texts = [json.dumps(aws.events(execution.arn), default=str), json.dumps(execution.output), str(execution.cause)]
    texts += [n.subject + n.message for n in notices] + [o.decode(errors="replace") for o in aws.objects().values()]
    logs = "\n".join(aws.logs())  # every line the functions logged, as CloudWatch Logs would hold it
    assert '"message":"report requested"' in logs and '"download_host":"127.0.0.1"' in logs
    texts.append(logs)
    for text in texts:
        assert token not in text
        assert "signature=" not in text and "/files/" not in text


def test_two_claims_at_the_same_instant_make_one_owner(aws: EmbeddedAws, monkeypatch):
    """The lock is a conditional write: of two executions claiming a unit at once, one owns it and the other stands
    aside (IN_PROGRESS, no request), as DynamoDB guarantees. The two-executions test above failed 3 times in 10 on a
    loaded machine because moto checked a condition and wrote without a lock; embedded AWS now writes atomically."""
    from closing_docs.adapters.claims import Claims
    from closing_docs.steps.wiring import table

    class BothRunning:  # the two claimants are running executions: neither lock may be taken over
        def describe_execution(self, executionArn: str) -> dict[str, str]:  # noqa: N803 (boto3's name)
            return {"status": "RUNNING"}

    import time

    import moto.dynamodb.models as dynamodb

    parse_condition = dynamodb.create_condition_expression_parser

    def slowly(*args, **kwargs):  # a busy machine: the other thread gets the CPU between check and write
        time.sleep(0.005)
        return parse_condition(*args, **kwargs)

    monkeypatch.setattr(dynamodb, "create_condition_expression_parser", slowly)
    claims = Claims(table(), BothRunning())
    owners = 0
    for attempt in range(50):
        mine: dict[str, bool] = {}
        together = threading.Barrier(2)

        def claim(me: str, key: str, together: threading.Barrier, mine: dict[str, bool]) -> None:
            together.wait()
            mine[me] = claims.claim(key, me).mine

        threads = [
            threading.Thread(target=claim, args=(me, f"race#{attempt}", together, mine))
            for me in ("execution-a", "execution-b")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        owners += mine["execution-a"] and mine["execution-b"]
    assert owners == 0
