"""The archive writer against moto's S3: a verified ZIP lands whole, anything else leaves nothing."""

import hashlib
import io
import os
import random
import struct
import tracemalloc
import zipfile

import boto3
import pytest
from moto import mock_aws

from closing_docs import kinds
from closing_docs.adapters.archive import PART_SIZE, ArchiveStore, MiB
from closing_docs.adapters.zips import MemberCheck, VerifyingReader, list_documents
from closing_docs.domain.errors import DownloadFailed, InvalidArchive
from closing_docs.domain.models import Job

BUCKET = "archive"
KEY = "closing-documents/2025-12/default/1/x.zip"


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


SMALL = make_zip({"act.pdf": b"%PDF-1.4 act", "invoice.pdf": b"%PDF-1.4 invoice"})
LARGE = make_zip({"act.pdf": b"%PDF-1.4 act", "big.pdf": os.urandom(20 * 1024 * 1024)})  # multipart


def chunks(data: bytes, size: int = 1024 * 1024, fail_after: int | None = None):
    for offset in range(0, len(data), size):
        if fail_after is not None and offset >= fail_after:
            raise DownloadFailed("the download broke off (reset)")
        yield data[offset : offset + size]


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield client


def assert_nothing_left(s3):
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize("body", [SMALL, LARGE], ids=["single-put", "multipart"])
def test_verified_zip_lands_with_its_checksum_and_documents(s3, body):
    stored = ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(body), len(body))
    assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == body
    assert stored.sha256 == hashlib.sha256(body).hexdigest() and stored.size_bytes == len(body)
    assert [d.name for d in stored.documents] == sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())


@pytest.mark.parametrize("body", [SMALL, LARGE], ids=["single-put", "multipart"])
def test_truncated_body_leaves_nothing(s3, body):
    with pytest.raises(DownloadFailed, match="broke off"):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(body[: len(body) // 2]), len(body))
    assert_nothing_left(s3)


def test_stream_reset_mid_multipart_leaves_no_open_upload(s3):
    with pytest.raises(DownloadFailed):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(LARGE, fail_after=12 * 1024 * 1024), len(LARGE))
    assert_nothing_left(s3)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html>Service unavailable</html>", "not a ZIP"),
        (b"", "empty"),
        # a local header (version 2.0, no flags: random flags were "encrypted" one time in two) and then noise
        (b"PK\x03\x04\x14\x00\x00\x00" + random.Random(7).randbytes(4996), "not a readable ZIP"),
        (LARGE[: len(LARGE) - 200], "not a readable ZIP"),  # cut off, but no Content-Length to notice it
        (make_zip({}), "ZIP"),
    ],
)
def test_invalid_archives_are_never_stored(s3, body, reason):
    with pytest.raises(InvalidArchive, match=reason):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(body), None)
    assert_nothing_left(s3)


def test_list_documents_reads_only_the_tail():
    tail = LARGE[-64 * 1024 - 100 :]
    assert [d.name for d in list_documents(tail, len(LARGE))] == ["act.pdf", "big.pdf"]


def test_keys_are_deterministic_per_campaign_month_and_contract_types():
    job = Job(business="shop", campaign_id=42, month="2025-12", contract_types=["INCOME", "MARKETING"])
    keys = kinds.keys(job, "closing-documents")
    assert keys.file("zip") == "closing-documents/2025-12/shop/42/closing-documents_42_2025-12_INCOME-MARKETING.zip"
    assert keys.manifest.endswith("_INCOME-MARKETING.manifest.json")
    assert kinds.keys(job.model_copy(update={"contract_types": None}), "p").file("zip").endswith("_ALL.zip")


# --- issue 17 §4: every member's CRC-32 is verified while the ZIP streams, before anything is stored ----------


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes each member's CRC-32 and sizes in a data descriptor after it."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += b
        return len(b)


def build_zip(members: dict[str, bytes], method: int = zipfile.ZIP_STORED, *, streamed=False, zip64=False) -> bytes:
    """A ZIP as different writers make it: sizes in the local headers, or (streamed) in data descriptors."""
    target: io.RawIOBase | io.BytesIO = _Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w", method) as archive:
        for name, data in members.items():
            with archive.open(name, "w", force_zip64=zip64) as member:
                member.write(data)
    return bytes(target.data) if isinstance(target, _Unseekable) else target.getvalue()


