"""Issue 17: what a handler is invoked with is strict (unknown fields refused, nothing coerced), and a business name
is one safe pattern everywhere: never ".", "..", "/" or a control character (it is a folder of the archive's keys)."""

import pytest
from pydantic import ValidationError

from closing_docs import kinds
from closing_docs.domain.config import Settings
from closing_docs.domain.errors import ConfigurationError
from closing_docs.domain.models import CheckStep, GenerateStep, Job, ReportStep, ResolveEvent, SummarizeEvent
from closing_docs.domain.unit import Unit

JOB = {"business": "main", "kind": "closure-documents", "campaignId": 1001, "month": "2026-10", "force": False}
REPORT = {"reportId": "r-1", "waitSeconds": 30, "requestedAt": "2026-11-02T10:00:00+00:00"}


def test_a_job_as_the_state_machine_carries_it_is_accepted_and_its_derived_fields_recomputed():
    job = Job.model_validate({**JOB, "lockKey": "forged", "title": "anything"})
    assert job.lock_key == "main#1001#2026-10#ALL"
    step = GenerateStep.model_validate({"job": job.wire(), "executionId": "arn:x", "generation": 2})
    assert step.job == job and step.generation == 2


@pytest.mark.parametrize(
    ("model", "event"),
    [
        (GenerateStep, {"job": JOB, "executionId": "e", "surprise": 1}),
        (GenerateStep, {"job": {**JOB, "surprise": 1}}),
        (ReportStep, {"job": JOB, "report": {**REPORT, "extra": True}}),
        (ResolveEvent, {"input": {}, "startTime": "2026-11-02T10:00:00Z", "executionId": "e", "more": 1}),
        (SummarizeEvent, {"months": ["2026-10"], "results": {"Bucket": "b", "Key": "k"}, "x": 1}),
    ],
)
def test_an_unknown_field_is_refused(model, event):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate(event)


@pytest.mark.parametrize(
    ("model", "event"),
    [
        (GenerateStep, {"job": {**JOB, "campaignId": "1001"}}),
        (GenerateStep, {"job": {**JOB, "campaignId": 1001.0}}),
        (GenerateStep, {"job": {**JOB, "campaignId": True}}),
        (GenerateStep, {"job": {**JOB, "force": 1}}),
        (GenerateStep, {"job": {**JOB, "force": "false"}}),
        (GenerateStep, {"job": JOB, "generation": "2"}),
        (GenerateStep, {"job": JOB, "executionId": 5}),
        (GenerateStep, {"job": {**JOB, "campaignId": 2**63}}),
        (GenerateStep, {"job": {**JOB, "kind": "../acts"}}),  # a kind is a name (kinds.get names the allowed ones)
        (GenerateStep, {"job": {**JOB, "month": 202610}}),
        (CheckStep, {"job": JOB, "report": REPORT, "attempt": "1"}),
        (CheckStep, {"job": JOB, "report": {**REPORT, "waitSeconds": "30"}, "attempt": 1}),
        (CheckStep, {"job": JOB, "report": {**REPORT, "requestedAt": 1762077600}, "attempt": 1}),
        (CheckStep, {"job": JOB, "report": {**REPORT, "requestedAt": "2026-11-02T10:00:00"}, "attempt": 1}),
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
        ReportStep.model_validate({"job": job, "report": REPORT})
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
