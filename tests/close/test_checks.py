"""Each check on the clean truth and with the knob that injects what it looks for; SKIPPED when its inputs are
absent; the figures the truth says."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import replace

import pytest

from closing_docs.close import ReportFile
from closing_docs.close.engine import CHECKS
from local.emulator.truth import Truth

from .conftest import SMALL, Closed

ALL_OK = dict.fromkeys(CHECKS, "OK")


def test_the_clean_truth_passes_every_check_and_gives_the_truths_figures(close: Callable[..., Closed]):
    closed = close()
    assert closed.statuses() == ALL_OK
    assert closed.checks["status"] == "OK"
    assert closed.checks["drift"] == []
    assert all(c["findings"] == [] for c in closed.checks["checks"])
    expected = SMALL.expected()
    figures = closed.checks["figures"]
    assert figures["services"] == expected["services"]
    assert figures["paidOut"] == expected["paidOut"]
    net = {rate: amount for rate, amount in figures["netSales"].items() if amount != "0.00"}
    assert net == expected["netSales"]
    assert list(figures["netSales"])[:7] == ["22", "20", "10", "7", "5", "0", "NO_VAT"]
    assert figures["netSales"]["20"].startswith("-")  # the 2025 sale returned in 2026


# knob → (the check it must trip, its status, the key of its finding: a callable of the truth, or None)
INJECTED = {
    "payment_order_off": ("payment-orders", "FAIL"),
    "duplicate_transaction": ("unique-transactions", "FAIL"),
    "duplicate_detalization": ("unique-transactions", "FAIL"),
    "vat_off": ("vat-arithmetic", "FAIL"),
    "unknown_vat": ("vat-arithmetic", "WARN"),
    "realization_discount_off": ("realization-arithmetic", "FAIL"),
    "realization_price_off": ("realization-arithmetic", "FAIL"),
    "summary_off": ("detalization-summary", "FAIL"),
    "paid_out_missing": ("paid-out", "FAIL"),
    "payout_lag": ("order-payouts", "WARN"),
}


@pytest.mark.parametrize("knob", list(INJECTED))
def test_each_injected_discrepancy_trips_its_check_and_only_it(close: Callable[..., Closed], knob: str):
    check_id, status = INJECTED[knob]
    closed = close(SMALL.with_knobs(**{knob: True}))
    assert closed.statuses() == {**ALL_OK, check_id: status}
    assert closed.checks["status"] == status
    findings = closed.check(check_id)["findings"]
    assert findings
    for finding in findings:
        assert set(finding) == {"report", "sheet", "key", "campaignId", "expected", "actual", "residual"}
        assert finding["key"]
        if finding["expected"] is not None and finding["actual"] is not None:
            residual = float(finding["actual"]) - float(finding["expected"])
            assert float(finding["residual"]) == pytest.approx(residual)
        else:  # one side only: that side's amount
            assert finding["residual"] == (finding["actual"] or finding["expected"])


def test_findings_name_the_keys_the_issue_says(close: Callable[..., Closed]):
    first_order = min(SMALL.payment_orders())
    closed = close(SMALL.with_knobs(payment_order_off=True))
    [finding] = closed.check("payment-orders")["findings"]
    assert finding == {
        "report": "united-netting",
        "sheet": "transaction_date",
        "key": first_order,
        "campaignId": None,
        "expected": finding["expected"],
        "actual": finding["actual"],
        "residual": "-100.00",
    }
    closed = close(SMALL.with_knobs(summary_off=True))
    [finding] = closed.check("detalization-summary")["findings"]
    assert finding["key"] == "period_closure_income_payments"
    assert finding["campaignId"] == SMALL.campaign_ids[0]
    assert finding["residual"] == "-10.00"
    closed = close(SMALL.with_knobs(payout_lag=True))
    [finding] = closed.check("order-payouts")["findings"]
    assert finding["key"] == SMALL.with_knobs(payout_lag=True).lagged()
    assert finding["actual"] is None


def test_an_unparseable_rate_is_a_warning_and_its_sales_go_under_the_raw_text(close: Callable[..., Closed]):
    truth = SMALL.with_knobs(unknown_vat=True)
    closed = close(truth)
    net = closed.checks["figures"]["netSales"]
    assert net["НДС 18%"] == truth.expected()["netSales"]["НДС 18%"]
    reports = {f["report"] for f in closed.check("vat-arithmetic")["findings"]}
    assert reports == {"goods-realization", "united-netting"}


def _failed(kind: str) -> Callable[[list[ReportFile]], list[ReportFile]]:
    def change(reports: list[ReportFile]) -> list[ReportFile]:
        return [
            replace(r, status="FAILED", open=None, error="ReportFailed: Яндекс не смог") if r.kind == kind else r
            for r in reports
        ]

    return change


def _dropped(kind: str) -> Callable[[list[ReportFile]], list[ReportFile]]:
    return lambda reports: [r for r in reports if r.kind != kind]


@pytest.mark.parametrize(
    ("kind", "skipped"),
    [
        ("united-netting", {"payment-orders", "paid-out", "order-payouts"}),
        ("goods-realization", {"realization-arithmetic", "order-payouts"}),
        ("closure-documents-detalization", {"detalization-summary", "paid-out"}),
        ("united-marketplace-services", set()),
    ],
)
def test_a_failed_report_skips_the_checks_that_need_it_and_fails_pack_complete(
    close: Callable[..., Closed], kind: str, skipped: set[str]
):
    closed = close(change=_failed(kind))
    statuses = closed.statuses()
    assert {c for c, s in statuses.items() if s == "SKIPPED"} == skipped
    assert statuses["pack-complete"] == "FAIL"
    assert closed.checks["status"] == "FAIL"
    for check in skipped:
        assert "Яндекс не смог" in closed.check(check)["message"]
    assert {f["key"] for f in closed.check("pack-complete")["findings"]} == {kind}


@pytest.mark.parametrize(
    ("kind", "skipped", "figure"),
    [
        ("united-netting", {"payment-orders", "paid-out", "order-payouts"}, "paidOut"),
        ("goods-realization", {"realization-arithmetic", "order-payouts"}, "netSales"),
        ("united-marketplace-services", set(), "services"),
    ],
)
def test_a_report_not_requested_skips_its_checks_and_leaves_its_figure_null(
    close: Callable[..., Closed], kind: str, skipped: set[str], figure: str
):
    closed = close(change=_dropped(kind))
    assert {c for c, s in closed.statuses().items() if s == "SKIPPED"} == skipped
    assert closed.statuses()["pack-complete"] == "OK"
    assert closed.checks["figures"][figure] is None
    assert closed.checks["status"] == "OK"  # SKIPPED does not count


def test_with_neither_netting_nor_detalization_unique_transactions_is_skipped(close: Callable[..., Closed]):
    closed = close(
        change=lambda rs: [r for r in rs if r.kind not in ("united-netting", "closure-documents-detalization")]
    )
    assert closed.statuses()["unique-transactions"] == "SKIPPED"
    assert closed.statuses()["vat-arithmetic"] == "OK"  # realization's rate texts are still read


def test_an_unreadable_file_is_a_finding_not_an_exception(close: Callable[..., Closed]):
    def garbage(reports: list[ReportFile]) -> list[ReportFile]:
        return [
            replace(r, open=lambda: io.BytesIO(b"<html>not a zip</html>")) if r.kind == "united-netting" else r
            for r in reports
        ]

    closed = close(change=garbage)
    assert closed.statuses()["pack-complete"] == "FAIL"
    assert closed.statuses()["payment-orders"] == "SKIPPED"
    assert "BadZipFile" in closed.check("payment-orders")["message"]
    assert closed.statuses()["realization-arithmetic"] == "OK"


def test_bad_data_in_one_reader_skips_only_its_checks(close: Callable[..., Closed], tmp_path):
    def bad_amount(reports: list[ReportFile]) -> list[ReportFile]:
        changed = []
        for r in reports:
            if r.kind == "goods-realization" and r.campaign_id == SMALL.campaign_ids[0]:
                assert r.open is not None
                with r.open() as stream, zipfile.ZipFile(stream) as source:
                    buffer = io.BytesIO()
                    with zipfile.ZipFile(buffer, "w") as target:
                        for info in source.infolist():
                            data = source.read(info).decode("utf-8-sig")
                            if info.filename == "delivered.csv":
                                header, first, *rest = data.split("\r\n")
                                cells = first.split(",")
                                at = header.split(",").index("DELIVERED_PRICE_SUM_WITH_VAT_AND_DISCOUNTS")
                                cells[at] = "много"
                                data = "\r\n".join([header, ",".join(cells), *rest])
                            target.writestr(info.filename, data.encode("utf-8-sig"))
                content = buffer.getvalue()
                r = replace(r, open=lambda content=content: io.BytesIO(content))
            changed.append(r)
        return changed

    closed = close(change=bad_amount)
    assert closed.statuses()["realization-arithmetic"] == "SKIPPED"
    assert "'много' is not an amount" in closed.check("realization-arithmetic")["message"]
    assert closed.statuses()["payment-orders"] == "OK"
    assert closed.checks["figures"]["netSales"] is None


def test_no_data_reports_read_as_empty(close: Callable[..., Closed]):
    def no_data(reports: list[ReportFile]) -> list[ReportFile]:
        return [
            replace(r, status="NO_DATA", open=None) if r.kind == "closure-documents-detalization" else r
            for r in reports
        ]

    closed = close(change=no_data)
    assert closed.statuses()["pack-complete"] == "OK"
    assert closed.statuses()["detalization-summary"] == "SKIPPED"  # no INCOME detalization to compare
    assert closed.statuses()["paid-out"] == "SKIPPED"


def test_a_bigger_truth_with_three_shops_still_agrees(close: Callable[..., Closed]):
    truth = Truth(orders=300, services_per_order=6, campaign_ids=(11, 12, 13), month="2026-02", seed=7)
    closed = close(truth)
    assert closed.statuses() == ALL_OK
    expected = truth.expected()
    assert closed.checks["figures"]["services"] == expected["services"]
    assert closed.checks["figures"]["paidOut"] == expected["paidOut"]
    assert closed.checks["figures"]["netSales"]["20"] == "0.00"  # a 2026 sale returned in 2026 keeps 22 %
