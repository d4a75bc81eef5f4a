"""The archive's index (index.html, index.csv per business), built from what a moto S3 archive holds."""

import csv
import dataclasses
import hashlib
import io
import json
import os
import posixpath
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from closing_docs import kinds
from closing_docs.adapters.archive import ArchiveStore
from closing_docs.domain.models import Outcome, Unit
from closing_docs.views import index, pack
from tests.archived import BUCKET, PREFIX, archive, bucket, no_documents

BUSINESS = "main"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # the last finished month is 2025-12
HTML_KEY, CSV_KEY = f"{PREFIX}/{BUSINESS}/index.html", f"{PREFIX}/{BUSINESS}/index.csv"


@pytest.fixture
def store():
    with bucket() as store:
        yield store


def unit(
    month: str, kind: str = "closure-documents", business: str = BUSINESS, contract_types: Any = None, **scope: Any
) -> Unit:
    scope = scope or {"campaign_id": 1001}
    return Unit(business=business, kind=kind, month=month, contract_types=contract_types, **scope)


def ran(store: ArchiveStore, *outcomes: tuple[Unit, str, dict[str, str]] | tuple[Unit, str]) -> None:
    """SummarizeRun's pack.json update for a run that ended so."""
    items = [Outcome(**o[0].identity(), status=o[1], **(o[2] if len(o) > 2 else {})) for o in outcomes]
    pack.update_all(store, PREFIX, items, "exec")


def statuses(built: index.ArchiveIndex) -> dict[tuple[str, str, str, str], str]:
    """(month, kind, scope, contract types) -> status."""
    return {
        (
            r.month,
            r.kind,
            str(r.campaign_id or r.business_id or r.scope or ""),
            ",".join(r.contract_types),
        ): r.status
        for r in built.rows
    }


@pytest.fixture
def sample(store):
    """November: the ZIP archived, the MARKETING detalization without documents, the payments report failed.
    December: only the ZIP ran (archived), so the other two are MISSING."""
    zip_nov, detail_nov = (
        unit("2025-11"),
        unit("2025-11", "closure-documents-detalization", contract_types=["MARKETING"]),
    )
    netting_nov = unit("2025-11", "united-netting", business_id=5001)
    archive(store, zip_nov, report_id="r-11")
    no_documents(store, detail_nov)
    cause = 'Yandex could not generate the report <b>&</b> "quoted"'
    ran(
        store,
        (zip_nov, "ARCHIVED"),
        (detail_nov, "NO_DOCUMENTS"),
        (netting_nov, "FAILED", {"error": "ReportFailed", "cause": cause}),
    )
    zip_dec = unit("2025-12")
    archive(store, zip_dec, body=b"PK\x03\x04 december", report_id="r-12")
    ran(store, (zip_dec, "ALREADY_ARCHIVED"))
    return store


def test_each_cell_is_archived_no_documents_failed_or_missing(sample):
    built = index.collect(sample, PREFIX, BUSINESS, now=NOW)

    assert built.months == ["2025-11", "2025-12"]
    assert statuses(built) == {
        ("2025-11", "closure-documents", "1001", ""): "ARCHIVED",
        ("2025-11", "closure-documents-detalization", "1001", "MARKETING"): "NO_DOCUMENTS",
        ("2025-11", "united-netting", "5001", ""): "FAILED",
        ("2025-12", "closure-documents", "1001", ""): "ARCHIVED",  # ALREADY_ARCHIVED in pack.json
        ("2025-12", "closure-documents-detalization", "1001", "MARKETING"): "MISSING",
        ("2025-12", "united-netting", "5001", ""): "MISSING",
    }
    rows = {(r.month, r.kind): r for r in built.rows}
    zip_dec = rows[("2025-12", "closure-documents")]
    body = sample.read(zip_dec.key)
    assert zip_dec.key == f"{PREFIX}/2025-12/main/1001/closing-documents_1001_2025-12_ALL.zip"
    assert zip_dec.sha256 == hashlib.sha256(body).hexdigest() and zip_dec.size_bytes == len(body)
    assert zip_dec.report_id == "r-12" and zip_dec.manifest_key == zip_dec.key.replace(".zip", ".manifest.json")
    marker = rows[("2025-11", "closure-documents-detalization")]
    assert marker.key.endswith("_MARKETING.no-documents.json") and marker.report_id == "r-2"
    failed = rows[("2025-11", "united-netting")]
    assert failed.error == "ReportFailed" and failed.cause.startswith("Yandex could not") and failed.key is None
    missing = rows[("2025-12", "united-netting")]
    assert (missing.business_id, missing.campaign_id, missing.key) == (5001, None, None)
    assert built.counts() == {"ARCHIVED": 2, "NO_DOCUMENTS": 1, "FAILED": 1, "MISSING": 2}
    assert built.packs == ["2025-11", "2025-12"]


