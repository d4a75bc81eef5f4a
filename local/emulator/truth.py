"""One synthetic truth of a business-month, and the CSV form of its four table reports, which agree by construction.

A :class:`Truth` (seeded, deterministic) holds orders of a few SKUs at VAT 22 %, 10 % and «Без НДС», delivered,
returned, not bought out, one lost and compensated, plus one sale of the previous month returned in this one (20 %
when that month is in 2025); Market's services per order and per month (with their act), and weekly payment orders
covering every shop. From it, :func:`write` renders each report's CSV ZIP (UTF-8 with BOM, comma, CRLF, header of
CSV codes, ``dd.mm.yyyy`` dates, dot decimals; realization repeats the ``UPD_*`` columns as Yandex documents):

* goods-realization (per shop): transferred, delivered, unredeemed, returned, lost items;
* united-netting (the business, period form): accruals, refunds, withholdings, compensations, with the payment
  order of each row (``BANK_SUM`` = Σ of its rows), VAT per rate;
* closure-documents-detalization (per shop, INCOME and OUTCOME): the same money by sheet, with the summary;
* united-marketplace-services (the business, by act month): the withholdings by service and day.

:class:`Knobs` inject each discrepancy the close's checks look for, drift, and a missing required column.
:meth:`Truth.expected` gives the figures the close must find (netSales by rate, services, paidOut), computed from the
truth, not from the files. Sheet columns follow :mod:`local.emulator.sheets` (REPORT-LAYOUTS.md). The emulator's HTTP
server serves these files (:func:`served`) as the CSV form of the four kinds for a calendar month, unless it is
started with ``truth_tables=False`` (its XLSX and JSON forms, and other periods, stay :mod:`local.emulator.tables`'
layout samples); the close's tests and ``bench.close`` render them directly.
"""

from __future__ import annotations

import csv
import functools
import io
import random
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import IO

from local.emulator.sheets import (
    CLOSURE_DOCUMENTS_DETALIZATION,
    DETAIL,
    GOODS_REALIZATION,
    SERVICES_BUSINESS,
    UNITED_MARKETPLACE_SERVICES,
    UNITED_NETTING,
)

NETTING = "united-netting"
REALIZATION = "goods-realization"
SERVICES = "united-marketplace-services"
DETALIZATION = "closure-documents-detalization"


@dataclass(frozen=True)
class Knobs:
    """Each injects one discrepancy (or drift) into the rendered files; all off: every check is OK."""

    payment_order_off: bool = False  # the first payment order's BANK_SUM (netting and detalization) +100.00
    duplicate_transaction: bool = False  # a netting withholding row twice
    duplicate_detalization: bool = False  # a detalization «Получено от потребителей» row twice
    vat_off: bool = False  # the first accrual's VAT_SUM +1.00
    unknown_vat: bool = False  # order 0 sells a SKU whose VAT text is «НДС 18%»
    realization_discount_off: bool = False  # the first delivered row's DELIVERED_DISCOUNT_SUM +5.00
    realization_price_off: bool = False  # the first delivered row's unit price after discounts +1.00
    summary_off: bool = False  # the first shop's INCOME summary row «Получено от потребителей» +10.00
    paid_out_missing: bool = False  # the first payment order left out of every «Перечислено на ваш счёт»
    payout_lag: bool = False  # a delivered order's accrual is not in netting yet
    extra_column: bool = False  # NEW_COLUMN in netting and in realization's delivered sheet
    renamed_sheet: bool = False  # services sheet placement written as placement_2026
    layout_2025_09: bool = False  # netting without VAT_RATE/VAT_SUM, realization without RECEIPT_*
    missing_required: bool = False  # netting without BANK_SUM
    unknown_file: bool = False  # a readme.txt in the netting ZIP


@dataclass(frozen=True)
class Sku:
    sku: str
    name: str
    price: int  # kopecks
    vat: str  # the realization's VAT text
    rate: int | None  # None: без НДС


CATALOG: tuple[Sku, ...] = (
    Sku("KT-17", "Чайник электрический 1,7 л", 349_000, "22%", 22),
    Sku("MUG-350", "Кружка керамическая 350 мл", 59_000, "НДС 22%", 22),
    Sku("TWL-3", "Набор полотенец, 3 шт.", 189_000, "22", 22),
    Sku("LMP-01", "Лампа настольная", 279_000, "22%", 22),
    Sku("BABY-6", "Пюре яблочное детское, 6 шт.", 54_000, "10%", 10),
    Sku("BOOK-1", "Книга «Бухучёт без слёз»", 89_000, "Без НДС", None),
)
ODD = Sku("ODD-18", "Товар со ставкой 18%", 100_000, "НДС 18%", 18)

