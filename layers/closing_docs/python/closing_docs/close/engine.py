"""Reading the pack once and checking it as it is read.

:class:`Engine` reads every report file of a business-month (realization first, then netting, detalization, services),
writes each data row to the ledger and feeds the checks' state; :meth:`Engine.results` then decides the checks. A file
that cannot be read, a FAILED report or a sheet without its required columns makes its kind *unavailable*: the checks
that need that kind are SKIPPED with the reason; the others still run. Nothing here raises out of :meth:`Engine.read`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from closing_docs.close.ledger import Ledger, text
from closing_docs.close.model import (
    DETALIZATION,
    KINDS,
    NETTING,
    REALIZATION,
    SERVICES,
    CheckResult,
    CloseInput,
    Finding,
    ReportFile,
)
from closing_docs.close.reader import Header, Member, drift_of, members, padded
from closing_docs.close.schema import ReportLayout, SheetLayout, layout
from closing_docs.close.texts import say
from closing_docs.close.values import (
    AGGREGATE_TOLERANCE,
    RATE_KEYS,
    ROW_TOLERANCE,
    ZERO,
    iso_date,
    money,
    month_of,
    rate_label,
    vat_of,
    vat_rate,
)

logger = logging.getLogger(__name__)

FINDINGS_KEPT = 1000
"""Findings listed per check (the largest residuals); the message counts them all."""

CHECKS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # id: (kinds it needs, all of them; kinds it uses when there, at least one)
    "pack-complete": ((), ()),
    "payment-orders": ((NETTING,), ()),
    "unique-transactions": ((), (NETTING, DETALIZATION)),
    "vat-arithmetic": ((), (NETTING, REALIZATION)),
    "realization-arithmetic": ((REALIZATION,), ()),
    "detalization-summary": ((DETALIZATION,), ()),
    "paid-out": ((NETTING, DETALIZATION), ()),
    "order-payouts": ((NETTING, REALIZATION), ()),
}
_RANK = {"OK": 0, "WARN": 1, "FAIL": 2}

Row = list[str]
RowHandler = Callable[[Row, int], None]


class Findings:
    """A check's findings: every one counted, the :data:`FINDINGS_KEPT` largest kept."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.count = 0
        self.worst = "OK"

    def add(self, finding: Finding) -> None:
        self.count += 1
        if _RANK[finding.status] > _RANK[self.worst]:
            self.worst = finding.status
        self.items.append(finding)
        if len(self.items) >= 4 * FINDINGS_KEPT:
            self.items = self.largest()

    def largest(self) -> list[Finding]:
        ordered = sorted(
            self.items,
            key=lambda f: (-_RANK[f.status], -f.size(), f.report, f.sheet or "", f.campaign_id or 0, f.key),
        )
        return ordered[:FINDINGS_KEPT]


@dataclass
class PaymentOrder:
    number: str
    date: str = ""
    bank_sum: Decimal | None = None
    rows_sum: Decimal = ZERO
    rows: int = 0
    other_sums: set[Decimal] = field(default_factory=set)
    shops: set[str] = field(default_factory=set)


@dataclass
class DetalizationFile:
    """One detalization file's sheet totals and summary rows, for detalization-summary."""

    report: ReportFile
    sheets: dict[str, Decimal] = field(default_factory=dict)
    summary: dict[str, Decimal] | None = None
    income: bool = False


@dataclass
class DriftEntry:
    report: str
    sheet: str | None
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    unknown_sheets: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "sheet": self.sheet,
            "unknownColumns": self.unknown_columns,
            "missingColumns": self.missing_columns,
            "unknownSheets": self.unknown_sheets,
        }


def _merge(into: list[str], more: list[str]) -> None:
    into.extend(item for item in more if item not in into)


