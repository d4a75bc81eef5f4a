"""The readers: CSV codes, BOM, dd.mm.yyyy dates, duplicate headers, short rows; rates and amounts; drift fixtures
from the truth's knobs (extra column, renamed sheet, the 2025-09 layout, a missing required column, an unknown file)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from closing_docs.close.reader import drift_of, members, padded
from closing_docs.close.schema import layout
from closing_docs.close.values import BadValue, iso_date, money, month_of, vat_rate
from local.emulator import sheets
from local.emulator.truth import Truth, TruthFile

from .conftest import SMALL, Closed

LAYOUTS = Path(__file__).resolve().parents[2] / "layers/closing_docs/python/closing_docs/close/layouts"


def _zip(members_: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members_.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("22%", "22"),
        ("22", "22"),
        ("НДС 22%", "22"),
        ("ндс 22 %", "22"),
        ("20%", "20"),
        ("10", "10"),
        ("7%", "7"),
        ("5 %", "5"),
        ("0%", "0"),
        ("0.22", "22"),
        ("22/122", "22"),
        ("Без НДС", "NO_VAT"),
        ("без ндс", "NO_VAT"),
        ("Не облагается", "NO_VAT"),
        ("NO_VAT", "NO_VAT"),
        ("НДС 18%", None),
        ("22% и ещё что-то", None),
        ("абракадабра", None),
        ("", None),
    ],
)
def test_vat_texts(text: str, key: str | None):
    assert vat_rate(text) == key


def test_amounts_are_decimals_and_words_are_refused():
    assert money("-1234.50") == Decimal("-1234.50")
    assert money("") == 0
    assert money("1 234,5") == Decimal("1234.5")
    with pytest.raises(BadValue):
        money("много")


def test_dates():
    assert iso_date("31.01.2026") == "2026-01-31"
    assert iso_date("31.01.2026 23:59:59") == "2026-01-31"
    assert iso_date("2026-01-31T10:00:00") == "2026-01-31"
    assert month_of("08.01.2026") == "2026-01"
    assert month_of("") is None


def test_csv_members_with_bom_duplicate_headers_and_short_rows():
    header = "ORDER_ID,UPD_STATUS,UPD_DATE,UPD_STATUS,UPD_DATE\r\n"
    body = "1,signed,01.01.2026,paper,02.01.2026\r\n2,x\r\n"
    stream = _zip({"delivered.csv": ("\ufeff" + header + body).encode(), "readme.txt": b"hello"})
    found = []
    for member in members(stream):  # a member's rows are read before the next member opens
        rows = list(padded(member.rows, member.header.width)) if member.header else []
        found.append((member, rows))
    assert [m.code for m, _ in found] == ["delivered", "readme.txt"]
    sheet, rows = found[0]
    assert sheet.header is not None
    assert sheet.header.columns[0] == "ORDER_ID"  # the BOM is gone
    assert sheet.header.positions["UPD_STATUS"] == [1, 3]  # both kept
    assert rows[0][3] == "paper"
    assert rows[1] == ["2", "x", "", "", ""]  # a short row is padded
    assert found[1][0].header is None


def test_drift_of_a_header():
    report = layout("goods-realization")
    assert report is not None
    delivered = report.sheets["delivered"]
    header = [c for c in delivered.known if c != "DELIVERED_COUNT"] + ["UPD_STATUS", "UPD_STATUS", "NEW", "UKD_DATE"]
    from closing_docs.close.reader import Header

    drift = drift_of(report, delivered, Header(header))
    assert drift.unknown_columns == ["NEW"]  # UPD_* may repeat, UKD_* is a documented family
    assert drift.missing_columns == ["DELIVERED_COUNT"]


def test_the_layouts_are_data_and_agree_with_the_emulators_sheets():
    files = sorted(p.name for p in LAYOUTS.glob("*.json"))
    assert files == [
        "closure-documents-detalization.json",
        "goods-realization.json",
        "united-marketplace-services.json",
        "united-netting.json",
    ]
    for path in LAYOUTS.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert "REPORT-LAYOUTS.md" in data["source"]
        for sheet in data["sheets"].values():
            assert set(sheet["required"]) <= set(sheet["known"]) | set(data["known"])
    for kind, variants in sheets.LAYOUTS.items():
        report = layout(kind)
        assert report is not None
        for variant, sheet_list in variants.items():
            if kind == "closure-documents-detalization" and variant == "MARKETING":
                continue  # gone from the 2026 docs: drift
            for sheet in sheet_list:
                assert sheet.code in report.sheets, (kind, sheet.code)
                assert all(report.is_known(report.sheets[sheet.code], c) for c in sheet.columns), (kind, sheet.code)
    assert len(layout("united-marketplace-services").sheets) == 41  # type: ignore[union-attr]


def test_an_extra_column_is_drift_and_a_warning(close: Callable[..., Closed]):
    closed = close(SMALL.with_knobs(extra_column=True))
    assert closed.statuses()["pack-complete"] == "WARN"
    assert [c for c, s in closed.statuses().items() if s != "OK"] == ["pack-complete"]
    assert closed.checks["drift"] == [
        {
            "report": "goods-realization",
            "sheet": "delivered",
            "unknownColumns": ["NEW_COLUMN"],
            "missingColumns": [],
            "unknownSheets": [],
        },
        {
            "report": "united-netting",
            "sheet": "transaction_date",
            "unknownColumns": ["NEW_COLUMN"],
            "missingColumns": [],
            "unknownSheets": [],
        },
    ]


def test_a_renamed_sheet_is_drift_and_its_services_still_count(close: Callable[..., Closed]):
    truth = SMALL.with_knobs(renamed_sheet=True)
    closed = close(truth)
    assert closed.statuses()["pack-complete"] == "WARN"
    assert closed.checks["drift"] == [
        {
            "report": "united-marketplace-services",
            "sheet": None,
            "unknownColumns": [],
            "missingColumns": [],
            "unknownSheets": ["placement_2026"],
        }
    ]
    assert closed.checks["figures"]["services"] == truth.expected()["services"]


def test_the_2025_09_layout_reads_without_vat_and_receipt_columns(close: Callable[..., Closed]):
    truth = SMALL.with_knobs(layout_2025_09=True)
    netting = truth.render(TruthFile("united-netting"))
    with zipfile.ZipFile(io.BytesIO(netting)) as archive:
        header = next(csv.reader(io.TextIOWrapper(archive.open("transaction_date.csv"), "utf-8-sig")))
    assert "VAT_RATE" not in header
    closed = close(truth)
    assert set(closed.statuses().values()) == {"OK"}
    assert closed.checks["drift"] == []
    assert "2026" in closed.check("vat-arithmetic")["message"]
    assert closed.checks["figures"]["netSales"]["22"] == truth.expected()["netSales"]["22"]


def test_a_missing_required_column_fails_pack_complete_and_skips_what_needs_it(close: Callable[..., Closed]):
    closed = close(SMALL.with_knobs(missing_required=True))
    statuses = closed.statuses()
    assert statuses["pack-complete"] == "FAIL"
    assert {c for c, s in statuses.items() if s == "SKIPPED"} == {"payment-orders", "paid-out", "order-payouts"}
    assert "BANK_SUM" in closed.check("payment-orders")["message"]
    assert closed.checks["drift"] == [
        {
            "report": "united-netting",
            "sheet": "transaction_date",
            "unknownColumns": [],
            "missingColumns": ["BANK_SUM"],
            "unknownSheets": [],
        }
    ]
    ledger = (closed.out / "ledger.csv").read_text(encoding="utf-8-sig")
    assert sum(1 for line in ledger.splitlines() if ";united-netting;" in line) > 0  # its rows are not dropped


def test_an_unknown_file_is_drift(close: Callable[..., Closed]):
    closed = close(SMALL.with_knobs(unknown_file=True))
    assert closed.statuses()["pack-complete"] == "WARN"
    assert closed.checks["drift"][0]["unknownSheets"] == ["readme.txt"]


def test_an_unknown_report_kind_is_drift(close: Callable[..., Closed]):
    from closing_docs.close import ReportFile

    extra = ReportFile("united-new-report", "ARCHIVED", open=lambda: _zip({"x.csv": b"A,B\r\n1,2\r\n"}))
    closed = close(change=lambda reports: [*reports, extra])
    assert closed.statuses()["pack-complete"] == "WARN"
    assert any(d["report"] == "united-new-report" for d in closed.checks["drift"])


def test_the_truth_is_deterministic():
    file = TruthFile("united-netting")
    assert Truth(orders=20).render(file) == Truth(orders=20).render(file)
    assert Truth(orders=20).render(file) != Truth(orders=20, seed=3).render(file)