ORDER_SERVICES: tuple[tuple[str, str, str], ...] = (  # sheet, service name, amount column
    ("placement", "Размещение товаров на витрине", "TOTAL_AMOUNT"),
    ("delivery", "Доставка покупателю", "SERVICE_PRICE"),
    ("payment_accepting", "Приём платежа", "SERVICE_PRICE"),
    ("payment_transfer", "Перевод платежа", "SERVICE_PRICE"),
    ("order_processing", "Обработка заказа", "SERVICE_PRICE"),
    ("crossregional_delivery", "Доставка (средняя миля)", "SERVICE_PRICE"),
    ("expropriation", "Вознаграждение за продажу", "FULL_PRICE"),
    ("warehouse_processing", "Складская обработка", "SERVICE_PRICE"),
    ("express_delivery", "Экспресс-доставка", "SERVICE_PRICE"),
)
MONTHLY_SERVICES: tuple[tuple[str, str, str, int], ...] = (
    ("paid_storage_after_01-06-22", "Платное хранение", "PAID_STORAGE", 125_040),
    ("business_subscription", "Подписка на тариф", "SERVICE_PRICE", 99_000),
)
_NO_NAME_SHEETS = {"payment_accepting", "payment_transfer", "paid_storage_after_01-06-22"}  # no SERVICE_NAME column
PAYOUT_DAYS = (8, 15, 22)  # weekly payment orders: rows dated before the day and after the previous one