def data_span(body: bytes, name: str) -> range:
    """Where the member's data (as stored: compressed or not) lies in the ZIP."""
    info = zipfile.ZipFile(io.BytesIO(body)).getinfo(name)
    name_length, extra_length = struct.unpack_from("<HH", body, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    return range(start, start + info.compress_size)


def flipped(body: bytes, offset: int) -> bytes:
    return body[:offset] + bytes([body[offset] ^ 0xFF]) + body[offset + 1 :]


def verify(body: bytes, chunk_size: int = 1024 * 1024) -> VerifyingReader:
    """Stream ``body`` through the reader in chunks, as the upload reads it."""
    reader = VerifyingReader(chunks(body, chunk_size), len(body))
    while reader.read(PART_SIZE):
        pass
    return reader


PDF = b"%PDF-1.4 act of services " + bytes(range(256)) * 40 + b"%%EOF"
TRICKY = b"PK\x07\x08 looks like a data descriptor, PK\x03\x04 like a header " * 50  # stored as is, must stay data
MEMBERS = {"act.pdf": PDF, "folder/": b"", "empty.pdf": b"", "invoice.pdf": TRICKY}
WRITERS = {
    f"{method_name}{'-streamed' if streamed else ''}{'-zip64' if zip64 else ''}": (method, streamed, zip64)
    for method_name, method in (("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED))
    for streamed in (False, True)
    for zip64 in (False, True)
}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("chunk_size", [1, 13, 4096, 1024 * 1024])
def test_every_writers_intact_zip_is_verified_whatever_the_chunks(writer, chunk_size):
    method, streamed, zip64 = WRITERS[writer]
    body = build_zip(MEMBERS, method, streamed=streamed, zip64=zip64)
    reader = verify(body, chunk_size)
    assert [d.name for d in reader.documents] == ["act.pdf", "empty.pdf", "invoice.pdf"]
    assert set(reader.members.members) == {i.header_offset for i in zipfile.ZipFile(io.BytesIO(body)).infolist()}


@pytest.mark.parametrize("writer", WRITERS)
def test_any_one_flipped_byte_in_a_member_is_refused_naming_it(writer):
    method, streamed, zip64 = WRITERS[writer]
    body = build_zip(MEMBERS, method, streamed=streamed, zip64=zip64)
    for name in ("act.pdf", "invoice.pdf"):
        for offset in data_span(body, name)[::7]:  # every 7th byte of the member's data, as stored
            with pytest.raises(InvalidArchive, match=f"member {name} of the download is damaged"):
                verify(flipped(body, offset), 4096)


@pytest.mark.parametrize("body", [SMALL, LARGE], ids=["single-put", "multipart"])
def test_a_zip_with_one_flipped_byte_inside_a_member_leaves_nothing(s3, body):
    """Issue 17: the same length, the same directory, one member's byte flipped. Before, it was stored and its
    manifest vouched for the corrupt bytes; now nothing is left at the key, and no upload stays open."""
    name = "big.pdf" if body is LARGE else "invoice.pdf"
    span = data_span(body, name)
    damaged = flipped(body, span[len(span) // 2])
    with pytest.raises(InvalidArchive, match=r"member big\.pdf|member invoice\.pdf") as raised:
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(damaged), len(damaged))
    assert name in str(raised.value) and "CRC-32" in str(raised.value)
    assert_nothing_left(s3)


def test_a_flipped_byte_in_a_deflated_member_fails_mid_stream_before_the_upload_completes(s3):
    big = build_zip({"act.pdf": PDF, "big.pdf": os.urandom(12 * MiB) + b"text " * MiB}, zipfile.ZIP_DEFLATED)
    span = data_span(big, "big.pdf")
    with pytest.raises(InvalidArchive, match=r"member big\.pdf of the download is damaged"):
        ArchiveStore(s3, BUCKET).store_zip(KEY, chunks(flipped(big, span[len(span) // 3])), len(big))
    assert_nothing_left(s3)


def test_an_xlsx_with_a_flipped_byte_is_refused_like_a_zip(s3):
    """An XLSX is a ZIP: the table reports in FILE format go through the same check."""
    workbook = b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>'
    workbook += b'<sheet name="Data" sheetId="1"/></sheets></workbook>'
    xlsx = build_zip({"xl/workbook.xml": workbook, "xl/worksheets/sheet1.xml": b"<row/>" * 5000}, zipfile.ZIP_DEFLATED)
    key = KEY.replace(".zip", ".xlsx")
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    span = data_span(xlsx, "xl/worksheets/sheet1.xml")
    damaged = flipped(xlsx, span[len(span) // 2])
    with pytest.raises(InvalidArchive, match=r"member xl/worksheets/sheet1\.xml of the download is damaged"):
        ArchiveStore(s3, BUCKET).store_zip(key, chunks(damaged), len(damaged), xlsx_type)
    assert_nothing_left(s3)
    stored = ArchiveStore(s3, BUCKET).store_zip(key, chunks(xlsx), len(xlsx), xlsx_type)  # intact: stored
    assert ArchiveStore(s3, BUCKET).xlsx_sheets(stored.key, stored.size_bytes) == ["Data"]


def test_a_member_whose_header_names_it_differently_is_refused():
    body = SMALL
    info = zipfile.ZipFile(io.BytesIO(body)).getinfo("act.pdf")
    damaged = flipped(body, info.header_offset + 30)  # the first byte of the name in its local header
    with pytest.raises(InvalidArchive, match=r"member act\.pdf of the download is damaged: its own header names it"):
        verify(damaged)


def test_a_member_that_cannot_be_checked_is_refused_naming_it():
    body = build_zip({"act.pdf": PDF}, zipfile.ZIP_BZIP2)
    with pytest.raises(InvalidArchive, match=r"member act\.pdf .* compressed with method 12"):
        verify(body)


def test_the_check_holds_only_a_bounded_piece_of_a_member():
    """A highly compressible member (64 MiB of zeros, 64 KiB deflated) is checked in bounded pieces, never whole:
    the check's own memory stays under 1 MiB (the download's chunks and the upload's parts are bench.memory's)."""
    body = build_zip({"zeros.pdf": bytes(64 * MiB), "act.pdf": PDF}, zipfile.ZIP_DEFLATED)
    view, check = memoryview(body), MemberCheck()
    tracemalloc.start()
    try:
        for at in range(0, len(body), 4096):
            check.feed(view[at : at + 4096])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    check.finish(zipfile.ZipFile(io.BytesIO(body)).infolist())
    assert peak < MiB, f"peak {peak / MiB:.2f} MiB while checking a 64 MiB member"
