"""What template.yaml and the ASL promise, checked against each other and against the code."""

import json
from pathlib import Path

from closing_docs.domain import errors
from local.template import ROOT, load_template

ASL = json.loads((ROOT / "statemachine" / "closing_documents.asl.json").read_text())
TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]


def all_states(states: dict) -> dict:
    found = dict(states)
    for state in states.values():
        if "ItemProcessor" in state:
            found |= all_states(state["ItemProcessor"]["States"])
    return found


def test_every_error_name_in_retry_and_catch_is_raised_by_the_code_or_by_aws():
    ours = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)}
    for name, state in all_states(ASL["States"]).items():
        for rule in state.get("Retry", []) + state.get("Catch", []):
            for error in rule["ErrorEquals"]:
                assert error in ours or error.startswith(("States.", "Lambda.", "DynamoDB.")), (
                    f"{name}: unknown error {error}"
                )


def test_definition_substitutions_match_the_placeholders():
    text = (ROOT / "statemachine" / "closing_documents.asl.json").read_text()
    machine = RESOURCES["ClosingDocumentsStateMachine"]["Properties"]
    for key in machine["DefinitionSubstitutions"]:
        assert "${" + key + "}" in text
    assert text.count("${") == sum(text.count("${" + k + "}") for k in machine["DefinitionSubstitutions"])


def test_state_machine_is_standard_timed_traced_and_logs_no_execution_data():
    machine = RESOURCES["ClosingDocumentsStateMachine"]["Properties"]
    assert machine["Type"] == "STANDARD" and machine["Tracing"] == {"Enabled": True}
    assert machine["Logging"]["IncludeExecutionData"] is False
    assert ASL["TimeoutSeconds"] == 365 * 86400  # a long backfill (limits.check_limits); Step Functions' maximum
    assert ASL.get("QueryLanguage", "JSONPath") == "JSONPath"
    assert "Assign" not in json.dumps(ASL)


