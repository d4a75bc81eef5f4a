"""Helpers for the table-report tests: a client for the four generate endpoints and readers of the served files."""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from typing import Any
from xml.etree import ElementTree

import requests

from . import HTTP_TIMEOUT, Client, zip_members

DETALIZATION = "closure-documents-detalization"
REALIZATION = "goods-realization"
SERVICES = "united-marketplace-services"
NETTING = "united-netting"
KINDS = (DETALIZATION, REALIZATION, SERVICES, NETTING)

PATHS = {
    DETALIZATION: "/v2/reports/closure-documents/detalization/generate",
    REALIZATION: "/v2/reports/goods-realization/generate",
    SERVICES: "/v2/reports/united-marketplace-services/generate",
    NETTING: "/v2/reports/united-netting/generate",
}
MAIN_BUSINESS_ID = 5001  # running_emulator(): business "main" (TOKEN) has id 5001 and campaigns 1001-1003
OTHER_BUSINESS_ID = 6001
BODIES: dict[str, dict[str, Any]] = {  # a valid body of each kind for campaign 1001 / business 5001, December 2025
    DETALIZATION: {"campaignId": 1001, "monthOfYear": {"year": 2025, "month": 12}, "contractType": "INCOME"},
    REALIZATION: {"campaignId": 1001, "year": 2025, "month": 12},
    SERVICES: {"businessId": MAIN_BUSINESS_ID, "yearFrom": 2025, "monthFrom": 12, "yearTo": 2025, "monthTo": 12},
    NETTING: {"businessId": MAIN_BUSINESS_ID, "dateFrom": "2025-12-01", "dateTo": "2025-12-31"},
}
FILE_NAMES = {  # the name in the signed link of BODIES' report, without the extension
    DETALIZATION: "closure-documents-detalization_1001_2025-12_INCOME",
    REALIZATION: "goods-realization_1001_2025-12",
    SERVICES: "united-marketplace-services_5001_2025-12",
    NETTING: "united-netting_5001_2025-12",
}
SCOPES = {DETALIZATION: 1001, REALIZATION: 1001, SERVICES: MAIN_BUSINESS_ID, NETTING: MAIN_BUSINESS_ID}
NETTING_PERIOD = ("dateFrom", "dateTo")  # drop these from BODIES[NETTING] to send another form
OTHER_BODIES: dict[str, dict[str, Any]] = {  # the same reports for business "other" (OTHER_TOKEN: 6001, campaign 2001)
    DETALIZATION: {"campaignId": 2001},
    REALIZATION: {"campaignId": 2001},
    SERVICES: {"businessId": OTHER_BUSINESS_ID},
    NETTING: {"businessId": OTHER_BUSINESS_ID},
}


def month_body(kind: str, year: int, month: int) -> dict[str, Any]:
    """The fields of BODIES[kind] that ask for another month."""
    if kind == DETALIZATION:
        return {"monthOfYear": {"year": year, "month": month}}
    if kind == REALIZATION:
        return {"year": year, "month": month}
    if kind == SERVICES:
        return {"yearFrom": year, "monthFrom": month, "yearTo": year, "monthTo": month}
    last = calendar.monthrange(year, month)[1]
    return {"dateFrom": f"{year:04d}-{month:02d}-01", "dateTo": f"{year:04d}-{month:02d}-{last:02d}"}


DMY = re.compile(r"\d{2}\.\d{2}\.\d{4}")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class ReportsClient(Client):
    """The test client plus the four table-report generate endpoints."""

    def table(
        self, kind: str, body: dict[str, Any] | None = None, *, drop: tuple[str, ...] = (), **params: str
    ) -> requests.Response:
        """POST a generate of ``kind``: BODIES[kind] updated with ``body``, minus the ``drop`` fields."""
        payload = {**BODIES[kind], **(body or {})}
        for name in drop:
            payload.pop(name, None)
        url = f"{self.base_url}{PATHS[kind]}"
        return self.session.post(url, params=params, json=payload, timeout=HTTP_TIMEOUT)

    def table_id(
        self, kind: str, body: dict[str, Any] | None = None, *, drop: tuple[str, ...] = (), **params: str
    ) -> str:
        """Generate and return the new report id (asserting a 200)."""
        response = self.table(kind, body, drop=drop, **params)
        assert response.status_code == 200, response.text
        return response.json()["result"]["reportId"]

    def table_link(
        self, kind: str, body: dict[str, Any] | None = None, *, drop: tuple[str, ...] = (), **params: str
    ) -> tuple[str, str]:
        """(report id, file link) of a table report generated and waited for."""
        report_id = self.table_id(kind, body, drop=drop, **params)
        result = self.wait_final(report_id)
        assert result["status"] == "DONE" and "file" in result, result
        return report_id, result["file"]


def xlsx_sheets(body: bytes) -> dict[str, list[dict[str, Any]]]:
    """A workbook's sheets, by tab name, in order: each a list of rows {column letters: value} (header first).

    Checks the package structure on the way: every part is well-formed XML and is declared in [Content_Types].xml.
    """
    members = zip_members(body)
    assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= members.keys()
    # all well-formed; the XML is the emulator's own output, not untrusted input
    parsed = {name: ElementTree.fromstring(data) for name, data in members.items()}  # noqa: S314
    declared = {o.get("PartName") for o in parsed["[Content_Types].xml"] if o.get("PartName")}
    assert declared == {f"/{name}" for name in members if not name.endswith((".rels", "].xml"))}
    (root,) = [r for r in parsed["_rels/.rels"] if r.get("Type", "").endswith("/officeDocument")]
    assert root.get("Target") == "xl/workbook.xml"
    targets = {r.get("Id"): r.get("Target") for r in parsed["xl/_rels/workbook.xml.rels"]}
    sheets: dict[str, list[dict[str, Any]]] = {}
    for sheet in parsed["xl/workbook.xml"].iter(f"{_MAIN}sheet"):
        worksheet = parsed[f"xl/{targets[sheet.get(_REL_ID)]}"]
        rows = []
        for row in worksheet.iter(f"{_MAIN}row"):
            cells: dict[str, Any] = {}
            for cell in row.iter(f"{_MAIN}c"):
                letters = re.sub(r"\d", "", cell.get("r", ""))
                if cell.get("t") == "inlineStr":
                    cells[letters] = "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))
                else:
                    cells[letters] = float(cell.findtext(f"{_MAIN}v") or "nan")
            rows.append(cells)
        sheets[str(sheet.get("name"))] = rows
    return sheets


def header_and_rows(rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """A sheet's header codes and its data rows as {code: value} (empty cells left out)."""
    header, *data = rows
    return list(header.values()), [{header[k]: v for k, v in row.items()} for row in data]


def csv_sheets(body: bytes) -> dict[str, list[list[str]]]:
    """A CSV ZIP's files by name, as rows (checking the BOM of each)."""
    sheets = {}
    for name, data in zip_members(body).items():
        assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf"), name
        sheets[name] = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return sheets


def json_sheets(body: bytes) -> dict[str, Any]:
    """A JSON ZIP's files by name, parsed."""
    members = zip_members(body)
    assert all(name.endswith(".json") for name in members)
    return {name: json.loads(data) for name, data in members.items()}
