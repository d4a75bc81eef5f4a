"""Issue 11: the Yandex Direct monthly invoice, a financial operation, through the real state machine.

At most one invoice per month and payment set; the attempt is recorded before the request is sent, so a lost
answer never leads to a blind second invoice; operation numbers only grow; no token in any output.
"""

import json
from datetime import UTC, datetime

import pytest

from closing_docs.domain.months import Month
from local.sources.direct import DirectEmulator, Fault, finance_token
from tests.conftest import TOKEN, aws_maker

OAUTH, MASTER, LOGIN = "direct-oauth-3f9a", "direct-master-77c2", "shop-login"
PAYMENTS = [{"campaignId": 3193279, "sum": 50000, "currency": "RUB"}, {"campaignId": 3193244, "sum": 1200.5,
            "currency": "RUB"}]  # fmt: skip
NEXT = str(Month.of(datetime.now(UTC)).shift(1))  # the month a prepayment made today is for


@pytest.fixture
def direct():
    emulator = DirectEmulator(OAUTH, MASTER, LOGIN, {3193279: "RUB", 3193244: "RUB", 555: "USD"})
    with emulator:
        yield emulator


@pytest.fixture
def make(emulator, direct):
    with aws_maker(
        emulator,
        TOKEN,
        {"DirectSecret": json.dumps({"token": OAUTH, "masterToken": MASTER, "login": LOGIN})},
        CampaignIds="1001",
        NoticeMode="EACH",
        DirectApiUrl=direct.base_url,
        DirectPayments="3193279:50000:RUB,3193244:1200.50:RUB",
    ) as make:
        yield make


INVOICE = {"reports": ["direct-invoice"]}


def test_the_next_month_s_invoice_is_created_once_archived_and_announced_with_its_url(make, direct, emulator):
    aws = make()
    execution = aws.run(INVOICE)  # what the DirectInvoice schedule sends (with scheduledTime)

    assert execution.status == "SUCCEEDED", execution.cause
    (invoice,) = direct.invoices
    assert [(p.campaign_id, str(p.amount), p.currency) for p in invoice.payments] == [
        (3193244, "1200.50", "RUB"),
        (3193279, "50000.00", "RUB"),
    ]
    (call,) = [c for c in direct.calls if c.op != "unknown"]
    assert call.json["token"] == "***" and call.json["finance_token"] == "***"  # the emulator checked them
    (notice,) = aws.notifications()
    body = notice.body()
    assert body["status"] == "ARCHIVED" and body["month"] == NEXT and body["kind"] == "direct-invoice"
    assert invoice.url in body["message"] and f"logging in to Yandex as {LOGIN}" in body["message"]
    record_key = body["s3Uri"].split("/", 3)[3]
    record = json.loads(aws.objects()[record_key])
    assert record["invoiceUrl"] == invoice.url and record["operationNum"] == invoice.operation_num
    assert record["month"] == NEXT and record["total"] == "51200.50" and record["login"] == LOGIN
    assert emulator.calls == []


def test_a_rerun_or_a_second_start_creates_no_second_invoice_unless_forced(make, direct):
    aws = make()
    assert aws.run(INVOICE).status == "SUCCEEDED"
    aws.notifications()
    assert aws.run(INVOICE).status == "SUCCEEDED"
    assert [n.body()["status"] for n in aws.notifications()] == ["ALREADY_ARCHIVED"]
    assert len(direct.invoices) == 1
    assert aws.run({**INVOICE, "force": True}).status == "SUCCEEDED"
    first, second = direct.invoices
    assert second.operation_num > first.operation_num


