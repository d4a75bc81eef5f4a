"""Closing-document archives as Yandex Market serves them: a ZIP of small but valid one-page PDFs.

The bytes are deterministic for the same campaign, month, contract types and padding (fixed ZIP dates,
fixed compression level, seeded padding content), so tests can compare a download with
:meth:`ArchiveStore.read`. A padded archive (for benchmarks: 1 MiB to 512 MiB) is written to a temporary file
in chunks and served from there, never held in memory as a whole.
"""

from __future__ import annotations

import io
import random
import shutil
import struct
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CONTRACT_TYPES: tuple[str, ...] = ("INCOME", "OUTCOME", "MARKETING")
"""Every contract type, in the order archive members are written."""

DEFAULT_CONTRACT_TYPES: tuple[str, ...] = ("INCOME", "MARKETING")
"""What "all contracts" (contractTypes omitted) means for the emulated seller."""

DOCUMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "INCOME": (
        ("act", "Act of services rendered"),
        ("invoice", "Invoice (schet-faktura)"),
        ("summary_report", "Summary statistics report"),
        ("agent_report", "Agent's report and set-off of mutual claims"),
    ),
    "OUTCOME": (
        ("act", "Act of services rendered (promotion)"),
        ("invoice", "Invoice (schet-faktura)"),
    ),
    "MARKETING": (
        ("act", "Act of marketing services rendered"),
        ("invoice", "Invoice (schet-faktura)"),
        ("advance_invoice", "Advance invoice"),
        ("account_statement", "Personal account statement"),
        ("act_details", "Act details"),
    ),
}
"""Documents per contract type (API-FACTS.md): (file-name slug, title)."""

CHUNK_SIZE = 1 << 20
"""Write/read granularity for padded archives."""

_PDF_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def normalize_contract_types(contract_types: Iterable[str] | None) -> tuple[str, ...]:
    """The requested contract types in canonical order; ``None`` (omitted) means the default seller's."""
    if contract_types is None:
        return DEFAULT_CONTRACT_TYPES
    wanted = set(contract_types)
    unknown = wanted - set(CONTRACT_TYPES)
    if unknown:
        raise ValueError(f"unknown contract types: {sorted(unknown)}")
    return tuple(t for t in CONTRACT_TYPES if t in wanted)


@dataclass(frozen=True)
class ArchiveSpec:
    """Everything that determines the bytes of one archive."""

    campaign_id: int
    month: str  # "YYYY-MM"
    contract_types: tuple[str, ...]
    padding: int = 0  # size in bytes of an extra stored PDF member; 0 = none

    @property
    def file_name(self) -> str:
        """The archive's name in the download link."""
        return f"closure-documents_{self.campaign_id}_{self.month}.zip"

    @property
    def padding_name(self) -> str:
        """Name of the padding member (only present when ``padding > 0``)."""
        return f"PADDING_{self.campaign_id}_{self.month}.pdf"

    def documents(self) -> list[tuple[str, str]]:
        """(member name, title) of each regular document, in archive order."""
        return [
            (f"{ctype}_{slug}_{self.campaign_id}_{self.month}.pdf", title)
            for ctype in self.contract_types
            for slug, title in DOCUMENTS[ctype]
        ]

    def member_names(self) -> list[str]:
        """All member names, in archive order."""
        names = [name for name, _ in self.documents()]
        return [*names, self.padding_name] if self.padding else names


# ------------------------------------------------------------------------------------------ PDF