def test_the_months_run_to_the_last_finished_one(sample):
    built = index.collect(sample, PREFIX, BUSINESS, now=datetime(2026, 3, 2, tzinfo=UTC))

    assert built.months == ["2025-11", "2025-12", "2026-01", "2026-02"]
    later = [r for r in built.rows if r.month >= "2026-01"]
    assert len(later) == 6 and {r.status for r in later} == {"MISSING"}
    assert {(r.kind, r.campaign_id, r.business_id, r.contract_types) for r in later} == {
        ("closure-documents", 1001, None, ()),
        ("closure-documents-detalization", 1001, None, ("MARKETING",)),
        ("united-netting", None, 5001, ()),
    }


def test_the_archive_is_the_truth_not_pack_json(store):
    """A run that died before SummarizeRun left a manifest and no pack.json; a file deleted since the run that
    archived it; pack.json saying ARCHIVED where there is no manifest."""
    early, later, gone = unit("2025-10"), unit("2025-11"), unit("2025-12")
    archive(store, early)  # no pack.json for October
    archive(store, later)
    ran(store, (later, "ARCHIVED"))
    store.s3.delete_object(Bucket=BUCKET, Key=kinds.keys(later, PREFIX).file("zip"))  # the manifest stayed
    ran(store, (gone, "ARCHIVED"))  # no manifest, no file

    built = index.collect(store, PREFIX, BUSINESS, now=NOW)
    assert statuses(built) == {
        ("2025-10", "closure-documents", "1001", ""): "ARCHIVED",
        ("2025-11", "closure-documents", "1001", ""): "MISSING",
        ("2025-12", "closure-documents", "1001", ""): "MISSING",
    }
    rows = {r.month: r for r in built.rows}
    assert rows["2025-11"].key.endswith(".zip") and rows["2025-11"].manifest_key.endswith(".manifest.json")
    assert rows["2025-10"].sha256 == hashlib.sha256(store.read(rows["2025-10"].key)).hexdigest()


def test_pack_json_stands_for_manifests_older_than_it_and_newer_ones_are_read(store, monkeypatch):
    november, december = unit("2025-11"), unit("2025-12")
    archive(store, november, report_id="r-nov")
    archive(store, december, report_id="r-first")
    ran(store, (november, "ARCHIVED"), (december, "ARCHIVED"))

    def pack_written(at: datetime) -> None:
        for month in ("2025-11", "2025-12"):
            key = pack.pack_key(PREFIX, BUSINESS, month)
            data = json.loads(store.read(key))
            for entry in data["entries"]:
                entry["updatedAt"] = at.isoformat()
            store.write_json(key, data)

    reads: list[str] = []
    original = store.read
    monkeypatch.setattr(store, "read", lambda key: reads.append(key) or original(key))

    def manifests_read() -> list[str]:
        read = sorted(k for k in reads if k.endswith(".manifest.json"))
        reads.clear()
        return read

    # pack.json written a minute after the manifests, as SummarizeRun does at the end of the run that archived them
    pack_written(datetime.now(UTC) + timedelta(minutes=1))
    built = index.collect(store, PREFIX, BUSINESS, now=NOW)
    assert manifests_read() == [], "pack.json stands for both manifests"
    assert {r.month: r.report_id for r in built.rows} == {"2025-11": "r-nov", "2025-12": "r-first"}

    # December archived again (force) by a run that died before SummarizeRun: its manifest is newer than pack.json
    archive(store, december, report_id="r-second")  # the same bytes: the same size
    pack_written(datetime.now(UTC) - timedelta(minutes=1))
    built = index.collect(store, PREFIX, BUSINESS, now=NOW)
    assert manifests_read() == sorted(kinds.keys(job, PREFIX).manifest for job in (november, december))
    assert {r.month: r.report_id for r in built.rows} == {"2025-11": "r-nov", "2025-12": "r-second"}

    # a file whose size is not what pack.json says is read whatever the times
    manifest = archive(store, december, body=b"PK\x03\x04 again, and larger", report_id="r-third")
    pack_written(datetime.now(UTC) + timedelta(minutes=1))
    built = index.collect(store, PREFIX, BUSINESS, now=NOW)
    assert manifests_read() == [kinds.keys(december, PREFIX).manifest]
    row = next(r for r in built.rows if r.month == "2025-12")
    assert (row.report_id, row.sha256, row.size_bytes) == ("r-third", manifest.sha256, manifest.size_bytes)


