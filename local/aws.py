"""Embedded AWS: the real state machine and handlers on moto, in this process, with no account.

``EmbeddedAws`` starts moto with its Step Functions interpreter (which executes the real
``statemachine/*.asl.json``), creates the buckets, topics, secrets, functions and state machines as
template.yaml declares them (``state_machine_arns`` by logical id; ``run``/``start_execution`` start the main one,
ClosingDocumentsStateMachine, unless given ``state_machine``, e.g. FixityStateMachine), and makes three
substitutions that running locally needs:

* moto runs Lambda functions in Docker; here each invocation calls the real handler in-process, with the
  template's environment and the layer on ``sys.path``; a raised exception becomes the function error
  (its class name is the ASL error name), as the Lambda runtime reports it;
* moto executes Wait states and Retry delays in real time; ``time_scale`` multiplies both;
* SNS messages are captured through an SQS queue subscribed to each topic (:meth:`EmbeddedAws.notifications`
  for the notices topic, :meth:`EmbeddedAws.operations` for the operations topic);
* moto runs Distributed Map child workflows in-process and discards their events; here each child keeps
  its own history (:meth:`EmbeddedAws.child_histories`), as a child execution does in AWS;
* moto evaluates a conditional write (DynamoDB ``ConditionExpression``, S3 ``If-Match``/``If-None-Match``) and then
  writes, with no lock between: two threads (two executions here run in two) could both pass one condition, which
  AWS never lets happen. Here those writes are atomic, as in AWS (:func:`_atomically`), so the product's locks and
  attempt records are tested as they behave there;
* moto (5.2.5, pinned) executes a Distributed Map's ``ResultWriter`` by writing a manifest.json that lists no result
  file, dropping the children's outputs, and reads its ``Bucket.$``/``Prefix.$`` paths from those outputs instead of
  the state's input; here it is executed as AWS does (:func:`_write_results`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import moto
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.models import DynamoDBBackend
from moto.s3.responses import S3Response
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
    distributed_item_processor_worker as distributed_worker,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.result_writer_decl import ResultWriter
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

from local.template import ROOT, Resolver, load_template

REGION = "eu-central-1"
MAIN_STATE_MACHINE = "ClosingDocumentsStateMachine"  # what start_execution and run start unless told otherwise
ACCOUNT = "123456789012"
LAYER_DIR = ROOT / "layers" / "closing_docs" / "python"
# Resource types the harness creates, and those that have no local effect.
_IGNORED_TYPES = {
    "AWS::Serverless::LayerVersion",  # its directory is put on sys.path instead
    "AWS::Logs::LogGroup",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::SQS::Queue",  # the schedule's dead-letter queue; schedules do not fire locally
    "AWS::KMS::Key",  # local topics are not encrypted
    "AWS::SNS::TopicPolicy",
    "AWS::Events::Rule",  # moto emits no Step Functions status-change events
    "AWS::IAM::Role",  # the functions run in-process, as this process
    "AWS::CloudWatch::Alarm",  # nothing evaluates alarms locally; tests read the metrics from the function output
}
_CREATED_TYPES = {
    "AWS::S3::Bucket",
    "AWS::SNS::Topic",
    "AWS::SecretsManager::Secret",
    "AWS::DynamoDB::Table",
    "AWS::Serverless::Function",
    "AWS::Serverless::StateMachine",
}

_active: EmbeddedAws | None = None


@dataclass(frozen=True)
class Execution:
    arn: str
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED | RUNNING
    output: Any
    error: str | None
    cause: str | None


@dataclass(frozen=True)
class Notification:
    subject: str
    message: str
    attributes: dict[str, str]

    def body(self) -> Any:
        return json.loads(self.message)


class _LambdaContext:
    """The attributes of the Lambda context object that Powertools reads."""

    def __init__(self, name: str, memory: int, timeout: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        self.memory_limit_in_mb = memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class _Function:
    name: str
    code_dir: Path
    handler: str
    memory: int
    timeout: int
    _callable: Callable[[Any, Any], Any] | None = None
    durations: list[float] = field(default_factory=list)  # seconds per invocation, the first with its import

    def load(self) -> Callable[[Any, Any], Any]:
        """Import the handler module once (a cold start), under a name unique to this function."""
        if self._callable is None:
            module_name, attribute = self.handler.rsplit(".", 1)
            spec = importlib.util.spec_from_file_location(
                f"_fn_{self.name.replace('-', '_')}", self.code_dir / f"{module_name}.py"
            )
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {self.code_dir / module_name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._callable = getattr(module, attribute)
        return self._callable

    def invoke(self, event: Any) -> tuple[str, bool]:
        """(payload JSON, errored): what the Lambda runtime would return to Step Functions."""
        context = _LambdaContext(self.name, self.memory, self.timeout)
        started = time.perf_counter()
        try:
            return json.dumps(self.load()(event, context)), False
        except Exception as exc:  # noqa: BLE001 - reported to the state machine like the Lambda runtime does
            return json.dumps(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "requestId": context.aws_request_id,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
            ), True
        finally:
            self.durations.append(time.perf_counter() - started)


def _invoke_in_process(function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    if _active is None:
        raise RuntimeError("no EmbeddedAws is active")
    target = _active.functions[function.function_name]
    target.load()
    _active._capture_logs()
    payload, errored = target.invoke(event)
    return payload, errored, ""


class _Lines(logging.Handler):
    """Keeps every formatted log line, as CloudWatch Logs would receive it."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class _ScaledTime:
    """Stands in for the ``time`` module inside moto's retrier: Retry delays are scaled."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self._epoch = time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.scale)

    def clock(self) -> float:
        """The pipeline's own clock (pacing.py) runs at the scale of its Waits: a window of N seconds that Yandex
        announces passes in N * scale real seconds, like the Wait state that waits for it."""
        return self._epoch + (time.time() - self._epoch) / self.scale

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _keeping_child_histories(
    original: Callable[..., None], histories: list[list[dict[str, Any]]]
) -> Callable[..., None]:
    """Wrap moto's Distributed Map item evaluation: every child workflow records into its own history."""

    def eval_job(self: Any, env: Any, job: Any) -> None:
        env.event_manager = EventManager()
        try:
            original(self, env, job)
        finally:
            histories.append(env.event_manager.get_event_history())

    return eval_job