@pytest.mark.parametrize("fault", [Fault(kind="reset_after_send"), Fault(kind="timeout_after_send", seconds=3)])
def test_a_lost_answer_is_never_retried_blindly(make, direct, monkeypatch, fault):
    from closing_docs.kinds.sources import direct_invoice

    monkeypatch.setattr(direct_invoice, "TIMEOUT", (2, 1))  # the read timeout, shorter than the held answer
    aws = make()
    direct.inject(fault)
    execution = aws.run(INVOICE)
    assert execution.status == "FAILED"
    (notice,) = aws.notifications()
    body = notice.body()
    assert body["status"] == "FAILED" and body["error"] == "InvoiceOutcomeUnknown"
    assert "an invoice may exist" in body["cause"] and "Yandex Balance" in body["cause"]
    assert "operation number" in body["cause"] and len(direct.invoices) == 1  # it exists; the pipeline can't know

    again = aws.run(INVOICE)  # a re-run: still unknown, and nothing is sent
    assert again.status == "FAILED" and len(direct.invoices) == 1
    assert [n.body()["error"] for n in aws.notifications()] == ["InvoiceOutcomeUnknown"]
    calls = [c for c in direct.calls if c.op != "unknown"]
    assert len(calls) == 1

    assert aws.run({**INVOICE, "force": True}).status == "SUCCEEDED"  # the accountant checked: force makes one
    assert len(direct.invoices) == 2


@pytest.mark.parametrize(("code", "words"), [(56, "limit"), (245, "Currency")])
def test_limits_and_currency_errors_fail_with_code_and_text_and_are_not_retried(make, direct, code, words):
    aws = make()
    direct.inject(Fault(error_code=code))
    execution = aws.run(INVOICE)
    assert execution.status == "FAILED"
    (notice,) = aws.notifications()
    body = notice.body()
    assert body["error"] == "InvoiceRefused" and f"error {code}" in body["cause"] and words in body["cause"]
    assert len([c for c in direct.calls if c.op != "unknown"]) == 1 and direct.invoices == []


def _sent(direct) -> list:
    return [c for c in direct.calls if c.op != "unknown"]


def _unknown_then_nothing_sent_again(aws, direct, created: int) -> dict:
    """The unit FAILED as outcome unknown after one request; a re-run and a scheduled start send nothing more."""
    body = aws.notifications()[0].body()
    assert body["status"] == "FAILED" and body["error"] == "InvoiceOutcomeUnknown", body
    assert "an invoice may exist" in body["cause"] and "invoiceNumber" in body["cause"]
    assert len(_sent(direct)) == 1 and len(direct.invoices) == created
    for start in (INVOICE, {**INVOICE, "scheduledTime": datetime.now(UTC).isoformat()}):
        again = aws.run(start)
        assert again.status == "FAILED"
        assert [n.body()["error"] for n in aws.notifications()] == ["InvoiceOutcomeUnknown"]
    assert len(_sent(direct)) == 1 and len(direct.invoices) == created
    return body


@pytest.mark.parametrize("status", [500, 502, 504])
@pytest.mark.parametrize("created", [True, False], ids=["created", "not-created"])
def test_a_server_error_after_the_request_left_is_outcome_unknown_never_a_retry(make, direct, status, created):
    aws = make()
    direct.inject(Fault(status=status, after_send=created))
    assert aws.run(INVOICE).status == "FAILED"
    body = _unknown_then_nothing_sent_again(aws, direct, created=int(created))
    assert f"HTTP {status}" in body["cause"]


@pytest.mark.parametrize(
    "answer",
    [
        "<html><body><h1>Yandex</h1><p>Technical works</p></body></html>",
        '{"data": {"url": "https://passport.yandex.ru/x"}}',
        '{"result": "ok"}',
        '{"error_code": "56"}',
        "[]",
    ],
    ids=["html", "data-not-a-link", "other-shape", "error-code-not-a-number", "array"],
)
def test_a_200_that_is_not_a_createinvoice_answer_is_outcome_unknown(make, direct, answer):
    aws = make()
    direct.inject(Fault(status=200, after_send=True, body=answer))
    assert aws.run(INVOICE).status == "FAILED"
    body = _unknown_then_nothing_sent_again(aws, direct, created=1)
    assert "HTTP 200" in body["cause"]


