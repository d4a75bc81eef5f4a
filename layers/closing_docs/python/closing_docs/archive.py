"""Streaming a downloaded report into S3: verified on the way, never half-written.

The body flows from the HTTP response through :class:`VerifyingReader` into s3transfer's multipart
upload, so memory stays bounded whatever the archive's size and download overlaps upload. The reader
hashes every byte (SHA-256), checks the ZIP signature at the start and, when the stream ends, that the
length matches Content-Length and that the ZIP's central directory (kept from the last bytes) lists
documents. Any failure raises from ``read()`` *before* s3transfer completes the upload, so s3transfer
aborts it: the final key only ever receives a complete, verified ZIP. The manifest is written after
the ZIP and is the marker that a campaign-month is archived.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import DownloadFailed, InvalidArchive

if TYPE_CHECKING:
    from boto3.s3.transfer import TransferConfig
from .models import Document, Job, Manifest

MiB = 1024 * 1024
CHUNK_SIZE = 1 * MiB
TAIL_BYTES = 1 * MiB  # enough for the central directory of ~10 000 documents
ZIP_SIGNATURE = b"PK\x03\x04"
PART_SIZE = 5 * MiB  # S3's smallest part: archives up to 10 000 parts = 48.8 GiB
# Peak memory must not grow with the archive, and download must overlap upload (bench/memory.py and
# bench/overlap.py measure both). s3transfer reads a part from a non-seekable stream before it waits for room,
# so at most three parts are held: the one being uploaded (one at a time: the download is the slower side), one
# queued behind it to absorb jitter, and the one the download is filling.
IN_MEMORY_PARTS = 2


@lru_cache(maxsize=1)
def transfer_config() -> TransferConfig:
    """The upload's s3transfer settings (imported here: only the archive step uploads, bench/coldstart.py)."""
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=1)
    config.max_in_memory_upload_chunks = IN_MEMORY_PARTS  # s3transfer's knob (not in boto3's constructor)
    return config


@dataclass(frozen=True)
class ArchiveKeys:
    zip: str
    manifest: str


def archive_keys(prefix: str, job: Job) -> ArchiveKeys:
    """Deterministic keys of a campaign-month: ``<prefix>/<YYYY-MM>/<business>/<campaignId>/...``."""
    types = job.types_label
    stem = (
        f"{prefix}/{job.month}/{job.business}/{job.campaign_id}/closing-documents_{job.campaign_id}_{job.month}_{types}"
    )
    return ArchiveKeys(zip=f"{stem}.zip", manifest=f"{stem}.manifest.json")


class _TailFile(io.RawIOBase):
    """A seekable view of a stream of ``size`` bytes of which only the last ``len(tail)`` are known."""

    def __init__(self, tail: bytes, size: int) -> None:
        self._tail, self._start, self._size, self._pos = tail, size - len(tail), size, 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        if self._pos < self._start:
            raise InvalidArchive(f"the ZIP's central directory is larger than {TAIL_BYTES} bytes")
        end = self._size if size is None or size < 0 else min(self._size, self._pos + size)
        data = self._tail[self._pos - self._start : end - self._start]
        self._pos += len(data)
        return data


def list_documents(tail: bytes, size: int) -> list[Document]:
    """The files listed in a ZIP's central directory, read from the ZIP's last bytes."""
    import zipfile  # here: only the archive step reads ZIPs (bench/coldstart.py)

    try:
        with zipfile.ZipFile(_TailFile(tail, size)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise InvalidArchive(f"the download is not a readable ZIP ({exc})") from None
    documents = [Document(name=i.filename, size_bytes=i.file_size) for i in infos if not i.is_dir()]
    if not documents:
        raise InvalidArchive("the ZIP holds no documents")
    return documents


@dataclass
class VerifyingReader:
    """A non-seekable file object over download chunks that hashes and verifies as it is read.

    ``read(n)`` writes the chunks into one buffer that becomes the returned bytes without a copy, so that a
    part is held about once while it is read (no buffer of pending chunks, no slices copied from it).
    """

    chunks: Iterator[bytes]
    expected_length: int | None
    sha256: Any = field(default_factory=hashlib.sha256)
    size: int = 0
    documents: list[Document] | None = None
    _rest: bytes = b""  # what the last chunk had beyond the last read
    _tail: bytearray = field(default_factory=bytearray)
    _eof: bool = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def _pull(self) -> bytes:
        """The next verified chunk, b"" only at the end (after the end-of-stream checks)."""
        chunk = b""
        while not chunk:  # an empty chunk is not the end
            if self._eof:
                return b""
            try:
                chunk = next(self.chunks)
            except StopIteration:
                self._finish()
                return b""
        head = (bytes(self._tail) + chunk)[: len(ZIP_SIGNATURE)] if self.size < len(ZIP_SIGNATURE) else b""
        if head and not ZIP_SIGNATURE.startswith(head):  # fail fast on an HTML error page
            raise InvalidArchive("the download is not a ZIP archive (it does not start with a ZIP signature)")
        self.sha256.update(chunk)
        self.size += len(chunk)
        self._tail += chunk[-TAIL_BYTES:]
        if len(self._tail) > TAIL_BYTES:
            del self._tail[: len(self._tail) - TAIL_BYTES]
        return chunk

    def _finish(self) -> None:
        self._eof = True
        if self.size == 0:
            raise InvalidArchive("the download is empty")
        if self.expected_length is not None and self.size != self.expected_length:
            raise DownloadFailed(f"the download broke off: got {self.size} of {self.expected_length} bytes")
        self.documents = list_documents(bytes(self._tail), self.size)

    def read(self, size: int = -1) -> bytes:
        if 0 <= size <= len(self._rest):
            data, self._rest = self._rest[:size], self._rest[size:]
            return data
        part = io.BytesIO()
        part.write(self._rest)
        self._rest = b""
        while size < 0 or part.tell() < size:
            chunk = self._pull()
            if not chunk:
                break
            wanted = len(chunk) if size < 0 else size - part.tell()
            if len(chunk) > wanted:
                part.write(memoryview(chunk)[:wanted])
                self._rest = chunk[wanted:]
            else:
                part.write(chunk)
        return part.getvalue()  # shares the buffer: BytesIO hands it over when nothing else refers to it


@dataclass(frozen=True)
class StoredZip:
    key: str
    sha256: str
    size_bytes: int
    documents: list[Document]


class ArchiveStore:
    """The S3 archive bucket."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def store_zip(self, key: str, chunks: Iterator[bytes], expected_length: int | None) -> StoredZip:
        """Stream chunks to ``key``; nothing is left at the key (or as an open upload) on any error."""
        reader = VerifyingReader(chunks, expected_length)
        self.s3.upload_fileobj(
            reader, self.bucket, key, ExtraArgs={"ContentType": "application/zip"}, Config=transfer_config()
        )
        if reader.documents is None:  # set at the end of the stream, before the upload completes
            raise InvalidArchive("the upload finished before the download was verified")
        return StoredZip(key, reader.sha256.hexdigest(), reader.size, reader.documents)

    def read_manifest(self, key: str) -> Manifest | None:
        """The manifest at ``key``, or None when the campaign-month is not archived."""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return Manifest.model_validate_json(body)

    def write_manifest(self, key: str, manifest: Manifest) -> None:
        body = json.dumps(manifest.wire(), ensure_ascii=False, indent=2).encode()
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