_WRITES = threading.RLock()
_CONDITIONAL_WRITES = (  # what evaluates a condition and then writes, in moto
    (DynamoDBBackend, ("put_item", "update_item", "delete_item", "transact_write_items")),
    (S3Response, ("put_object",)),
)


def _atomically(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` (a moto write that checks a condition first) with the check and the write under one lock."""

    def write(*args: Any, **kwargs: Any) -> Any:
        with _WRITES:
            return method(*args, **kwargs)

    return write


RESULT_WRITER_MOTO = "5.2.5"  # the moto whose ResultWriter _write_results replaces (requirements-dev.txt pins it)


def _write_results(self: Any, env: Any) -> None:
    """A Distributed Map's ``ResultWriter`` (``arn:aws:states:::s3:putObject``) as AWS executes it: its Parameters'
    paths read the Map state's input; the children's outputs go to ``<Prefix>/<map run id>/SUCCEEDED_0.json`` (and
    FAILED_0.json), each entry with its ``Output`` as a JSON string, listed by ``manifest.json``; the state's result
    is ``{MapRunArn, ResultWriterDetails: {Bucket, Key}}``. moto 5.2.5 finds the outputs on its stack (None for a
    child that failed) and evaluates the Parameters against them, then writes only an empty manifest."""
    outputs = env.stack.pop()
    env.stack.append(env.states.get_input())
    self.parargs.eval(env=env)
    parameters = env.stack.pop()
    env.stack.pop()
    bucket, prefix = parameters["Bucket"], parameters.get("Prefix", "")
    run_id = str(uuid.uuid4())
    execution = env.states.context_object.context_object_data["Execution"]["Id"]
    map_run_arn = f"{execution.replace(':execution:', ':mapRun:')}/{run_id}"
    folder = f"{prefix.rstrip('/')}/{run_id}/" if prefix else f"{run_id}/"
    entries: dict[str, list[dict[str, Any]]] = {"SUCCEEDED": [], "FAILED": []}
    for number, output in enumerate(outputs):
        entry: dict[str, Any] = {"ExecutionArn": f"{map_run_arn}:{number}", "Name": str(number)}
        if output is None or isinstance(output, Exception):
            entries["FAILED"].append({**entry, "Status": "FAILED"})
        else:
            entries["SUCCEEDED"].append(
                {**entry, "Status": "SUCCEEDED", "Output": json.dumps(output), "OutputDetails": {"Included": True}}
            )
    s3 = boto3.client("s3", region_name=REGION)
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for status, written in entries.items():
        if written:
            body = json.dumps(written).encode()
            key = f"{folder}{status}_0.json"
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            files[status].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
    s3.put_object(Bucket=bucket, Key=f"{folder}manifest.json", Body=json.dumps(manifest).encode())
    env.stack.append(
        {"MapRunArn": map_run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": f"{folder}manifest.json"}}
    )


def _scaled_wait(scale: float) -> Callable[..., None]:
    def wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds * scale)

    return wait_interval


class EmbeddedAws:
    """Context manager: moto with this project's resources created from template.yaml."""

    def __init__(
        self,
        *,
        api_key: str,
        parameters: dict[str, str] | None = None,
        time_scale: float = 1.0,
        stack_name: str = "closing-docs-local",
        market_url: str | None = None,
        secrets: dict[str, str] | None = None,
    ) -> None:
        """``parameters`` override template.yaml's parameters. ``market_url``: the Market API to use; its
        origin is added to the default allowed download origins (a local server serves its own files)
        unless ``parameters`` set DownloadAllowedOrigins."""
        self.api_key = api_key
        self.secrets = dict(secrets or {})  # logical id -> value, for the sources' secrets (ApiKeySecret: api_key)
        self.time_scale = time_scale
        self.stack_name = stack_name
        self.template = load_template()
        parameters = dict(parameters or {})
        if market_url:
            parameters["ApiBaseUrl"] = market_url
            if "DownloadAllowedOrigins" not in parameters:
                parts = urlsplit(market_url)
                default = self.template["Parameters"]["DownloadAllowedOrigins"]["Default"]
                parameters["DownloadAllowedOrigins"] = f"{default},{parts.scheme}://{parts.netloc}"
        self.resolver = Resolver.for_template(
            self.template,
            parameters,
            {
                "AWS::StackName": stack_name,
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            },
        )
        self.functions: dict[str, _Function] = {}
        self._child_histories: list[list[dict[str, Any]]] = []
        self._log_lines: list[str] = []
        self._log_handler: _Lines | None = None
        self.environment: dict[str, str] = {}
        self.bucket = self.topic_arn = self.state_machine_arn = ""
        self.topic_arns: dict[str, str] = {}  # logical id -> ARN
        # logical id -> ARN of every state machine; state_machine_arn is the main one (ClosingDocumentsStateMachine)
        self.state_machine_arns: dict[str, str] = {}
        self._queue_urls: dict[str, str] = {}  # topic logical id -> its capture queue
        self._stack = contextlib.ExitStack()

    # --- lifecycle ---------------------------------------------------------------------------------

    def __enter__(self) -> EmbeddedAws:
        global _active
        if _active is not None:
            raise RuntimeError("only one EmbeddedAws can be active at a time")
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        _active = self
        return self

    def __exit__(self, *exc: object) -> None:
        global _active
        _active = None
        self._stack.close()

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        original = inspect.getattr_static(owner, name)  # a staticmethod stays one when it is put back
        setattr(owner, name, value)
        self._stack.callback(setattr, owner, name, original)

    def _start(self) -> None:
        self._stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        self._patch(LambdaFunction, "_invoke_lambda", _invoke_in_process)
        self._patch(wait_function.WaitFunction, "_wait_interval", _scaled_wait(self.time_scale))
        self._patch(retrier_decl, "time", _ScaledTime(self.time_scale))
        worker = distributed_worker.DistributedItemProcessorWorker
        self._patch(worker, "_eval_job", _keeping_child_histories(worker._eval_job, self._child_histories))
        if moto.__version__ != RESULT_WRITER_MOTO:
            raise RuntimeError(
                f"local/aws.py replaces moto {RESULT_WRITER_MOTO}'s ResultWriter; moto is {moto.__version__}: check "
                "whether it now writes the results itself, then update _write_results and RESULT_WRITER_MOTO"
            )
        self._patch(ResultWriter, "_eval_body", _write_results)
        for owner, names in _CONDITIONAL_WRITES:
            for name in names:
                self._patch(owner, name, _atomically(getattr(owner, name)))
        if str(LAYER_DIR) not in sys.path:
            sys.path.insert(0, str(LAYER_DIR))
        from closing_docs.adapters import (
            market,
            pacing,  # the layer's own pause before a 420's reset is a Retry delay too
        )

        scaled = _ScaledTime(self.time_scale)
        self._patch(market, "pause", scaled.sleep)
        self._patch(pacing, "clock", scaled.clock)
        for noisy in ("moto", "botocore", "urllib3"):
            logger = logging.getLogger(noisy)
            self._stack.callback(logger.setLevel, logger.level)
            logger.setLevel(logging.CRITICAL)
        self._stack.enter_context(_environment({"AWS_DEFAULT_REGION": REGION, "POWERTOOLS_TRACE_DISABLED": "true"}))
        self._create_resources()
        self._stack.enter_context(_environment(self.environment))
        _reset_layer_caches()
        self._stack.callback(_reset_layer_caches)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    # --- resources from template.yaml --------------------------------------------------------------

    def _resources(self, type_name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical, resource in self.template["Resources"].items():
            if resource["Type"] == type_name and (
                "Condition" not in resource or self.resolver.condition(resource["Condition"])
            ):
                yield logical, resource.get("Properties", {})

    def _create_resources(self) -> None:
        unknown = {r["Type"] for r in self.template["Resources"].values()} - _IGNORED_TYPES - _CREATED_TYPES
        if unknown:
            raise NotImplementedError(f"the local harness does not create {sorted(unknown)}; teach local/aws.py")
        resolver, resolve = self.resolver, self.resolver.resolve
        iam = self.client("iam")
        role = iam.create_role(RoleName="local-harness", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

        for logical, props in self._resources("AWS::S3::Bucket"):  # the archive and its access-log bucket
            bucket = f"{self.stack_name}-{logical}".lower()
            s3 = self.client("s3")
            # Object Lock as the parameters say (moto then refuses a PutObject without a checksum, as S3 does).
            lock = resolve({k: v for k, v in props.items() if k in ("ObjectLockEnabled", "ObjectLockConfiguration")})
            s3.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": REGION},
                ObjectLockEnabledForBucket=bool(lock.get("ObjectLockEnabled")),
            )
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(
                    Bucket=bucket, VersioningConfiguration=resolve(props["VersioningConfiguration"])
                )
            if "ObjectLockConfiguration" in lock:
                retention = lock["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
                s3.put_object_lock_configuration(
                    Bucket=bucket,
                    ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {"DefaultRetention": {"Mode": retention["Mode"], "Days": int(retention["Days"])}},
                    },
                )
            if logical == "ArchiveBucket":
                self.bucket = bucket
            resolver.refs[logical] = bucket
            resolver.attrs[(logical, "Arn")] = f"arn:aws:s3:::{bucket}"

        sns, sqs = self.client("sns"), self.client("sqs")
        for logical, _props in self._resources("AWS::SNS::Topic"):  # the notices and the operations topic
            topic_arn = sns.create_topic(Name=f"{self.stack_name}-{logical}")["TopicArn"]
            self.topic_arns[logical] = topic_arn
            if logical == "NotificationTopic":
                self.topic_arn = topic_arn
            resolver.refs[logical] = topic_arn
            resolver.attrs[(logical, "TopicName")] = topic_arn.rsplit(":", 1)[1]
            queue_url = sqs.create_queue(QueueName=f"{self.stack_name}-{logical}-capture")["QueueUrl"]
            self._queue_urls[logical] = queue_url
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])

        for logical, props in self._resources("AWS::SecretsManager::Secret"):
            value = self.secrets.get(logical, self.api_key if logical == "ApiKeySecret" else props["SecretString"])
            arn = self.client("secretsmanager").create_secret(Name=resolve(props["Name"]), SecretString=value)["ARN"]
            resolver.refs[logical] = arn

        dynamodb = self.client("dynamodb")
        for logical, props in self._resources("AWS::DynamoDB::Table"):
            name = f"{self.stack_name}-{logical}"
            dynamodb.create_table(
                TableName=name,
                KeySchema=props["KeySchema"],
                AttributeDefinitions=props["AttributeDefinitions"],
                BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
            )
            resolver.refs[logical] = name
            resolver.attrs[(logical, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"

        globals_ = self.template.get("Globals", {}).get("Function", {})
        self.environment = {k: str(v) for k, v in resolve(globals_.get("Environment", {}).get("Variables", {})).items()}
        lambda_ = self.client("lambda")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", "# runs in-process, see local/aws.py\n")
        for logical, props in self._resources("AWS::Serverless::Function"):
            if props.get("Environment"):
                raise NotImplementedError(f"{logical}: put environment variables in Globals (see template.yaml)")
            function = _Function(
                name=resolve(props["FunctionName"]),
                code_dir=ROOT / props["CodeUri"],
                handler=props.get("Handler", globals_.get("Handler")),
                memory=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
                timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            )
            arn = lambda_.create_function(
                FunctionName=function.name,
                Runtime=props.get("Runtime", globals_.get("Runtime")),
                Role=role,
                Handler=function.handler,
                Code={"ZipFile": code.getvalue()},
            )["FunctionArn"]
            self.functions[function.name] = function
            resolver.refs[logical] = function.name
            resolver.attrs[(logical, "Arn")] = arn

        for logical, props in self._resources("AWS::Serverless::StateMachine"):
            definition = (ROOT / props["DefinitionUri"]).read_text()
            for key, value in resolve(props.get("DefinitionSubstitutions", {})).items():
                definition = definition.replace("${" + key + "}", str(value))
            arn = self.client("stepfunctions").create_state_machine(
                name=resolve(props.get("Name", f"{self.stack_name}-{logical}")),
                definition=definition,
                roleArn=role,
                type=props.get("Type", "STANDARD"),
            )["stateMachineArn"]
            self.state_machine_arns[logical] = arn
            if logical == MAIN_STATE_MACHINE or not self.state_machine_arn:
                self.state_machine_arn = arn
            resolver.refs[logical] = arn

    # --- using it ----------------------------------------------------------------------------------

    def start_execution(self, start_input: Any, name: str | None = None, state_machine: str | None = None) -> str:
        """Start the main state machine, or ``state_machine`` (a logical id, e.g. FixityStateMachine)."""
        arn = self.state_machine_arns[state_machine] if state_machine else self.state_machine_arn
        return self.client("stepfunctions").start_execution(
            stateMachineArn=arn, name=name or f"local-{uuid.uuid4()}", input=json.dumps(start_input)
        )["executionArn"]

    def wait_for(self, execution_arn: str, timeout: float = 120.0) -> Execution:
        """Poll until the execution ends (or ``timeout`` real seconds pass: status stays RUNNING)."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        output = described.get("output")
        return Execution(
            arn=execution_arn,
            status=described["status"],
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
        )

    def run(self, start_input: Any, timeout: float = 120.0, state_machine: str | None = None) -> Execution:
        return self.wait_for(self.start_execution(start_input, state_machine=state_machine), timeout)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, **kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def events(self, execution_arn: str) -> list[dict[str, Any]]:
        """The execution's history, then every Distributed Map child's history recorded so far: all that
        Step Functions keeps about a run (use with one execution at a time)."""
        return self.history(execution_arn) + [event for child in self._child_histories for event in child]

    def _capture_logs(self) -> None:
        """Keep the functions' log lines too (once the handlers' shared Powertools Logger exists): wherever
        stdout points, :meth:`logs` has them."""
        observability = sys.modules.get("closing_docs.adapters.observability")
        if self._log_handler is None and observability is not None:
            logger = observability.logger
            self._log_handler = _Lines(self._log_lines)
            self._log_handler.setFormatter(logger.registered_formatter)
            logger.addHandler(self._log_handler)
            self._stack.callback(logger.removeHandler, self._log_handler)

    def logs(self) -> list[str]:
        """Every line the functions logged so far, formatted as in CloudWatch Logs (JSON)."""
        return list(self._log_lines)

    def child_histories(self) -> list[list[dict[str, Any]]]:
        """The event histories of every Distributed Map child workflow so far (per business, per
        campaign-month), in the order they ended. In AWS each is an execution of its own."""
        return list(self._child_histories)

    def notifications(self, topic: str = "NotificationTopic") -> list[Notification]:
        """Every message published to ``topic`` (a logical id) so far: by default the notices (drains its capture
        queue; call once per execution)."""
        sqs = self.client("sqs")
        queue_url = self._queue_urls[topic]
        notices: list[Notification] = []
        while True:
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return notices
            for message in messages:
                envelope = json.loads(message["Body"])
                notices.append(
                    Notification(
                        subject=envelope.get("Subject", ""),
                        message=envelope["Message"],
                        attributes={k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()},
                    )
                )
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def operations(self) -> list[Notification]:
        """Every message published to the operations topic so far (the audit's missing archives)."""
        return self.notifications("OperationsTopic")

    def objects(self) -> dict[str, bytes]:
        """Every current object in the archive bucket: key -> bytes."""
        s3 = self.client("s3")
        keys = [
            o["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
            for o in page.get("Contents", [])
        ]
        return {key: s3.get_object(Bucket=self.bucket, Key=key)["Body"].read() for key in keys}

    def open_uploads(self) -> list[str]:
        """Keys of multipart uploads started and neither completed nor aborted."""
        uploads = self.client("s3").list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        return [u["Key"] for u in uploads]


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _reset_layer_caches() -> None:
    """Forget settings, clients and the cached secret, as a new Lambda container would."""
    if "closing_docs.steps.wiring" in sys.modules:
        sys.modules["closing_docs.steps.wiring"].reset_caches()