def test_an_html_404_is_outcome_unknown_too(make, direct):
    aws = make()
    direct.inject(Fault(status=404))
    assert aws.run(INVOICE).status == "FAILED"
    _unknown_then_nothing_sent_again(aws, direct, created=0)


def test_an_unknown_outcome_is_resolved_by_the_invoice_number_found_in_yandex_balance(make, direct):
    aws = make()
    direct.inject(Fault(status=502, after_send=True))
    aws.run(INVOICE)
    aws.notifications()
    resolved = aws.run({**INVOICE, "invoiceNumber": "Б-14062489-1"})
    assert resolved.status == "SUCCEEDED", resolved.cause
    (notice,) = aws.notifications()
    body = notice.body()
    assert body["status"] == "ARCHIVED" and "Б-14062489-1" in body["message"]
    record = json.loads(aws.objects()[body["s3Uri"].split("/", 3)[3]])
    assert record["invoiceNumber"] == "Б-14062489-1" and record["recordedBy"] == "person"
    assert record["operationNum"] == direct.invoices[0].operation_num  # the request whose outcome was unknown
    assert len(_sent(direct)) == 1  # resolving sends nothing
    assert aws.run(INVOICE).status == "SUCCEEDED"
    assert [n.body()["status"] for n in aws.notifications()] == ["ALREADY_ARCHIVED"]
    assert len(_sent(direct)) == 1 and len(direct.invoices) == 1


def test_force_resolves_an_unknown_outcome_with_a_new_invoice(make, direct):
    aws = make()
    direct.inject(Fault(status=504))  # nothing was created: the accountant finds none in Yandex Balance
    aws.run(INVOICE)
    assert aws.run({**INVOICE, "force": True}).status == "SUCCEEDED"
    assert len(direct.invoices) == 1 and len(_sent(direct)) == 2


def test_another_sum_for_an_invoiced_month_is_refused_without_a_request(make, direct):
    aws = make()
    assert aws.run(INVOICE).status == "SUCCEEDED"
    aws.notifications()
    other = [{"campaignId": 3193279, "sum": 777, "currency": "RUB"}]
    execution = aws.run({**INVOICE, "payments": other})
    assert execution.status == "FAILED"
    (notice,) = aws.notifications()
    assert notice.body()["error"] == "InvoiceExists" and "force=true" in notice.body()["cause"]
    assert len(_sent(direct)) == 1 and len(direct.invoices) == 1
    assert aws.run({**INVOICE, "payments": other, "force": True}).status == "SUCCEEDED"
    assert len(direct.invoices) == 2


def test_two_starts_for_one_month_with_different_sums_at_once_make_one_invoice(make, direct):
    """Their units have different locks (the payment set is their scope): the month's attempt record, a conditional
    write, is what keeps them to one request."""
    import threading

    aws = make()
    direct.inject(Fault(kind="slow", seconds=2))  # the first request is held: the second start meets its record
    others = [{"campaignId": 3193279, "sum": 10, "currency": "RUB"}]
    arns: list[str] = []
    starts = [
        threading.Thread(target=lambda start=start: arns.append(aws.start_execution(start)))
        for start in (INVOICE, {**INVOICE, "payments": others})
    ]
    for thread in starts:
        thread.start()
    for thread in starts:
        thread.join()
    statuses = sorted(aws.wait_for(arn).status for arn in arns)
    assert statuses == ["FAILED", "SUCCEEDED"]
    assert len(direct.invoices) == 1 and len(_sent(direct)) == 1
    errors = [n.body().get("error") for n in aws.notifications() if n.body()["status"] == "FAILED"]
    assert errors in (["InvoiceExists"], ["InvoiceOutcomeUnknown"])  # it met the record written, or the request held