class Engine:
    def __init__(self, close_input: CloseInput, ledger: Ledger, language: str = "ru") -> None:
        self.input = close_input
        self.month = str(close_input.month)
        self.ledger = ledger
        self.language = language
        self.findings: dict[str, Findings] = {check: Findings() for check in CHECKS}
        self.unavailable: dict[str, list[str]] = defaultdict(list)  # kind → reasons
        self.read_kinds: set[str] = set()  # kinds of which at least one file was read (or NO_DATA)
        self.drift: dict[tuple[str, str | None], DriftEntry] = {}
        self.rows_read = 0
        # realization
        self.net_sales: dict[str, Decimal] = dict.fromkeys(RATE_KEYS, ZERO)
        self.sold: dict[str, Decimal] = defaultdict(lambda: ZERO)  # rate → delivered
        self.returned: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.one_c: dict[str, dict[tuple[str, str], list[Any]]] = {"sale": {}, "return": {}}
        self.delivered_orders: dict[str, int | None] = {}  # order → campaign
        self.realized: dict[str, Decimal] = defaultdict(lambda: ZERO)  # order → delivered − returned
        self.unparsed_rates: dict[tuple[str, str, int | None, str], list[Any]] = {}
        # netting
        self.netting_ids: set[str] = set()
        self.orders: dict[str, PaymentOrder] = {}
        self.paid_per_order: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.vat_rows = 0
        # detalization
        self.detalization_paid: dict[str, tuple[Decimal, int | None]] = {}
        self.detalization_files: dict[tuple[Any, ...], DetalizationFile] = {}
        self._sheet_total = [ZERO]
        # services
        self.services_total = ZERO
        self.services_by_act: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
        self.services_one_c: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        self._services_totals: list[list[Decimal]] = []

    # ------------------------------------------------------------------------------------------ reading

    def read(self) -> None:
        order = {kind: number for number, kind in enumerate(KINDS)}
        reports = sorted(self.input.reports, key=lambda r: (order.get(r.kind, len(KINDS)), r.campaign_id or 0))
        for report in reports:
            self._read_report(report)
        for kind in self.input.requested & set(KINDS):
            if kind not in self.read_kinds and kind not in self.unavailable:
                self.unavailable[kind].append(say(self.language, "reason.none_read", report=kind))

    def _pack_finding(self, report: ReportFile, sheet: str | None, status: str = "FAIL") -> None:
        self.findings["pack-complete"].add(
            Finding(report=report.kind, sheet=sheet, key=report.kind, campaign_id=report.campaign_id, status=status)  # type: ignore[arg-type]
        )

    def _where(self, report: ReportFile) -> str:
        return report.name or (f"{report.kind} {report.campaign_id}" if report.campaign_id else report.kind)

    def _read_report(self, report: ReportFile) -> None:
        kind = report.kind
        if report.status == "FAILED":
            self.unavailable[kind].append(
                say(self.language, "reason.failed", file=self._where(report), error=report.error or "?")
            )
            self._pack_finding(report, None)
            return
        if report.status == "NO_DATA":
            self.read_kinds.add(kind)
            return
        report_layout = layout(kind)
        if report_layout is None:
            self._drift(kind, None).unknown_sheets.append(self._where(report))
            self._pack_finding(report, None, "WARN")
        try:
            if report.open is None:
                raise ValueError("no way to open the file was given")
            with report.open() as stream:
                for member in members(stream):
                    self._read_member(report, report_layout, member)
            self.read_kinds.add(kind)
        except Exception as error:
            logger.warning("close: reading %s failed", self._where(report), exc_info=True)
            self.unavailable[kind].append(
                say(
                    self.language,
                    "reason.unreadable",
                    file=self._where(report),
                    error=f"{type(error).__name__}: {error}",
                )
            )
            self._pack_finding(report, None)

    def _drift(self, kind: str, sheet: str | None) -> DriftEntry:
        return self.drift.setdefault((kind, sheet), DriftEntry(kind, sheet))

    def _read_member(self, report: ReportFile, report_layout: ReportLayout | None, member: Member) -> None:
        kind = report.kind
        sheet = report_layout.sheets.get(member.code) if report_layout else None
        if report_layout is not None and (member.header is None or sheet is None):
            _merge(self._drift(kind, None).unknown_sheets, [member.name if member.header is None else member.code])
            self._pack_finding(report, member.code, "WARN")
        handler: RowHandler
        if member.header is None:
            return
        header = member.header
        complete = True
        if report_layout is not None:
            drift = drift_of(report_layout, sheet, header)
            if sheet is not None and (drift.unknown_columns or drift.missing_columns):
                entry = self._drift(kind, member.code)
                _merge(entry.unknown_columns, drift.unknown_columns)
                _merge(entry.missing_columns, drift.missing_columns)
                self._pack_finding(report, member.code, "FAIL" if drift.missing_columns else "WARN")
            if drift.missing_columns:
                complete = False
                self.unavailable[kind].append(
                    say(
                        self.language,
                        "reason.missing",
                        file=self._where(report),
                        sheet=member.code,
                        columns=", ".join(drift.missing_columns),
                    )
                )
        if kind == SERVICES and sheet is None and report_layout is not None:
            sheet = _services_sheet(report_layout, member.code, header)  # an unknown sheet's services still count
        if sheet is None or not complete:
            handler = self._generic(report, member.code, header, sheet)
        elif kind == REALIZATION:
            handler = self._realization(report, sheet, header)
        elif kind == NETTING:
            handler = self._netting(report, sheet, header)
        elif kind == DETALIZATION:
            handler = self._detalization(report, sheet, header)
            if sheet.get("summary"):
                self._summary_rows(report, sheet, header, member.rows)
                return
        elif kind == SERVICES:
            handler = self._services(report, sheet, header, report_layout)
        else:
            handler = self._generic(report, member.code, header, sheet)
        count = 1
        width = header.width
        for row in member.rows:
            count += 1  # the row's line in the sheet
            if len(row) < width:
                if not row or row == [""]:
                    continue
                row += [""] * (width - len(row))
            row.append("")  # position -1: what a column the sheet lacks reads
            handler(row, count)
        self.rows_read += count - 1
        if kind == DETALIZATION and sheet is not None and complete:
            self._end_detalization_sheet(report, sheet)

    # ------------------------------------------------------------------------------------------ ledger helpers

    def _prefix(self, report: ReportFile, sheet: str) -> list[Any]:
        campaign = "" if report.campaign_id is None else str(report.campaign_id)
        return [self.month, str(self.input.business_id), campaign, report.kind, sheet]

    def _generic(self, report: ReportFile, code: str, header: Header, sheet: SheetLayout | None) -> RowHandler:
        """Rows of a sheet the close does not know (or that lacks required columns): into the ledger as they are."""
        prefix = self._prefix(report, code)
        get = _getter(header)
        amount_at = header.at((sheet.get("amount") if sheet else None) or _first(header, _AMOUNTS))
        event = "other"
        write = self.ledger.write
        key_at = header.at("TRANSACTION_ID")

        def handle(row: Row, line: int) -> None:
            amount = money(row[amount_at]) if amount_at is not None else None
            write(
                [
                    *prefix,
                    (row[key_at] if key_at is not None else "") or str(line),
                    event,
                    iso_date(get(row, "TRANSACTION_DATE", "SERVICE_DATE_TIME", "SERVICE_DATE", "DELIVERY_DATE")),
                    get(row, "ORDER_ID", "ORDER_NUMBER"),
                    get(row, "SHOP_SKU", "OFFER_ID", "SKU"),
                    text(get(row, "OFFER_NAME", "OFFER_OR_SERVICE_NAME", "SERVICE_NAME", "PRODUCT_NAME")),
                    get(row, "COUNT"),
                    _fmt(amount),
                    "",
                    "",
                    get(row, "ACT_ID"),
                    get(row, "BANK_ORDER_ID"),
                    iso_date(get(row, "BANK_ORDER_DATE")),
                    text(get(row, "PAYMENT_STATUS")),
                ]
            )

        return handle

    # ------------------------------------------------------------------------------------------ goods-realization

    def _rate(self, raw: str, report: ReportFile, sheet: str, order: str, amount: Decimal, figure: bool) -> str:
        key = _RATE_CACHE.get(raw)
        if key is None:
            key = vat_rate(raw)
            if key is None:
                key = raw
            else:
                _RATE_CACHE[raw] = key
        if figure and key == raw and key not in RATE_KEYS:
            found = self.unparsed_rates.setdefault((report.kind, sheet, report.campaign_id, raw), [order, ZERO])
            found[1] += amount
        return key

    def _realization(self, report: ReportFile, sheet: SheetLayout, header: Header) -> RowHandler:
        at = header.at
        sums = sheet.get("sums")
        i_order, i_vat, i_unit = at("ORDER_ID"), at("VAT"), at(sheet.get("unitPrice"))
        i_nd, i_disc, i_with = at(sums["noDiscounts"]), at(sums["discount"]), at(sums["withDiscounts"])
        i_count, i_amount, i_minus = at(sheet.get("count")), at(sheet.get("amount")), at(sheet.get("minus"))
        i_sku, i_sku2, i_name, i_date = (
            at("SHOP_SKU"),
            at(sheet.get("skuFallback")),
            at("OFFER_NAME"),
            at(sheet.get("date")),
        )
        assert None not in (i_order, i_vat, i_unit, i_nd, i_disc, i_with, i_count)  # noqa: S101 - required columns
        event, sign = sheet.get("event"), Decimal(sheet.get("sign", 0))
        prefix = self._prefix(report, sheet.code)
        findings = self.findings["realization-arithmetic"]
        campaign = report.campaign_id
        write = self.ledger.write
        net_sales, delivered_orders, realized = self.net_sales, self.delivered_orders, self.realized
        one_c = self.one_c.get(event)
        sold = self.sold if event == "sale" else self.returned if event == "return" else None
        money_ = money

        def handle(row: Row, line: int) -> None:
            order = row[i_order]  # type: ignore[index]
            no_discounts, discount, with_discounts = money_(row[i_nd]), money_(row[i_disc]), money_(row[i_with])  # type: ignore[index]
            unit, count = money_(row[i_unit]), money_(row[i_count])  # type: ignore[index]
            expected = no_discounts - discount
            if abs(with_discounts - expected) > ROW_TOLERANCE:
                findings.add(
                    Finding(
                        REALIZATION, sheet.code, order, campaign, expected, with_discounts, with_discounts - expected
                    )
                )
            priced = unit * count
            if abs(with_discounts - priced) > max(ROW_TOLERANCE * abs(count), ROW_TOLERANCE):
                findings.add(
                    Finding(REALIZATION, sheet.code, order, campaign, priced, with_discounts, with_discounts - priced)
                )
            amount = money_(row[i_amount]) if i_amount is not None else ZERO
            if i_minus is not None:
                amount -= money_(row[i_minus])
            signed = amount * sign
            rate = self._rate(row[i_vat], report, sheet.code, order, signed, sold is not None)  # type: ignore[index]
            vat = ""
            if sold is not None:
                net_sales[rate] = net_sales.get(rate, ZERO) + signed
                sold[rate] += amount
                realized[order] += signed
                if event == "sale":
                    delivered_orders[order] = campaign
                sku = row[i_sku] or (row[i_sku2] if i_sku2 is not None else "")  # type: ignore[index]
                line_ = one_c.setdefault((sku, rate), [row[i_name], ZERO, ZERO])  # type: ignore[union-attr, index]
                line_[1] += count
                line_[2] += amount
                vat = _fmt(vat_of(signed, rate))
            write(
                [
                    *prefix,
                    str(line),
                    event,
                    iso_date(row[i_date]) if i_date is not None else "",
                    order,
                    row[i_sku] or (row[i_sku2] if i_sku2 is not None else ""),  # type: ignore[index]
                    text(row[i_name]),  # type: ignore[index]
                    row[i_count],  # type: ignore[index]
                    _fmt(signed),
                    rate,
                    vat,
                    "",
                    "",
                    "",
                    "",
                ]
            )

        return handle

    # ------------------------------------------------------------------------------------------ united-netting

    def _netting(self, report: ReportFile, sheet: SheetLayout, header: Header) -> RowHandler:
        at, cell = header.at, header.cell
        i_id, i_sum, i_date = cell("TRANSACTION_ID"), cell("TRANSACTION_SUM"), cell("TRANSACTION_DATE")
        i_order, i_sku, i_name, i_qty = cell("ORDER_ID"), cell(sheet.get("sku")), cell(sheet.get("name")), cell("COUNT")
        i_rate, i_vat = cell(sheet.get("vatRate")), cell(sheet.get("vatSum"))
        i_act, i_bank, i_bank_date = cell("ACT_ID"), cell("BANK_ORDER_ID"), cell("BANK_ORDER_DATE")
        i_bank_sum, i_status, i_shop = cell("BANK_SUM"), cell("PAYMENT_STATUS"), cell("SHOP_NAME")
        if at(sheet.get("vatSum")) is None:
            i_rate = -1
        if i_rate != -1:
            self.vat_rows += 1  # the sheet has rates to check
        fixed = sheet.get("event")
        by_sign = fixed == "by-sign"
        prefix = self._prefix(report, sheet.code)
        seen, orders, paid, delivered = self.netting_ids, self.orders, self.paid_per_order, self.delivered_orders
        unique, vat_findings = self.findings["unique-transactions"], self.findings["vat-arithmetic"]
        write = self.ledger.write
        money_, dates, rates = money, _DATES, _RATE_CACHE
        code = sheet.code

        def handle(row: Row, line: int) -> None:
            tid, raw_sum = row[i_id], row[i_sum]
            tsum = money_(raw_sum)
            if tid:
                if tid in seen:
                    unique.add(Finding(NETTING, code, tid, None, None, tsum, tsum))
                else:
                    seen.add(tid)
            rate = rate_text = row[i_rate]
            vat_text = ""
            if rate_text:
                key = rates.get(rate_text)
                if key is None:
                    key = vat_rate(rate_text)
                    if key is not None:
                        rates[rate_text] = key
                vat_text = row[i_vat]
                vat_sum = money_(vat_text)
                if key is None:
                    vat_findings.add(Finding(NETTING, code, tid, None, None, vat_sum, vat_sum, "WARN"))
                else:
                    rate = key
                    expected = vat_of(tsum, key)
                    if abs(vat_sum - expected) > ROW_TOLERANCE:
                        vat_findings.add(Finding(NETTING, code, tid, None, expected, vat_sum, vat_sum - expected))
            status, act = row[i_status], row[i_act]
            if by_sign:
                if act or "держ" in status:
                    event = "withholding"
                elif tsum > 0:
                    event = "accrual"
                elif tsum < 0:
                    event = "refund"
                else:
                    event = "other"
            else:
                event = fixed
            order = row[i_order]
            if order and order in delivered and (event == "accrual" or event == "refund"):
                paid[order] += tsum
            bank = row[i_bank]
            bank_date = row[i_bank_date]
            if bank:
                payment = orders.get(bank)
                if payment is None:
                    payment = orders[bank] = PaymentOrder(bank, bank_date)
                payment.rows_sum += tsum
                payment.rows += 1
                bank_text = row[i_bank_sum]
                if bank_text:
                    bank_sum = money_(bank_text)
                    if payment.bank_sum is None:
                        payment.bank_sum = bank_sum
                    elif bank_sum != payment.bank_sum:
                        payment.other_sums.add(bank_sum)
                shop = row[i_shop]
                if shop:
                    payment.shops.add(shop)
                bank_date = dates.get(bank_date) or _iso(bank_date)
            day = row[i_date]
            name = row[i_name]
            write(
                (
                    *prefix,
                    tid or str(line),
                    event,
                    dates.get(day) or _iso(day),
                    order,
                    row[i_sku],
                    "'" + name if name and name[0] in "=+-@" else name,
                    row[i_qty],
                    raw_sum if len(raw_sum) > 3 and raw_sum[-3] == "." else _fmt(tsum),
                    rate,
                    vat_text,
                    act,
                    bank,
                    bank_date,
                    "'" + status if status and status[0] in "=+-@" else status,
                )
            )

        return handle

    # ------------------------------------------------------------------------------------------ detalization

    def _detalization(self, report: ReportFile, sheet: SheetLayout, header: Header) -> RowHandler:
        cell_at = header.cell
        i_id, i_sum, i_date = cell_at("TRANSACTION_ID"), cell_at(sheet.get("amount")), cell_at("TRANSACTION_DATE")
        i_order, i_sku, i_name, i_qty = (
            cell_at("ORDER_ID"),
            cell_at("OFFER_ID"),
            cell_at("OFFER_NAME"),
            cell_at("COUNT"),
        )
        i_bank, i_bank_date, i_bank_sum, i_status = (
            cell_at("BANK_ORDER_ID"),
            cell_at("BANK_ORDER_DATE"),
            cell_at("BANK_ORDER_SUM"),
            cell_at("PAYMENT_STATUS"),
        )
        event = sheet.get("event")
        prefix = self._prefix(report, sheet.code)
        seen: set[str] = set()
        unique = self.findings["unique-transactions"]
        paid = self.detalization_paid if sheet.get("paid") else None
        campaign = report.campaign_id
        write = self.ledger.write
        total = [ZERO]
        self._sheet_total = total
        code = sheet.code

        def handle(row: Row, line: int) -> None:
            tid, tsum = row[i_id], money(row[i_sum])
            total[0] += tsum
            if tid:
                if tid in seen:
                    unique.add(Finding(DETALIZATION, code, tid, campaign, None, tsum, tsum))
                else:
                    seen.add(tid)
            bank = row[i_bank]
            if paid is not None and bank and bank not in paid:
                paid[bank] = (money(row[i_bank_sum]), campaign)
            write(
                [
                    *prefix,
                    tid or str(line),
                    event,
                    iso_date(row[i_date]),
                    row[i_order],
                    row[i_sku],
                    text(row[i_name]),
                    row[i_qty],
                    _fmt(tsum),
                    "",
                    "",
                    "",
                    bank,
                    iso_date(row[i_bank_date]),
                    text(row[i_status]),
                ]
            )

        return handle

    def _file_state(self, report: ReportFile) -> DetalizationFile:
        key = (report.campaign_id, report.contract_type, report.name)
        return self.detalization_files.setdefault(key, DetalizationFile(report))

    def _end_detalization_sheet(self, report: ReportFile, sheet: SheetLayout) -> None:
        if sheet.get("summary"):
            return
        state = self._file_state(report)
        if sheet.get("contractType") == "INCOME":
            state.income = True
        state.sheets[sheet.code] = state.sheets.get(sheet.code, ZERO) + self._sheet_total[0]

    def _summary_rows(self, report: ReportFile, sheet: SheetLayout, header: Header, rows: Iterator[Row]) -> None:
        at = header.at
        i_name, i_sum = at(sheet.get("name")), at(sheet.get("amount"))
        assert i_name is not None and i_sum is not None  # noqa: S101 - required columns
        prefix = self._prefix(report, sheet.code)
        state = self._file_state(report)
        summary = state.summary if state.summary is not None else {}
        state.summary = summary
        if sheet.get("contractType") == "INCOME":
            state.income = True
        count = 0
        for count, row in enumerate(padded(rows, header.width), start=2):
            name, amount = row[i_name].strip(), money(row[i_sum])
            summary[name] = summary.get(name, ZERO) + amount
            self.ledger.write([*prefix, str(count), "other", "", "", "", text(name), "", _fmt(amount), *[""] * 6])
        self.rows_read += max(0, count - 1)

    def _detalization_summary_check(self) -> None:
        report_layout = layout(DETALIZATION)
        assert report_layout is not None  # noqa: S101
        titles = {
            sheet.title: code
            for code, sheet in report_layout.sheets.items()
            if sheet.get("contractType") == "INCOME" and not sheet.get("summary")
        }
        findings = self.findings["detalization-summary"]
        for state in self.detalization_files.values():
            if not state.income:
                continue
            report, summary = state.report, state.summary or {}
            sheets = {code: total for code, total in state.sheets.items() if code in titles.values()}
            matched: set[str] = set()
            for name, expected in summary.items():
                code = titles.get(name)
                if code is None or code not in sheets:
                    if expected:
                        findings.add(
                            Finding(DETALIZATION, code, code or name, report.campaign_id, expected, None, expected)
                        )
                    continue
                matched.add(code)
                actual = sheets[code]
                if abs(actual - expected) > AGGREGATE_TOLERANCE:
                    findings.add(
                        Finding(DETALIZATION, code, code, report.campaign_id, expected, actual, actual - expected)
                    )
            for code, actual in sheets.items():
                if code not in matched and actual:
                    findings.add(Finding(DETALIZATION, code, code, report.campaign_id, None, actual, actual))

    @property
    def income_files(self) -> int:
        return sum(1 for state in self.detalization_files.values() if state.income)

    # ------------------------------------------------------------------------------------------ services

    def _services(
        self, report: ReportFile, sheet: SheetLayout, header: Header, report_layout: ReportLayout | None
    ) -> RowHandler:
        cell_at = header.cell
        i_amount = cell_at(sheet.get("amount"))
        i_act_date, i_act = cell_at("ACT_DATE"), cell_at("ACT_ID")
        i_date = cell_at(sheet.get("date")) if cell_at(sheet.get("date")) != -1 else i_act_date
        i_name, i_sku, i_order, i_qty = (
            cell_at(sheet.get("name")),
            cell_at(sheet.get("sku")),
            cell_at(sheet.get("order")),
            cell_at("COUNT"),
        )
        title = sheet.title or sheet.code
        prefix = self._prefix(report, sheet.code)
        by_act, one_c = self.services_by_act, self.services_one_c
        write = self.ledger.write
        code = sheet.code
        total = [ZERO]

        def handle(row: Row, line: int) -> None:
            amount = money(row[i_amount])
            total[0] += amount
            act_date = row[i_act_date]
            rate = "22" if (act_date[6:10] or "9999") >= "2026" else "20"
            name = row[i_name] or title
            by_act[(iso_date(act_date), code, name)] += amount
            one_c[(name, rate)] += amount
            write(
                [
                    *prefix,
                    str(line),
                    "service",
                    iso_date(row[i_date]),
                    row[i_order],
                    row[i_sku],
                    text(name),
                    row[i_qty],
                    _fmt(-amount),
                    rate,
                    _fmt(-vat_of(amount, rate)),
                    row[i_act],
                    "",
                    "",
                    "",
                ]
            )

        self._services_totals.append(total)
        return handle

    # ------------------------------------------------------------------------------------------ results

    def _skip_reason(self, check: str) -> str | None:
        needs, uses = CHECKS[check]
        requested = self.input.requested
        for kind in needs:
            if kind not in requested:
                return say(self.language, "reason.not_requested", report=kind)
            if self.unavailable.get(kind):
                return "; ".join(self.unavailable[kind])
        if check in ("detalization-summary", "paid-out") and not self.income_files:
            return say(self.language, "reason.no_income")
        if uses and not any(kind in requested and not self.unavailable.get(kind) for kind in uses):
            reasons = [
                "; ".join(self.unavailable[k])
                if self.unavailable.get(k)
                else say(self.language, "reason.not_requested", report=k)
                for k in uses
            ]
            return "; ".join(reasons)
        return None

    def available(self, kind: str) -> bool:
        return kind in self.input.requested and not self.unavailable.get(kind)

    def finish(self) -> None:
        """Decide the checks whose inputs are only complete at the end."""
        if self.available(NETTING):
            for payment in self.orders.values():
                expected = payment.bank_sum
                if expected is None:
                    continue
                if abs(payment.rows_sum - expected) > AGGREGATE_TOLERANCE:
                    self.findings["payment-orders"].add(
                        Finding(
                            NETTING,
                            "transaction_date",
                            payment.number,
                            None,
                            expected,
                            payment.rows_sum,
                            payment.rows_sum - expected,
                        )
                    )
                for other in sorted(payment.other_sums):
                    self.findings["payment-orders"].add(
                        Finding(NETTING, "transaction_date", payment.number, None, expected, other, other - expected)
                    )
        if self.available(REALIZATION):
            for (kind, sheet, campaign, _raw), (order, total) in sorted(self.unparsed_rates.items()):
                self.findings["vat-arithmetic"].add(Finding(kind, sheet, order, campaign, None, total, total, "WARN"))
        if self.available(DETALIZATION):
            self._detalization_summary_check()
        if self.available(NETTING) and self.available(DETALIZATION) and self.income_files:
            netting = self.month_orders()
            findings = self.findings["paid-out"]
            for number, payment in sorted(netting.items()):
                assert payment.bank_sum is not None  # noqa: S101
                got = self.detalization_paid.get(number)
                if got is None:
                    findings.add(
                        Finding(NETTING, "transaction_date", number, None, payment.bank_sum, None, payment.bank_sum)
                    )
                elif abs(got[0] - payment.bank_sum) > ROW_TOLERANCE:
                    findings.add(
                        Finding(
                            DETALIZATION,
                            "period_closure_income_paid",
                            number,
                            got[1],
                            payment.bank_sum,
                            got[0],
                            got[0] - payment.bank_sum,
                        )
                    )
            for number, (total, campaign) in sorted(self.detalization_paid.items()):
                if number not in netting:
                    findings.add(
                        Finding(DETALIZATION, "period_closure_income_paid", number, campaign, None, total, total)
                    )
        if self.available(NETTING) and self.available(REALIZATION):
            findings = self.findings["order-payouts"]
            for order, campaign in self.delivered_orders.items():
                expected = self.realized[order]
                actual = self.paid_per_order.get(order)
                if actual is None:
                    findings.add(Finding(REALIZATION, "delivered", order, campaign, expected, None, expected, "WARN"))
                elif abs(actual - expected) > AGGREGATE_TOLERANCE:
                    findings.add(
                        Finding(
                            NETTING, "transaction_date", order, campaign, expected, actual, actual - expected, "WARN"
                        )
                    )

    def month_orders(self) -> dict[str, PaymentOrder]:
        """Netting's payment orders of the month with a positive sum: what was paid out."""
        return {
            number: payment
            for number, payment in self.orders.items()
            if payment.bank_sum is not None and payment.bank_sum > 0 and month_of(payment.date) == self.month
        }

    @property
    def services(self) -> Decimal | None:
        return sum((cell[0] for cell in self._services_totals), ZERO) if self.available(SERVICES) else None

    @property
    def paid_out(self) -> Decimal | None:
        if not self.available(NETTING):
            return None
        return sum((p.bank_sum for p in self.month_orders().values() if p.bank_sum is not None), ZERO)

    def results(self) -> list[CheckResult]:
        results = []
        for check in CHECKS:
            findings = self.findings[check]
            reason = None if check == "pack-complete" else self._skip_reason(check)
            if reason is not None:
                results.append(CheckResult(check, "SKIPPED", say(self.language, "check.skipped", reason=reason)))
                continue
            kept = findings.largest()
            status = findings.worst
            message = say(self.language, f"check.{check}.{status.lower()}", count=findings.count, kept=len(kept))
            if findings.count > len(kept):
                message += " " + say(self.language, "check.more", count=findings.count, kept=len(kept))
            if check == "vat-arithmetic" and self.vat_rows == 0 and self.available(NETTING):
                message += " " + say(self.language, "check.vat-arithmetic.no_rates")
            if check in ("unique-transactions", "vat-arithmetic"):
                skipped = [k for k in CHECKS[check][1] if not self.available(k)]
                if skipped:
                    message += " " + say(self.language, "check.partly", reports=", ".join(skipped))
            results.append(CheckResult(check, status, message, kept))  # type: ignore[arg-type]
        return results

    def drift_entries(self) -> list[DriftEntry]:
        return [self.drift[key] for key in sorted(self.drift, key=lambda k: (k[0], k[1] or ""))]

    def net_sales_figure(self) -> dict[str, Decimal] | None:
        if not self.available(REALIZATION):
            return None
        return dict(self.net_sales)


