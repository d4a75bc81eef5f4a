"""Issue 17 §4: a download whose member has one flipped byte (same length, same directory) is never ARCHIVED.

The emulator serves the ZIP (or, for a table report, the XLSX) with one byte inside its first member inverted
(``Fault(kind="flip")``); the real state machine on embedded AWS must end FAILED with InvalidArchive naming that
member, with nothing under the archive's keys but pack.json and the index (no file, no manifest, no open upload).
"""

import io
import json
from urllib.parse import unquote

import pytest

from local.aws import EmbeddedAws
from local.emulator import Fault, MarketEmulator
from local.emulator.documents import flip_target

MONTH = "2025-12"
PACK = f"closing-documents/{MONTH}/default/pack.json"
INDEX = ["closing-documents/default/index.csv", "closing-documents/default/index.html"]


def damaged_member(emulator: MarketEmulator) -> str:
    """The member the flip fault damaged in the report downloaded."""
    (report_id,) = {unquote(c.path.split("/")[2]) for c in emulator.calls if c.op == "download"}
    return flip_target(io.BytesIO(emulator.report_bytes(report_id)))[0]


def assert_failed_naming_the_member_with_nothing_archived(aws: EmbeddedAws, emulator: MarketEmulator, execution):
    assert execution.status == "FAILED" and execution.error == "CampaignsFailed", execution.cause
    (body,) = [n.body() for n in aws.notifications()]
    assert body["status"] == "FAILED" and body["error"] == "InvalidArchive", body
    member = damaged_member(emulator)
    assert member in body["cause"], body["cause"]
    objects = aws.objects()
    assert sorted(objects) == sorted([PACK, *INDEX]), "only pack.json and the index: no file, no manifest"
    assert aws.open_uploads() == []
    (entry,) = json.loads(objects[PACK])["entries"]
    assert (entry["status"], entry["error"], entry["key"]) == ("FAILED", "InvalidArchive", None)
    assert member in entry["cause"]
    items = aws.client("dynamodb").scan(TableName=aws.environment["LOCK_TABLE"])["Items"]
    assert [i for i in items if not i["pk"]["S"].startswith("pace#")] == [], "lock not released"  # pace#: pacing


def test_a_zip_member_with_one_flipped_byte_fails_naming_it_and_nothing_is_archived(aws, emulator):
    emulator.inject("download", *[Fault(kind="flip")] * 5)  # every download of the report is damaged
    execution = aws.run({"month": MONTH})
    assert_failed_naming_the_member_with_nothing_archived(aws, emulator, execution)


def test_an_xlsx_member_with_one_flipped_byte_fails_naming_it_and_nothing_is_archived(aws, emulator):
    emulator.inject("download", *[Fault(kind="flip")] * 5)
    execution = aws.run({"month": MONTH, "reports": ["united-netting"], "close": False}, timeout=300)  # no twin
    assert_failed_naming_the_member_with_nothing_archived(aws, emulator, execution)


@pytest.mark.parametrize("reports", [None, ["united-netting"]], ids=["zip", "xlsx"])
def test_one_damaged_download_is_fetched_again_and_the_intact_bytes_archived(aws, emulator, reports):
    emulator.inject("download", Fault(kind="flip"))
    start = {"month": MONTH, **({"reports": reports, "close": False} if reports else {})}  # no twin
    execution = aws.run(start, timeout=300)
    assert execution.status == "SUCCEEDED", execution.cause
    (body,) = [n.body() for n in aws.notifications()]
    assert body["status"] == "ARCHIVED", body
    key = body["s3Uri"].split("/", 3)[3]
    assert aws.objects()[key] == emulator.report_bytes(body["reportId"]), "the archive holds the intact bytes"
    assert emulator.count("download") == 2