def _rub(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    return f"{sign}{abs(kopecks) // 100}.{abs(kopecks) % 100:02d}"


def _dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _vat(gross: int, rate: int | None) -> int:
    """VAT inside ``gross`` kopecks, rounded half up (away from zero)."""
    if not rate:
        return 0
    numerator, denominator = abs(gross) * rate, 100 + rate
    value = (2 * numerator + denominator) // (2 * denominator)
    return value if gross >= 0 else -value


def _rate_text(rate: int | None) -> str:
    return "Без НДС" if rate is None else f"{rate}%"


@dataclass(frozen=True)
class Order:
    number: int
    order_id: str
    campaign: int
    item: Sku
    qty: int
    price: int
    discount: int  # the seller's discount per unit
    plus: int  # Plus points per unit
    fate: str  # delivered, returned, unredeemed, lost, prior (delivered last month, returned this month)
    created: date
    transferred: date
    delivered: date | None
    returned: date | None
    rate: int | None

    @property
    def net(self) -> int:
        return self.price - self.discount - self.plus

    @property
    def total(self) -> int:
        return self.qty * self.net


@dataclass(frozen=True)
class Event:
    """One netting row (kopecks, signed: + owed to the seller)."""

    tid: str
    kind: str  # accrual, refund, compensation, withholding
    day: date
    amount: int
    campaign: int
    order: Order | None = None
    service: tuple[str, str, str] | None = None
    rate: int | None = None
    vat_text: str = ""

    @property
    def vat(self) -> int:
        return _vat(self.amount, self.rate) if self.vat_text else 0


@dataclass(frozen=True)
class TruthFile:
    kind: str
    campaign_id: int | None = None
    contract_type: str | None = None

    def name(self, truth: Truth) -> str:
        scope = self.campaign_id if self.campaign_id is not None else truth.business_id
        suffix = f"_{self.contract_type}" if self.contract_type else ""
        return f"{self.kind}_{scope}_{truth.month}{suffix}.zip"


@dataclass(frozen=True)
class Truth:
    business_id: int = 5001
    campaign_ids: tuple[int, ...] = (1001, 1002)
    month: str = "2026-01"
    orders: int = 40
    services_per_order: int = 3
    seed: int = 20
    knobs: Knobs = field(default_factory=Knobs)

    def with_knobs(self, **knobs: bool) -> Truth:
        return replace(self, knobs=Knobs(**knobs))

    # ------------------------------------------------------------------------------------------ calendar

    @property
    def first(self) -> date:
        year, month = (int(part) for part in self.month.split("-"))
        return date(year, month, 1)

    @property
    def last(self) -> date:
        following = date(self.first.year + (self.first.month == 12), self.first.month % 12 + 1, 1)
        return following - timedelta(days=1)

    def day(self, number: int) -> date:
        return self.first + timedelta(days=min(number, self.last.day) - 1)

    @property
    def act_id(self) -> str:
        return f"{self.first.year % 100:02d}{self.first.month:02d}{self.business_id % 10000:04d}"

    @property
    def service_rate(self) -> int:
        return 22 if self.first.year >= 2026 else 20

    def payout(self, day: date) -> tuple[str, date] | None:
        """The payment order (number, date) that pays a row of ``day``, None while it waits for the next one."""
        for week, payout_day in enumerate(PAYOUT_DAYS):
            if day.day < payout_day:
                return (
                    f"{self.first.year % 100}{self.first.month:02d}{self.business_id % 1000:03d}{week + 1}",
                    self.day(payout_day),
                )
        return None

    # ------------------------------------------------------------------------------------------ orders

    def order(self, number: int) -> Order:
        rng = random.Random(number * 104_729 + self.seed)
        item = ODD if (number == 0 and self.knobs.unknown_vat) else CATALOG[rng.randrange(len(CATALOG))]
        price = item.price + rng.randrange(0, 20) * 1000
        discount = rng.randrange(0, price // 10 // 100) * 100
        plus = rng.randrange(0, price // 20 // 100) * 100
        transferred = self.day(1 + (number * 7) % 26)
        fate = (
            "lost"
            if number == 3
            else "unredeemed"
            if number % 20 == 7
            else "returned"
            if number % 20 == 11
            else "delivered"
        )
        delivered = transferred + timedelta(days=1 + number % 2) if fate in ("delivered", "returned") else None
        returned = min(delivered + timedelta(days=2), self.last) if fate == "returned" and delivered else None
        return Order(
            number=number,
            order_id=str(5_000_000_000 + self.business_id * 100_000 + number),
            campaign=self.campaign_ids[number % len(self.campaign_ids)],
            item=item,
            qty=1 + rng.randrange(3),
            price=price,
            discount=discount,
            plus=plus,
            fate=fate,
            created=transferred - timedelta(days=1),
            transferred=transferred,
            delivered=delivered,
            returned=returned,
            rate=item.rate,
        )

    def prior_return(self) -> Order:
        """A sale delivered last month, returned this one: at last month's rate (20 % in 2025)."""
        item = CATALOG[0]
        previous = self.first - timedelta(days=1)
        rate = 20 if previous.year <= 2025 else item.rate
        return Order(
            number=-1,
            order_id=str(4_900_000_000 + self.business_id),
            campaign=self.campaign_ids[0],
            item=replace(item, vat=f"{rate}%", rate=rate),
            qty=1,
            price=item.price,
            discount=0,
            plus=0,
            fate="prior",
            created=previous - timedelta(days=5),
            transferred=previous - timedelta(days=4),
            delivered=previous - timedelta(days=2),
            returned=self.day(5),
            rate=rate,
        )

    def all_orders(self) -> tuple[Order, ...]:
        return _orders(self)

    def _fees(self, order: Order) -> list[tuple[tuple[str, str, str], int]]:
        rng = random.Random(order.number * 7919 + self.seed)
        services = ORDER_SERVICES[: self.services_per_order]
        return [(service, 1_000 + rng.randrange(0, 40_000, 10)) for service in services]

    def lagged(self) -> str | None:
        """The order whose accrual netting has not had yet (knob payout_lag): the first delivered after the last
        payout."""
        if not self.knobs.payout_lag:
            return None
        for order in self.all_orders():
            if order.fate == "delivered" and order.delivered and self.payout(order.delivered) is None:
                return order.order_id
        return None

    def events(self) -> Iterator[Event]:
        """Every netting row of the month, in date order within each order."""
        lagged = _lagged(self)
        for order in self.all_orders():
            base = f"{order.number + 2:07d}"
            if order.fate in ("delivered", "returned") and order.delivered and order.order_id != lagged:
                yield Event(
                    f"1{base}1", "accrual", order.delivered, order.total, order.campaign, order, None, order.rate,
                    _rate_text(order.rate),
                )  # fmt: skip
            if order.returned:
                yield Event(
                    f"1{base}2", "refund", order.returned, -order.total, order.campaign, order, None, order.rate,
                    _rate_text(order.rate),
                )  # fmt: skip
            if order.fate == "lost":
                yield Event(
                    f"1{base}3",
                    "compensation",
                    self.day(order.transferred.day + 10),
                    order.total,
                    order.campaign,
                    order,
                )
            if order.fate != "prior":
                for number, (service, fee) in enumerate(self._fees(order)):
                    yield Event(
                        f"2{base}{number}", "withholding", order.transferred, -fee, order.campaign, order, service,
                        self.service_rate, _rate_text(self.service_rate),
                    )  # fmt: skip
        for number, (sheet, name, column, fee) in enumerate(MONTHLY_SERVICES):
            yield Event(
                f"3{number:07d}0", "withholding", self.last, -fee, self.campaign_ids[0], None, (sheet, name, column),
                self.service_rate, _rate_text(self.service_rate),
            )  # fmt: skip

    def payment_orders(self) -> dict[str, tuple[date, int, set[int]]]:
        """number → (date, Σ of its rows, shops): what the truth paid out."""
        return _payment_orders(self)

    def _payment_orders(self) -> dict[str, tuple[date, int, set[int]]]:
        orders: dict[str, tuple[date, int, set[int]]] = {}
        for event in self.events():
            payout = self.payout(event.day)
            if payout:
                number, day = payout
                _, total, shops = orders.get(number, (day, 0, set()))
                shops.add(event.campaign)
                orders[number] = (day, total + event.amount, shops)
        return orders

    def expected(self) -> dict[str, object]:
        """The figures the close must find, from the truth itself."""
        net: dict[str, int] = defaultdict(int)
        for order in self.all_orders():
            key = "NO_VAT" if order.rate is None else str(order.rate)
            if order.item is ODD:
                key = ODD.vat
            if order.fate in ("delivered", "returned"):
                net[key] += order.total
            if order.returned:
                net[key] -= order.total
        services = -sum(e.amount for e in self.events() if e.kind == "withholding")
        paid = sum(total for _, total, _ in self.payment_orders().values() if total > 0)
        return {
            "netSales": {key: _rub(value) for key, value in sorted(net.items())},
            "netSalesTotal": _rub(sum(net.values())),
            "services": _rub(services),
            "paidOut": _rub(paid),
        }

    # ------------------------------------------------------------------------------------------ files

    def files(self) -> list[TruthFile]:
        """Every report file of the pack: realization and detalization (INCOME, OUTCOME) per shop, then the
        business-wide netting and services."""
        shops = [TruthFile(REALIZATION, c) for c in self.campaign_ids]
        shops += [TruthFile(DETALIZATION, c, t) for c in self.campaign_ids for t in ("INCOME", "OUTCOME")]
        return [*shops, TruthFile(NETTING), TruthFile(SERVICES)]

    def write(self, file: TruthFile, out: IO[bytes]) -> None:
        """The CSV ZIP of ``file`` into ``out`` (streamed: one row at a time)."""
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            if file.kind == REALIZATION:
                _realization(self, file.campaign_id or 0, archive)
            elif file.kind == NETTING:
                _netting(self, archive)
            elif file.kind == DETALIZATION:
                _detalization(self, file.campaign_id or 0, file.contract_type or "INCOME", archive)
            elif file.kind == SERVICES:
                _services(self, archive)
            else:
                raise ValueError(f"no such kind {file.kind!r}")

    def render(self, file: TruthFile) -> bytes:
        buffer = io.BytesIO()
        self.write(file, buffer)
        return buffer.getvalue()

    def write_pack(self, directory: Path) -> list[tuple[TruthFile, Path]]:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for file in self.files():
            path = directory / file.name(self)
            with path.open("wb") as out:
                self.write(file, out)
            written.append((file, path))
        return written


@functools.lru_cache(maxsize=16)
def _truth(business_id: int, shops: tuple[int, ...], month: str, knobs: tuple[str, ...]) -> Truth:
    return Truth(business_id=business_id, campaign_ids=shops, month=month, knobs=Knobs(**dict.fromkeys(knobs, True)))


def served(
    kind: str,
    scope_id: int,
    first: date,
    last: date,
    variant: str,
    business_id: int,
    shops: tuple[int, ...],
    campaigns: tuple[int, ...],
    knobs: tuple[str, ...] = (),
) -> bytes | None:
    """The truth's CSV ZIP of a table report the emulator serves: one of the four kinds, over one calendar month,
    for a shop of the business or the whole business (all its shops); None for anything else (another period, a
    campaign filter, a MARKETING detalization), which the emulator renders from the layouts instead."""
    whole_month = first.day == 1 and last.month == first.month and (last + timedelta(days=1)).day == 1
    if kind not in (NETTING, REALIZATION, SERVICES, DETALIZATION) or not whole_month or not shops:
        return None
    if kind == DETALIZATION and variant not in ("INCOME", "OUTCOME"):
        return None
    scoped = kind in (REALIZATION, DETALIZATION)
    if (scoped and scope_id not in shops) or (not scoped and set(campaigns) != set(shops)):
        return None
    truth = _truth(business_id, tuple(sorted(shops)), f"{first.year:04d}-{first.month:02d}", tuple(sorted(knobs)))
    return truth.render(TruthFile(kind, scope_id if scoped else None, variant if kind == DETALIZATION else None))


@functools.lru_cache(maxsize=4)
def _orders(truth: Truth) -> tuple[Order, ...]:
    return (truth.prior_return(), *(truth.order(number) for number in range(truth.orders)))


@functools.lru_cache(maxsize=4)
def _payment_orders(truth: Truth) -> dict[str, tuple[date, int, set[int]]]:
    return truth._payment_orders()


@functools.lru_cache(maxsize=4)
def _lagged(truth: Truth) -> str | None:
    return truth.lagged()


# ------------------------------------------------------------------------------------------ rendering


def _member(archive: zipfile.ZipFile, name: str, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> None:
    codes = list(columns)
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with (
        archive.open(info, "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
    ):
        writer = csv.writer(text)  # comma, minimal quoting, CRLF
        writer.writerow(codes)
        for row in rows:
            writer.writerow([row.get(code, "") for code in codes])


def _business(truth: Truth, campaign: int, services: bool = False) -> dict[str, str]:
    return {
        "BUSINESS_ID": str(truth.business_id),
        "MODEL" if not services else "PLACEMENT_MODEL": "FBS",
        "PARTNER_ID": str(10_000_000 + campaign),
        "SHOP_NAME" if not services else "PARTNER_NAME": f"Shop {campaign}",
        "INN": f"77{truth.business_id % 10**8:08d}",
        "PLACEMENT_CONTRACT": f"ОФ-{truth.business_id}",
        "PROMOTION_CONTRACT": f"ОФ-{truth.business_id}-П",
    }


_RECEIPT = ("RECEIPT_ID", "RECEIPT_LINK", "RECEIPT_DATETIME")
_UPD = ("UPD_STATUS", "UPD_DATE", "UPD_NUMBER")


def _realization(truth: Truth, campaign: int, archive: zipfile.ZipFile) -> None:
    knobs = truth.knobs
    layouts = {sheet.code: sheet.columns for sheet in GOODS_REALIZATION[""]}
    prefixes = {
        "transferred_to_delivery": ("TRANSFERRED_TO_DELIVERY", "TRANSFERRED_TO_DELIVERY_COUNT"),
        "delivered": ("DELIVERED", "DELIVERED_COUNT"),
        "unredeemed": ("UNREDEEMED", "UNREDEEMED_COUNT"),
        "returned": ("RETURN", "RETURNED_COUNT"),
        "lost_items": ("TRANSFERRED_TO_DELIVERY", "TRANSFERRED_TO_DELIVERY_COUNT"),
    }
    chosen = {
        "transferred_to_delivery": lambda o: o.fate != "prior",
        "delivered": lambda o: o.fate in ("delivered", "returned"),
        "unredeemed": lambda o: o.fate == "unredeemed",
        "returned": lambda o: o.returned is not None,
        "lost_items": lambda o: o.fate == "lost",
    }
    first_delivered = True
    for code, columns in layouts.items():
        cols = list(columns)
        if knobs.layout_2025_09:
            cols = [c for c in cols if c not in _RECEIPT]
        if "UPD_STATUS" in cols:
            cols += _UPD  # listed twice in the doc: a CSV with duplicate headers
        if knobs.extra_column and code == "delivered":
            cols.append("NEW_COLUMN")
        prefix, count_code = prefixes[code]

        def rows(code: str = code, prefix: str = prefix, count_code: str = count_code) -> Iterator[dict[str, str]]:
            nonlocal first_delivered
            for order in truth.all_orders():
                if order.campaign != campaign or not chosen[code](order):
                    continue
                unit = order.net
                discount_sum = order.qty * (order.discount + order.plus)
                if code == "delivered" and first_delivered and campaign == truth.campaign_ids[0]:
                    first_delivered = False
                    if knobs.realization_discount_off:
                        discount_sum += 500
                    if knobs.realization_price_off:
                        unit += 100
                row = {
                    "ORDER_ID": order.order_id,
                    "YOUR_ORDER_ID": f"S-{order.number + 2:06d}",
                    "ORDER_TYPE": "FBS",
                    "OFFER_NAME": order.item.name,
                    "YOUR_SKU": order.item.sku,
                    "SHOP_SKU": order.item.sku,
                    "TRANSFERRED_TO_DELIVERY_COUNT": str(order.qty),
                    count_code: str(order.qty),
                    "ORDER_CREATION_DATE": _dmy(order.created),
                    "TRANSFERRED_TO_DELIVERY_DATE": _dmy(order.transferred),
                    "PAYMENT_TYPE": "Предоплата",
                    "VAT": order.item.vat,
                    "PRICE_WITH_VAT_AND_NO_DISCOUNT": _rub(order.price),
                    "SHOP_MARKETPLACE_DISCOUNT": _rub(order.discount),
                    "SPASIBO_DISCOUNT": "0.00",
                    "YANDEX_PLUS_DISCOUNT": _rub(order.plus),
                    "PRICE_WITH_VAT_AND_ALL_DISCOUNTS": _rub(unit),
                    f"{prefix}_PRICE_SUM_WITH_VAT_AND_NO_DISCOUNTS": _rub(order.qty * order.price),
                    f"{prefix}_DISCOUNT_SUM": _rub(discount_sum),
                    f"{prefix}_PRICE_SUM_WITH_VAT_AND_DISCOUNTS": _rub(order.total),
                    "RECEIPT_ID": f"R{order.order_id}",
                    "RECEIPT_LINK": f"https://receipts.market.example/{order.order_id}",
                    "RECEIPT_DATETIME": f"{_dmy(order.delivered or order.transferred)} 12:00:00",
                    "NEW_COLUMN": "x",
                }
                if order.delivered:
                    row["DELIVERY_DATE"] = _dmy(order.delivered)
                    row["DELIVERED_COUNT"] = str(order.qty)
                if code == "unredeemed":
                    row["UNREDEEMED_WAREHOUSE_OR_SC_ACCEPT_DATE"] = _dmy(order.transferred + timedelta(days=5))
                if order.returned:
                    row["RETURN_WAREHOUSE_OR_SC_ACCEPT_DATE"] = _dmy(order.returned)
                if code == "lost_items":
                    row["COMPENSATION_DATE"] = _dmy(truth.day(order.transferred.day + 10))
                    row["COMPENSATION_AMOUNT"] = _rub(order.total)
                yield row

        _member(archive, f"{code}.csv", cols, rows())


def _netting(truth: Truth, archive: zipfile.ZipFile) -> None:
    knobs = truth.knobs
    columns = list(UNITED_NETTING["period"][0].columns)
    if knobs.layout_2025_09:
        columns = [c for c in columns if c not in ("VAT_RATE", "VAT_SUM")]
    if knobs.missing_required:
        columns.remove("BANK_SUM")
    if knobs.extra_column:
        columns.append("NEW_COLUMN")
    orders = truth.payment_orders()
    first_order = min(orders) if orders else None

    def rows() -> Iterator[dict[str, str]]:
        vat_done = duplicate_done = False
        for event in truth.events():
            payout = truth.payout(event.day)
            row = _business(truth, event.campaign)
            order = event.order
            withholding = event.kind == "withholding"
            row |= {
                "TRANSACTION_DATE": _dmy(event.day),
                "TRANSACTION_ID": event.tid,
                "TRANSACTION_SUM": _rub(event.amount),
                "COUNT": str(order.qty) if order and not withholding else "",
                "TRANSACTION_TYPE": {"accrual": "Начисление", "refund": "Возврат", "compensation": "Компенсация"}.get(
                    event.kind, "Удержание"
                ),
                "TRANSACTION_SOURCE": "Оплата услуг" if withholding else "Платёж покупателя",
                "NEW_COLUMN": "x",
            }
            if order is not None:
                row |= {
                    "ORDER_ID": order.order_id,
                    "SHOP_ORDER_ID": f"S-{order.number + 2:06d}",
                    "ORDER_CREATION_DATE": _dmy(order.created),
                    "ORDER_DELIVERY_DATE": _dmy(order.delivered) if order.delivered else "",
                    "ORDER_TYPE": "FBS",
                    "SHOP_SKU": order.item.sku,
                }
            if withholding and event.service:
                row |= {"ACT_ID": truth.act_id, "ACT_DATE": _dmy(truth.last), "OFFER_OR_SERVICE_NAME": event.service[1]}
            elif order is not None:
                row["OFFER_OR_SERVICE_NAME"] = order.item.name
            if event.vat_text:
                vat = event.vat
                if knobs.vat_off and not vat_done and event.kind == "accrual":
                    vat, vat_done = vat + 100, True
                row |= {"VAT_RATE": event.vat_text, "VAT_SUM": _rub(vat)}
            if payout:
                number, day = payout
                total = orders[number][1] + (10_000 if knobs.payment_order_off and number == first_order else 0)
                row |= {"BANK_ORDER_ID": number, "BANK_ORDER_DATE": _dmy(day), "BANK_SUM": _rub(total)}
                row["PAYMENT_STATUS"] = (
                    "Удержан из платежей покупателей" if withholding else "Переведён по графику выплат"
                )
            else:
                row["PAYMENT_STATUS"] = (
                    "Будет удержан из платежей покупателей" if withholding else "Будет переведён по графику выплат"
                )
            yield row
            if knobs.duplicate_transaction and not duplicate_done and withholding and not payout:
                duplicate_done = True
                yield row

    _member(archive, "transaction_date.csv", columns, rows())
    if knobs.unknown_file:
        archive.writestr("readme.txt", "Отчёт сформирован автоматически.\n")


_INCOME = {sheet.code: sheet.title for sheet in CLOSURE_DOCUMENTS_DETALIZATION["INCOME"]}
_OUTCOME = {sheet.code: sheet.title for sheet in CLOSURE_DOCUMENTS_DETALIZATION["OUTCOME"]}


def _detail_row(
    truth: Truth, event_tid: str, day: date, amount: int, campaign: int, order: Order | None
) -> dict[str, str]:
    row = _business(truth, campaign)
    row |= {"TRANSACTION_DATE": _dmy(day), "TRANSACTION_ID": event_tid, "TRANSACTION_SUM": _rub(amount)}
    if order is not None:
        row |= {
            "ORDER_ID": order.order_id,
            "SHOP_ORDER_ID": f"S-{order.number + 2:06d}",
            "ORDER_CREATION_DATE": _dmy(order.created),
            "ORDER_TYPE": "FBS",
            "OFFER_ID": order.item.sku,
            "OFFER_NAME": order.item.name,
            "COUNT": str(order.qty),
        }
    return row


def _detalization(truth: Truth, campaign: int, contract_type: str, archive: zipfile.ZipFile) -> None:
    knobs = truth.knobs
    sheets: dict[str, list[dict[str, str]]] = defaultdict(list)
    if contract_type == "OUTCOME":
        for order in truth.all_orders():
            if order.campaign == campaign and order.fate in ("delivered", "returned") and order.plus:
                tid = f"4{order.number + 2:07d}0"
                sheets["period_closure_outcome_plus"].append(
                    _detail_row(truth, tid, order.delivered or truth.first, order.qty * order.plus, campaign, order)
                )
        _detail_sheets(archive, sheets, _OUTCOME, "period_closure_outcome_summary", ("SERVICES", "SERVICES_SUM"), False)
        return
    orders = truth.payment_orders()
    first_order = min(orders) if orders else None
    fees: dict[tuple[date, str], int] = defaultdict(int)
    parts: dict[str, int] = defaultdict(int)
    pending = 0
    for event in truth.events():
        if event.campaign != campaign:
            continue
        payout = truth.payout(event.day)
        if payout:
            parts[payout[0]] += event.amount
        else:
            pending += event.amount
        if event.kind == "withholding":
            fees[(event.day, event.service[1] if event.service else "")] += event.amount
            continue
        sheet = {"accrual": "payments", "refund": "refunds", "compensation": "compensations"}[event.kind]
        row = _detail_row(truth, event.tid, event.day, event.amount, campaign, event.order)
        sheets[f"period_closure_income_{sheet}"].append(row)
        if knobs.duplicate_detalization and sheet == "payments" and len(sheets["period_closure_income_payments"]) == 1:
            sheets["period_closure_income_payments"].append(row)
    for number, ((day, service), amount) in enumerate(sorted(fees.items())):
        row = _detail_row(truth, f"5{campaign % 10000:04d}{number:05d}", day, amount, campaign, None)
        row |= {"ORDER_ID": truth.act_id, "OFFER_NAME": service}
        sheets["period_closure_income_fees"].append(row)
    if pending:
        row = _detail_row(truth, f"6{campaign % 10000:04d}00000", truth.last, pending, campaign, None)
        sheets["period_closure_income_will_be_paid"].append(row)
    for bank_order, part in sorted(parts.items()):
        day, total, _ = orders[bank_order]
        if total <= 0 or (knobs.paid_out_missing and bank_order == first_order):
            continue
        total += 10_000 if knobs.payment_order_off and bank_order == first_order else 0
        row = _detail_row(truth, f"7{campaign % 10000:04d}{bank_order}", day, part, campaign, None)
        row |= {"BANK_ORDER_DATE": _dmy(day), "BANK_ORDER_ID": bank_order, "BANK_ORDER_SUM": _rub(total)}
        row["PAYMENT_STATUS"] = "Переведён по графику выплат"
        sheets["period_closure_income_paid"].append(row)
    off = 1_000 if knobs.summary_off and campaign == truth.campaign_ids[0] else 0
    _detail_sheets(archive, sheets, _INCOME, "period_closure_income_summary", ("PAYMENTS", "PAYMENT_SUM"), True, off)


def _detail_sheets(
    archive: zipfile.ZipFile,
    sheets: dict[str, list[dict[str, str]]],
    titles: dict[str, str],
    summary_code: str,
    summary_columns: tuple[str, str],
    income: bool,
    off: int = 0,
) -> None:
    """The detail sheets that have rows (a month without a sheet's payments has no such sheet), then the summary."""
    summary = []
    name, amount = summary_columns
    for code, title in titles.items():
        rows = sheets.get(code)
        if not rows:
            continue
        _member(archive, f"{code}.csv", DETAIL, rows)
        total = sum(int(row["TRANSACTION_SUM"].replace(".", "")) for row in rows)
        if code.endswith("_payments"):
            total += off
        summary.append({name: title, f"{name}_DESCRIPTION": f"Что это: {title.lower()}", amount: _rub(total)})
    description = "PAYMENTS_DESCRIPTION" if income else "SERVICES_DESCRIPTION"
    _member(archive, f"{summary_code}.csv", (name, description, amount), summary)


def _services(truth: Truth, archive: zipfile.ZipFile) -> None:
    knobs = truth.knobs
    columns = {sheet.code: sheet.columns for sheet in UNITED_MARKETPLACE_SERVICES[""]}
    generic = (*SERVICES_BUSINESS, "ORDER_ID", "SERVICE_NAME", "SERVICE_DATE_TIME", "ACT_DATE", "SERVICE_PRICE")
    per_sheet: dict[str, dict[tuple[date, int, str], int]] = defaultdict(lambda: defaultdict(int))
    amount_of: dict[str, str] = {}
    for event in truth.events():
        if event.kind != "withholding" or event.service is None:
            continue
        sheet, name, column = event.service
        amount_of[sheet] = column
        per_sheet[sheet][(event.day, event.campaign, name)] -= event.amount
    for sheet, days in per_sheet.items():
        cols = list(columns.get(sheet, generic))
        if sheet in _NO_NAME_SHEETS and "SERVICE_NAME" in cols:
            cols.remove("SERVICE_NAME")
        code = "placement_2026" if knobs.renamed_sheet and sheet == "placement" else sheet
        rows = []
        for (day, campaign, name), fee in sorted(days.items()):
            row = _business(truth, campaign, services=True)
            when = f"{_dmy(day)} 10:00:00"
            row |= {
                "SERVICE_NAME": name,
                "SERVICE": name,
                "SERVICE_DATE_TIME": when,
                "DATE_TIME": when,
                "SERVICE_DATE": _dmy(day),
                "ACT_DATE": _dmy(truth.last),
                "STORAGE_PERIOD": f"{_dmy(truth.first)}-{_dmy(truth.last)}",
                amount_of[sheet]: _rub(fee),
            }
            if amount_of[sheet] == "TOTAL_AMOUNT":
                row |= {"AMOUNT_WITHOUT_BONUSES": _rub(fee), "DAYS_OF_DELAY": "0"}
            rows.append(row)
        _member(archive, f"{code}.csv", cols, rows)
