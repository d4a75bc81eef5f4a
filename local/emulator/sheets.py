"""Sheets and column codes of the four table reports, as Yandex documents them (REPORT-LAYOUTS.md).

Pure data: :data:`LAYOUTS` maps a report kind and a variant (the contract type, the netting request form, the
placement model) to its sheets. Each sheet has the file name Yandex uses for it (the CSV/JSON member name, without
extension), a name for the XLSX tab and the CSV codes of its columns, in order. The values of the rows are made up
by :mod:`local.emulator.tables` from the column codes.

Evidence as in REPORT-LAYOUTS.md: codes and file names are from Yandex's doc pages ([V]); what is marked [I] here is
the emulator's guess (XLSX tab names Yandex does not document, the MARKETING detalization that 2026 docs dropped).
XLSX tab names are at most 31 characters (Excel's limit) and unique within a report.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sheet:
    """One sheet of a table report."""

    code: str  # Yandex's file name of the sheet: the CSV/JSON member is f"{code}.csv" / f"{code}.json"
    title: str  # the XLSX tab
    columns: tuple[str, ...]  # CSV codes (UPPER_SNAKE), in order
    sign: int = 1  # sign of the money of its rows: 1 paid to the seller, -1 withheld/returned, 0 both (alternating)

    def __post_init__(self) -> None:
        if len(self.title) > 31:
            raise ValueError(f"XLSX sheet names have at most 31 characters: {self.title!r}")


DEFAULT = ""
"""The variant used when a kind has no entry for the one asked (e.g. every placement model but DBS)."""

# ------------------------------------------------------------------------------------------ shared blocks

BUSINESS = ("BUSINESS_ID", "MODEL", "PARTNER_ID", "SHOP_NAME", "INN", "PLACEMENT_CONTRACT", "PROMOTION_CONTRACT")
"""«Информация о бизнесе»: first in every netting and detalization sheet."""

SERVICES_BUSINESS = (
    "BUSINESS_ID",
    "PLACEMENT_MODEL",
    "PARTNER_ID",
    "PARTNER_NAME",
    "INN",
    "PLACEMENT_CONTRACT",
    "PROMOTION_CONTRACT",
)
"""The same block in the services report, with its own codes."""

# ------------------------------------------------------------------------------------------ united-netting

_TRANSACTION_DATE = (
    *BUSINESS,
    "TRANSACTION_DATE",
    "TRANSACTION_ID",
    "ORDER_ID",
    "SHOP_ORDER_ID",
    "ORDER_CREATION_DATE",
    "ORDER_DELIVERY_DATE",
    "CLAIM_NUMBER",
    "ORDER_TYPE",
    "SHOP_SKU",
    "ACT_ID",
    "ACT_DATE",
    "OFFER_OR_SERVICE_NAME",
    "COUNT",
    "TRANSACTION_SUM",
    "VAT_RATE",
    "VAT_SUM",
    "TRANSACTION_TYPE",
    "TRANSACTION_SOURCE",
    "PAYMENT_STATUS",
    "BONUS_ACCOUNT_YEAR_MONTH",
    "BANK_ORDER_DATE",
    "BANK_ORDER_ID",
    "BANK_SUM",
    "COMMENTS",
)
_NOT_IN_BONUSES = {"ACT_ID", "ACT_DATE", "CLAIM_NUMBER", "VAT_RATE", "VAT_SUM", "BANK_ORDER_DATE", "BANK_ORDER_ID"}
_NOT_IN_BONUSES |= {"BANK_SUM", "COMMENTS"}  # 22 columns, as in a live file [P]; which 22 exactly is [I]

UNITED_NETTING: dict[str, tuple[Sheet, ...]] = {
    "period": (Sheet("transaction_date", "Отчёт о платежах", _TRANSACTION_DATE, sign=0),),
    "bank-order": (
        Sheet(
            "netting_report_accruals",
            "Начисления",  # [I] the doc's tab name is the same for the three sheets
            (
                *BUSINESS,
                "ORDER_ID",
                "ORDER_CREATION_DATE",
                "ORDER_DELIVERY_DATE",
                "CLAIM_NUMBER",
                "ORDER_TYPE",
                "SHOP_SKU",
                "OFFER_NAME",
                "COUNT",
                "TRANSACTION_SUM",
                "TRANSACTION_SOURCE",
                "ACT_ID",
                "ACT_DATE",
                "TRANSACTION_DATE",
                "TRANSACTION_ID",
            ),
        ),
        Sheet(
            "netting_report_returns_and_compensations",
            "Возвраты и компенсации",  # [I]
            (
                *BUSINESS,
                "ORDER_ID",
                "ORDER_CREATION_DATE",
                "ORDER_DELIVERY_DATE",
                "ORDER_TYPE",
                "SHOP_SKU",
                "OFFER_NAME",
                "COUNT",
                "TRANSACTION_SUM",
                "TRANSACTION_SOURCE",
                "TRANSACTION_DATE",
                "TRANSACTION_ID",
            ),
            sign=-1,
        ),
        Sheet(
            "netting_report_retentions",
            "Удержания",  # [I]
            (
                *BUSINESS,
                "ACT_ID",
                "ACT_DATE",
                "SERVICE_NAME",
                "TRANSACTION_SUM",
                "TRANSACTION_SOURCE",
                "TRANSACTION_DATE",
                "TRANSACTION_ID",
            ),
            sign=-1,
        ),
    ),
    "bonuses": (
        Sheet("netting_bonuses", "Отчёт по баллам", tuple(c for c in _TRANSACTION_DATE if c not in _NOT_IN_BONUSES)),
    ),
}
"""Payments: one layout per request form (dateFrom/dateTo, bankOrderId/bankOrderDateTime, monthOfYear)."""

# ------------------------------------------------------------------------------------------ goods-realization

_ORDER = ("ORDER_ID", "YOUR_ORDER_ID", "ORDER_TYPE", "OFFER_NAME", "YOUR_SKU", "SHOP_SKU")
_UNIT_PRICE = (
    "VAT",
    "PRICE_WITH_VAT_AND_NO_DISCOUNT",
    "SHOP_MARKETPLACE_DISCOUNT",
    "SPASIBO_DISCOUNT",
    "YANDEX_PLUS_DISCOUNT",
    "PRICE_WITH_VAT_AND_ALL_DISCOUNTS",
)
_RECEIPT_AND_B2B = (
    "RNPT",
    "RECEIPT_ID",
    "RECEIPT_LINK",
    "RECEIPT_DATETIME",
    "ORGANIZATION",
    "INN",
    "KPP",
    "ORGANIZATION_JUR_ADDRESS",
    "UPD_STATUS",
    "UPD_DATE",
    "UPD_NUMBER",
    "REDEEMED_PRICE",
)  # the doc lists UPD_* twice in one sheet (duplicate CSV headers); the emulator writes them once


def _sums(prefix: str) -> tuple[str, str, str]:
    return (
        f"{prefix}_PRICE_SUM_WITH_VAT_AND_NO_DISCOUNTS",
        f"{prefix}_DISCOUNT_SUM",
        f"{prefix}_PRICE_SUM_WITH_VAT_AND_DISCOUNTS",
    )


_TRANSFERRED = (
    *_ORDER,
    "TRANSFERRED_TO_DELIVERY_COUNT",
    "ORDER_CREATION_DATE",
    "TRANSFERRED_TO_DELIVERY_DATE",
    "PAYMENT_TYPE",
    *_UNIT_PRICE,
    *_sums("TRANSFERRED_TO_DELIVERY"),
)
_DELIVERED = (
    *_ORDER,
    "TRANSFERRED_TO_DELIVERY_COUNT",
    "DELIVERED_COUNT",
    "ORDER_CREATION_DATE",
    "TRANSFERRED_TO_DELIVERY_DATE",
    "DELIVERY_DATE",
    "PAYMENT_TYPE",
    *_UNIT_PRICE,
    *_sums("DELIVERED"),
    *_RECEIPT_AND_B2B,
)
_UNREDEEMED = (
    *_ORDER,
    "TRANSFERRED_TO_DELIVERY_COUNT",
    "UNREDEEMED_COUNT",
    "ORDER_CREATION_DATE",
    "TRANSFERRED_TO_DELIVERY_DATE",
    "UNREDEEMED_WAREHOUSE_OR_SC_ACCEPT_DATE",
    "PAYMENT_TYPE",
    *_UNIT_PRICE,
    *_sums("UNREDEEMED"),
    *_RECEIPT_AND_B2B,
)
_RETURNED = (
    *_ORDER,
    "DELIVERED_COUNT",
    "RETURNED_COUNT",
    "ORDER_CREATION_DATE",
    "DELIVERY_DATE",
    "RETURN_WAREHOUSE_OR_SC_ACCEPT_DATE",
    "PAYMENT_TYPE",
    *_UNIT_PRICE,
    "RETURN_PRICE_SUM_WITH_VAT_AND_NO_DISCOUNTS",
    "RETURN_DISCOUNT_SUM",
    "RETURN_PRICE_SUM_WITH_VAT_AND_DISCOUNTS",
    *_RECEIPT_AND_B2B,
)
_LOST = (
    *_TRANSFERRED,
    "COMPENSATION_DATE",
    "COMPENSATION_AMOUNT",
    "LOST_RETURN_RECEIVED_DATE",
    "DECOMPENSATION_DATE",
    "DECOMPENSATION_AMOUNT",
    *_RECEIPT_AND_B2B,
)

GOODS_REALIZATION: dict[str, tuple[Sheet, ...]] = {
    DEFAULT: (  # FBY, FBS, Express
        Sheet("transferred_to_delivery", "Товары, переданные в доставку", (*_TRANSFERRED, *_RECEIPT_AND_B2B)),
        Sheet("delivered", "Доставленные товары", _DELIVERED),
        Sheet("unredeemed", "Невыкупленные товары", _UNREDEEMED),
        Sheet("returned", "Возвращенные товары", _RETURNED),
        Sheet("lost_items", "Товары, утраченные в доставке", _LOST),
    ),
    "DBS": (  # no lost_items; the middle two tab names are [I]
        Sheet("transferred_to_delivery", "Передано в доставку", (*_TRANSFERRED, *_RECEIPT_AND_B2B)),
        Sheet("delivered", "Доставленные товары", _DELIVERED),
        Sheet("unredeemed", "Невыкупленные товары", _UNREDEEMED),
        Sheet("returned", "Возвращено", _RETURNED),
    ),
}
"""Sales realization: by the placement model of the business (DBS has its own layout)."""

# ---------------------------------------------------------------------------------- united-marketplace-services

_ADJUSTMENTS = (
    "AMOUNT_WITHOUT_BONUSES",
    "DAYS_OF_DELAY",
    "LATE_ORDER_EXECUTION_FEE_TARIFF",
    "CANCELLATION_ORDER_FEE_TARIFF",
    "INDIVIDUAL_DISCOUNT",
    "LOYALTY_DISCOUNT",
    "NETTING",
)
_ORDER_SERVICE = (
    *SERVICES_BUSINESS,
    "ORDER_ID",  # [I] order columns of these sheets are not in REPORT-LAYOUTS.md
    "SHOP_SKU",
    "OFFER_NAME",
    "SERVICE_NAME",
    "SERVICE_DATE_TIME",
    "ACT_DATE",
    *_ADJUSTMENTS,
    "TOTAL_AMOUNT",
)
_DELIVERY = (*SERVICES_BUSINESS, "ORDER_ID", "SERVICE_NAME", "SERVICE_DATE_TIME", "ACT_DATE", "SERVICE_PRICE")
_PAYMENT = (*SERVICES_BUSINESS, "ORDER_ID", "RECORD_TYPE", "SERVICE_DATE_TIME", "ACT_DATE", "SERVICE_PRICE")
_MONTHLY = (*SERVICES_BUSINESS, "SERVICE_NAME", "SERVICE_DATE", "ACT_DATE", "SERVICE_PRICE")

UNITED_MARKETPLACE_SERVICES: dict[str, tuple[Sheet, ...]] = {
    DEFAULT: (  # ten of the 41 sheets: a live act had nine (the sheets with rows), these cover every amount column
        Sheet("placement", "Размещение товаров и услуг", _ORDER_SERVICE),
        Sheet("sale_commission", "Поручение на продажу", _ORDER_SERVICE),
        Sheet("item_booking", "Бронирование товара", _ORDER_SERVICE),
        Sheet(
            "paid_storage_after_01-06-22",
            "Платное хранение с 01.06.22",
            (
                *SERVICES_BUSINESS,
                "SHOP_SKU",
                "OFFER_NAME",
                "TRANSACTION_TYPE",
                "STORAGE_PERIOD",
                "SERVICE_DATE",
                "ACT_DATE",
                "PAID_STORAGE",
            ),
        ),
        Sheet(
            "expropriation",
            "Вознаграждение за продажу",
            (
                *SERVICES_BUSINESS,
                "ORDER_NUMBER",
                "SKU",
                "PRODUCT_NAME",
                "SERVICE",
                "DATE_TIME",
                "ACT_DATE",
                "FULL_PRICE",
            ),
        ),
        Sheet(
            "boost",
            "Буст продаж",  # [I]
            (
                *SERVICES_BUSINESS,
                "SHOP_SKU",
                "OFFER_NAME",
                "SERVICE_NAME",
                "SERVICE_DATE",
                "ACT_DATE",
                "BONUS_PAID",
                "SERVICE_PRICE",
            ),
        ),
        Sheet("crossregional_delivery", "Доставка (средняя миля)", (*_DELIVERY, "ORDER_CREATION_DATE_TIME")),
        Sheet("payment_accepting", "Приём платежа", _PAYMENT),
        Sheet("payment_transfer", "Перевод платежа", _PAYMENT),
        Sheet("business_subscription", "Подписки", _MONTHLY),
    ),
}
"""Cost of Market's services: one layout, whichever period form (act months or service dates) is asked."""