def test_a_split_month_shares_the_column_and_no_false_missing(store):
    """Closing documents: November whole, December split by contract type (TOO_LARGE): no MISSING either way."""
    whole = unit("2025-11")
    split = [unit("2025-12", contract_types=[t]) for t in ("INCOME", "OUTCOME")]
    for job in (whole, *split):
        archive(store, job)
    ran(store, (whole, "ARCHIVED"))
    ran(store, *((job, "ARCHIVED") for job in split))

    built = index.collect(store, PREFIX, BUSINESS, now=NOW)
    assert [(r.month, r.contract_types, r.status) for r in built.rows] == [
        ("2025-11", (), "ARCHIVED"),
        ("2025-12", ("INCOME",), "ARCHIVED"),
        ("2025-12", ("OUTCOME",), "ARCHIVED"),
    ]
    assert {index.column_of(r) for r in built.rows} == {("closure-documents", "")}
    page = index.render_html(built, "en")
    assert page.count('<section class="scope"') == 1 and "closure-documents · INCOME" not in page
    assert page.count("<small>closure-documents</small>") == 2  # its column, and its line of the totals by kind


def test_another_systems_documents_are_one_column_per_kind(store):
    """ActivePlatform: one unit per document, a different one every month: not MISSING in the other months."""
    guid = "0493e78a-{:04d}-4c5e-9f00-00000000000{}"
    november = unit("2025-11", "activeplatform", business="activeplatform", scope=f"r1-a11-{guid.format(1, 1)}")
    december = unit("2025-12", "activeplatform", business="activeplatform", scope=f"r1-a11-{guid.format(2, 2)}")
    for job in (november, december):
        archive(store, job)
        ran(store, (job, "ARCHIVED"))

    built = index.collect(store, PREFIX, "activeplatform", now=datetime(2026, 2, 1, tzinfo=UTC))
    assert [(r.month, r.status) for r in built.rows] == [
        ("2025-11", "ARCHIVED"),
        ("2025-12", "ARCHIVED"),
        ("2026-01", "MISSING"),  # the kind is expected every month: none at all in January
    ]
    assert built.rows[0].key.startswith(f"{PREFIX}/2025-11/activeplatform/activeplatform/activeplatform_r1-a11-")


def test_other_businesses_and_folders_are_left_alone(sample):
    archive(sample, unit("2025-12", business="client-2", campaign_id=2001))
    sample.write_json(f"{PREFIX}/README/notes.json", {"not": "a month"})
    index.write(sample, PREFIX, "client-2", now=NOW)  # its index sits beside the month folders
    assert {r.business for r in index.collect(sample, PREFIX, BUSINESS, now=NOW).rows} == {BUSINESS}
    other = index.collect(sample, PREFIX, "client-2", now=NOW)
    assert [(r.month, r.campaign_id, r.status) for r in other.rows] == [("2025-12", 2001, "ARCHIVED")]


