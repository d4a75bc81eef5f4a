"""The ZIP checks of the archive (an XLSX is a ZIP too), on bytes as they stream past: no I/O of their own.

:class:`VerifyingReader` hashes every byte (SHA-256), checks the ZIP signature at the start, walks the members as
they pass (:class:`MemberCheck`: each member's CRC-32 and sizes, decompressed on the fly in bounded pieces) and, when
the stream ends, checks that the length matches Content-Length, that the ZIP's central directory (kept from the last
bytes) lists documents, and that every member it lists was seen whole with the CRC-32 and sizes it records.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from closing_docs.domain.errors import DownloadFailed, InvalidArchive
from closing_docs.domain.models import Document
from closing_docs.domain.texts import say

if TYPE_CHECKING:
    from zipfile import ZipInfo

MiB = 1024 * 1024
TAIL_BYTES = 1 * MiB  # enough for the central directory of ~10 000 documents
ZIP_SIGNATURE = b"PK\x03\x04"


class ByteView(io.RawIOBase):
    """A seekable, read-only file of ``size`` bytes whose reads the subclass answers."""

    def __init__(self, size: int) -> None:
        self._size, self._pos = size, 0

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

    def _end(self, size: int | None) -> int:
        return self._size if size is None or size < 0 else min(self._size, self._pos + size)


_WORKBOOK = "xl/workbook.xml"
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def workbook_sheets(archive: Any) -> list[str]:
    """The sheet names of an XLSX (an open ``zipfile.ZipFile``), in workbook order."""
    from xml.etree import ElementTree

    root = ElementTree.fromstring(archive.read(_WORKBOOK))  # noqa: S314
    return [sheet.attrib["name"] for sheet in root.iter(f"{_SHEET_NS}sheet") if "name" in sheet.attrib]


class _TailFile(ByteView):
    """A stream of ``size`` bytes of which only the last ``len(tail)`` are known."""

    def __init__(self, tail: bytes, size: int) -> None:
        super().__init__(size)
        self._tail, self._start = tail, size - len(tail)

    def read(self, size: int | None = -1) -> bytes:
        if self._pos < self._start:
            raise InvalidArchive(say("error.archive.directory_too_large", limit=TAIL_BYTES))
        end = self._end(size)
        data = self._tail[self._pos - self._start : end - self._start]
        self._pos += len(data)
        return data


def central_directory(tail: bytes, size: int) -> list[ZipInfo]:
    """Every entry of a ZIP's central directory, read from the ZIP's last bytes."""
    import zipfile  # here: only the archive step reads ZIPs (bench/coldstart.py)

    try:
        with zipfile.ZipFile(_TailFile(tail, size)) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise InvalidArchive(say("error.archive.unreadable", problem=exc)) from None


def documents_of(infos: list[ZipInfo]) -> list[Document]:
    """The files (not folders) a central directory lists; a ZIP without any is refused."""
    documents = [Document(name=i.filename, size_bytes=i.file_size) for i in infos if not i.is_dir()]
    if not documents:
        raise InvalidArchive(say("error.archive.no_documents"))
    return documents


def list_documents(tail: bytes, size: int) -> list[Document]:
    """The files listed in a ZIP's central directory, read from the ZIP's last bytes."""
    return documents_of(central_directory(tail, size))


_LOCAL_HEADER = struct.Struct("<4s5H3I2H")  # signature, version, flags, method, time, date, CRC, sizes, name, extra
_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"  # the optional signature of a data descriptor
# What follows the last member: the central directory, the ZIP64 end records, the end record, archive extra data.
_PAST_MEMBERS = (b"PK\x01\x02", b"PK\x06\x06", b"PK\x06\x07", b"PK\x05\x06", b"PK\x06\x08")
_ENCRYPTED, _HAS_DESCRIPTOR, _UTF8 = 0x1, 0x8, 0x800
_STORED, _DEFLATED = 0, 8
_ZIP64_EXTRA, _MAX32 = 0x0001, 0xFFFFFFFF
_INFLATE_IN = 64 * 1024  # compressed bytes handed to zlib at once
_INFLATE_OUT = 256 * 1024  # at most this much decompressed output is held at once (it is only checksummed)
_MAX_MEMBERS = TAIL_BYTES // 46  # a central directory entry is at least 46 bytes, and it must fit in TAIL_BYTES
_DESCRIPTOR_MAX = 4 + 20 + 4  # a signed ZIP64 data descriptor, and the signature after it


@dataclass(slots=True)
class _Member:
    """The member being read: what its local header says, and what its bytes turned out to be."""

    name: str
    offset: int
    flags: int
    method: int
    zip64: bool
    recorded: int | None  # its compressed size from the local header (None: a data descriptor follows the data)
    crc: int = 0
    size: int = 0
    compressed: int = 0
    held: bytes = b""  # stored with a data descriptor: the last bytes, not yet known to be data or the descriptor

    @property
    def wide(self) -> bool:
        """A ZIP64 data descriptor (8-byte sizes)."""
        return self.zip64 or self.compressed >= _MAX32 or self.size >= _MAX32


def _damaged(member: str, problem: str) -> InvalidArchive:
    return InvalidArchive(say("error.archive.member_damaged", member=member, problem=problem))


class MemberCheck:
    """Every member's CRC-32 and sizes, computed as the ZIP streams past, never holding a member.

    :meth:`feed` takes the stream's chunks in order: it parses each local header, CRCs a stored member's bytes as
    they are and decompresses a deflated member in bounded pieces (only to CRC the output, which is dropped), and
    skips data descriptors, until the central directory starts. :meth:`finish` then checks every entry of the
    central directory against what was seen at its offset: the same name, sizes and CRC-32. A damaged member (a
    flipped byte: same length, same directory) raises InvalidArchive naming it, mid-stream or at the end.
    """

    def __init__(self) -> None:
        self.members: dict[int, tuple[str, int, int, int]] = {}  # offset -> (name, CRC-32, size, compressed size)
        self._buffer = bytearray()  # a header being read (at most 30 + 2 x 65,535 bytes)
        self._at = 0  # stream offset of the next byte fed
        self._header_at = 0  # stream offset of the header being read
        self._member: _Member | None = None  # the member whose data is being read
        self._inflater: Any = None
        self._descriptor = False  # reading the data descriptor of self._member
        self._done = False  # past the last member
        self._last = "-"  # the last member read, named when what follows it is not a member

    def feed(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view and not self._done:
            member = self._member
            used = self._data(member, view) if member is not None and not self._descriptor else self._header(view)
            self._at += used
            view = view[used:]

    def finish(self, directory: list[ZipInfo]) -> None:
        """At the end of the stream: every member the central directory lists was seen whole, as it records it."""
        if not self._done:
            member = self._member
            if member is not None:
                stored_unsized = member.method == _STORED and member.recorded is None
                raise _damaged(
                    member.name, say("error.archive.no_descriptor" if stored_unsized else "error.archive.cut")
                )
            raise InvalidArchive(say("error.archive.unreadable", problem=say("error.archive.no_header", at=self._at)))
        for info in directory:
            seen = self.members.get(info.header_offset)
            if seen is None:
                raise _damaged(info.filename, say("error.archive.missing", at=info.header_offset))
            name, crc, size, compressed = seen
            if name != info.orig_filename:
                raise _damaged(info.filename, say("error.archive.name", header=name))
            if (size, compressed) != (info.file_size, info.compress_size):
                raise _damaged(
                    info.filename,
                    say(
                        "error.archive.size",
                        size=size,
                        compressed=compressed,
                        expected=info.file_size,
                        expected_compressed=info.compress_size,
                    ),
                )
            if crc != info.CRC:
                raise _damaged(info.filename, say("error.archive.crc", actual=f"{crc:08x}", expected=f"{info.CRC:08x}"))

    # --- headers: the local header, the data descriptor, or the start of the central directory

    def _header(self, view: memoryview) -> int:
        """Take what the header being read still needs from ``view`` and parse it once whole; returns how many
        bytes were taken."""
        if not self._buffer:
            self._header_at = self._at
        taken = 0
        while (need := self._header_need()) > len(self._buffer):  # the need grows as the header tells its length
            more = view[taken : taken + need - len(self._buffer)]
            if not more:
                return taken
            self._buffer += more
            taken += len(more)
        self._parse()
        self._buffer.clear()
        return taken

    def _header_need(self) -> int:
        """How many bytes the header being read has, as far as the bytes read so far tell."""
        buffer = self._buffer
        if len(buffer) < 4:
            return 4
        if self._descriptor and self._member is not None:
            return (4 if buffer[:4] == _DESCRIPTOR else 0) + 4 + (16 if self._member.wide else 8)
        if buffer[:4] != _LOCAL:
            return 4  # the central directory, or not a ZIP member: _parse tells which
        if len(buffer) < _LOCAL_HEADER.size:
            return _LOCAL_HEADER.size
        name_length, extra_length = struct.unpack_from("<HH", buffer, _LOCAL_HEADER.size - 4)
        return _LOCAL_HEADER.size + int(name_length) + int(extra_length)

    def _parse(self) -> None:
        if self._descriptor and self._member is not None:
            self._end_descriptor(self._member)
            return
        signature = bytes(self._buffer[:4])
        if signature in _PAST_MEMBERS:
            self._done = True
            return
        if signature != _LOCAL:
            problem = say("error.archive.no_header", at=self._header_at)
            if self.members:
                raise _damaged(self._last, problem)  # the member before it ended in the wrong place
            raise InvalidArchive(say("error.archive.unreadable", problem=problem))
        self._start_member()

    def _start_member(self) -> None:
        _, _, flags, method, _, _, _, compressed, size, name_length, extra_length = _LOCAL_HEADER.unpack_from(
            self._buffer
        )
        raw = bytes(self._buffer[_LOCAL_HEADER.size : _LOCAL_HEADER.size + name_length])
        name = raw.decode("utf-8" if flags & _UTF8 else "cp437")
        extra = bytes(self._buffer[_LOCAL_HEADER.size + name_length : _LOCAL_HEADER.size + name_length + extra_length])
        zip64, compressed = self._zip64(extra, size, compressed)
        if len(self.members) >= _MAX_MEMBERS:
            raise InvalidArchive(say("error.archive.too_many_members", limit=_MAX_MEMBERS))
        if flags & _ENCRYPTED:
            raise _damaged(name, say("error.archive.encrypted"))
        if method not in (_STORED, _DEFLATED):
            raise _damaged(name, say("error.archive.method", method=method))
        recorded = None if flags & _HAS_DESCRIPTOR else compressed
        member = self._member = _Member(name, self._header_at, flags, method, zip64, recorded)
        self._inflater = zlib.decompressobj(-zlib.MAX_WBITS) if method == _DEFLATED else None
        self._last = name
        if recorded == 0 and method == _STORED:
            self._end_data(member)

    @staticmethod
    def _zip64(extra: bytes, size: int, compressed: int) -> tuple[bool, int]:
        """Whether the local header has a ZIP64 extra field, and the compressed size (from it when it holds it)."""
        at = 0
        while at + 4 <= len(extra):
            kind, length = struct.unpack_from("<HH", extra, at)
            if kind == _ZIP64_EXTRA:
                fields = extra[at + 4 : at + 4 + length]
                values = [struct.unpack_from("<Q", fields, i)[0] for i in range(0, len(fields) - 7, 8)]
                if size == _MAX32 and values:
                    values.pop(0)
                if compressed == _MAX32 and values:
                    compressed = values[0]
                return True, compressed
            at += 4 + length
        return False, compressed

    def _end_descriptor(self, member: _Member) -> None:
        body = bytes(self._buffer[4:] if self._buffer[:4] == _DESCRIPTOR else self._buffer)
        crc, compressed, size = struct.unpack_from("<IQQ" if member.wide else "<III", body)
        if crc != member.crc:
            raise _damaged(member.name, say("error.archive.crc", actual=f"{member.crc:08x}", expected=f"{crc:08x}"))
        if (size, compressed) != (member.size, member.compressed):
            raise _damaged(
                member.name,
                say(
                    "error.archive.size",
                    size=member.size,
                    compressed=member.compressed,
                    expected=size,
                    expected_compressed=compressed,
                ),
            )
        self._descriptor = False
        self._record(member)

    # --- a member's data

    def _data(self, member: _Member, view: memoryview) -> int:
        if member.method == _DEFLATED:
            return self._inflate(member, view)
        if member.recorded is None:
            return self._stored_until_descriptor(member, view)
        taken = min(len(view), member.recorded - member.compressed)
        member.crc = zlib.crc32(view[:taken], member.crc)
        member.size += taken
        member.compressed += taken
        if member.compressed == member.recorded:
            self._end_data(member)
        return taken

    def _inflate(self, member: _Member, view: memoryview) -> int:
        """Decompress the next piece (output in bounded pieces, CRCed and dropped); ends the member at the end of its
        deflate stream, which must be where its local header says when it says."""
        left = len(view) if member.recorded is None else member.recorded - member.compressed
        piece = view[: min(len(view), left, _INFLATE_IN)]
        data: bytes | memoryview = piece
        try:
            while True:  # until the piece is used up and no output is pending (a full output may have more behind it)
                out = self._inflater.decompress(data, _INFLATE_OUT)
                member.crc = zlib.crc32(out, member.crc)
                member.size += len(out)
                data = self._inflater.unconsumed_tail
                if self._inflater.eof or (not data and len(out) < _INFLATE_OUT):
                    break
        except zlib.error as exc:
            raise _damaged(member.name, say("error.archive.inflate", problem=exc)) from None
        if self._inflater.eof:
            taken = len(piece) - len(self._inflater.unused_data)
            member.compressed += taken
            if member.recorded is not None and member.compressed != member.recorded:
                raise _damaged(member.name, say("error.archive.deflate_end"))
            self._end_data(member)
            return taken
        member.compressed += len(piece)
        if member.recorded is not None and member.compressed == member.recorded:
            raise _damaged(member.name, say("error.archive.deflate_end"))
        return len(piece)

    def _stored_until_descriptor(self, member: _Member, view: memoryview) -> int:
        """A stored member followed by a data descriptor: its data ends at the first descriptor signature followed
        by the CRC-32 and sizes of the bytes before it, then by a ZIP signature. Bytes after a signature are held
        back until there are enough of them to tell (a descriptor and the next signature: at most 28)."""
        held = len(member.held)
        data = member.held + bytes(view)
        done = 0  # data[:done] is in the member's CRC-32 and size
        at = data.find(_DESCRIPTOR)
        while at != -1:
            if len(data) - at < _DESCRIPTOR_MAX:
                break  # too few bytes after the signature to tell yet: hold them
            member.crc = zlib.crc32(data[done:at], member.crc)
            member.size += at - done
            done = at
            end = self._descriptor_end(member, data, at)
            if end is not None:
                member.compressed, member.held = member.size, b""
                self._record(member)
                if end >= held:
                    return end - held
                # the next header starts in bytes already taken (held): read it from them
                self._buffer += data[end:held]
                self._header_at = self._at - (held - end)
                return 0
            at = data.find(_DESCRIPTOR, at + 1)
        else:
            at = max(done, len(data) - len(_DESCRIPTOR) + 1)  # a signature may start in the last 3 bytes
        member.crc = zlib.crc32(data[done:at], member.crc)
        member.size += at - done
        member.compressed = member.size
        member.held = data[at:]
        return len(view)

    @staticmethod
    def _descriptor_end(member: _Member, data: bytes, at: int) -> int | None:
        """Where the data descriptor signed at ``at`` ends, if it is this member's (its CRC-32 and sizes, then a ZIP
        signature); None if the signature is only part of the data."""
        layouts = [("<III", 12), ("<IQQ", 20)]
        for layout, length in reversed(layouts) if member.zip64 else layouts:
            end = at + len(_DESCRIPTOR) + length
            fields = struct.unpack_from(layout, data, at + len(_DESCRIPTOR))
            if fields == (member.crc, member.size, member.size) and data[end : end + 4] in (_LOCAL, *_PAST_MEMBERS):
                return end
        return None

    def _end_data(self, member: _Member) -> None:
        if member.flags & _HAS_DESCRIPTOR:
            self._descriptor = True
            return
        self._record(member)

    def _record(self, member: _Member) -> None:
        self.members[member.offset] = (member.name, member.crc, member.size, member.compressed)
        self._member, self._inflater = None, None


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
    members: MemberCheck = field(default_factory=MemberCheck)
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
            raise InvalidArchive(say("error.archive.not_zip"))
        self.sha256.update(chunk)
        self.members.feed(chunk)
        self.size += len(chunk)
        self._tail += chunk[-TAIL_BYTES:]
        if len(self._tail) > TAIL_BYTES:
            del self._tail[: len(self._tail) - TAIL_BYTES]
        return chunk

    def _finish(self) -> None:
        self._eof = True
        if self.size == 0:
            raise InvalidArchive(say("error.archive.empty"))
        if self.expected_length is not None and self.size != self.expected_length:
            raise DownloadFailed(say("error.archive.broke_off", size=self.size, expected=self.expected_length))
        directory = central_directory(bytes(self._tail), self.size)
        documents = documents_of(directory)
        self.members.finish(directory)  # every member it lists was seen whole, with its CRC-32 and sizes
        self.documents = documents

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
