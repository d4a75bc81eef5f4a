"""The archive store: every S3 read and write of the archive. A downloaded report is streamed into S3 verified on
the way, never half-written.

The body flows from the HTTP response through :class:`~closing_docs.adapters.zips.VerifyingReader` (the ZIP
checks: SHA-256, every member's CRC-32 and sizes, the central directory) into s3transfer's multipart upload, so
memory stays bounded whatever the archive's size and download overlaps upload. Any failure raises from ``read()``
*before* s3transfer completes the upload, so s3transfer aborts it: the final key only ever receives a complete,
verified ZIP. The manifest is written after the ZIP and is the marker that a unit is archived.

Every part carries its own SHA-256 (S3 additional checksums, ``ChecksumAlgorithm: SHA256``): S3 recomputes it on
arrival and refuses a part damaged on the way (BadDigest), and s3transfer then aborts the upload. The SHA-256 of the
whole file, computed while streaming, goes into the manifest; the S3 version written goes into it too, so that the
fixity check (proof/fixity.py) can tell when the archived version is no longer the current one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any

from closing_docs.adapters.zips import (
    ByteView,
    VerifyingReader,
    workbook_sheets,
)
from closing_docs.domain.errors import InvalidArchive, PackConflict
from closing_docs.domain.models import Document, Manifest, Wire
from closing_docs.domain.texts import say

if TYPE_CHECKING:
    from pathlib import Path

    from boto3.s3.transfer import TransferConfig

MiB = 1024 * 1024
CHUNK_SIZE = 1 * MiB
PART_SIZE = 5 * MiB  # S3's smallest part: archives up to 10 000 parts = 48.8 GiB
# Peak memory must not grow with the archive, and download must overlap upload (bench/memory.py and
# bench/overlap.py measure both). s3transfer reads a part from a non-seekable stream before it waits for room,
# so at most three parts are held: the one being uploaded (one at a time: the download is the slower side), one
# queued behind it to absorb jitter, and the one the download is filling.
IN_MEMORY_PARTS = 2
# The additional checksum every upload carries: per part for a multipart upload, whole for a single PutObject. S3
# checks it on arrival; SHA-256 rather than boto3's default CRC32 so a part is refused on the same hash the manifest
# and the fixity check use (a multipart object's S3 checksum is then the SHA-256 of its parts' SHA-256s, "-N").
CHECKSUM_ALGORITHM = "SHA256"


@lru_cache(maxsize=1)
def transfer_config() -> TransferConfig:
    """The upload's s3transfer settings (imported here: only the archive step uploads, bench/coldstart.py)."""
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=1)
    config.max_in_memory_upload_chunks = IN_MEMORY_PARTS  # s3transfer's knob (not in boto3's constructor)
    return config


class _RangeFile(ByteView):
    """An S3 object, read with Range GETs of only the bytes asked for."""

    def __init__(self, s3: Any, bucket: str, key: str, size: int) -> None:
        super().__init__(size)
        self._s3, self._bucket, self._key = s3, bucket, key

    def read(self, size: int | None = -1) -> bytes:
        end = self._end(size)
        if end <= self._pos:
            return b""
        answer = self._s3.get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-{end - 1}")
        data = bytes(answer["Body"].read())
        self._pos += len(data)
        return data


@dataclass(frozen=True)
class StoredZip:
    key: str
    sha256: str
    size_bytes: int
    documents: list[Document]
    version_id: str | None = None  # the S3 version written (None in an unversioned bucket)


@dataclass(frozen=True)
class Digest:
    """What an object's bytes are, read back whole: SHA-256, size, and the version and time S3 gives them."""

    sha256: str
    size_bytes: int
    version_id: str | None
    last_modified: datetime | None