# --- the files ------------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """The elements of the page the tests look at: units (with their data attributes), totals, links, text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.units: list[dict[str, str]] = []
        self.totals: dict[str, int] = {}
        self.links: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self._total: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if "unit" in values.get("class", "").split():
            self.units.append({k[5:]: v for k, v in values.items() if k.startswith("data-")})
        if "data-total" in values:
            self._total = values["data-total"]
        if tag == "a":
            self.links.append(values["href"])
        if tag in ("link", "img", "script", "iframe") or (tag == "link" and "href" in values):
            self.links.append(values.get("src") or values.get("href") or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._total is not None:
            self.totals[self._total] = int(data)
            self._total = None


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_write_puts_both_files_beside_the_month_folders(sample):
    assert index.write(sample, PREFIX, BUSINESS, now=NOW) == [HTML_KEY, CSV_KEY]
    head = sample.s3.head_object(Bucket=BUCKET, Key=HTML_KEY)
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert sample.s3.head_object(Bucket=BUCKET, Key=CSV_KEY)["ContentType"] == "text/csv; charset=utf-8"
    assert index.index_keys("", "main") == ("main/index.html", "main/index.csv")


def test_the_csv_has_a_header_and_one_row_per_unit(sample):
    index.write(sample, PREFIX, BUSINESS, now=NOW)
    body = sample.read(CSV_KEY)
    header = body.decode("utf-8-sig").split("\r\n", 1)[0]
    assert header.split(";") == list(index.CSV_COLUMNS)
    for column in ("status", "key", "sizeBytes", "sha256", "reportId", "campaignId", "businessId", "scope"):
        assert column in index.CSV_COLUMNS
    rows = csv_rows(body)
    assert len(rows) == 6
    by = {(r["month"], r["kind"]): r for r in rows}
    zip_nov = by[("2025-11", "closure-documents")]
    manifest = json.loads(sample.read(zip_nov["manifestKey"]))
    assert zip_nov == {
        "business": "main",
        "month": "2025-11",
        "kind": "closure-documents",
        "campaignId": "1001",
        "businessId": "",
        "scope": "",
        "contractTypes": "",
        "status": "ARCHIVED",
        "key": manifest["zipKey"],
        "manifestKey": manifest["zipKey"].replace(".zip", ".manifest.json"),
        "sizeBytes": str(manifest["sizeBytes"]),
        "sha256": manifest["sha256"],
        "reportId": "r-11",
        "error": "",
        "cause": "",
    }
    assert by[("2025-11", "closure-documents-detalization")]["contractTypes"] == "MARKETING"
    assert by[("2025-11", "united-netting")]["businessId"] == "5001"
    assert by[("2025-11", "united-netting")]["cause"] == 'Yandex could not generate the report <b>&</b> "quoted"'
    assert [r["status"] for r in rows if r["month"] == "2025-12"] == ["ARCHIVED", "MISSING", "MISSING"]


def test_the_page_shows_every_unit_totals_and_relative_links(sample):
    index.write(sample, PREFIX, BUSINESS, now=NOW)
    text = sample.read(HTML_KEY).decode("utf-8")
    page = Page(text)

    rows = csv_rows(sample.read(CSV_KEY))
    assert sorted((u["month"], u["kind"], u["status"]) for u in page.units) == sorted(
        (r["month"], r["kind"], r["status"]) for r in rows
    )
    assert page.totals == {"ARCHIVED": 2, "NO_DOCUMENTS": 1, "FAILED": 1, "MISSING": 2}
    archived = [u for u in page.units if u["status"] == "ARCHIVED"]
    assert all(len(u["sha256"]) == 64 and int(u["size-bytes"]) > 0 for u in archived)
    # every link is relative to the page and names an object of the archive (or the CSV beside it)
    objects = set(sample.listing(""))
    assert page.links
    for link in page.links:
        parts = urlsplit(link)
        assert not parts.scheme and not parts.netloc and not link.startswith("/"), link
        assert posixpath.normpath(posixpath.join(posixpath.dirname(HTML_KEY), unquote(parts.path))) in objects, link
    assert "../2025-12/main/1001/closing-documents_1001_2025-12_ALL.zip" in page.links
    assert "../2025-11/main/pack.json" in page.links and "index.csv" in page.links
    # one static file: no script, no external asset, CSS inline and for print too
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "http://" not in text and "https://" not in text and "@media print" in text and "<style>" in text


def test_everything_from_the_archive_is_escaped(store):
    job = unit("2025-12", "united-netting", business_id=5001)
    cause = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    ran(store, (job, "FAILED", {"error": "Market<Error>", "cause": cause}))
    ran(store, (unit("2025-12", "goods-realization"), "FAILED", {"error": "E", "cause": '=HYPERLINK("http://x")'}))
    index.write(store, PREFIX, BUSINESS, now=NOW)

    text = store.read(HTML_KEY).decode("utf-8")
    assert "<script>" not in text and "<img" not in text and "onerror=alert(1)>" not in text
    assert "&lt;script&gt;alert(" in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Market&lt;Error&gt;" in text
    assert cause in Page(text).text, "escaped in the page, read back as it was"
    assert {u["error"] for u in Page(text).units} == {"Market<Error>", "E"}  # attribute values escaped, intact
    by_kind = {r["kind"]: r for r in csv_rows(store.read(CSV_KEY))}
    assert by_kind["united-netting"]["cause"] == cause
    assert by_kind["goods-realization"]["cause"] == '\'=HYPERLINK("http://x")', "no formula in Excel"


def test_every_value_the_template_shows_is_escaped():
    """Escaping is the template's (Jinja2's autoescape), not each value's: a hostile value stays text in every
    field the page shows, in text and in attributes."""
    evil = "<i x=\"1\" y='2'>&amp;"
    archived = index.Row(
        business=evil,
        month="2025-12",
        kind=evil,  # a kind the catalog does not know: its own column, among the other systems (its scope shown)
        campaign_id=None,
        business_id=None,
        scope=evil,
        contract_types=(evil,),
        status="ARCHIVED",
        key=f"p/{evil}.zip",
        manifest_key=f"p/{evil}.manifest.json",
        size_bytes=1,
        sha256=evil,
        report_id=evil,
    )
    failed = dataclasses.replace(archived, status="FAILED", key=None, error=evil, cause=evil)
    built = index.ArchiveIndex(evil, evil, ["2025-12"], [archived, failed], NOW, ["2025-12"], [evil])
    text = index.render_html(built, "en")

    assert "<i " not in text and "&amp;amp;" in text
    page = Page(text)
    assert "i" not in page.tags
    assert [{u[name] for name in ("kind", "scope", "report-id")} for u in page.units] == [{evil}, {evil}]
    assert page.units[1]["error"] == evil and page.units[0]["key"] == f"p/{evil}.zip"
    shown = "".join(page.text)
    assert shown.count(evil) >= 10  # title, heading, kind, scope, file, SHA-256, error, cause, unreadable, offline
    assert [unquote(link) for link in page.links if evil in unquote(link)]  # quoted in the links, then escaped


def test_jinja2_is_imported_only_to_render_the_page():
    """Cold start: importing the index (SummarizeRun does) leaves Jinja2 alone; the first page rendered imports it."""
    code = (
        "import sys; from datetime import UTC, datetime; from closing_docs.views import index\n"
        "print('jinja2' in sys.modules)\n"
        "index.render_html(index.ArchiveIndex('b', 'p', [], [], datetime.now(UTC)))\n"
        "print('jinja2' in sys.modules)\n"
    )
    layer = Path(__file__).resolve().parents[2] / "layers" / "closing_docs" / "python"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(layer)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        (
            "ru",
            ["В архиве", "Нет документов", "Ошибка", "Нет в архиве", "Магазин (кампания) 1001", "Итого"],
            "Archived",
        ),
        ("en", ["Archived", "No documents", "Failed", "Missing", "Shop (campaign) 1001", "Totals"], "В архиве"),
    ],
)
def test_labels_follow_the_language(sample, language, expected, absent):
    index.write(sample, PREFIX, BUSINESS, language=language, now=NOW)
    text = sample.read(HTML_KEY).decode("utf-8")
    assert f'<html lang="{language}">' in text
    for words in expected:
        assert words in text, words
    assert absent not in text
    assert set(index.LABELS["ru"]) == set(index.LABELS["en"]), "every label in both languages"
    # the status values and the CSV stay as machines read them
    assert {u["status"] for u in Page(text).units} == set(index.STATUSES)
    assert sample.read(CSV_KEY).decode("utf-8-sig").startswith(";".join(index.CSV_COLUMNS))


