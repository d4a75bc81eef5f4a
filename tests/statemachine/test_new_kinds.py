"""Issue 19: a new Market report kind and a new source are each one module of the catalog and one emulator entry.

Both are written here, into a temporary folder that extends the catalog's two packages (``kinds.market`` and
``kinds.sources``): no file of the repository changes, and no list of kinds is edited. The Market emulator gets
the kind's entry (:data:`local.emulator.server.TABLE_KINDS` and its sheets), the source an emulator of its own on
127.0.0.1. Then both run through the real state machine, and are archived, announced and audited like the others.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from closing_docs import kinds
from closing_docs.kinds import market as market_kinds
from closing_docs.kinds import sources as source_kinds
from local.emulator import server, sheets
from local.http_emulator import HttpEmulator, Reply, Request
from tests.conftest import CAMPAIGNS, TIME_SCALE, TOKEN, aws_maker

MONTH = "2025-11"

RETURNS_MODULE = '''
"""Returns: every return of the business's month, a table report."""

from closing_docs.kinds.market import ReportKind


def body(unit):
    return {"businessId": unit.business_id, "monthOfYear": {"year": unit.month.year, "month": unit.month.month}}


KIND = ReportKind(
    name="united-returns",
    label="Returns",
    label_ru="Возвраты",
    path="/v2/reports/united-returns/generate",
    scope="business",
    body=body,
    table=True,
)
'''

ACTS_MODULE = '''
"""Acts of an EDO system: one signed PDF a month."""

import os

from closing_docs.adapters.http import send
from closing_docs.domain.unit import Unit
from closing_docs.kinds.sources import Fetched, FetchedFile, SourceKind


def enabled():
    return bool(os.environ.get("EDO_API_URL"))


def plan(planning):
    return [Unit(business="edo", kind="edo-acts", month=month) for month in planning.months]


def call(context):
    url = f"{os.environ['EDO_API_URL']}/acts/{context.unit.month}"
    answer = send("EDO", "GET", url, what="the act", advice={})
    details = {"id": answer.headers["X-Act-Id"], "api": url}
    return Fetched(files=[FetchedFile("pdf", answer.content, "application/pdf")], details=details)


KIND = SourceKind(name="edo-acts", label="EDO acts", label_ru="Акты ЭДО", enabled=enabled, units=plan, call=call)
'''

ACT = b"%PDF-1.7\n% the act of 2025-11\n%%EOF\n"


class EdoEmulator(HttpEmulator):
    """The new source's emulator entry: ``GET /acts/<YYYY-MM>`` answers the month's act."""

    def _serve(self, request: Request) -> Reply:
        self._record_call(request.path)
        if request.method == "GET" and request.path == f"/acts/{MONTH}":
            return Reply(200, {"Content-Type": "application/pdf", "X-Act-Id": "act-77"}, ACT)
        return self._error(404, "no such act")


def parse_returns(data: dict[str, Any]) -> server.TableRequest:
    first = server._month_of_year(data, "monthOfYear")
    return server._business_request(data, first, server._month_end(first), server._month_label(first), "")


@pytest.fixture
def catalog(tmp_path, monkeypatch):
    """The catalog with the two new modules beside the others, and the Market emulator's entry for the kind."""
    for package, module, text in (
        (market_kinds, "united_returns", RETURNS_MODULE),
        (source_kinds, "edo_acts", ACTS_MODULE),
    ):
        folder = tmp_path / package.__name__.rpartition(".")[2]
        folder.mkdir()
        (folder / f"{module}.py").write_text(textwrap.dedent(text), encoding="utf-8")
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
    columns = ("BUSINESS_ID", "ORDER_ID", "TRANSACTION_DATE", "TRANSACTION_SUM")  # codes the emulator fills
    entry = server.TableKind("united-returns", "/v2/reports/united-returns/generate", "business", parse_returns)
    monkeypatch.setitem(server.TABLE_KINDS, entry.name, entry)
    monkeypatch.setitem(sheets.LAYOUTS, entry.name, {sheets.DEFAULT: (sheets.Sheet("returns", "Возвраты", columns),)})
    kinds.family.cache_clear(), kinds.catalog.cache_clear()
    yield
    kinds.family.cache_clear(), kinds.catalog.cache_clear()


@pytest.fixture
def market(catalog):
    """The Market emulator, made once the kind's entry is in (it takes its routes when it is made)."""
    emulator = server.MarketEmulator(time_scale=TIME_SCALE, generation_seconds=100.0, estimate_ms=30_000)
    emulator.add_business(name="main", token=TOKEN, business_id=5001, campaign_ids=CAMPAIGNS)
    with emulator:
        yield emulator


@pytest.fixture
def edo(monkeypatch):
    with EdoEmulator() as emulator:
        monkeypatch.setenv("EDO_API_URL", emulator.base_url)
        yield emulator


def test_a_new_market_kind_and_a_new_source_run_through_the_state_machine(market, edo):
    assert {"united-returns", "edo-acts"} <= set(kinds.names())
    with aws_maker(market, TOKEN, CampaignIds="1001", NoticeMode="EACH") as make:
        aws = make()
        execution = aws.run({"month": MONTH, "reports": ["united-returns", "edo-acts"], "close": False})

        assert execution.status == "SUCCEEDED", execution.cause
        (returns,) = [call for call in market.calls if call.op == "united-returns"]
        assert returns.json == {"businessId": 5001, "monthOfYear": {"year": 2025, "month": 11}}
        assert edo.calls == [f"/acts/{MONTH}"]
        objects = aws.objects()
        xlsx = f"closing-documents/{MONTH}/default/united-returns_5001_{MONTH}.xlsx"
        act = f"closing-documents/{MONTH}/edo/edo-acts/edo-acts_all_{MONTH}.pdf"
        assert objects[xlsx][:2] == b"PK" and objects[act] == ACT
        manifest = json.loads(objects[act.replace(".pdf", ".manifest.json")])
        assert manifest["reportId"] == "act-77" and manifest["title"].startswith("EDO acts 2025-11")
        returned = json.loads(objects[xlsx.replace(".xlsx", ".manifest.json")])
        assert returned["sheets"] == ["Возвраты"] and returned["request"] == returns.json
        statuses = sorted((n.body()["kind"], n.body()["status"]) for n in aws.notifications())
        assert statuses == [("edo-acts", "ARCHIVED"), ("united-returns", "ARCHIVED")]