def test_a_throttled_describe_execution_never_takes_a_lock_over(make, direct, monkeypatch):
    from moto.core.exceptions import JsonRESTError
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    aws = make()
    owner = "arn:aws:states:eu-central-1:123456789012:execution:closing-docs-local-closing-documents:other-run"
    describe = StepFunctionsParserBackend.describe_execution

    def throttled(self, execution_arn):
        if execution_arn == owner:
            raise JsonRESTError("ThrottlingException", "Rate exceeded")
        return describe(self, execution_arn)

    monkeypatch.setattr(StepFunctionsParserBackend, "describe_execution", throttled)
    scope = "RUB_3193244-1200.50_3193279-50000.00"
    key = f"direct#direct-invoice#{scope}#{NEXT}#ALL"
    dynamodb = aws.client("dynamodb")
    table = aws.environment["LOCK_TABLE"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": key}, "ownerExecution": {"S": owner}})
    execution = aws.run(INVOICE)
    assert execution.status == "FAILED"
    (notice,) = aws.notifications()
    assert notice.body()["error"] == "LockOwnerUnknown" and "other-run" in notice.body()["cause"]
    assert direct.calls == []  # the lock was never taken: no request
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": key}})["Item"]
    assert item["ownerExecution"]["S"] == owner  # and it is still the other run's

    monkeypatch.setattr(StepFunctionsParserBackend, "describe_execution", describe)  # it answers: no such execution
    assert aws.run(INVOICE).status == "SUCCEEDED"
    assert len(direct.invoices) == 1


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        (float("nan"), "not a finite number"),
        ("NaN", "not a plain amount"),
        (float("inf"), "not a finite number"),
        (-5, "not positive"),
        (0, "not positive"),
        (1.005, "more than two decimal places"),
        ("1.005", "not a plain amount"),
        ("1e3", "not a plain amount"),
        (10**12, "more than"),
    ],
)
def test_a_bad_sum_is_refused_naming_the_field_before_any_call(make, direct, amount, says):
    aws = make()
    execution = aws.run({**INVOICE, "payments": [{"campaignId": 3193279, "sum": amount, "currency": "RUB"}]})
    assert execution.status == "FAILED" and execution.error == "InvalidInput", execution.cause
    assert "payments: must be" in execution.cause and "sum " in execution.cause and says in execution.cause
    assert "decimal.InvalidOperation" not in execution.cause and direct.calls == []


def test_operation_numbers_only_grow_and_each_finance_token_is_yandex_s_formula(make, direct):
    aws = make()
    aws.run(INVOICE)
    aws.run({**INVOICE, "force": True})
    aws.run({**INVOICE, "force": True})
    numbers = [invoice.operation_num for invoice in direct.invoices]
    assert len(numbers) == 3 and numbers == sorted(set(numbers))
    assert finance_token(MASTER, numbers[0], LOGIN) != finance_token(MASTER, numbers[1], LOGIN)


@pytest.mark.parametrize(
    ("payments", "says"),
    [
        (
            [{"campaignId": 1, "sum": 10, "currency": "RUB"}, {"campaignId": 2, "sum": 10, "currency": "USD"}],
            "one currency",
        ),
        ([{"campaignId": 1, "sum": -5, "currency": "RUB"}], "is not positive"),
        ([{"campaignId": 1, "sum": 5, "currency": "GBP"}], "not known"),
        ([], "must be"),
    ],
)
def test_bad_payments_fail_the_first_step_with_no_call(make, direct, payments, says):
    aws = make()
    execution = aws.run({**INVOICE, "payments": payments})
    assert execution.status == "FAILED" and execution.error == "InvalidInput"
    assert "payments: must be" in execution.cause and says in execution.cause
    assert direct.calls == []


def test_the_tokens_never_leak(make, direct):
    aws = make()
    execution = aws.run(INVOICE)
    number = direct.invoices[0].operation_num
    texts = [
        json.dumps([aws.history(execution.arn), aws.child_histories()], default=str),
        "\n".join(aws.logs()),
        json.dumps([n.message for n in aws.notifications()]),
        json.dumps(execution.output),
        *(body.decode("utf-8", "replace") for body in aws.objects().values()),
    ]
    for text in texts:
        assert OAUTH not in text and MASTER not in text and finance_token(MASTER, number, LOGIN) not in text
