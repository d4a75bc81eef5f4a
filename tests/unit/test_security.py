"""Security and operations, as template.yaml declares them: the archive bucket for each parameter value (conditions
resolved as CloudFormation would), what each role may do, the topics, the alarms and the audit's schedule; and that
the layer's boto3 sends the checksums S3 Object Lock requires."""

import io
import json
import os
import re
import zipfile
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from closing_docs.adapters.archive import ArchiveStore, MiB
from local.template import ROOT, Resolver, load_template

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
PSEUDO = {
    "AWS::StackName": "stack",
    "AWS::Region": "eu-central-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
KEY_ARN = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
XRAY = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
BUCKET_ARN = "arn:ArchiveBucket"
PREFIX = f"{BUCKET_ARN}/closing-documents/"
WORK_ARN = "arn:WorkBucket"  # the runs' plans and results (runs/), the fixity runs' work (fixity/)


def resolver(**parameters: str) -> Resolver:
    """Conditions and parameters resolved as CloudFormation would; resources stand in by their logical ids:
    ``Ref X`` is ``<X>``, ``GetAtt X.Arn`` is ``arn:X`` and ``GetAtt X.QueueName`` is ``queuename:X``."""
    resolved = Resolver.for_template(TEMPLATE, parameters, PSEUDO)
    for logical in RESOURCES:
        resolved.refs[logical] = f"<{logical}>"
        for attribute in ("Arn", "TopicName", "QueueName"):
            resolved.attrs[(logical, attribute)] = f"{attribute.lower()}:{logical}"
    return resolved


def properties(logical: str, **parameters: str) -> dict[str, Any]:
    return resolver(**parameters).resolve(RESOURCES[logical]["Properties"])


def functions() -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}


def role_of(function: str) -> str:
    role = functions()[function]["Role"]
    assert role == {"Fn::GetAtt": [role["Fn::GetAtt"][0], "Arn"]}, f"{function}: Role must be one of this template's"
    return role["Fn::GetAtt"][0]


def statements(role: str, **parameters: str) -> list[dict[str, Any]]:
    role_properties = properties(role, **parameters)
    return [s for policy in role_properties["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants(found: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, resource) of every Allow statement."""
    assert all(s["Effect"] == "Allow" for s in found)
    return {(a, r) for s in found for a in as_list(s["Action"]) for r in as_list(s["Resource"])}


# --- the archive bucket ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "algorithm", "key"),
    [
        ({}, "aws:kms", None),  # the default: SSE-KMS with the AWS managed key aws/s3
        ({"ArchiveKmsKeyArn": KEY_ARN}, "aws:kms", KEY_ARN),
        ({"ArchiveEncryption": "SSE-S3"}, "AES256", None),
    ],
    ids=["sse-kms-aws-managed-key", "sse-kms-customer-key", "sse-s3"],
)
def test_archive_bucket_encryption_follows_the_parameters(parameters, algorithm, key):
    (rule,) = properties("ArchiveBucket", **parameters)["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"].get("SSEAlgorithm") == algorithm
    assert rule["ServerSideEncryptionByDefault"].get("KMSMasterKeyID") == key
    assert rule.get("BucketKeyEnabled") is (True if algorithm == "aws:kms" else None)


def test_a_customer_key_needs_sse_kms():
    (assertion,) = TEMPLATE["Rules"]["KmsKeyOnlyWithSseKms"]["Assertions"]
    assert TEMPLATE["Rules"]["KmsKeyOnlyWithSseKms"]["RuleCondition"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ArchiveKmsKeyArn"}, ""]}]
    }
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "ArchiveEncryption"}, "SSE-KMS"]}


@pytest.mark.parametrize("mode", ["NONE", "GOVERNANCE", "COMPLIANCE"])
def test_object_lock_only_when_asked_with_the_retention(mode):
    bucket = properties("ArchiveBucket", ObjectLockMode=mode, RetentionDays="3000")
    if mode == "NONE":
        assert "ObjectLockEnabled" not in bucket and "ObjectLockConfiguration" not in bucket
    else:
        assert bucket["ObjectLockEnabled"] is True
        assert bucket["ObjectLockConfiguration"] == {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, "Days": "3000"}},
        }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}  # Object Lock needs it; never suspended


