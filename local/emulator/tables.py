"""Table report files as Yandex Market serves them: XLSX (``format=FILE``), or a ZIP of one CSV / JSON per sheet.

The sheets and their column codes come from :mod:`local.emulator.sheets`; each sheet gets a header row of CSV codes
and :data:`ROWS_PER_SHEET` made-up but plausible rows (dates ``dd.mm.yyyy`` inside the report's period, signed money
with dot decimals, sums consistent with counts and unit prices). Everything is derived from the :class:`TableSpec`
(seeded, fixed ZIP dates, fixed compression), so the bytes are the same for the same spec in every run.

* XLSX: a minimal Office Open XML workbook built with the standard library (inline strings, one tab per sheet), which
  openpyxl and LibreOffice open.
* CSV: UTF-8 with BOM, comma-separated, CRLF, header row of the codes (what live API exports have).
* JSON: one array of objects per sheet, keyed by the camelCase JSON names (Yandex does not document the shape).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from local.emulator.sheets import Sheet, layout

FORMATS: tuple[str, ...] = ("FILE", "CSV", "JSON")
"""The spec's ReportFormatType; FILE (XLSX) is the default."""

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_PER_SHEET = 3

Value = str | int | float | None


@dataclass(frozen=True)
class TableSpec:
    """Everything that determines the bytes of one table report file."""

    kind: str  # a key of sheets.LAYOUTS
    scope_id: int  # the campaign id (campaign-scoped kinds) or the business id
    label: str  # the period (and contract type) part of the file name, e.g. "2025-12" or "2025-12_INCOME"
    first: date  # the period the rows fall in, inclusive
    last: date
    variant: str  # the layout variant: contract type, netting form, placement model
    file_format: str  # one of FORMATS
    business_id: int
    campaign_ids: tuple[int, ...]  # the shops the rows belong to
    model: str  # placement model written in the rows (MODEL, ORDER_TYPE)
    # The business's shops when the emulator serves the close's kinds from one truth (MarketEmulator truth_tables):
    # the CSV of a calendar month is then local.emulator.truth's, every report agreeing with the others.
    shops: tuple[int, ...] | None = None
    knobs: tuple[str, ...] = ()  # the truth's Knobs turned on (a discrepancy or drift the close must find)

    @property
    def sheets(self) -> tuple[Sheet, ...]:
        return layout(self.kind, self.variant)

    @property
    def file_name(self) -> str:
        """The file's name in the download link: ``<kind>_<scope id>_<label>.xlsx`` (``.zip`` for CSV/JSON)."""
        return f"{self.kind}_{self.scope_id}_{self.label}.{'xlsx' if self.file_format == 'FILE' else 'zip'}"

    @property
    def content_type(self) -> str:
        return XLSX_CONTENT_TYPE if self.file_format == "FILE" else "application/zip"


# ------------------------------------------------------------------------------------------ rows

_PRODUCTS = ("Чайник электрический 1,7 л", "Кружка керамическая 350 мл", "Набор полотенец, 3 шт.", "Лампа настольная")
_SERVICES = ("Размещение товаров на витрине", "Доставка покупателю", "Приём платежа", "Хранение на складе")
_POSITIVE = ("Переведён по графику выплат", "Платёж покупателя", "Начисление")  # PAYMENT_STATUS, SOURCE, TYPE
_NEGATIVE = ("Удержан из платежей покупателей", "Оплата услуг", "Удержание")
_BLANK = {  # columns that are empty for an ordinary retail order (B2B buyer, claims, comments, …)
    "CLAIM_NUMBER",
    "COMMENTS",
    "RNPT",
    "ORGANIZATION",
    "KPP",
    "ORGANIZATION_JUR_ADDRESS",
    "UPD_STATUS",
    "UPD_DATE",
    "UPD_NUMBER",
    "REDEEMED_PRICE",
    "LOST_RETURN_RECEIVED_DATE",
    "DECOMPENSATION_DATE",
    "DECOMPENSATION_AMOUNT",
}
_ZERO = {  # money columns that are 0 on these rows (no adjustment, nothing paid with bonuses)
    "SPASIBO_DISCOUNT",
    "BONUS_PAID",
    "LATE_ORDER_EXECUTION_FEE_TARIFF",
    "CANCELLATION_ORDER_FEE_TARIFF",
    "INDIVIDUAL_DISCOUNT",
    "LOYALTY_DISCOUNT",
    "NETTING",
}
_FEES = {"SERVICE_PRICE", "TOTAL_AMOUNT", "AMOUNT_WITHOUT_BONUSES", "PAID_STORAGE", "FULL_PRICE"}
_TOTALS = {"TRANSACTION_SUM", "BANK_SUM", "BANK_ORDER_SUM", "PAYMENT_SUM", "SERVICES_SUM", "COMPENSATION_AMOUNT"}


def inn_of(business_id: int) -> str:
    """The INN (taxpayer number) the rows of a business carry."""
    return f"77{business_id % 10**8:08d}"


def _dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _month_end(day: date) -> date:
    following = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return following - timedelta(days=1)