# ------------------------------------------------------------------------------- closure-documents-detalization

DETAIL = (
    *BUSINESS,
    "TRANSACTION_DATE",
    "TRANSACTION_ID",
    "ORDER_ID",
    "SHOP_ORDER_ID",
    "ORDER_CREATION_DATE",
    "CLAIM_NUMBER",
    "ORDER_TYPE",
    "OFFER_ID",
    "OFFER_NAME",
    "COUNT",
    "TRANSACTION_SUM",
    "TRANSACTION_TYPE",
    "TRANSACTION_SOURCE",
    "PAYMENT_STATUS",
    "BANK_ORDER_DATE",
    "BANK_ORDER_ID",
    "BANK_ORDER_SUM",
)
"""The column set every detail sheet of the detalization report shares."""

INCOME_SUMMARY = ("PAYMENTS", "PAYMENTS_DESCRIPTION", "PAYMENT_SUM")
SERVICES_SUMMARY = ("SERVICES", "SERVICES_DESCRIPTION", "SERVICES_SUM")


def _details(prefix: str, sheets: tuple[tuple[str, str, int], ...]) -> tuple[Sheet, ...]:
    return tuple(Sheet(f"{prefix}_{suffix}", title, DETAIL, sign) for suffix, title, sign in sheets)


CLOSURE_DOCUMENTS_DETALIZATION: dict[str, tuple[Sheet, ...]] = {
    "INCOME": (
        Sheet("period_closure_income_summary", "Отчёт об исполнении поручения", INCOME_SUMMARY, sign=0),
        *_details(
            "period_closure_income",
            (
                ("payments", "Получено от потребителей", 1),
                ("refunds", "Возвращено потребителям", -1),
                ("sold_refunds", "Реализовано от имени заказчика", 1),
                ("sold_defect_refunds", "Возвращено реализованных", -1),
                ("fees", "Удержано за услуги Маркета", -1),
                ("fines", "Удержано штрафов", -1),
                ("compensations", "Компенсации от Маркета", 1),
                ("netting", "Премия", 1),
                ("premium_correction", "Корректировка Премии", 0),
                ("mutual_liabilities", "Зачет взаимных обязательств", -1),
                ("cession", "Приобретено право требования", 1),
                ("debt_write_off", "Списание задолженности", -1),
                ("will_be_paid", "Подлежит перечислению вам", 1),
                ("paid", "Перечислено на ваш счёт", 1),
            ),
        ),
    ),
    "OUTCOME": (
        Sheet("period_closure_outcome_summary", "Акт об услугах по продвижению", SERVICES_SUMMARY),
        *_details(
            "period_closure_outcome",
            (
                ("subsidy", "Скидки маркетплейса", 1),
                ("plus", "Баллы Яндекс Плюса", 1),
                ("benefits", "Премия за выполнение вызова", 1),
                ("delivery", "Скидки маркетплейса на доставку", 1),
            ),
        ),
    ),
    "MARKETING": (  # [I] the 2026 docs have no MARKETING tables (the emulator's default outcome for it is NO_DATA)
        Sheet("period_closure_marketing_summary", "Акт о маркетинговых услугах", SERVICES_SUMMARY),
        *_details("period_closure_marketing", (("services", "Маркетинговые услуги", -1),)),
    ),
}
"""Reconciliation with the closing documents: one layout per contract type."""

# ------------------------------------------------------------------------------------------ the catalog

LAYOUTS: dict[str, dict[str, tuple[Sheet, ...]]] = {
    "closure-documents-detalization": CLOSURE_DOCUMENTS_DETALIZATION,
    "goods-realization": GOODS_REALIZATION,
    "united-marketplace-services": UNITED_MARKETPLACE_SERVICES,
    "united-netting": UNITED_NETTING,
}
"""Report kind → variant → sheets, in workbook order."""


def layout(kind: str, variant: str = DEFAULT) -> tuple[Sheet, ...]:
    """The sheets of a report of ``kind``: the variant's own layout, else the kind's default one."""
    variants = LAYOUTS[kind]
    return variants.get(variant) or variants[DEFAULT]
