"""Issue 11: the Yandex Direct monthly invoice, a financial operation, through the real state machine.

At most one invoice per month and payment set; the attempt is recorded before the request is sent, so a lost
answer never leads to a blind second invoice; operation numbers only grow; no token in any output.
"""

import json
from datetime import UTC, datetime

import pytest

from closing_docs.months import Month
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
    from closing_docs.sources import direct_invoice

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


def test_a_server_error_is_retried_with_a_new_operation_number(make, direct):
    aws = make()
    direct.inject(Fault(status=502))
    execution = aws.run(INVOICE)
    assert execution.status == "SUCCEEDED", execution.cause
    calls = [c for c in direct.calls if c.op != "unknown"]
    assert len(calls) == 2 and len(direct.invoices) == 1
    assert direct.invoices[0].operation_num == direct.last_operation_num()


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
        ([{"campaignId": 1, "sum": -5, "currency": "RUB"}], "not a positive amount"),
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
