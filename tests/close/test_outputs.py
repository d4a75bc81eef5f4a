"""The close's files: golden checks.json and ledger.csv for one small truth; the XLSX files opened with openpyxl and
the ledger with csv, and the sums the issue states; payment-orders.csv; the SNS notice.

UPDATE_GOLDEN=1 rewrites the golden files (review the diff)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from closing_docs.close import render_notice
from closing_docs.close.ledger import COLUMNS, EVENT_TYPES
from local.emulator.truth import Truth

from .conftest import SMALL, Closed

GOLDEN = Path(__file__).with_name("golden")
TINY = Truth(orders=12, services_per_order=2)


def _ledger(out: Path) -> list[dict[str, str]]:
    with (out / "ledger.csv").open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file, delimiter=";"))


def _golden(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(actual)
    assert actual == path.read_bytes(), f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)"


def test_golden_checks_json_and_ledger_for_a_small_truth(close: Callable[..., Closed]):
    closed = close(TINY.with_knobs(vat_off=True, payout_lag=True, extra_column=True))
    _golden("checks.json", (closed.out / "checks.json").read_bytes())
    _golden("ledger.csv", (closed.out / "ledger.csv").read_bytes())


def test_the_files_add_up_as_the_issue_says(close: Callable[..., Closed]):
    closed = close()
    net_sales = closed.checks["figures"]["netSales"]
    net_total = sum(Decimal(v) for v in net_sales.values())
    assert str(net_total) == SMALL.expected()["netSalesTotal"]
    services = Decimal(closed.checks["figures"]["services"])

    rows = _ledger(closed.out)
    assert list(rows[0]) == list(COLUMNS)
    assert {r["event_type"] for r in rows} <= set(EVENT_TYPES)
    sales = [r for r in rows if r["source_report"] == "goods-realization" and r["event_type"] in ("sale", "return")]
    assert sum(Decimal(r["amount"]) for r in sales) == net_total
    assert {r["event_type"] for r in rows} >= {"sale", "return", "unredeemed", "lost_compensation", "transfer"}
    assert {r["event_type"] for r in rows} >= {"service", "payout", "withholding", "accrual", "refund"}
    service_rows = [r for r in rows if r["source_report"] == "united-marketplace-services"]
    assert -sum(Decimal(r["amount"]) for r in service_rows) == services
    assert all(r["month"] == "2026-01" and r["business_id"] == "5001" for r in rows)

    book = openpyxl.load_workbook(closed.out / "1c" / "sales-returns.xlsx", read_only=True)
    assert book.sheetnames == ["Продажи", "Возвраты"]
    totals = {}
    for title in book.sheetnames:
        header, *lines = list(book[title].iter_rows(values_only=True))
        assert header == ("Номенклатура", "Артикул", "Количество", "Цена", "Сумма", "Ставка НДС", "Сумма НДС")
        keys = [(line[1], line[5]) for line in lines]
        assert len(keys) == len(set(keys))  # one row per SKU × VAT rate
        totals[title] = sum(Decimal(str(line[4])) for line in lines)
    assert totals["Продажи"] - totals["Возвраты"] == net_total

    book = openpyxl.load_workbook(closed.out / "1c" / "services.xlsx", read_only=True)
    header, *lines = list(book.worksheets[0].iter_rows(values_only=True))
    assert header == ("Услуга", "Сумма", "Ставка НДС", "Сумма НДС")
    assert sum(Decimal(str(line[1])) for line in lines) == services
    assert {line[2] for line in lines} == {"22%"}

    book = openpyxl.load_workbook(closed.out / "close.xlsx", read_only=True)
    assert book.sheetnames == [
        "Сводка",
        "Расхождения",
        "Платёжные поручения",
        "Реализация по ставкам НДС",
        "Услуги по актам",
    ]
    summary = {row[0]: row[1] for row in book["Сводка"].iter_rows(values_only=True) if row and row[0]}
    assert Decimal(str(summary["Выручка, всего"])) == net_total
    assert summary["Итог"] == "OK"
    orders = list(book["Платёжные поручения"].iter_rows(values_only=True))[1:]
    assert len(orders) == len(SMALL.payment_orders())
    vat = list(book["Реализация по ставкам НДС"].iter_rows(values_only=True))[1:]
    assert sum(Decimal(str(row[3])) for row in vat) == net_total
    acts = list(book["Услуги по актам"].iter_rows(values_only=True))[1:]
    assert sum(Decimal(str(row[3])) for row in acts) == services

    with (closed.out / "payment-orders.csv").open(encoding="utf-8-sig", newline="") as file:
        orders_csv = list(csv.reader(file, delimiter=";"))
    assert orders_csv[0] == ["number", "date", "sum", "shops"]
    truth_orders = SMALL.payment_orders()
    assert {row[0]: row[2] for row in orders_csv[1:]} == {
        number: f"{Decimal(total) / 100:.2f}" for number, (_, total, _) in truth_orders.items()
    }
    assert all(", " in row[3] for row in orders_csv[1:])  # each week's order covers both shops


def test_close_xlsx_in_english_lists_every_finding(close: Callable[..., Closed]):
    closed = close(SMALL.with_knobs(vat_off=True, summary_off=True), language="en")
    book = openpyxl.load_workbook(closed.out / "close.xlsx", read_only=True)
    assert book.sheetnames == [
        "Summary",
        "Discrepancies",
        "Payment orders",
        "Realization by VAT rate",
        "Services by act",
    ]
    header, *findings = list(book["Discrepancies"].iter_rows(values_only=True))
    assert header[:4] == ("Check", "Report", "Sheet", "Key")
    assert sorted(row[0] for row in findings) == ["detalization-summary", "vat-arithmetic"]
    assert closed.check("vat-arithmetic")["message"].startswith("VAT that does not match")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_notice_names_figures_failures_and_keys(close: Callable[..., Closed], language: str):
    closed = close(SMALL.with_knobs(payment_order_off=True, payout_lag=True), language=language)
    notice = render_notice(closed.checks, language)
    assert notice.status == "CLOSE_FAIL"
    assert notice.attributes == {"status": {"DataType": "String", "StringValue": "CLOSE_FAIL"}}
    assert len(notice.subject) <= 100 and "2026-01" in notice.subject
    assert closed.checks["figures"]["services"] in notice.message
    assert closed.checks["figures"]["paidOut"] in notice.message
    assert min(SMALL.payment_orders()) in notice.message  # the payment order's number
    assert SMALL.with_knobs(payout_lag=True).lagged() in notice.message  # the order's number
    assert notice.message.index("FAIL payment-orders") < notice.message.index("WARN order-payouts")
    clean = render_notice(close().checks, language)
    assert clean.status == "CLOSE_OK"
    assert ("Все проверки пройдены" if language == "ru" else "Every check passed") in clean.message


def test_checks_json_has_the_issues_shape(close: Callable[..., Closed]):
    closed = close()
    document = json.loads((closed.out / "checks.json").read_text(encoding="utf-8"))
    assert document == closed.checks
    assert list(document) == ["business", "businessId", "month", "status", "checks", "figures", "drift"]
    assert [c["id"] for c in document["checks"]] == [
        "pack-complete",
        "payment-orders",
        "unique-transactions",
        "vat-arithmetic",
        "realization-arithmetic",
        "detalization-summary",
        "paid-out",
        "order-payouts",
    ]
    assert set(document["figures"]) == {"netSales", "services", "paidOut"}


def test_a_callable_sink_gets_every_output(tmp_path: Path):
    import io

    from closing_docs.close import OUTPUTS, CloseInput, run
    from closing_docs.domain.months import Month

    from .conftest import report_files

    written: dict[str, bytes] = {}

    class Out(io.BytesIO):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name_ = name

        def close(self) -> None:
            written[self.name_] = self.getvalue()
            super().close()

    reports = report_files(SMALL, tmp_path)
    result = run(CloseInput("main", 5001, Month(2026, 1), reports), Out)
    assert set(written) == set(OUTPUTS) == set(result.outputs)
    assert json.loads(written["checks.json"]) == result.checks
