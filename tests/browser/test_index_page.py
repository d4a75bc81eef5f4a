"""The archive's index page in a real browser: headless Chromium (Debian's package; ``make browser`` installs it).

A known archive is built on moto (every status: archived, no documents, failed, missing; a month split by contract
type; business-wide kinds), its index written as SummarizeRun writes it, and the bucket copied to a folder as
``aws s3 sync`` would. Chromium opens the page from that folder, with no network: the DOM it renders must hold
every unit with its status, the totals, and links that lead to the archived files in the folder. Screenshots (and
a PDF, to see the print style) go to out/test-artifacts/ (git-ignored).

``UPDATE_DOCS_SCREENSHOT=1`` also copies the English screenshot to docs/index-page.png (the README's; the committed
one then went through ``pngquant --quality 75-95 --strip``, Debian's pngquant, to stay small).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from closing_docs.adapters.archive import ArchiveStore
from closing_docs.domain.models import Outcome, Unit
from closing_docs.views import index, pack
from tests.archived import PREFIX, archive, bucket, no_documents
from tests.browser import chromium

BUSINESS = "main"
NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # the last finished month: 2025-12
DETAIL, SERVICES, NETTING = "closure-documents-detalization", "united-marketplace-services", "united-netting"

# (month, kind, scope, contract types) -> how it ended; None: not run that month (MISSING when another month's
# pack.json lists it)
PLAN: dict[tuple[str, str, int, str], tuple[str, dict[str, str]] | None] = {}
for _month in ("2025-10", "2025-11", "2025-12"):
    PLAN[(_month, "closure-documents", 1001, "")] = ("ARCHIVED", {})
    PLAN[(_month, DETAIL, 1001, "INCOME")] = ("ARCHIVED", {})
    PLAN[(_month, DETAIL, 1001, "MARKETING")] = ("NO_DOCUMENTS", {})
PLAN[("2025-10", "closure-documents", 1002, "")] = ("ARCHIVED", {})
PLAN[("2025-11", "closure-documents", 1002, "")] = (
    "FAILED",
    {"error": "MarketServerError", "cause": "HTTP 503 from reports/info after 5 attempts <retry later>"},
)
PLAN[("2025-12", "closure-documents", 1002, "INCOME")] = ("ARCHIVED", {})  # TOO_LARGE: one contract type at a time
PLAN[("2025-12", "closure-documents", 1002, "OUTCOME")] = ("ARCHIVED", {})
PLAN[("2025-10", "goods-realization", 1001, "")] = ("ARCHIVED", {})
PLAN[("2025-11", "goods-realization", 1001, "")] = ("ARCHIVED", {})
PLAN[("2025-12", "goods-realization", 1001, "")] = None  # not asked for in December
PLAN[("2025-10", SERVICES, 5001, "")] = ("ARCHIVED", {})
PLAN[("2025-11", SERVICES, 5001, "")] = None
PLAN[("2025-12", SERVICES, 5001, "")] = ("ARCHIVED", {})
PLAN[("2025-10", NETTING, 5001, "")] = ("ARCHIVED", {})
PLAN[("2025-11", NETTING, 5001, "")] = ("ARCHIVED", {})
PLAN[("2025-12", NETTING, 5001, "")] = ("FAILED", {"error": "ReportFailed", "cause": 'Yandex: "FAILED" & no file'})
EXPECTED = {key: ("MISSING" if ended is None else ended[0]) for key, ended in PLAN.items()}


def unit(month: str, kind: str, scope: int, types: str) -> Unit:
    where = {"business_id": scope} if kind in (SERVICES, NETTING) else {"campaign_id": scope}
    return Unit(business=BUSINESS, kind=kind, month=month, contract_types=[types] if types else None, **where)


def build(store: ArchiveStore) -> None:
    """The archive as three monthly runs left it: files, manifests, markers, pack.json."""
    runs: dict[str, list[Outcome]] = {}
    for (month, kind, scope, types), ended in PLAN.items():
        if ended is None:
            continue
        status, extra = ended
        job = unit(month, kind, scope, types)
        if status == "ARCHIVED":
            body = b"PK\x03\x04" + f"{kind} {scope} {month} {types}".encode() * (40 + scope % 7)
            archive(store, job, body, report_id=f"r-{scope}-{month}-{kind}-{types}")
        elif status == "NO_DOCUMENTS":
            no_documents(store, job, report_id=f"r-{scope}-{month}-none")
        runs.setdefault(month, []).append(Outcome(**job.identity(), status=status, **extra))
    for month, outcomes in sorted(runs.items()):
        pack.update_all(store, PREFIX, outcomes, f"exec-{month}")


@pytest.fixture
def synced(tmp_path: Path):
    """language -> the page in a folder holding the bucket's objects, as `aws s3 sync s3://bucket/ DIR` leaves it."""

    def make(language: str) -> Path:
        folder = tmp_path / language
        with bucket() as store:
            build(store)
            index.write(store, PREFIX, BUSINESS, language=language, now=NOW)
            for key in store.listing(""):
                target = folder / key
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(store.read(key) or b"")
        return folder / PREFIX / BUSINESS / "index.html"

    return make