_AMOUNTS = (
    "TRANSACTION_SUM",
    "TOTAL_AMOUNT",
    "PAID_STORAGE",
    "FULL_PRICE",
    "SERVICE_PRICE",
    "PAYMENT_SUM",
    "SERVICES_SUM",
)
_RATE_CACHE: dict[str, str] = {}
_DATES: dict[str, str] = {}


def _iso(text_: str) -> str:
    """``iso_date``, remembered (a report has few distinct dates)."""
    value = _DATES[text_] = iso_date(text_)
    if len(_DATES) > 100_000:
        _DATES.clear()
    return value


def _services_sheet(report_layout: ReportLayout, code: str, header: Header) -> SheetLayout | None:
    """A services sheet the layout does not know, read with the first amount column it has (or None)."""
    amount = _first(header, tuple(report_layout.meta.get("amountColumns", ())))
    if amount is None:
        return None
    date = _first(header, ("SERVICE_DATE_TIME", "SERVICE_DATE", "DATE_TIME")) or "ACT_DATE"
    meta = {"amount": amount, "date": date, "name": "SERVICE_NAME", "sku": "SHOP_SKU", "order": "ORDER_ID"}
    return SheetLayout(code, "", (), frozenset(), frozenset(), meta)


def _first(header: Header, codes: tuple[str, ...]) -> str | None:
    return next((code for code in codes if code in header.positions), None)


def _getter(header: Header) -> Callable[..., str]:
    def get(row: Row, *codes: str) -> str:
        for code in codes:
            at = header.at(code)
            if at is not None and row[at]:
                return row[at]
        return ""

    return get


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


__all__ = ["CHECKS", "Engine", "rate_label"]