def test_lifecycle_moves_zips_to_glacier_ir_keeps_json_in_standard_and_never_expires_current_versions():
    rules = {
        r["Id"]: r for r in properties("ArchiveBucket", ArchiveTransitionDays="120")["LifecycleConfiguration"]["Rules"]
    }
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    glacier = rules["archives-to-glacier-instant-retrieval"]
    assert glacier["Prefix"] == "closing-documents/" and glacier["Status"] == "Enabled"
    assert glacier["ObjectSizeGreaterThan"] == str(128 * 1024)  # manifests and markers (a few KB) stay in Standard
    assert glacier["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": "120"}]
    assert glacier["NoncurrentVersionTransitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": "120"}]
    assert rules["expire-earlier-versions-after-retention"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": "2192"}
    for rule in rules.values():
        assert not {"ExpirationInDays", "ExpirationDate", "Expiration"} & set(rule), "current versions never expire"


def test_retention_defaults_cover_five_years_after_the_reporting_year():
    parameters = TEMPLATE["Parameters"]
    assert parameters["RetentionDays"]["Default"] == 6 * 365 + 2 and parameters["RetentionDays"]["MinValue"] >= 5 * 365
    assert parameters["ObjectLockMode"]["Default"] == "NONE"
    assert parameters["ArchiveEncryption"]["Default"] == "SSE-KMS"
    # The audit runs after the archive run (the 10th) and its daily rechecks.
    assert parameters["AuditDayOfMonth"]["Default"] > 10 + parameters["NotPublishedRecheckDays"]["Default"]


def test_archive_bucket_stays_private_retained_logged_and_tls_only():
    bucket = RESOURCES["ArchiveBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    props = properties("ArchiveBucket")
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True
    )
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["LoggingConfiguration"]["DestinationBucketName"] == "<AccessLogBucket>"
    (deny,) = properties("ArchiveBucketPolicy")["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- roles -----------------------------------------------------------------------------------------------------

LOGS = ("logs:CreateLogStream", "logs:PutLogEvents")
SECRET = ("secretsmanager:GetSecretValue", "<ApiKeySecret>")
# Everything each function's role allows with the default parameters (SSE-KMS with aws/s3: no KMS grant needed).
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "ResolveInputFunction": {
        SECRET,
        ("s3:PutObject", f"{WORK_ARN}/runs/*/plan.json"),  # the run's plan, for the Distributed Maps' ItemReader
        ("s3:PutObject", f"{WORK_ARN}/runs/*/units/*"),
    },
    "SummarizeRunFunction": {
        ("s3:GetObject", f"{WORK_ARN}/runs/*/results/*"),  # what their ResultWriter wrote
        ("s3:GetObject", f"{WORK_ARN}/runs/*/plan.json"),  # the businesses with no units (no results to read)
        ("s3:GetObject", f"{PREFIX}*.manifest.json"),
        ("s3:GetObject", f"{PREFIX}*.no-documents.json"),
        ("s3:GetObject", f"{PREFIX}*/pack.json"),
        ("s3:PutObject", f"{PREFIX}*/pack.json"),
        ("s3:PutObject", f"{PREFIX}*/index.html"),  # the archive's index, per business
        ("s3:PutObject", f"{PREFIX}*/index.csv"),
        ("s3:ListBucket", BUCKET_ARN),
    },
    "GenerateReportFunction": {
        SECRET,
        ("dynamodb:UpdateItem", "arn:LockTable"),
        ("dynamodb:GetItem", "arn:LockTable"),
        ("dynamodb:PutItem", "arn:LockTable"),
        ("s3:GetObject", f"{PREFIX}*.manifest.json"),
        ("s3:ListBucket", BUCKET_ARN),
        ("states:DescribeExecution", "arn:aws:states:eu-central-1:123456789012:execution:stack-closing-documents:*"),
    },
    "CheckReportFunction": {SECRET, ("s3:PutObject", f"{PREFIX}*.no-documents.json")},
    "DescribeFailureFunction": set(),  # builds a notice from its input: its log only
    "CloseMonthFunction": {
        ("s3:GetObject", f"{WORK_ARN}/runs/*/units/*"),  # which reports the month asked for
        ("s3:GetObject", f"{WORK_ARN}/runs/*/results/*"),  # the errors of those that failed
        ("s3:GetObject", f"{PREFIX}*.manifest.json"),
        ("s3:GetObject", f"{PREFIX}*.no-documents.json"),
        ("s3:GetObject", f"{PREFIX}*.zip"),  # the CSV ZIPs (twins or a CSV deployment's)
        ("s3:GetObject", f"{PREFIX}*/close/*"),
        ("s3:PutObject", f"{PREFIX}*/close/*"),  # its own folder only
        ("s3:AbortMultipartUpload", f"{PREFIX}*/close/*"),
        ("s3:ListBucket", BUCKET_ARN),
    },
    "ArchiveReportFunction": {
        SECRET,
        ("s3:PutObject", f"{PREFIX}*.zip"),
        ("s3:PutObject", f"{PREFIX}*.xlsx"),
        ("s3:PutObject", f"{PREFIX}*.manifest.json"),
        ("s3:AbortMultipartUpload", f"{PREFIX}*.zip"),
        ("s3:AbortMultipartUpload", f"{PREFIX}*.xlsx"),
        ("s3:GetObject", f"{PREFIX}*.xlsx"),
    },
    "AuditArchiveFunction": {
        SECRET,
        ("s3:ListBucket", BUCKET_ARN),
        ("s3:GetObject", f"{PREFIX}*.manifest.json"),
        ("s3:GetObject", f"{PREFIX}*.no-documents.json"),
        ("s3:GetObject", f"{PREFIX}*/activeplatform/document-keys.json"),  # the audit plans as the run does
        ("sns:Publish", "<OperationsTopic>"),
        ("kms:GenerateDataKey", "arn:OperationsKey"),
        ("kms:Decrypt", "arn:OperationsKey"),
        ("sqs:SendMessage", "arn:ScheduleDeadLetterQueue"),
    },
    # Fixity: read-only on the archive; writes only to its own work bucket.
    "FixityListFunction": {
        ("s3:ListBucket", BUCKET_ARN),
        ("s3:PutObject", f"{WORK_ARN}/fixity/*/work.json"),
    },
    "FixityCheckFunction": {
        ("s3:GetObject", f"{PREFIX}*"),
        ("s3:GetObjectVersion", f"{PREFIX}*"),  # the version a manifest names, when it is no longer the current one
        ("s3:ListBucket", BUCKET_ARN),
        ("s3:PutObject", f"{WORK_ARN}/fixity/*/results/*"),
    },
    "FixityReportFunction": {
        ("s3:ListBucket", WORK_ARN),
        ("s3:GetObject", f"{WORK_ARN}/fixity/*"),
        ("s3:PutObject", f"{WORK_ARN}/fixity/*/report.json"),
        ("sns:Publish", "<OperationsTopic>"),
        ("kms:GenerateDataKey", "arn:OperationsKey"),
        ("kms:Decrypt", "arn:OperationsKey"),
    },
}
FIXITY_FUNCTIONS = {"FixityListFunction", "FixityCheckFunction", "FixityReportFunction"}
# What each may do with a customer managed archive key (only through S3, only for this bucket).
ARCHIVE_KEY_ACTIONS = {
    "GenerateReportFunction": {"kms:Decrypt"},
    "CheckReportFunction": {"kms:GenerateDataKey"},
    "ArchiveReportFunction": {"kms:GenerateDataKey", "kms:Decrypt"},
    "SummarizeRunFunction": {"kms:GenerateDataKey", "kms:Decrypt"},
    "CloseMonthFunction": {"kms:GenerateDataKey", "kms:Decrypt"},
    "AuditArchiveFunction": {"kms:Decrypt"},
    "FixityCheckFunction": {"kms:Decrypt"},
}


def test_every_function_has_its_own_role_and_no_sam_policy():
    assert set(functions()) == set(EXPECTED)
    roles = [role_of(name) for name in functions()]
    assert len(set(roles)) == len(roles)
    for name, props in functions().items():
        assert "Policies" not in props, f"{name}: SAM ignores Policies beside Role; put them in its role"
        assert RESOURCES[role_of(name)]["Type"] == "AWS::IAM::Role"


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_each_function_role_allows_only_what_its_step_does(function):
    role = role_of(function)
    found = statements(role)
    log_group = functions()[function]["LoggingConfig"]["LogGroup"]["Ref"]
    assert grants(found) == EXPECTED[function] | {(action, f"arn:{log_group}") for action in LOGS}
    # X-Ray through the AWS managed write-only policy: its actions take no resource. Nothing else is "*".
    assert properties(role)["ManagedPolicyArns"] == [XRAY]
    assert all("*" not in action for s in found for action in as_list(s["Action"]))
    trust = properties(role)["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_the_archive_key_is_granted_only_when_given_and_only_through_s3(function):
    role = role_of(function)
    without = grants(statements(role))
    with_key = statements(role, ArchiveKmsKeyArn=KEY_ARN)
    added = grants(with_key) - without
    assert added == {(action, KEY_ARN) for action in ARCHIVE_KEY_ACTIONS.get(function, set())}
    for statement in with_key:
        if statement["Resource"] == KEY_ARN:
            assert statement["Condition"]["StringEquals"] == {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}
            assert statement["Condition"]["StringLike"] == {
                "kms:EncryptionContext:aws:s3:arn": [BUCKET_ARN, f"{BUCKET_ARN}/*"]
            }
    assert grants(statements(role, ArchiveEncryption="SSE-S3")) == without


def test_the_audit_lists_only_the_archive_prefix_and_publishes_only_to_operations():
    found = statements(role_of("AuditArchiveFunction"))
    (listing,) = [s for s in found if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "closing-documents/*"}}
    (key,) = [s for s in found if s["Resource"] == "arn:OperationsKey"]
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": "sns.eu-central-1.amazonaws.com"}}
    writes = {a for s in found for a in as_list(s["Action"]) if a.startswith("s3:") and a != "s3:ListBucket"}
    assert writes == {"s3:GetObject"}, "the audit never writes to the archive"


def test_only_the_archive_step_writes_archives_and_nobody_deletes():
    for function in EXPECTED:
        for action, resource in grants(statements(role_of(function))):
            assert not action.startswith(("s3:Delete", "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:Bypass"))
            assert action != "s3:*"
            if action == "s3:PutObject":
                if function in FIXITY_FUNCTIONS:  # fixity writes only its own work, never the archive
                    assert resource.startswith(f"{WORK_ARN}/fixity/")
                    continue
                if function == "ResolveInputFunction":  # the plan, never the archive
                    assert resource.startswith(f"{WORK_ARN}/runs/")
                    continue
                assert resource.startswith(PREFIX)
                if resource.endswith((".zip", ".manifest.json")):
                    assert function == "ArchiveReportFunction"


def test_state_machine_invokes_only_its_functions_and_publishes_only_notices():
    machine = RESOURCES["ClosingDocumentsStateMachine"]["Properties"]
    assert all(set(policy) == {"Statement"} for policy in machine["Policies"]), "no SAM policy template"
    found = [s for policy in resolver().resolve(machine["Policies"]) for s in policy["Statement"]]
    invoked = {r for a, r in grants(found) if a == "lambda:InvokeFunction"}
    substituted = {
        v["Fn::GetAtt"][0] for k, v in machine["DefinitionSubstitutions"].items() if k.endswith("FunctionArn")
    }
    assert (
        invoked
        == {f"arn:{name}" for name in substituted}
        == {f"arn:{name}" for name in EXPECTED if name != "AuditArchiveFunction" and name not in FIXITY_FUNCTIONS}
    )
    assert {r for a, r in grants(found) if a.startswith("sns:")} == {"<NotificationTopic>"}
    assert {r for a, r in grants(found) if a.startswith("kms:")} == {"arn:NotificationKey"}
    # S3: only the work bucket's runs/ (the plan for ItemReader, the results from ResultWriter), never the archive.
    assert {(a, r) for a, r in grants(found) if a.startswith("s3:")} == {
        ("s3:GetObject", f"{WORK_ARN}/runs/*/plan.json"),
        ("s3:GetObject", f"{WORK_ARN}/runs/*/units/*"),
        *((action, f"{WORK_ARN}/runs/*/results/*") for action in (
            "s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload")),
    }  # fmt: skip
    (notices_key,) = [s for s in found if s.get("Sid") == "EncryptNotices"]
    assert notices_key["Condition"] == {"StringEquals": {"kms:ViaService": "sns.eu-central-1.amazonaws.com"}}
    # The one "*": the log-delivery APIs, which AWS documents as taking no resource.
    (anywhere,) = [s for s in found if s["Resource"] == "*"]
    assert set(anywhere["Action"]) == {
        f"logs:{api}"
        for api in (
            *(f"{verb}LogDelivery" for verb in ("Create", "Get", "Update", "Delete")),
            "ListLogDeliveries",
            "PutResourcePolicy",
            "DescribeResourcePolicies",
            "DescribeLogGroups",
        )
    }
    assert not any(
        action.endswith("*") for s in found for action in as_list(s["Action"]) if action != "kms:GenerateDataKey*"
    )


def test_the_fixity_machine_invokes_only_its_functions_and_reads_only_its_work_list():
    machine = RESOURCES["FixityStateMachine"]["Properties"]
    assert all(set(policy) == {"Statement"} for policy in machine["Policies"]), "no SAM policy template"
    found = [s for policy in resolver().resolve(machine["Policies"]) for s in policy["Statement"]]
    substituted = {
        v["Fn::GetAtt"][0] for k, v in machine["DefinitionSubstitutions"].items() if k.endswith("FunctionArn")
    }
    assert substituted == FIXITY_FUNCTIONS
    machine_arn = "arn:aws:states:eu-central-1:123456789012:stateMachine:stack-fixity"
    assert grants([s for s in found if s["Resource"] != "*"]) == {
        *(("lambda:InvokeFunction", f"arn:{name}") for name in FIXITY_FUNCTIONS),
        ("s3:GetObject", f"{WORK_ARN}/fixity/*/work.json"),  # the Distributed Map's ItemReader
        ("states:StartExecution", machine_arn),
        ("states:DescribeExecution", "arn:aws:states:eu-central-1:123456789012:execution:stack-fixity/*"),
        ("states:StopExecution", "arn:aws:states:eu-central-1:123456789012:execution:stack-fixity/*"),
        ("states:DescribeExecution", "arn:aws:states:eu-central-1:123456789012:execution:stack-fixity:*"),
        ("states:StopExecution", "arn:aws:states:eu-central-1:123456789012:execution:stack-fixity:*"),
    }
    assert properties("FixityStateMachine")["Name"] == machine_arn.rsplit(":", 1)[1]
    (anywhere,) = [s for s in found if s["Resource"] == "*"]
    assert all(action.startswith("logs:") for action in anywhere["Action"])  # log delivery: AWS takes no resource
    assert machine["Logging"]["Destinations"] == [
        {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["FixityStateMachineLogGroup", "Arn"]}}}
    ]