def _pdf_text(text: str) -> bytes:
    """A PDF literal string (ASCII, with parentheses and backslashes escaped)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("ascii", "replace") + b")"


def _page_objects(lines: Sequence[str]) -> list[bytes]:
    """Bodies of objects 1..5: catalog, page tree, page, content stream, font."""
    content = b"BT /F1 12 Tf 72 770 Td 16 TL " + b" ".join(_pdf_text(line) + b" '" for line in lines) + b" ET"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]


def _xref_and_trailer(offsets: Sequence[int], xref_offset: int) -> bytes:
    entries = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return (
        b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
        + entries
        + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref_offset)
    )


def _pdf_parts(lines: Sequence[str], payload_size: int | None, filler: int = 0) -> tuple[bytes, bytes]:
    """(prefix, suffix) of a one-page PDF; with ``payload_size``, a binary stream object goes between."""
    prefix = bytearray(_PDF_HEADER)
    offsets = []
    for number, body in enumerate(_page_objects(lines), start=1):
        offsets.append(len(prefix))
        prefix += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    if payload_size is None:
        return bytes(prefix), _xref_and_trailer(offsets, len(prefix))
    offsets.append(len(prefix))
    prefix += b"6 0 obj\n<< /Length %d >>%s\nstream\n" % (payload_size, b" " * filler)
    closing = b"\nendstream\nendobj\n"
    xref_offset = len(prefix) + payload_size + len(closing)
    return bytes(prefix), closing + _xref_and_trailer(offsets, xref_offset)


def pdf_document(lines: Sequence[str]) -> bytes:
    """A minimal valid one-page PDF (Helvetica, correct xref table) showing ``lines`` of ASCII text."""
    prefix, suffix = _pdf_parts(lines, None)
    return prefix + suffix


def padded_pdf_chunks(lines: Sequence[str], total_size: int, seed: str) -> Iterator[bytes]:
    """A valid PDF of exactly ``total_size`` bytes (or the smallest possible, if that is less), in chunks.

    The page shows ``lines``; the bulk is an unreferenced binary stream object of seeded random bytes.
    """

    def overhead(payload: int) -> int:
        prefix, suffix = _pdf_parts(lines, payload)
        return len(prefix) + len(suffix)

    payload = max(0, total_size - overhead(0))
    while payload and payload + overhead(payload) > total_size:  # "/Length N" grew by a digit or two
        payload -= 1
    filler = max(0, total_size - payload - overhead(payload))
    prefix, suffix = _pdf_parts(lines, payload, filler)
    yield prefix
    rng = random.Random(seed)
    remaining = payload
    while remaining:
        size = min(CHUNK_SIZE, remaining)
        yield rng.randbytes(size)
        remaining -= size
    yield suffix


# ------------------------------------------------------------------------------------------ ZIP


def _zip_date(month: str) -> tuple[int, int, int, int, int, int]:
    """Fixed member timestamp: 09:00 on the 3rd of the month after ``month`` (when documents appear)."""
    year, mon = (int(part) for part in month.split("-")[-2:])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return (max(1980, min(year, 2107)), mon, 3, 9, 0, 0)


def _member(name: str, month: str, compress: bool, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_date(month))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


def write_archive(spec: ArchiveSpec, target: BinaryIO) -> None:
    """Write the archive for ``spec`` to a seekable binary file, member by member (padding in chunks)."""
    with zipfile.ZipFile(target, "w") as archive:
        for name, title in spec.documents():
            lines = [title, f"Campaign {spec.campaign_id}, month {spec.month}", f"File {name}"]
            archive.writestr(_member(name, spec.month, compress=True), pdf_document(lines), compresslevel=6)
        if spec.padding:
            lines = [
                "Padding document",
                f"Campaign {spec.campaign_id}, month {spec.month}",
                f"{spec.padding} bytes",
            ]
            seed = f"{spec.campaign_id}/{spec.month}/{'-'.join(spec.contract_types)}/{spec.padding}"
            info = _member(spec.padding_name, spec.month, compress=False, size=spec.padding)
            with archive.open(info, "w") as member:
                for chunk in padded_pdf_chunks(lines, spec.padding, seed):
                    member.write(chunk)


def flip_target(archive: BinaryIO) -> tuple[str, int]:
    """(member name, offset) of the byte a ``Fault(kind="flip")`` damages: the middle byte of the first member's data
    as stored (compressed or not), so the ZIP keeps its length and its directory and only that member is corrupt."""
    with zipfile.ZipFile(archive) as opened:
        info = next(i for i in opened.infolist() if i.compress_size > 0)
    archive.seek(info.header_offset + 26)
    name_length, extra_length = struct.unpack("<HH", archive.read(4))
    start = info.header_offset + 30 + name_length + extra_length
    return info.filename, start + info.compress_size // 2


class _Entry:
    """One built (or being built) archive: in memory when small, else a file on disk."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.data: bytes | None = None
        self.path: Path | None = None

    @property
    def built(self) -> bool:
        return self.data is not None or self.path is not None


class ArchiveStore:
    """Builds each distinct archive once (thread-safe) and hands out its size and bytes.

    Unpadded archives (a few KiB) live in memory; padded ones are written to a private temporary
    directory, removed by :meth:`close`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[ArchiveSpec, _Entry] = {}
        self._directory: Path | None = None

    def _entry(self, spec: ArchiveSpec) -> _Entry:
        with self._lock:
            return self._entries.setdefault(spec, _Entry())

    def _temp_dir(self) -> Path:
        with self._lock:
            if self._directory is None:
                self._directory = Path(tempfile.mkdtemp(prefix="market-emulator-"))
            return self._directory

    def prepare(self, spec: ArchiveSpec) -> None:
        """Build the archive unless already built; concurrent callers wait for the first one."""
        entry = self._entry(spec)
        with entry.lock:
            if entry.built:
                return
            if not spec.padding:
                buffer = io.BytesIO()
                write_archive(spec, buffer)
                entry.data = buffer.getvalue()
                return
            types = "-".join(spec.contract_types)
            path = self._temp_dir() / f"{spec.campaign_id}_{spec.month}_{types}_{spec.padding}.zip"
            with path.open("wb") as target:
                write_archive(spec, target)
            entry.path = path

    def size(self, spec: ArchiveSpec) -> int:
        """Archive size in bytes (builds it if needed)."""
        self.prepare(spec)
        entry = self._entries[spec]
        return len(entry.data) if entry.data is not None else entry.path.stat().st_size  # type: ignore[union-attr]

    def open(self, spec: ArchiveSpec) -> BinaryIO:
        """A fresh binary reader positioned at the start of the archive (builds it if needed)."""
        self.prepare(spec)
        entry = self._entries[spec]
        return io.BytesIO(entry.data) if entry.data is not None else entry.path.open("rb")  # type: ignore[union-attr]

    def read(self, spec: ArchiveSpec) -> bytes:
        """The whole archive (for tests: a padded one is read from disk)."""
        with self.open(spec) as reader:
            return reader.read()

    def close(self) -> None:
        """Forget every archive and delete the temporary files."""
        with self._lock:
            self._entries.clear()
            directory, self._directory = self._directory, None
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
