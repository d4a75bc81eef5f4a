"""Issue 17: what a handler is invoked with is strict (unknown fields refused, nothing coerced), and a business name
is one safe pattern everywhere: never ".", "..", "/" or a control character (it is a folder of the archive's keys)."""

import pytest
from pydantic import ValidationError

from closing_docs import kinds
from closing_docs.domain.config import Settings
from closing_docs.domain.errors import ConfigurationError
from closing_docs.domain.models import Job
from closing_docs.domain.run import ResolveEvent, SummarizeEvent
from closing_docs.domain.unit import Unit
from closing_docs.domain.unitrun import UnitRun

JOB = {"business": "main", "kind": "closure-documents", "campaignId": 1001, "month": "2026-10", "force": False}
REPORT = {"reportId": "r-1", "waitSeconds": 30, "requestedAt": "2026-11-02T10:00:00+00:00"}
LIMITS = {"maxStatusChecks": 5, "maxRegenerations": 2, "recheckDays": 0, "recheckSeconds": 86400}
PLANNED = {
    "months": ["2026-10"],
    "scheduled": False,
    "limits": LIMITS,
    "plan": {"bucket": "b", "key": "runs/r/plan.json"},
    "resultsPrefix": "runs/r/results",
    "businesses": 1,
    "units": 1,
}


def run(job=JOB, **fields):
    """A unit's run as the state machine gives it to a step."""
    return {"job": job, "limits": LIMITS, **fields}


def test_a_job_as_the_state_machine_carries_it_is_accepted_and_its_derived_fields_recomputed():
    job = Job.model_validate({**JOB, "lockKey": "forged", "title": "anything"})
    assert job.lock_key == "main#1001#2026-10#ALL"
    step = UnitRun.model_validate(run(job.wire(), executionId="arn:x", generation=2))
    assert step.job == job and step.generation == 2 and step.days_left == 0


@pytest.mark.parametrize(
    ("model", "event"),
    [
        (UnitRun, run(executionId="e", surprise=1)),
        (UnitRun, run({**JOB, "surprise": 1})),
        (UnitRun, run(report={**REPORT, "extra": True})),
        (ResolveEvent, {"input": {}, "startTime": "2026-11-02T10:00:00Z", "executionId": "e", "more": 1}),
        (SummarizeEvent, {**PLANNED, "results": {"ResultWriterDetails": {"Bucket": "b", "Key": "k"}}, "x": 1}),
    ],
)
def test_an_unknown_field_is_refused(model, event):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate(event)


@pytest.mark.parametrize(
    ("model", "event"),
    [
        (UnitRun, run({**JOB, "campaignId": "1001"})),
        (UnitRun, run({**JOB, "campaignId": 1001.0})),
        (UnitRun, run({**JOB, "campaignId": True})),
        (UnitRun, run({**JOB, "force": 1})),
        (UnitRun, run({**JOB, "force": "false"})),
        (UnitRun, run(generation="2")),
        (UnitRun, run(executionId=5)),
        (UnitRun, run({**JOB, "campaignId": 2**63})),
        (UnitRun, run({**JOB, "kind": "../acts"})),  # a kind is a name (kinds.get names the allowed ones)
        (UnitRun, run({**JOB, "month": 202610})),
        (UnitRun, run(report=REPORT, attempt="1")),
        (UnitRun, run(report={**REPORT, "waitSeconds": "30"}, attempt=1)),
        (UnitRun, run(report={**REPORT, "requestedAt": 1762077600}, attempt=1)),
        (UnitRun, run(report={**REPORT, "requestedAt": "2026-11-02T10:00:00"}, attempt=1)),
        (UnitRun, run(next="SOMEWHERE")),
        (ResolveEvent, {"input": {}, "startTime": 1762077600}),
    ],
)
def test_no_value_is_coerced(model, event):
    with pytest.raises(ValidationError):
        model.model_validate(event)


@pytest.mark.parametrize(
    "job",
    [
        {**JOB, "business": ".."},
        {**JOB, "business": "."},
        {**JOB, "business": "../../../x"},
        {**JOB, "business": "a/b"},
        {**JOB, "business": "main\n"},
        {**JOB, "business": "ma\x00in"},
        {**JOB, "business": ""},
        {**JOB, "month": "2026-10/../../../x"},
        {**JOB, "month": "2026-10\n"},
        {**JOB, "month": "２０２６-１０"},
    ],
)
def test_the_archive_step_invoked_directly_refuses_a_unit_that_would_leave_its_folder(job):
    with pytest.raises(ValidationError):
        UnitRun.model_validate(run(job, report=REPORT))
    with pytest.raises(ValidationError):
        Unit.model_validate({k: v for k, v in job.items() if k != "force"})


def test_a_valid_unit_s_keys_stay_under_its_business_and_month():
    keys = kinds.keys(Unit.model_validate({k: v for k, v in JOB.items() if k != "force"}), "closing-documents")
    assert keys.manifest.startswith("closing-documents/2026-10/main/1001/") and ".." not in keys.manifest


@pytest.mark.parametrize("name", ["..", ".", "../x", "main\n", "a\tb", "-flag"])
def test_a_secret_with_an_unsafe_business_name_is_a_configuration_error(monkeypatch, name):
    import json

    from aws_lambda_powertools.utilities import parameters

    from closing_docs.adapters import secrets

    monkeypatch.setattr(parameters, "get_secret", lambda secret, **_: json.dumps({name: "ACMA:1"}))
    settings = Settings.model_validate({"MARKET_API_KEY_SECRET": "k", "ARCHIVE_BUCKET": "b", "LOCK_TABLE": "t"})
    with pytest.raises(ConfigurationError) as caught:
        secrets.api_keys(settings)
    assert "ACMA" not in str(caught.value) and repr(name) in str(caught.value)