class _VersionOf:
    """Keeps the VersionId S3 answers to the request that completes one upload (CompleteMultipartUpload, or the
    PutObject s3transfer sends for a small file). s3transfer returns nothing, so the answer is read from the client's
    events; the requests are matched by bucket and key (a client may serve several uploads at once)."""

    _OPERATIONS = ("CompleteMultipartUpload", "PutObject")

    def __init__(self, s3: Any, bucket: str, key: str) -> None:
        self._events, self._bucket, self._key = s3.meta.events, bucket, key
        self._mark = f"closing-docs-upload-{uuid.uuid4()}"
        self.version_id: str | None = None

    def _request(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == self._bucket and params.get("Key") == self._key:
            context[self._mark] = True

    def _answer(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if context.get(self._mark) and parsed.get("VersionId"):
            self.version_id = str(parsed["VersionId"])

    def _hooks(self) -> Iterator[tuple[str, Any, str]]:
        """(event, handler, unique id): botocore keeps one handler per unique id, whatever the event."""
        for operation in self._OPERATIONS:
            yield f"before-parameter-build.s3.{operation}", self._request, f"{self._mark}-{operation}-request"
            yield f"after-call.s3.{operation}", self._answer, f"{self._mark}-{operation}-answer"

    def __enter__(self) -> _VersionOf:
        for event, handler, unique_id in self._hooks():
            self._events.register(event, handler, unique_id=unique_id)
        return self

    def __exit__(self, *exc: object) -> None:
        for event, _handler, unique_id in self._hooks():
            self._events.unregister(event, unique_id=unique_id)


@dataclass(frozen=True)
class Versioned:
    """An object's body and the ETag to update it with no lost update (None: there is no such object)."""

    body: bytes | None
    etag: str | None


def _json(value: Wire | dict[str, Any] | list[Any]) -> bytes:
    data = value.wire() if isinstance(value, Wire) else value
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


class ArchiveStore:
    """The S3 archive bucket: the only way any step reaches it."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def store_zip(
        self, key: str, chunks: Iterator[bytes], expected_length: int | None, content_type: str = "application/zip"
    ) -> StoredZip:
        """Stream chunks to ``key``; nothing is left at the key (or as an open upload) on any error. Every format
        Yandex serves is a ZIP container (a ZIP of PDFs or of sheets, an XLSX), verified as one."""
        reader = VerifyingReader(chunks, expected_length)
        with _VersionOf(self.s3, self.bucket, key) as written:
            self.s3.upload_fileobj(
                reader,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type, "ChecksumAlgorithm": CHECKSUM_ALGORITHM},
                Config=transfer_config(),
            )
        if reader.documents is None:  # set at the end of the stream, before the upload completes
            raise InvalidArchive(say("error.archive.unverified"))
        return StoredZip(key, reader.sha256.hexdigest(), reader.size, reader.documents, written.version_id)

    def put_file(self, key: str, body: bytes, content_type: str) -> StoredZip:
        """Store a small file whole, with its SHA-256 for S3 to check on arrival (a damaged upload is refused)."""
        import base64

        digest = hashlib.sha256(body)
        answer = self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
        )
        return StoredZip(
            key,
            digest.hexdigest(),
            len(body),
            [Document(name=key.rsplit("/", 1)[-1], size_bytes=len(body))],
            answer.get("VersionId"),
        )

    def put_path(self, path: Path, key: str, content_type: str) -> StoredZip:
        """Store a file from disk with its SHA-256: whole when small (S3 checks the SHA-256 on arrival); else
        streamed by s3transfer, each part with its own SHA-256 that S3 checks, the whole file's hashed first."""
        size = path.stat().st_size
        if size <= PART_SIZE:
            return self.put_file(key, path.read_bytes(), content_type)
        digest = hashlib.sha256()
        with path.open("rb") as source:
            for chunk in iter(lambda: source.read(CHUNK_SIZE), b""):
                digest.update(chunk)
            source.seek(0)
            extra = {"ContentType": content_type, "ChecksumAlgorithm": CHECKSUM_ALGORITHM}
            self.s3.upload_fileobj(source, self.bucket, key, ExtraArgs=extra, Config=transfer_config())
        version = self.s3.head_object(Bucket=self.bucket, Key=key).get("VersionId")
        document = Document(name=key.rsplit("/", 1)[-1], size_bytes=size)
        return StoredZip(key, digest.hexdigest(), size, [document], version)

    def download_to(self, key: str, out: IO[bytes]) -> None:
        """The object's bytes into ``out`` (a file: s3transfer fetches ranges in parallel, memory stays bounded)."""
        self.s3.download_fileobj(self.bucket, key, out, Config=transfer_config())

    def xlsx_sheets(self, key: str, size: int) -> list[str]:
        """The sheet names of a stored XLSX, read with a few Range GETs (not the whole file)."""
        import zipfile

        try:
            with zipfile.ZipFile(_RangeFile(self.s3, self.bucket, key, size)) as archive:
                return workbook_sheets(archive)
        except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:
            raise InvalidArchive(say("error.archive.not_xlsx", problem=type(exc).__name__)) from None

    def read(self, key: str) -> bytes | None:
        try:
            return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except self.s3.exceptions.NoSuchKey:
            return None

    def read_manifest(self, key: str) -> Manifest | None:
        """The manifest at ``key``, or None when the unit is not archived."""
        body = self.read(key)
        return None if body is None else Manifest.model_validate_json(body)

    def write_json(self, key: str, value: Wire | dict[str, Any] | list[Any]) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=_json(value), ContentType="application/json")

    def write_manifest(self, key: str, manifest: Manifest) -> None:
        self.write_json(key, manifest)

    def listing(self, prefix: str) -> dict[str, int]:
        """Key -> size of every current object under ``prefix``."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}

    def keys(self, prefix: str, suffix: str = "") -> Iterator[str]:
        """Every current key under ``prefix`` ending with ``suffix``, page by page (1,000 at a time: memory stays
        bounded however large the bucket)."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            yield from (o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(suffix))

    def digest(self, key: str, version_id: str | None = None, chunk_size: int = CHUNK_SIZE) -> Digest | None:
        """SHA-256 and size of the current version of ``key`` (or of ``version_id``), read as a stream in chunks
        (memory stays bounded whatever the size); None when there is no such object or version (deleted, or only a
        delete marker left)."""
        extra = {"VersionId": version_id} if version_id else {}
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=key, **extra)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchVersion", "404"):
                return None
            if version_id and exc.response.get("Error", {}).get("Code") in ("InvalidArgument", "400"):
                return None  # not a version id of this object (S3 answers 400 to a malformed one)
            raise
        sha256, size = hashlib.sha256(), 0
        body = answer["Body"]
        try:
            for chunk in body.iter_chunks(chunk_size):
                sha256.update(chunk)
                size += len(chunk)
        finally:
            body.close()
        return Digest(sha256.hexdigest(), size, answer.get("VersionId"), answer.get("LastModified"))

    def etag(self, key: str) -> str | None:
        """The current ETag of ``key``, None when there is none."""
        try:
            return str(self.s3.head_object(Bucket=self.bucket, Key=key)["ETag"])
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise

    def read_versioned(self, key: str) -> Versioned:
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            return Versioned(None, None)
        return Versioned(bytes(answer["Body"].read()), str(answer["ETag"]))

    def replace_json(self, key: str, value: Wire | dict[str, Any], etag: str | None) -> None:
        """Write ``key`` only if it is still the version read (``etag``), or still absent (None): S3's conditional
        writes. Someone else's write in between raises PackConflict (the state machine retries the step)."""
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            self.s3.put_object(
                Bucket=self.bucket, Key=key, Body=_json(value), ContentType="application/json", **condition
            )
        except self.s3.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "412", "409"):
                raise PackConflict(say("error.archive.conflict", key=key)) from None
            raise

    def folders(self, prefix: str) -> list[str]:
        """The "folders" right under ``prefix`` (S3's common prefixes with the delimiter ``/``), each ending with
        ``/``: e.g. the months under ``closing-documents/`` without listing what is in them."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/")
        return [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]

    def listing_times(self, prefix: str) -> dict[str, tuple[int, datetime]]:
        """Key -> (size, last modified) of every current object under ``prefix`` (as :meth:`listing`, with the time
        S3 stored each object: when a manifest is newer than what pack.json says of it)."""
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {o["Key"]: (o["Size"], o["LastModified"]) for page in pages for o in page.get("Contents", [])}