def test_the_work_bucket_is_private_encrypted_tls_only_and_expires():
    bucket = properties("WorkBucket")
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], True
    )
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] > 366  # a year of quarterly reports, then gone
    (deny,) = properties("WorkBucketPolicy")["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [WORK_ARN, f"{WORK_ARN}/*"]


def test_the_fixity_functions_read_the_archive_and_write_only_their_log_groups():
    for name, path in (
        ("FixityListFunction", "list"),
        ("FixityCheckFunction", "check"),
        ("FixityReportFunction", "report"),
    ):
        log_group = properties(functions()[name]["LoggingConfig"]["LogGroup"]["Ref"], LogRetentionDays="365")
        assert log_group == {"LogGroupName": f"/aws/lambda/stack-fixity-{path}", "RetentionInDays": "365"}
    (listing,) = [s for s in statements(role_of("FixityListFunction")) if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "closing-documents/*"}}
    archive_actions = {
        action
        for name in FIXITY_FUNCTIONS
        for action, resource in grants(statements(role_of(name)))
        if resource.startswith(BUCKET_ARN)
    }
    assert archive_actions == {"s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion"}, (
        "fixity never writes the archive"
    )


def test_schedules_use_the_roles_sam_generates():
    """SAM gives each ScheduleV2 a role allowing only its target (states:StartExecution on this state machine,
    lambda:InvokeFunction on the audit) and sqs:SendMessage on the dead-letter queue: no RoleArn of our own."""
    for resource in (
        RESOURCES["ClosingDocumentsStateMachine"],
        RESOURCES["AuditArchiveFunction"],
        RESOURCES["FixityStateMachine"],
    ):
        for event in resource["Properties"]["Events"].values():
            assert event["Type"] == "ScheduleV2" and "RoleArn" not in event["Properties"]
            assert event["Properties"]["DeadLetterConfig"] == {
                "Arn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
            }


# --- topics, queue, alarms -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "key"), [("NotificationTopic", "NotificationKey"), ("OperationsTopic", "OperationsKey")]
)
def test_topics_use_their_own_rotated_customer_key(topic, key):
    assert properties(topic)["KmsMasterKeyId"] == f"<{key}>"
    assert properties(key)["EnableKeyRotation"] is True


def test_topic_policies_allow_only_this_accounts_publishers():
    expected = {
        "NotificationTopicPolicy": ("events.amazonaws.com", "ArnEquals", "arn:ExecutionFailedRule"),
        "OperationsTopicPolicy": (
            "cloudwatch.amazonaws.com",
            "ArnLike",
            "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:stack-*",
        ),
    }
    for policy, (service, operator, source) in expected.items():
        found = properties(policy)["PolicyDocument"]["Statement"]
        (allow,) = [s for s in found if s["Effect"] == "Allow"]
        assert allow["Principal"] == {"Service": service} and allow["Action"] == "sns:Publish"
        assert allow["Condition"] == {
            operator: {"aws:SourceArn": source},
            "StringEquals": {"aws:SourceAccount": "123456789012"},
        }
        (deny,) = [s for s in found if s["Effect"] == "Deny"]
        assert deny["Principal"] == "*" and {"sns:Publish", "sns:Subscribe", "sns:SetTopicAttributes"} <= set(
            deny["Action"]
        )
        assert deny["Condition"] == {
            "StringNotEquals": {"aws:PrincipalAccount": "123456789012"},
            "Bool": {"aws:PrincipalIsAWSService": "false"},
        }


def test_cloudwatch_may_encrypt_for_the_operations_topic():
    found = properties("OperationsKey")["KeyPolicy"]["Statement"]
    (alarms,) = [s for s in found if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(alarms["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}


def test_dead_letter_queue_is_encrypted():
    assert properties("ScheduleDeadLetterQueue")["SqsManagedSseEnabled"] is True


ALARMS = {
    "ExecutionsFailedAlarm": ("AWS/States", "ExecutionsFailed", "StateMachineArn", "<ClosingDocumentsStateMachine>"),
    "ExecutionsTimedOutAlarm": (
        "AWS/States",
        "ExecutionsTimedOut",
        "StateMachineArn",
        "<ClosingDocumentsStateMachine>",
    ),
    "DeadLettersAlarm": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        "queuename:ScheduleDeadLetterQueue",
    ),
    "MissingArchivesAlarm": ("ClosingDocuments", "MissingArchives", "service", "closing-documents"),
    "FixityProblemsAlarm": ("ClosingDocuments", "FixityProblems", "service", "closing-documents"),
    "FixityRunsFailedAlarm": ("AWS/States", "ExecutionsFailed", "StateMachineArn", "<FixityStateMachine>"),
}


def test_alarms_watch_failures_dead_letters_and_missing_archives_and_tell_operations():
    alarms = {k for k, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert alarms == set(ALARMS)
    for name, (namespace, metric, dimension, value) in ALARMS.items():
        alarm = properties(name)
        assert (alarm["Namespace"], alarm["MetricName"]) == (namespace, metric)
        assert alarm["Dimensions"] == [{"Name": dimension, "Value": value}]
        assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["EvaluationPeriods"] == 1 and alarm["TreatMissingData"] == "notBreaching"
        assert alarm["AlarmActions"] == ["<OperationsTopic>"] and "OKActions" not in alarm
        assert properties(name, AlarmOkNotifications="ENABLED")["OKActions"] == ["<OperationsTopic>"]
        assert alarm["AlarmName"].startswith("stack-")  # what the operations topic policy lets publish
    # The metric alarm watches what Powertools emits: its namespace and default "service" dimension.
    environment = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == ALARMS["MissingArchivesAlarm"][0]
    assert environment["POWERTOOLS_SERVICE_NAME"] == ALARMS["MissingArchivesAlarm"][3]
    assert environment["OPERATIONS_TOPIC_ARN"] == {"Ref": "OperationsTopic"}


def test_operations_email_is_optional():
    subscription = RESOURCES["OperationsEmailSubscription"]
    assert subscription["Condition"] == "HasOperationsEmail"
    assert resolver().condition("HasOperationsEmail") is False
    assert resolver(OperationsEmail="ops@example.com").condition("HasOperationsEmail") is True
    assert (
        properties("OperationsEmailSubscription", OperationsEmail="ops@example.com")["TopicArn"] == "<OperationsTopic>"
    )


def test_the_audit_runs_monthly_in_moscow_time_after_the_archive_run():
    function = functions()["AuditArchiveFunction"]
    assert function["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-audit-archive"}
    assert function["CodeUri"] == "functions/audit_archive/"
    (event,) = function["Events"].values()
    schedule = event["Properties"]
    assert event["Type"] == "ScheduleV2" and schedule["ScheduleExpressionTimezone"] == "Europe/Moscow"
    assert resolver(AuditDayOfMonth="21").resolve(schedule["ScheduleExpression"]) == "cron(0 9 21 * ? *)"
    assert json.loads(schedule["Input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
    assert schedule["State"] == {"Ref": "ScheduleState"} and schedule["RetryPolicy"]["MaximumRetryAttempts"] > 0
    # Invoked asynchronously: a failed audit ends in the dead-letter queue, which an alarm watches.
    assert function["DeadLetterQueue"] == {
        "Type": "SQS",
        "TargetArn": {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]},
    }
    log_group = properties(function["LoggingConfig"]["LogGroup"]["Ref"], LogRetentionDays="365")
    assert log_group == {"LogGroupName": "/aws/lambda/stack-audit-archive", "RetentionInDays": "365"}
    skipped = {s["id"] for s in RESOURCES["AuditArchiveFunction"]["Metadata"]["checkov"]["skip"]}
    assert skipped == {"CKV_AWS_115", "CKV_AWS_117", "CKV_AWS_173"}  # CKV_AWS_116 (a DLQ) passes


# --- checksums for S3 Object Lock -------------------------------------------------------------------------------


def test_the_layers_boto3_sends_the_checksums_object_lock_requires():
    """S3 refuses a PutObject or UploadPart into an Object Lock bucket without Content-MD5 or a checksum. boto3
    >= 1.36 computes a CRC32 by default (request_checksum_calculation "when_supported"); the layer pins 1.44.5."""
    pinned = ROOT / "layers" / "closing_docs" / "python" / "requirements.txt"
    versions = dict(line.split("==") for line in pinned.read_text().splitlines() if "==" in line)
    assert tuple(int(p) for p in versions["boto3"].split(".")[:2]) >= (1, 36) and boto3.__version__ == versions["boto3"]
    zip_body = io.BytesIO()
    with zipfile.ZipFile(zip_body, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("big.pdf", os.urandom(6 * 1024 * 1024))  # above the 5 MiB part size: a multipart upload
    body = zip_body.getvalue()
    sent: dict[str, list[dict[str, str]]] = {}

    def record(request: Any, event_name: str, **_: Any) -> None:
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        sent.setdefault(event_name.rsplit(".", 1)[1], []).append(headers)

    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-central-1")
        s3.create_bucket(
            Bucket="locked",
            CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
            ObjectLockEnabledForBucket=True,
        )
        s3.put_object_lock_configuration(
            Bucket="locked",
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        s3.meta.events.register("before-send.s3", record)
        store = ArchiveStore(s3, "locked")
        chunks = (body[offset : offset + MiB] for offset in range(0, len(body), MiB))
        store.store_zip("closing-documents/x.zip", chunks, len(body))
        s3.put_object(Bucket="locked", Key="closing-documents/x.manifest.json", Body=b"{}")
        assert s3.get_object(Bucket="locked", Key="closing-documents/x.zip")["Body"].read() == body

        # Without the default checksums S3 (and moto) refuse the write.
        bare = boto3.client(
            "s3", region_name="eu-central-1", config=Config(request_checksum_calculation="when_required")
        )
        with pytest.raises(bare.exceptions.ClientError, match="Content-MD5"):
            bare.put_object(Bucket="locked", Key="closing-documents/y.manifest.json", Body=b"{}")
    for operation in ("UploadPart", "PutObject"):
        assert sent[operation], operation
        for headers in sent[operation]:
            algorithm = headers.get("x-amz-sdk-checksum-algorithm")
            assert algorithm and (f"x-amz-checksum-{algorithm.lower()}" in headers or "x-amz-trailer" in headers)


# --- issue 17 §5: the keys' service grants bound to this account; Direct's lock-table rights to its own items ---


def key_statements(key: str) -> list[dict[str, Any]]:
    return properties(key)["KeyPolicy"]["Statement"]


def test_every_service_grant_in_a_key_policy_is_conditioned():
    for key in (k for k, r in RESOURCES.items() if r["Type"] == "AWS::KMS::Key"):
        for statement in key_statements(key):
            if "Service" in statement.get("Principal", {}):
                assert statement.get("Condition"), f"{key}: {statement['Sid']} grants a service without a condition"


def test_cloudwatch_may_encrypt_only_for_this_stacks_alarms_in_this_account():
    (alarms,) = [
        s for s in key_statements("OperationsKey") if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert alarms["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:stack-*"},
        "StringEquals": {"aws:SourceAccount": "123456789012"},
    }
    # the same alarms the topic policy lets publish, and every alarm of the stack is one of them
    (allow,) = [s for s in properties("OperationsTopicPolicy")["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Condition"] == alarms["Condition"]
    names = [properties(k)["AlarmName"] for k, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert names and all(name.startswith("stack-") for name in names)


def test_eventbridge_may_encrypt_only_for_this_accounts_topics_and_without_source_keys():
    """AWS does not support aws:SourceAccount, aws:SourceArn or aws:SourceOrgID in a key policy for EventBridge-to-
    encrypted-topic delivery (SNS Developer Guide: "Enable compatibility between event sources from AWS services and
    encrypted topics"): with them every failed-execution notice would be dropped. SNS's encryption context, the topic's
    ARN, binds the grant to this account's topics in this Region instead."""
    (events,) = [
        s for s in key_statements("NotificationKey") if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert set(events["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert events["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:eu-central-1:123456789012:*"}
    }
    keys = {k.lower() for operator in events["Condition"].values() for k in operator}
    assert not keys & {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"}


DIRECT = {"DirectApiUrl": "https://api.direct.yandex.ru"}


def test_the_direct_archive_role_reaches_only_directs_own_lock_table_items():
    role = role_of("ArchiveReportFunction")
    assert not [s for s in statements(role) if "arn:LockTable" in as_list(s["Resource"])], "Direct off: no lock table"
    on_table = {s["Sid"]: s for s in statements(role, **DIRECT) if "arn:LockTable" in as_list(s["Resource"])}
    assert {sid: set(as_list(s["Action"])) for sid, s in on_table.items()} == {
        "DirectOperationNumbers": {"dynamodb:UpdateItem"},  # the counter is only ever incremented
        "DirectInvoiceAttempts": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
    }
    prefixes = {"DirectOperationNumbers": "direct-opnum#*", "DirectInvoiceAttempts": "direct-invoice#*"}
    for sid, statement in on_table.items():
        assert statement["Condition"] == {
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [prefixes[sid]]},
            "Null": {"dynamodb:LeadingKeys": "false"},  # ForAllValues alone would also allow a request without keys
        }


def test_the_direct_code_uses_only_what_its_lock_table_statements_allow():
    from fnmatch import fnmatchcase

    from closing_docs.kinds.sources import direct_invoice

    source = (ROOT / "layers/closing_docs/python/closing_docs/kinds/sources/direct_invoice.py").read_text()
    used = {
        f"dynamodb:{''.join(w.title() for w in op.split('_'))}" for op in re.findall(r"table\.(\w+_item)\(", source)
    }
    allowed = {a for s in statements(role_of("ArchiveReportFunction"), **DIRECT) for a in as_list(s["Action"])}
    assert used and used <= allowed, used - allowed
    assert fnmatchcase(f"{direct_invoice.NAME}#login#2026-01", "direct-invoice#*")
    assert '"pk": f"direct-opnum#{login}"' in source