def _row(spec: TableSpec, sheet: Sheet, index: int) -> list[Value]:
    """One data row of a sheet: a value per column (None: empty cell)."""
    rng = random.Random(f"{spec.kind}/{spec.scope_id}/{spec.label}/{spec.variant}/{sheet.code}/{index}")
    campaign = spec.campaign_ids[index % len(spec.campaign_ids)] if spec.campaign_ids else spec.scope_id
    span = (spec.last - spec.first).days
    day = spec.first + timedelta(days=span * (2 * index + 1) // (2 * ROWS_PER_SHEET))
    sign = sheet.sign or (1 if index % 2 == 0 else -1)
    count = rng.randint(1, 3)
    price = rng.randrange(30_000, 900_000, 10)  # kopecks
    discounts = (rng.randrange(0, price // 10, 10), rng.randrange(0, price // 20, 10))  # marketplace, Plus points
    net = price - sum(discounts)
    fee = rng.randrange(2_000, 90_000, 10)
    amount = count * net if sign > 0 else fee
    vat = 22 if day.year >= 2026 else 20
    order = rng.randrange(10**9, 10**10)
    statuses = _POSITIVE if sign > 0 else _NEGATIVE
    product, service = rng.choice(_PRODUCTS), rng.choice(_SERVICES)

    def rub(kopecks: int) -> float:
        return round(kopecks / 100, 2)

    def value(code: str) -> Value:  # one branch per column family
        if code in _BLANK or (code == "INN" and spec.kind == "goods-realization"):  # there: the B2B buyer's INN
            return None
        if code in _ZERO:
            return 0.0
        if code == "BUSINESS_ID":
            return spec.business_id
        if code in ("MODEL", "PLACEMENT_MODEL", "ORDER_TYPE"):
            return spec.model
        if code == "PARTNER_ID":  # deliberately not the campaign id: their relation is undocumented
            return 10_000_000 + campaign
        if code in ("SHOP_NAME", "PARTNER_NAME"):
            return f"Shop {campaign}"
        if code == "INN":
            return inn_of(spec.business_id)
        if code == "PLACEMENT_CONTRACT":
            return f"ОФ-{spec.business_id}"
        if code == "PROMOTION_CONTRACT":
            return f"ОФ-{spec.business_id}-П"
        if code in ("ORDER_ID", "ORDER_NUMBER"):
            return order
        if code in ("SHOP_ORDER_ID", "YOUR_ORDER_ID"):
            return f"S-{order % 10**6:06d}"
        if code in ("SHOP_SKU", "YOUR_SKU", "OFFER_ID", "SKU"):
            return f"SKU-{campaign}-{rng.randrange(10**4, 10**5)}"
        if code in ("OFFER_NAME", "PRODUCT_NAME"):
            return product
        if code == "OFFER_OR_SERVICE_NAME":
            return product if sign > 0 else service
        if code in ("SERVICE_NAME", "SERVICE", "PAYMENTS", "SERVICES"):
            return service
        if code.endswith("_DESCRIPTION"):
            return f"Что входит: {service.lower()}"
        if code in ("TRANSACTION_ID", "RECEIPT_ID"):
            return str(rng.randrange(10**11, 10**12))
        if code in ("ACT_ID", "BANK_ORDER_ID"):
            return rng.randrange(10**6, 10**7)
        if code == "RECEIPT_LINK":
            return f"https://receipts.market.example/{order}"
        if code in ("PAYMENT_STATUS", "TRANSACTION_SOURCE", "TRANSACTION_TYPE", "RECORD_TYPE"):
            return statuses[{"PAYMENT_STATUS": 0, "TRANSACTION_SOURCE": 1}.get(code, 2)]
        if code in ("VAT", "VAT_RATE"):
            return f"{vat}%"
        if code == "PAYMENT_TYPE":
            return "Предоплата"
        if code == "BONUS_ACCOUNT_YEAR_MONTH":
            return f"{day.month:02d}.{day.year}"
        if code == "STORAGE_PERIOD":
            return f"{_dmy(day.replace(day=1))}-{_dmy(_month_end(day))}"
        if code == "DAYS_OF_DELAY":
            return 0
        if code == "COUNT" or code.endswith("_COUNT"):
            return count
        if code == "ACT_DATE":  # always the last day of the act's month
            return _dmy(_month_end(day))
        if code.endswith(("DATE_TIME", "DATETIME")):
            return f"{_dmy(day)} {rng.randrange(8, 22):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        if code.endswith("_DATE"):
            return _dmy(day - timedelta(days=3) if code == "ORDER_CREATION_DATE" else day)
        money = _money(code, price, discounts, net, count, fee, amount, vat)
        if money is None:
            raise KeyError(f"sheet {sheet.code}: no value rule for column {code}")
        return rub(sign * money)

    return [value(code) for code in sheet.columns]


def _money(
    code: str, price: int, discounts: tuple[int, int], net: int, count: int, fee: int, amount: int, vat: int
) -> int | None:
    """A money column in kopecks (unsigned), or None if ``code`` is not one."""
    if code == "PRICE_WITH_VAT_AND_NO_DISCOUNT":
        return price
    if code == "SHOP_MARKETPLACE_DISCOUNT":
        return discounts[0]
    if code == "YANDEX_PLUS_DISCOUNT":
        return discounts[1]
    if code == "PRICE_WITH_VAT_AND_ALL_DISCOUNTS":
        return net
    if code.endswith("_PRICE_SUM_WITH_VAT_AND_NO_DISCOUNTS"):
        return count * price
    if code.endswith("_DISCOUNT_SUM"):
        return count * sum(discounts)
    if code.endswith("_PRICE_SUM_WITH_VAT_AND_DISCOUNTS"):
        return count * net
    if code in _FEES:
        return fee
    if code in _TOTALS:
        return amount
    if code == "VAT_SUM":
        return round(amount * vat / (100 + vat))
    return None


def rows(spec: TableSpec, sheet: Sheet) -> list[list[Value]]:
    """The data rows of one sheet (without the header)."""
    return [_row(spec, sheet, index) for index in range(ROWS_PER_SHEET)]


# ------------------------------------------------------------------------------------------ files


def _zip_date(spec: TableSpec) -> tuple[int, int, int, int, int, int]:
    """Fixed member timestamp: 09:00 the day after the period (when the report could first be made)."""
    day = spec.last + timedelta(days=1)
    return (max(1980, min(day.year, 2107)), day.month, day.day, 9, 0, 0)


def _zip(spec: TableSpec, members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_zip_date(spec))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def _csv(sheet: Sheet, data: list[list[Value]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)  # comma, minimal quoting, CRLF
    writer.writerow(sheet.columns)
    for row in data:
        writer.writerow(["" if v is None else f"{v:.2f}" if isinstance(v, float) else v for v in row])
    return text.getvalue().encode("utf-8-sig")


def json_name(code: str) -> str:
    """The JSON name of a CSV code: ``TRANSACTION_SUM`` → ``transactionSum``."""
    first, *rest = code.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


def _json(sheet: Sheet, data: list[list[Value]]) -> bytes:
    names = [json_name(code) for code in sheet.columns]
    objects = [dict(zip(names, row, strict=True)) for row in data]
    return json.dumps(objects, ensure_ascii=False, indent=1).encode()


# ------------------------------------------------------------------------------------------ XLSX

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(number: int) -> str:
    """Excel column name of a 1-based column number: 1 → A, 27 → AA."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _cell(reference: str, value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value!r}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _worksheet(sheet: Sheet, data: list[list[Value]]) -> bytes:
    lines = []
    header: list[Value] = list(sheet.columns)
    for number, row in enumerate([header, *data], start=1):
        cells = "".join(_cell(f"{column_letter(col)}{number}", v) for col, v in enumerate(row, start=1))
        lines.append(f'<row r="{number}">{cells}</row>')
    dimension = f"A1:{column_letter(len(sheet.columns))}{len(data) + 1}"
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}"><dimension ref="{dimension}"/>'
        f'<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>"
    ).encode()


def _xlsx_parts(sheets: tuple[Sheet, ...]) -> list[tuple[str, bytes]]:
    """The package parts other than the worksheets."""
    numbers = range(1, len(sheets) + 1)
    worksheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    content_types = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{worksheet_type}"/>' for n in numbers)
        + '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    )
    package_rels = (
        f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews><sheets>'
        + "".join(
            f'<sheet name={quoteattr(sheet.title)} sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in zip(numbers, sheets, strict=True)
        )
        + "</sheets></workbook>"
    )
    workbook_rels = (
        f'{_XML}<Relationships xmlns="{_PACKAGE_REL}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in numbers
        )
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    )
    return [
        ("[Content_Types].xml", content_types.encode()),
        ("_rels/.rels", package_rels.encode()),
        ("xl/workbook.xml", workbook.encode()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
        ("xl/styles.xml", _STYLES.encode()),
    ]


@functools.lru_cache(maxsize=256)
def build_file(spec: TableSpec) -> bytes:
    """The file for ``spec``: an XLSX workbook (FILE) or a ZIP of one CSV / JSON per sheet (the truth's CSV for the
    close's kinds over a calendar month, when ``spec.shops`` is given)."""
    if spec.shops is not None and spec.file_format == "CSV":
        from local.emulator.truth import served

        truth = served(spec.kind, spec.scope_id, spec.first, spec.last, spec.variant, spec.business_id, spec.shops,
                       spec.campaign_ids, spec.knobs)  # fmt: skip
        if truth is not None:
            return truth
    sheets = spec.sheets
    if spec.file_format == "FILE":
        worksheets = [(f"xl/worksheets/sheet{n}.xml", _worksheet(s, rows(spec, s))) for n, s in enumerate(sheets, 1)]
        return _zip(spec, _xlsx_parts(sheets) + worksheets)
    if spec.file_format == "CSV":
        return _zip(spec, [(f"{s.code}.csv", _csv(s, rows(spec, s))) for s in sheets])
    if spec.file_format == "JSON":
        return _zip(spec, [(f"{s.code}.json", _json(s, rows(spec, s))) for s in sheets])
    raise ValueError(f"unknown format {spec.file_format!r}; expected one of {FORMATS}")