def test_monthly_schedule_is_moscow_time_with_retries_and_a_dead_letter_queue():
    events = RESOURCES["ClosingDocumentsStateMachine"]["Properties"]["Events"]
    for event in events.values():
        schedule = event["Properties"]
        assert event["Type"] == "ScheduleV2" and schedule["ScheduleExpressionTimezone"] == "Europe/Moscow"
        assert schedule["RetryPolicy"]["MaximumRetryAttempts"] > 0 and "DeadLetterConfig" in schedule
    monthly, direct = events["Monthly"]["Properties"], events["DirectInvoice"]["Properties"]
    assert monthly["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert json.loads(monthly["Input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
    # Direct's invoice: its own day, only the invoice, and off unless Direct is configured
    assert json.loads(direct["Input"]) == {
        "scheduledTime": "<aws.scheduler.scheduled-time>",
        "reports": ["direct-invoice"],
    }
    assert direct["State"] == {"Fn::If": ["DirectOn", {"Ref": "ScheduleState"}, "DISABLED"]}


def test_functions_are_python313_arm64_with_the_layer_and_exist_on_disk():
    globals_ = TEMPLATE["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13" and globals_["Architectures"] == ["arm64"]
    layer = RESOURCES["ClosingDocsLayer"]
    # built by layers/closing_docs/Makefile: arm64 wheels, python3.13 bytecode (tests/unit/test_layer_build.py)
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert (ROOT / layer["Properties"]["ContentUri"] / "Makefile").is_file()
    functions = [r for r in RESOURCES.values() if r["Type"] == "AWS::Serverless::Function"]
    code_dirs = {f["Properties"]["CodeUri"].rstrip("/") for f in functions}
    assert code_dirs == {f"functions/{d.name}" for d in (ROOT / "functions").iterdir() if d.is_dir()}
    for function in functions:
        assert (ROOT / function["Properties"]["CodeUri"] / "app.py").is_file()
    assert Path(ROOT / layer["Properties"]["ContentUri"] / "python" / "closing_docs" / "__init__.py").is_file()


def test_archive_bucket_is_encrypted_versioned_private_and_retained():
    bucket = RESOURCES["ArchiveBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain" and props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def test_failed_timed_out_and_aborted_executions_are_announced_by_eventbridge():
    rule = RESOURCES["ExecutionFailedRule"]["Properties"]
    assert rule["EventPattern"]["detail"] == {
        "status": ["FAILED", "TIMED_OUT", "ABORTED"],
        "stateMachineArn": [{"Ref": "ClosingDocumentsStateMachine"}],
    }
    assert rule["Targets"][0]["Arn"] == {"Ref": "NotificationTopic"}
    json.loads(rule["Targets"][0]["InputTransformer"]["InputTemplate"].replace("<", "").replace(">", ""))
    statements = RESOURCES["NotificationTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (statement,) = [s for s in statements if s["Effect"] == "Allow"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": ["ExecutionFailedRule", "Arn"]}
    # EventBridge cannot publish with the AWS-managed SNS key: the topic uses the stack's own key.
    assert RESOURCES["NotificationTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "NotificationKey"}


def test_lock_table_expires_items_and_the_state_machine_may_only_delete_them():
    table = RESOURCES["LockTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    statements = [
        s for p in RESOURCES["ClosingDocumentsStateMachine"]["Properties"]["Policies"] for s in p.get("Statement", [])
    ]
    (release,) = [s for s in statements if s.get("Sid") == "ReleaseCampaignMonthLocks"]
    assert release["Action"] == "dynamodb:DeleteItem" and release["Resource"] == {"Fn::GetAtt": ["LockTable", "Arn"]}


def _fields(parameters: dict) -> set[str]:
    return {key.removesuffix(".$") for key in parameters}


def test_the_unit_travels_whole_through_the_state_machine():
    """Python decides everything about a unit (domain/unitrun.py); the state machine carries it whole: each Lambda of
    the unit's child workflow takes the state whole and returns it whole, no Pass state shapes data, the states read
    only the run's own fields (what comes next, how long to wait, the notice) and the lock's key, and one Announce
    publishes every unit's notice."""
    import re

    from closing_docs.domain.models import Announcement, Outcome
    from closing_docs.domain.unitrun import UnitRun

    child = ASL["States"]["EachBusiness"]["ItemProcessor"]["States"]["EachUnit"]["ItemProcessor"]["States"]
    run_fields = {field.alias for field in UnitRun.model_fields.values()}
    for name, state in child.items():
        if state["Type"] == "Task" and state["Resource"].endswith("FunctionArn}"):
            assert not {"Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath"} & set(state), name
        if state["Type"] == "Pass":
            assert not {"Parameters", "Result", "ResultPath"} & set(state), f"{name} shapes data"
        paths = re.findall(r"\$\.([A-Za-z]+)((?:\.[A-Za-z]+)*)", json.dumps(state))
        assert {head for head, _ in paths} <= run_fields, name
        assert {head + rest for head, rest in paths if head == "job"} <= {"job.lockKey"}, f"{name} reads the unit"
    publishes = [name for name, state in child.items() if state.get("Resource") == "arn:aws:states:::sns:publish"]
    assert publishes == ["Announce"]
    everywhere = all_states(ASL["States"])  # one Publish per scope: a unit's, a month's close, the run's
    publishing = sorted(n for n, state in everywhere.items() if state.get("Resource") == "arn:aws:states:::sns:publish")
    assert publishing == ["Announce", "AnnounceClose", "AnnounceRun"]
    assert set(Announcement.model_fields) == {"body", "subject", "attributes", "outcome"}
    assert {"notice_error"} <= set(Outcome.model_fields)
    nexts = {choice["StringEquals"] for choice in child["WhatNext"]["Choices"]}
    assert nexts | {"RELEASE"} == set(UnitRun.model_fields["next"].annotation.__args__[0].__args__)


def test_the_distributed_map_children_are_watched_by_both_documented_arn_forms():
    """AWS documents a Distributed Map child's ARN as ``execution:<machine>/<label>:<id>`` and IAM examples with
    ``execution:<machine>:*``: DescribeExecution and StopExecution are granted on both, for both machines."""
    for machine, name in (("ClosingDocumentsStateMachine", "closing-documents"), ("FixityStateMachine", "fixity")):
        statements = [
            s
            for p in RESOURCES[machine]["Properties"]["Policies"]
            for s in p.get("Statement", [])
            if isinstance(p, dict)
        ]
        (watch,) = [s for s in statements if s.get("Sid") == "WatchDistributedMapChildren"]
        assert watch["Action"] == ["states:DescribeExecution", "states:StopExecution"]
        execution = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}"
        assert [r["Fn::Sub"] for r in watch["Resource"]] == [f"{execution}-{name}/*", f"{execution}-{name}:*"]