def test_the_default_language_is_russian(sample):
    assert index.write(sample, PREFIX, BUSINESS, now=NOW)
    assert '<html lang="ru">' in sample.read(HTML_KEY).decode("utf-8")


def test_a_business_with_nothing_archived_gets_an_empty_index(store):
    index.write(store, PREFIX, "nobody", now=NOW)
    assert csv_rows(store.read(f"{PREFIX}/nobody/index.csv")) == []
    text = store.read(f"{PREFIX}/nobody/index.html").decode("utf-8")
    assert Page(text).totals == dict.fromkeys(index.STATUSES, 0)


SUMMARIZE = """
import json
from closing_docs.steps import summarize

written = []

def write(store, prefix, business, language="ru", now=None):
    if business == "broken":
        raise RuntimeError("S3 said no")
    written.append([business, language])
    return [f"{prefix}/{business}/index.html", f"{prefix}/{business}/index.csv"]

summarize.index.write = write
summarize.store = lambda: None
settings = type("Settings", (), {"prefix": "closing-documents", "notice_language": "en"})()
keys = summarize.write_indexes(settings, ["broken", "main"])
print(json.dumps({"keys": keys, "written": written}))
"""


def test_summarize_writes_the_index_of_every_business_and_survives_a_failure():
    """In a fresh interpreter: importing a step builds Powertools' logger and metrics from the environment (a cold
    start), which this session's later state-machine runs must not inherit."""
    layer = Path(__file__).resolve().parents[2] / "layers" / "closing_docs" / "python"
    env = {
        **os.environ,
        "PYTHONPATH": str(layer),
        "POWERTOOLS_SERVICE_NAME": "test",
        "POWERTOOLS_METRICS_NAMESPACE": "t",
    }
    result = subprocess.run(
        [sys.executable, "-c", SUMMARIZE], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == {"keys": [HTML_KEY, CSV_KEY], "written": [["main", "en"]]}
    (logged,) = [json.loads(line) for line in lines[:-1] if "index was not written" in line]
    assert logged["level"] == "ERROR" and logged["business"] == "broken" and "S3 said no" in logged["exception"]
