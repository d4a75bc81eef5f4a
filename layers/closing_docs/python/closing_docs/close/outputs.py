"""The close's files besides the ledger: ``checks.json``, ``close.xlsx``, the two 1C tables, ``payment-orders.csv``."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import IO, Any

from closing_docs.close.engine import Engine
from closing_docs.close.ledger import text
from closing_docs.close.model import CheckResult
from closing_docs.close.texts import say
from closing_docs.close.values import RATE_KEYS, ZERO, amount, iso_date, kopecks, month_of, rate_label, vat_of
from closing_docs.close.xlsx import Cell, Workbook

_RANK = {"OK": 0, "WARN": 1, "FAIL": 2}


def checks_json(engine: Engine, results: list[CheckResult]) -> dict[str, Any]:
    statuses = [r.status for r in results if r.status != "SKIPPED"]
    status = max(statuses, key=_RANK.__getitem__, default="OK")
    net_sales = engine.net_sales_figure()
    return {
        "business": engine.input.business,
        "businessId": engine.input.business_id,
        "month": engine.month,
        "status": status,
        "checks": [result.as_json() for result in results],
        "figures": {
            "netSales": None if net_sales is None else {rate: amount(total) for rate, total in net_sales.items()},
            "services": amount(engine.services),
            "paidOut": amount(engine.paid_out),
        },
        "drift": [entry.as_json() for entry in engine.drift_entries()],
    }


def dump_json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _dec(text_: str | None) -> Decimal | None:
    return None if text_ is None else Decimal(text_)


def close_xlsx(out: IO[bytes], engine: Engine, document: dict[str, Any], language: str) -> None:
    def s(key: str, **fields: object) -> str:
        return say(language, key, **fields)

    figures = document["figures"]
    net = figures["netSales"]
    with Workbook(out) as book:
        summary: list[list[Cell]] = [
            [s("xlsx.business"), document["business"], None],
            [s("xlsx.business_id"), document["businessId"], None],
            [s("xlsx.month"), document["month"], None],
            [s("xlsx.status"), document["status"], s(f"status.{document['status']}")],
        ]
        if net is None:
            summary.append([s("xlsx.net_total"), s("xlsx.none"), None])
        else:
            summary += [[s("xlsx.net_sales", rate=rate_label(k)), _dec(v), None] for k, v in net.items()]
            summary.append([s("xlsx.net_total"), sum((Decimal(v) for v in net.values()), ZERO), None])
        for key, field in (("xlsx.services_total", "services"), ("xlsx.paid_out", "paidOut")):
            value = figures[field]
            summary.append([s(key), s("xlsx.none") if value is None else Decimal(value), None])
        summary.append([None, None, None])
        summary.append([s("xlsx.check"), s("xlsx.check_status"), s("xlsx.message")])
        summary += [[c["id"], c["status"], c["message"]] for c in document["checks"]]
        book.sheet(s("xlsx.summary"), [s("xlsx.field"), s("xlsx.value"), ""], summary, (34, 22, 100))

        findings = (
            [
                c["id"],
                f["report"],
                f["sheet"],
                f["key"],
                f["campaignId"],
                _dec(f["expected"]),
                _dec(f["actual"]),
                _dec(f["residual"]),
            ]
            for c in document["checks"]
            for f in c["findings"]
        )
        book.sheet(
            s("xlsx.findings"),
            [s(f"xlsx.{k}") for k in ("check", "report", "sheet", "key", "campaign", "expected", "actual", "residual")],
            findings,
            (24, 30, 36, 22, 16, 16, 16, 16),
        )
        orders = (
            [
                p.number,
                iso_date(p.date),
                p.bank_sum,
                p.rows_sum,
                p.rows,
                ", ".join(sorted(p.shops)),
                s("xlsx.yes") if (p.bank_sum or 0) > 0 and month_of(p.date) == engine.month else s("xlsx.no"),
            ]
            for p in sorted(engine.orders.values(), key=lambda p: (iso_date(p.date), p.number))
        )
        book.sheet(
            s("xlsx.orders"),
            [s(f"xlsx.{k}") for k in ("number", "date", "sum", "rows_sum", "rows", "shops", "in_month")],
            orders,
            (16, 12, 16, 16, 8, 40, 14),
        )
        vat_rows: list[list[Cell]] = []
        for rate in [*RATE_KEYS, *(k for k in engine.net_sales if k not in RATE_KEYS)]:
            sold, returned = engine.sold.get(rate, ZERO), engine.returned.get(rate, ZERO)
            total = engine.net_sales.get(rate, ZERO)
            vat_rows.append([rate_label(rate), sold, returned, total, vat_of(total, rate)])
        book.sheet(
            s("xlsx.vat"),
            [s(f"xlsx.{k}") for k in ("rate", "sold", "returned", "net", "vat_sum")],
            vat_rows if engine.net_sales_figure() is not None else [],
            (14, 18, 18, 18, 16),
        )
        services: list[list[Cell]] = [
            [act, code, name, total] for (act, code, name), total in sorted(engine.services_by_act.items())
        ]
        book.sheet(
            s("xlsx.services"),
            [s(f"xlsx.{k}") for k in ("act_date", "sheet", "service", "amount")],
            services,
            (12, 30, 44, 16),
        )


_ONE_C_GOODS = ("Номенклатура", "Артикул", "Количество", "Цена", "Сумма", "Ставка НДС", "Сумма НДС")


def sales_returns_xlsx(out: IO[bytes], engine: Engine) -> None:
    """«Продажи» and «Возвраты»: one row per SKU × VAT rate, for the tabular part of «Отчет комиссионера (агента)
    о продажах» (Загрузить из файла). Сумма(Продажи) − Сумма(Возвраты) = netSales' total."""

    def lines(event: str) -> list[list[Cell]]:
        rows: list[list[Cell]] = []
        for (sku, rate), (name, count, total) in sorted(engine.one_c[event].items()):
            price = kopecks(total / count) if count else total
            rows.append([name, sku, _count(count), price, total, rate_label(rate), vat_of(total, rate)])
        return rows

    with Workbook(out) as book:
        for title, event in (("Продажи", "sale"), ("Возвраты", "return")):
            book.sheet(title, _ONE_C_GOODS, lines(event), (48, 24, 12, 14, 16, 12, 14))


def services_xlsx(out: IO[bytes], engine: Engine) -> None:
    """One row per service × VAT rate, for «Поступление (акт, накладная, УПД)». Σ Сумма = services."""
    rows: list[list[Cell]] = [
        [name, total, rate_label(rate), vat_of(total, rate)]
        for (name, rate), total in sorted(engine.services_one_c.items())
    ]
    with Workbook(out) as book:
        book.sheet("Услуги", ("Услуга", "Сумма", "Ставка НДС", "Сумма НДС"), rows, (56, 16, 12, 14))


def _count(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


PAYMENT_ORDER_COLUMNS = ("number", "date", "sum", "shops")


def payment_orders_csv(out: IO[bytes], engine: Engine) -> None:
    """Netting's payment orders (number, date, sum, shops), in the ledger's dialect, to match the bank statement."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(PAYMENT_ORDER_COLUMNS)
    for p in sorted(engine.orders.values(), key=lambda p: (iso_date(p.date), p.number)):
        writer.writerow([p.number, iso_date(p.date), amount(p.bank_sum) or "", text(", ".join(sorted(p.shops)))])
    out.write(("\ufeff" + buffer.getvalue()).encode("utf-8"))
