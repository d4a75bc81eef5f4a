"""The four table reports over real HTTP: generate → info → signed download, the files (XLSX, CSV ZIP, JSON ZIP),
strict bodies and query, their own 1-per-2-minutes windows, outcomes per kind and contract type, faults."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests

from local.emulator import OPS, RATE_LIMITS, TABLE_KINDS, WRONG_CAMPAIGN, Fault, MarketEmulator
from local.emulator.__main__ import build_parser, configure

from . import OTHER_TOKEN, Client, error_of, fetch, running_emulator, zip_members
from .tables import (
    DETALIZATION,
    DMY,
    FILE_NAMES,
    KINDS,
    MAIN_BUSINESS_ID,
    NETTING,
    NETTING_PERIOD,
    OTHER_BODIES,
    OTHER_BUSINESS_ID,
    REALIZATION,
    SCOPES,
    SERVICES,
    ReportsClient,
    csv_sheets,
    header_and_rows,
    json_sheets,
    month_body,
    xlsx_sheets,
)

UNTIL = "X-RateLimit-Resource-Until"
REMAINING = "X-RateLimit-Resource-Remaining"
LIMIT = "X-RateLimit-Resource-Limit"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNLIMITED = dict.fromkeys(KINDS, (1000, 60))  # for tests that generate one kind several times

# What each report's file holds (REPORT-LAYOUTS.md): sheet file names in order, and codes its first sheet must have.
SHEETS = {
    DETALIZATION: [
        "period_closure_income_summary",
        *(
            f"period_closure_income_{name}"
            for name in [
                "payments",
                "refunds",
                "sold_refunds",
                "sold_defect_refunds",
                "fees",
                "fines",
                "compensations",
                "netting",
                "premium_correction",
                "mutual_liabilities",
                "cession",
                "debt_write_off",
                "will_be_paid",
                "paid",
            ]
        ),
    ],
    REALIZATION: ["transferred_to_delivery", "delivered", "unredeemed", "returned", "lost_items"],
    SERVICES: [
        "placement",
        "sale_commission",
        "item_booking",
        "paid_storage_after_01-06-22",
        "expropriation",
        "boost",
        "crossregional_delivery",
        "payment_accepting",
        "payment_transfer",
        "business_subscription",
    ],
    NETTING: ["transaction_date"],
}
FIRST_SHEET_CODES = {
    DETALIZATION: ["PAYMENTS", "PAYMENTS_DESCRIPTION", "PAYMENT_SUM"],
    REALIZATION: ["ORDER_ID", "SHOP_SKU", "TRANSFERRED_TO_DELIVERY_COUNT", "TRANSFERRED_TO_DELIVERY_DATE"],
    SERVICES: ["BUSINESS_ID", "PLACEMENT_MODEL", "PARTNER_ID", "ACT_DATE", "SERVICE_DATE_TIME", "TOTAL_AMOUNT"],
    NETTING: ["BUSINESS_ID", "MODEL", "TRANSACTION_DATE", "TRANSACTION_ID", "TRANSACTION_SUM", "PAYMENT_STATUS"],
}
FIRST_TABS = {
    DETALIZATION: "Отчёт об исполнении поручения",
    REALIZATION: "Товары, переданные в доставку",
    SERVICES: "Размещение товаров и услуг",
    NETTING: "Отчёт о платежах",
}


@pytest.fixture
def emu() -> Iterator[MarketEmulator]:
    with running_emulator(rate_limits=UNLIMITED, active_reports_limit=None) as emulator:
        yield emulator


@pytest.fixture
def client(emu: MarketEmulator) -> ReportsClient:
    return ReportsClient(emu.base_url)


def until_of(response: requests.Response) -> float:
    return parsedate_to_datetime(response.headers[UNTIL]).timestamp()


# ------------------------------------------------------------------------------------------ the cycle and the files


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_goes_pending_processing_done_then_downloads_an_xlsx(kind: str):
    with running_emulator(time_scale=0.01, generation_seconds=100.0) as emu:  # PENDING 0.2 s, DONE at 1 s
        client = ReportsClient(emu.base_url)
        generated = client.table(kind)
        report_id = generated.json()["result"]["reportId"]
        statuses = []
        while not statuses or statuses[-1] in ("PENDING", "PROCESSING"):
            result = client.info(report_id).json()["result"]
            statuses.append(result["status"])
            time.sleep(0.03)
        download = fetch(result["file"])
        report = emu.reports[report_id]
        served = emu.report_bytes(report_id)
    assert generated.status_code == 200 and generated.json()["status"] == "OK"
    assert set(generated.json()["result"]) == {"reportId", "estimatedGenerationTime"}
    assert report_id.startswith(f"{kind}-") and report.kind == kind and report.month == "2025-12"
    assert statuses[0] == "PENDING" and "PROCESSING" in statuses and statuses[-1] == "DONE"
    assert "subStatus" not in result and result["generationFinishedAt"]
    assert unquote(urlsplit(result["file"]).path) == f"/files/{report_id}/{FILE_NAMES[kind]}.xlsx"
    assert download.status_code == 200 and download.content == served
    assert download.headers["Content-Type"] == XLSX
    assert download.headers["Content-Disposition"] == f'attachment; filename="{FILE_NAMES[kind]}.xlsx"'
    sheets = xlsx_sheets(download.content)
    assert next(iter(sheets)) == FIRST_TABS[kind] and len(sheets) == len(SHEETS[kind])
    assert all(len(name) <= 31 for name in sheets)  # Excel's limit on tab names
    header, rows = header_and_rows(next(iter(sheets.values())))
    assert set(FIRST_SHEET_CODES[kind]) <= set(header) and len(rows) == 3
    assert all(code == code.upper() and " " not in code for code in header)


@pytest.mark.parametrize("kind", KINDS)
def test_csv_format_is_a_zip_of_one_bom_csv_per_sheet(emu: MarketEmulator, client: ReportsClient, kind: str):
    report_id, link = client.table_link(kind, format="CSV")
    download = fetch(link)
    assert download.headers["Content-Type"] == "application/zip" and link.split("?")[0].endswith(".zip")
    assert download.content == emu.report_bytes(report_id)
    sheets = csv_sheets(download.content)
    assert list(sheets) == [f"{name}.csv" for name in SHEETS[kind]]
    header, *rows = sheets[f"{SHEETS[kind][0]}.csv"]
    assert set(FIRST_SHEET_CODES[kind]) <= set(header) and len(rows) == 3
    for table in sheets.values():
        assert all(len(row) == len(table[0]) for row in table)
    if kind != DETALIZATION:  # the detalization's first sheet is a summary without dates
        dates = [v for row in rows for code, v in zip(header, row, strict=True) if code.endswith("_DATE") and v]
        assert dates and all(DMY.fullmatch(value) for value in dates)  # empty: e.g. UPD_DATE of a retail order


@pytest.mark.parametrize("kind", KINDS)
def test_json_format_is_a_zip_of_one_json_per_sheet(emu: MarketEmulator, client: ReportsClient, kind: str):
    report_id, link = client.table_link(kind, format="JSON")
    sheets = json_sheets(fetch(link).content)
    assert list(sheets) == [f"{name}.json" for name in SHEETS[kind]]
    first = sheets[f"{SHEETS[kind][0]}.json"]
    assert isinstance(first, list) and len(first) == 3 and all(isinstance(row, dict) for row in first)
    assert emu.report_bytes(report_id) == fetch(link).content


def test_money_is_signed_and_dates_fall_in_the_month(client: ReportsClient):
    def records(kind: str, sheet: str, **body: Any) -> list[dict[str, str]]:
        header, *rows = csv_sheets(fetch(client.table_link(kind, body, format="CSV")[1]).content)[sheet]
        return [dict(zip(header, row, strict=True)) for row in rows]

    payments = records(NETTING, "transaction_date.csv")
    sums = [float(r["TRANSACTION_SUM"]) for r in payments]
    assert any(s > 0 for s in sums) and any(s < 0 for s in sums)  # accruals and withholdings
    assert all(r["TRANSACTION_DATE"].endswith(".12.2025") and r["ACT_DATE"] == "31.12.2025" for r in payments)
    assert {r["BUSINESS_ID"] for r in payments} == {str(MAIN_BUSINESS_ID)}
    fees = records(DETALIZATION, "period_closure_income_fees.csv")
    assert all(float(r["TRANSACTION_SUM"]) < 0 for r in fees)
    received = records(DETALIZATION, "period_closure_income_payments.csv", contractType="INCOME")
    assert all(float(r["TRANSACTION_SUM"]) > 0 for r in received)
    for row in records(REALIZATION, "delivered.csv"):
        count, net = int(row["DELIVERED_COUNT"]), float(row["PRICE_WITH_VAT_AND_ALL_DISCOUNTS"])
        assert float(row["DELIVERED_PRICE_SUM_WITH_VAT_AND_DISCOUNTS"]) == pytest.approx(count * net)


def test_files_are_byte_identical_across_runs_and_differ_by_format_and_scope():
    def digests() -> dict[tuple[str, str], str]:
        with running_emulator(rate_limits=UNLIMITED, active_reports_limit=None) as emu:
            client = ReportsClient(emu.base_url)
            links = {(kind, fmt): client.table_link(kind, format=fmt)[1] for kind in KINDS for fmt in ("FILE", "CSV")}
            links[(REALIZATION, "1002")] = client.table_link(REALIZATION, {"campaignId": 1002})[1]
            return {key: hashlib.sha256(fetch(link).content).hexdigest() for key, link in links.items()}

    first, second = digests(), digests()
    assert first == second
    assert len(set(first.values())) == len(first)


def test_report_variants_have_their_own_layouts():
    with running_emulator(rate_limits=UNLIMITED, active_reports_limit=None) as emu:
        emu.add_business("dbs", "dbs-token-0001", 7001, [3001], placement_type="DBS")
        client = ReportsClient(emu.base_url)
        outcome = fetch(client.table_link(DETALIZATION, {"contractType": "OUTCOME"})[1])
        dbs = fetch(
            ReportsClient(emu.base_url, token="dbs-token-0001").table_link(REALIZATION, {"campaignId": 3001})[1]
        )
    assert outcome.headers["Content-Disposition"].endswith('"closure-documents-detalization_1001_2025-12_OUTCOME.xlsx"')
    outcome_sheets = xlsx_sheets(outcome.content)
    assert next(iter(outcome_sheets)) == "Акт об услугах по продвижению" and len(outcome_sheets) == 5
    assert header_and_rows(next(iter(outcome_sheets.values())))[0] == [
        "SERVICES",
        "SERVICES_DESCRIPTION",
        "SERVICES_SUM",
    ]
    assert list(xlsx_sheets(dbs.content)) == [  # DBS: no lost items
        "Передано в доставку",
        "Доставленные товары",
        "Невыкупленные товары",
        "Возвращено",
    ]


def test_netting_forms_period_bank_order_and_points(client: ReportsClient):
    forms = {
        "period": ({"dateFrom": "2025-10-01", "dateTo": "2025-12-31"}, ()),
        "bank": ({"bankOrderId": 777, "bankOrderDateTime": "2025-12-10T12:00:00+03:00"}, NETTING_PERIOD),
        "points": ({"monthOfYear": {"year": 2025, "month": 11}}, NETTING_PERIOD),
    }
    downloads = {name: fetch(client.table_link(NETTING, body, drop=drop)[1]) for name, (body, drop) in forms.items()}
    names = {name: d.headers["Content-Disposition"].split('"')[1] for name, d in downloads.items()}
    assert names == {
        "period": "united-netting_5001_2025-10_2025-12.xlsx",
        "bank": "united-netting_5001_bank-order-777.xlsx",
        "points": "united-netting_5001_bonuses-2025-11.xlsx",
    }
    assert list(xlsx_sheets(downloads["bank"].content)) == ["Начисления", "Возвраты и компенсации", "Удержания"]
    (points,) = xlsx_sheets(downloads["points"].content).values()
    header, rows = header_and_rows(points)
    assert len(header) == 22 and "BONUS_ACCOUNT_YEAR_MONTH" in header and "BANK_ORDER_ID" not in header
    assert {row["BONUS_ACCOUNT_YEAR_MONTH"] for row in rows} == {"11.2025"}
    (period,) = xlsx_sheets(downloads["period"].content).values()
    months = {row["TRANSACTION_DATE"][3:] for row in header_and_rows(period)[1]}
    assert months == {"10.2025", "11.2025", "12.2025"}  # spread over the whole period


# ------------------------------------------------------------------------------------------ strict requests

BAD_BODIES: list[tuple[str, dict[str, Any], tuple[str, ...], str]] = [  # kind, fields to set, to drop, message
    (DETALIZATION, {}, ("contractType",), "contractType: is required"),
    (DETALIZATION, {"contractType": None}, (), "contractType: is required"),
    (DETALIZATION, {"contractType": "INCOMING"}, (), "contractType: must be one of INCOME, OUTCOME, MARKETING"),
    (DETALIZATION, {"contractType": ["INCOME"]}, (), "contractType: must be one of"),
    (DETALIZATION, {"monthOfYear": {"year": 2025, "month": 13}}, (), "monthOfYear.month: must be an integer"),
    (DETALIZATION, {"monthOfYear": {"month": 12}}, (), "monthOfYear.year: is required"),
    (DETALIZATION, {"monthOfYear": "2025-12"}, (), "monthOfYear: must be an object"),
    (DETALIZATION, {}, ("campaignId",), "campaignId: is required"),
    (DETALIZATION, {"campaignId": 0}, (), "campaignId: must be an int64"),
    (REALIZATION, {}, ("year",), "year: is required"),
    (REALIZATION, {"month": 0}, (), "month: must be an integer between 1 and 12"),
    (REALIZATION, {"year": "2025"}, (), "year: must be an integer"),
    (REALIZATION, {"campaignId": True}, (), "campaignId: must be an int64"),
    (REALIZATION, {"campaignId": "1001"}, (), "campaignId: must be an int64"),
    (SERVICES, {}, ("businessId",), "businessId: is required"),
    (SERVICES, {"businessId": -5}, (), "businessId: must be an int64"),
    (SERVICES, {}, ("monthTo",), "monthTo: is required"),
    (SERVICES, {"yearTo": 2025, "monthTo": 11}, (), "yearTo/monthTo: must not be before yearFrom/monthFrom"),
    (SERVICES, {"dateFrom": "2025-12-01", "dateTo": "2025-12-31"}, (), "only one report type per request"),
    (SERVICES, {}, ("yearFrom", "monthFrom", "yearTo", "monthTo"), "no report type given"),
    (SERVICES, {"placementPrograms": ["FBS", "FBS"]}, (), "placementPrograms: items must be unique"),
    (SERVICES, {"placementPrograms": []}, (), "placementPrograms: must be an array of at least 1 item"),
    (SERVICES, {"placementPrograms": ["FBO"]}, (), "placementPrograms: items must be FBS|FBY|DBS|LAAS"),
    (SERVICES, {"campaignIds": [0]}, (), "campaignIds: items must be int64"),
    (SERVICES, {"inns": [7700005001]}, (), "inns: items must be strings"),
    (NETTING, {}, ("dateTo",), "dateTo: is required"),
    (NETTING, {"dateFrom": "01.12.2025"}, (), "dateFrom: must be a date YYYY-MM-DD"),
    (NETTING, {"dateFrom": "2025-02-30"}, (), "dateFrom: must be a date YYYY-MM-DD"),
    (NETTING, {"dateFrom": "2026-01-01"}, (), "dateTo: must not be before dateFrom"),
    (NETTING, {"monthOfYear": {"year": 2025, "month": 12}}, (), "only one report type per request"),
    (NETTING, {"bankOrderId": 5}, (), "only one report type per request"),
    (NETTING, {}, NETTING_PERIOD, "no report type given"),
    (NETTING, {"bankOrderId": 5}, NETTING_PERIOD, "bankOrderDateTime: is required"),
    (NETTING, {"bankOrderDateTime": "2025-12-10T12:00:00Z"}, NETTING_PERIOD, "bankOrderId: is required"),
    (NETTING, {"bankOrderId": 5, "bankOrderDateTime": "2025-12-10"}, NETTING_PERIOD, "must be an RFC 3339"),
    (NETTING, {"bankOrderId": "5", "bankOrderDateTime": "2025-12-10T12:00:00Z"}, NETTING_PERIOD, "int64"),
]
TOO_LONG = [  # valid for the spec, refused by Yandex: a period of more than three months, a year no report has
    (NETTING, {"dateFrom": "2025-09-01", "dateTo": "2025-12-01"}, (), "dateTo: the period must not exceed 3 months"),
    (SERVICES, {"dateFrom": "2025-09-01", "dateTo": "2025-12-01"}, ("yearFrom", "monthFrom", "yearTo", "monthTo"), "3"),
    (REALIZATION, {"year": 0}, (), "year: no reports exist for the year 0"),
]


@pytest.mark.parametrize(("kind", "fields", "drop", "message"), BAD_BODIES + TOO_LONG)
def test_invalid_bodies_are_400_naming_the_field(
    emu: MarketEmulator, client: ReportsClient, kind: str, fields: dict[str, Any], drop: tuple[str, ...], message: str
):
    response = client.table(kind, fields, drop=drop)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "BAD_REQUEST" and message in error["message"]
    assert emu.reports == {}


@pytest.mark.parametrize("kind", KINDS)
def test_bodies_that_are_not_json_objects_are_400(emu: MarketEmulator, client: ReportsClient, kind: str):
    url = f"{emu.base_url}{TABLE_KINDS[kind].path}"
    for data in (b"{", b"[]", b""):
        response = client.session.post(url, data=data, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and error_of(response)["message"].startswith("request body:")


def test_period_edges_and_optional_filters_are_accepted(emu: MarketEmulator, client: ReportsClient):
    accepted = [
        client.table(NETTING, {"dateFrom": "2025-09-01", "dateTo": "2025-11-30"}),  # exactly three months
        client.table(NETTING, {"dateFrom": "2025-12-05", "dateTo": "2025-12-05"}),
        client.table(NETTING, {"campaignIds": None, "placementPrograms": None, "inns": None}),  # nullable
        client.table(SERVICES, {"yearFrom": 2025, "monthFrom": 1}),  # act months: no three-month limit
        client.table(
            SERVICES,
            {"dateFrom": "2025-12-01", "dateTo": "2025-12-31"},
            drop=("yearFrom", "monthFrom", "yearTo", "monthTo"),
        ),
        client.table(REALIZATION, {"unknownField": 1}),  # the schemas allow additional properties
    ]
    assert [r.status_code for r in accepted] == [200] * 6, [r.text for r in accepted]
    names = sorted(r.table.file_name for r in emu.reports.values() if r.table is not None)
    assert "united-netting_5001_2025-12-05_2025-12-05.xlsx" in names
    assert "united-marketplace-services_5001_2025-01_2025-12.xlsx" in names


@pytest.mark.parametrize("kind", KINDS)
def test_format_must_be_file_csv_or_json(client: ReportsClient, kind: str):
    for value in ("XLSX", "file", "csv", ""):
        response = client.table(kind, format=value)
        assert response.status_code == 400 and error_of(response)["message"] == "format: must be one of FILE, CSV, JSON"
    assert client.table(kind, format="JSON").status_code == 200


def test_language_is_checked_where_the_spec_declares_it(emu: MarketEmulator, client: ReportsClient):
    for kind in (NETTING, SERVICES):
        bad = client.table(kind, language="DE")
        assert bad.status_code == 400 and error_of(bad)["message"] == "language: must be one of RU, EN"
        assert client.table(kind, language="EN").status_code == 200
    for kind in (DETALIZATION, REALIZATION):  # not a parameter of these operations: ignored like any unknown one
        assert client.table(kind, language="DE").status_code == 200
    languages = sorted((r.kind, r.language or "-") for r in emu.reports.values())
    assert languages == [(DETALIZATION, "-"), (REALIZATION, "-"), (SERVICES, "EN"), (NETTING, "EN")]


@pytest.mark.parametrize("kind", [SERVICES, NETTING])
def test_a_business_id_other_than_the_tokens_is_403(emu: MarketEmulator, client: ReportsClient, kind: str):
    for business_id in (OTHER_BUSINESS_ID, 999_999):
        response = client.table(kind, {"businessId": business_id})
        assert response.status_code == 403 and error_of(response) == {"code": "FORBIDDEN", "message": "Access denied"}
    other = ReportsClient(emu.base_url, token=OTHER_TOKEN).table(kind)  # BODIES name business 5001
    assert other.status_code == 403 and emu.reports == {}
    assert ReportsClient(emu.base_url, token=None).table(kind).status_code == 401


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (DETALIZATION, {"campaignId": 2001}),
        (REALIZATION, {"campaignId": 999}),
        (NETTING, {"campaignIds": [1001, 2001]}),
        (SERVICES, {"campaignIds": [2001]}),
    ],
)
def test_a_campaign_outside_the_business_fails_with_no_data(client: ReportsClient, emu: MarketEmulator, kind, fields):
    report_id = client.table_id(kind, fields)
    result = client.wait_final(report_id)
    assert (result["status"], result["subStatus"]) == ("FAILED", "NO_DATA") and "file" not in result
    assert emu.reports[report_id].outcome == WRONG_CAMPAIGN


def test_filters_choose_the_rows_or_leave_none(client: ReportsClient, emu: MarketEmulator):
    _, link = client.table_link(NETTING, {"campaignIds": [1002]}, format="CSV")
    header, *rows = csv_sheets(fetch(link).content)["transaction_date.csv"]
    assert {row[header.index("SHOP_NAME")] for row in rows} == {"Shop 1002"}
    for fields in ({"placementPrograms": ["DBS"]}, {"inns": ["0000000000"]}):  # the business is FBS, INN 7700005001
        result = client.wait_final(client.table_id(SERVICES, fields))
        assert (result["status"], result.get("subStatus")) == ("DONE", "NO_DATA")
    result = client.wait_final(client.table_id(SERVICES, {"placementPrograms": ["FBS"], "inns": ["7700005001"]}))
    assert result["status"] == "DONE" and "file" in result


# ------------------------------------------------------------------------------------------ limits


def generate_all(client: ReportsClient) -> dict[str, requests.Response]:
    return {kind: client.table(kind) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_one_generate_per_two_minutes_per_kind_and_business(kind: str):
    with running_emulator(active_reports_limit=None) as emu:  # default windows: 120 emulated s = 0.6 s real
        client = ReportsClient(emu.base_url)
        first, second = client.table(kind), client.table(kind)
        others = {k: client.table(k) for k in KINDS if k != kind}
        closing = client.generate()
        other_business = ReportsClient(emu.base_url, token=OTHER_TOKEN).table(kind, OTHER_BODIES[kind])
        while emu.wall_time() < until_of(second):
            time.sleep(0.01)
        again = client.table(kind)
    assert first.status_code == 200 and (first.headers[LIMIT], first.headers[REMAINING]) == ("1", "0")
    wait = until_of(first) - parsedate_to_datetime(first.headers["Date"]).timestamp()
    assert 119 <= wait <= 121
    assert second.status_code == 420 and error_of(second) == {
        "code": "HIT_RATE_LIMIT",
        "message": "Hit rate limit of requests",
    }
    assert (second.headers[REMAINING], second.headers[UNTIL]) == ("0", first.headers[UNTIL])
    assert all(r.status_code == 200 and r.headers[LIMIT] == "1" for r in others.values())  # each kind its window
    assert closing.status_code == 200 and closing.headers[LIMIT] == "1000"
    assert other_business.status_code == 200 and other_business.headers[REMAINING] == "0"  # per business
    assert again.status_code == 200 and until_of(again) > until_of(first)
    assert emu.count_420() == emu.count_420(kind, "resource") == 1
    (throttled,) = [c for c in emu.calls if c.status == 420]
    assert (throttled.op, throttled.throttle) == (kind, "resource")


def test_rate_limit_overrides_apply_to_table_kinds_and_5xx_do_not_count():
    with running_emulator(rate_limits={NETTING: (2, 1000)}, active_reports_limit=None) as emu:
        client = ReportsClient(emu.base_url)
        emu.inject(NETTING, Fault(status=500))
        failed = client.table(NETTING)
        counted = [client.table(NETTING) for _ in range(3)]
    assert (failed.status_code, failed.headers[LIMIT], failed.headers[REMAINING]) == (500, "2", "2")
    assert [(r.status_code, r.headers[REMAINING]) for r in counted] == [(200, "1"), (200, "0"), (420, "0")]
    assert emu.rate_limits[NETTING] == (2, 1000) and emu.rate_limits[SERVICES] == (1, 120)


def test_table_kinds_are_ops_with_the_spec_limits():
    assert set(KINDS) <= set(OPS) and {"generate", "info", "download", "campaigns"} <= set(OPS)
    assert {kind: RATE_LIMITS[kind] for kind in KINDS} == dict.fromkeys(KINDS, (1, 120))
    args = build_parser().parse_args(["--token", "t", "--rate-limit", "united-netting:2/60"])
    assert configure(args).rate_limits[NETTING] == (2, 60.0)


def test_active_reports_limit_counts_every_kind_together():
    with running_emulator(rate_limits=UNLIMITED) as emu:  # 1 active report per business; a report takes 0.1 s
        client = ReportsClient(emu.base_url)
        closing = client.report_id()
        busy = client.table(NETTING)
        other_business = ReportsClient(emu.base_url, token=OTHER_TOKEN).table(NETTING, OTHER_BODIES[NETTING])
        client.wait_final(closing)
        netting = client.table(NETTING)
        busy_again = client.generate(1002)
    assert busy.status_code == 420 and error_of(busy)["message"] == "Active reports limit exceeded"
    assert busy.headers[LIMIT] == "1000" and UNTIL in busy.headers  # the UNLIMITED override
    assert other_business.status_code == netting.status_code == 200
    assert busy_again.status_code == 420 and emu.active_reports("main") == 1
    assert emu.count_420(throttle="active_reports") == 2 and emu.count_420(NETTING, "active_reports") == 1


def test_the_parallel_limit_applies_to_table_kinds(emu: MarketEmulator):
    emu.hold(NETTING)
    try:
        calls = [lambda: ReportsClient(emu.base_url).table(NETTING) for _ in range(4)]
        responses: list[requests.Response] = []
        threads = [threading.Thread(target=lambda c=c: responses.append(c()), daemon=True) for c in calls]
        for thread in threads:
            thread.start()
        assert emu.wait_in_flight(4, "main")
        fifth = ReportsClient(emu.base_url).table(SERVICES)
    finally:
        emu.release()
    for thread in threads:
        thread.join(timeout=10)
    assert [r.status_code for r in responses] == [200] * 4
    assert fifth.status_code == 420 and error_of(fifth)["message"] == "Too many parallel requests"
    assert UNTIL not in fifth.headers and emu.count_420(SERVICES, "parallel") == 1


# ------------------------------------------------------------------------------------------ outcomes


@pytest.mark.parametrize("kind", KINDS)
def test_outcomes_are_set_per_kind_scope_and_month(emu: MarketEmulator, client: ReportsClient, kind: str):
    emu.set_outcome(SCOPES[kind], "NO_DATA", "2025-12", kind=kind)
    emu.set_outcome(SCOPES[kind], "FAILED", kind=kind)  # every other month
    emu.set_outcome(1001, "RESOURCE_NOT_FOUND")  # closure-documents: does not touch the table kinds
    for other in KINDS:
        if other != kind:
            emu.set_outcome(SCOPES[other], "TOO_LARGE", kind=other)
    december = client.wait_final(client.table_id(kind))
    november = client.wait_final(client.table_id(kind, month_body(kind, 2025, 11)))
    closing = client.wait_final(client.report_id(1001))
    other_scope = ReportsClient(emu.base_url, token=OTHER_TOKEN).table_id(kind, OTHER_BODIES[kind])
    assert (december["status"], december["subStatus"]) == ("DONE", "NO_DATA") and "file" not in december
    assert (november["status"], november.get("subStatus")) == ("FAILED", None)
    assert (closing["status"], closing["subStatus"]) == ("FAILED", "RESOURCE_NOT_FOUND")
    assert ReportsClient(emu.base_url, token=OTHER_TOKEN).wait_final(other_scope)["status"] == "DONE"


def test_detalization_outcomes_per_contract_type(emu: MarketEmulator, client: ReportsClient):
    def final(contract_type: str, month: int = 12) -> tuple[str, str | None]:
        body = {"contractType": contract_type, "monthOfYear": {"year": 2025, "month": month}}
        result = client.wait_final(client.table_id(DETALIZATION, body))
        return result["status"], result.get("subStatus")

    assert [final(t) for t in ("INCOME", "OUTCOME", "MARKETING")] == [
        ("DONE", None),
        ("DONE", None),
        ("DONE", "NO_DATA"),  # the default for MARKETING: Yandex's 2026 docs have no MARKETING tables
    ]
    emu.set_outcome(1001, "NO_DATA", kind=DETALIZATION, contract_type="OUTCOME")
    emu.set_outcome(1001, "DONE", kind=DETALIZATION, contract_type="MARKETING")
    assert [final(t) for t in ("INCOME", "OUTCOME", "MARKETING")] == [
        ("DONE", None),
        ("DONE", "NO_DATA"),
        ("DONE", None),
    ]
    emu.set_outcome(1001, "FAILED", "2025-11", kind=DETALIZATION)  # a month beats a contract type
    emu.set_outcome(1001, "TOO_LARGE", "2025-11", kind=DETALIZATION, contract_type="INCOME")  # both beat a month
    assert [final(t, 11) for t in ("INCOME", "OUTCOME")] == [("FAILED", "TOO_LARGE"), ("FAILED", None)]
    marketing = [r for r in emu.reports.values() if r.contract_types == ("MARKETING",) and r.outcome == "DONE"]
    assert len(xlsx_sheets(emu.report_bytes(marketing[0].report_id))) == 2


def test_set_outcome_checks_its_arguments(emu: MarketEmulator):
    with pytest.raises(ValueError, match="unknown kind"):
        emu.set_outcome(1001, "NO_DATA", kind="closure-documents-detail")
    with pytest.raises(ValueError, match="contract_type only applies"):
        emu.set_outcome(5001, "NO_DATA", kind=NETTING, contract_type="INCOME")
    with pytest.raises(ValueError, match="unknown contract type"):
        emu.set_outcome(1001, "NO_DATA", kind=DETALIZATION, contract_type="ALL")
    with pytest.raises(ValueError, match="TOO_LARGE_COMBINED"):
        emu.set_outcome(1001, "TOO_LARGE_COMBINED", kind=REALIZATION)
    with pytest.raises(ValueError, match="unknown outcome"):
        emu.set_outcome(5001, "LATER", kind=SERVICES)
    emu.set_outcome(1001, "NO_DATA", kind="closure-documents")  # the explicit name of the default kind


def test_report_states_of_table_kinds(emu: MarketEmulator, client: ReportsClient):
    netting, detalization = client.table_id(NETTING), client.table_id(DETALIZATION, {"contractType": "OUTCOME"})
    reports = emu.reports
    assert (reports[netting].campaign_id, reports[netting].contract_types, reports[netting].month) == (
        None,
        (),
        "2025-12",
    )
    assert (reports[detalization].campaign_id, reports[detalization].contract_types) == (1001, ("OUTCOME",))
    assert reports[netting].file_name == "united-netting_5001_2025-12.xlsx"
    with pytest.raises(ValueError, match="not a closing-documents ZIP"):
        _ = reports[netting].archive


# ------------------------------------------------------------------------------------------ faults


@pytest.mark.parametrize("kind", KINDS)
def test_faults_are_injected_per_kind(emu: MarketEmulator, client: ReportsClient, kind: str):
    emu.inject(kind, Fault(status=500), Fault(status=420, message="Hit rate limit"), Fault(kind="reset"))
    emu.inject("generate", Fault(status=503))
    others = {k: client.table(k).status_code for k in KINDS if k != kind}  # faults of `kind` do not touch them
    failed, throttled = client.table(kind), client.table(kind)
    with pytest.raises(requests.ConnectionError):
        ReportsClient(emu.base_url).table(kind)
    ok = client.table(kind)
    closing = client.generate()
    assert set(others.values()) == {200}
    assert failed.status_code == 500 and error_of(failed)["code"] == "INTERNAL_ERROR"
    assert throttled.status_code == 420 and emu.count_420(kind) == 1 and emu.count_420(kind, "resource") == 0
    assert ok.status_code == 200 and closing.status_code == 503
    assert emu.count(kind) == 4 and [c.status for c in emu.calls if c.op == kind] == [500, 420, 0, 200]


def test_download_faults_apply_to_table_files(emu: MarketEmulator, client: ReportsClient):
    report_id, link = client.table_link(SERVICES)
    emu.inject("download", Fault(kind="expired"), Fault(kind="truncate"))
    expired = fetch(link)
    with pytest.raises(requests.RequestException):
        fetch(link)  # half the announced body, then the connection closes
    whole = fetch(link)
    tampered = fetch(link.replace("signature=", "signature=0"))
    assert expired.status_code == 403 and b"Request has expired" in expired.content
    assert whole.status_code == 200 and whole.content == emu.report_bytes(report_id)
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content
    assert zip_members(whole.content)


def test_info_of_a_table_report_is_the_tokens_only(emu: MarketEmulator, client: ReportsClient):
    report_id = client.table_id(NETTING)
    assert Client(emu.base_url, token=OTHER_TOKEN).info(report_id).status_code == 404
    assert client.info(report_id).status_code == 200