def scope_of(unit_data: dict[str, Any]) -> int:
    return int(unit_data.get("campaign-id") or unit_data["business-id"])


def types_of(unit_data: dict[str, Any]) -> str:
    return unit_data.get("contract-types", "")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_page_renders_every_unit_with_its_status(synced, language, tmp_path):
    page = synced(language)
    dom = chromium.Dom(chromium.dump_dom(page, tmp_path / "profile-dom"))

    # every unit of the archive, and nothing else, with its status
    shown = {(u["month"], u["kind"], scope_of(u), types_of(u)): u["status"] for u in dom.units}
    assert len(dom.units) == len(shown) == len(EXPECTED)
    assert shown == EXPECTED
    assert (
        dom.totals == dict(Counter(EXPECTED.values())) == {"ARCHIVED": 15, "NO_DOCUMENTS": 3, "FAILED": 2, "MISSING": 2}
    )
    # the same units as the CSV beside it
    text = (page.parent / "index.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert sorted((r["month"], r["kind"], r["status"]) for r in rows) == sorted(
        (u["month"], u["kind"], u["status"]) for u in dom.units
    )
    # archived: size, SHA-256 and the file, which is in the synced folder, with those bytes
    for unit_data in dom.units:
        if unit_data["status"] == "ARCHIVED":
            file = page.parent.parent.parent / unit_data["key"]
            assert file.stat().st_size == int(unit_data["size-bytes"])
            assert unit_data["sha256"] in unit_data["text"]
    failed = {u["kind"]: u for u in dom.units if u["status"] == "FAILED"}
    assert "<retry later>" in failed["closure-documents"]["text"], "escaped in the page, shown as text"
    assert failed[NETTING]["error"] == "ReportFailed" and 'Yandex: "FAILED" & no file' in failed[NETTING]["text"]
    assert dom.sections == ["campaign:1001", "campaign:1002", "business:5001"]

    # every link is relative and leads to a file of the folder: the page works offline
    assert dom.links
    for link in dom.links:
        assert not urlsplit(link).scheme and not link.startswith("/"), link
        target = urlsplit(urljoin(page.as_uri(), link))
        assert target.scheme == "file" and Path(unquote(target.path)).is_file(), link
    assert not dom.tags & {"script", "img", "link", "iframe", "object", "embed"}, "one static file, no script"

    # as a person sees it: a screenshot, and the print layout (A4 landscape)
    shot = chromium.screenshot(page, tmp_path / "profile-shot", chromium.ARTIFACTS / f"index-page-{language}.png")
    assert chromium.png_size(shot) == (1400, 1000)
    pdf = chromium.print_to_pdf(page, tmp_path / "profile-pdf", chromium.ARTIFACTS / f"index-page-{language}.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = {tuple(round(float(n)) for n in m) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)}
    assert boxes == {(842, 595)}, f"A4 landscape pages, got {boxes}"
    print(f"\nindex page ({language}): {shot}, {pdf}")
    if language == "en" and os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        docs = chromium.ROOT / "docs" / "index-page.png"
        docs.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, docs)
        print(f"copied to {docs}")


def test_a_missing_chromium_fails_and_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(chromium, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception, match=r"make browser"):
        chromium.require()
