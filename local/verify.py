"""Verify a copy of the archive offline: every file against its manifest, every manifest's file present.

    python -m local.verify DIR

DIR is a folder synced from the archive bucket (``aws s3 sync s3://BUCKET/closing-documents/ DIR``, or the whole
bucket, or any folder of it: a month, a business's month, a shop, a business's index folder) or written by
``python -m local.run --out DIR``. Standard library only, no AWS access: an auditor's copy is checked on the auditor's
machine. What DIR holds is checked; nothing outside it is looked for:

* The key prefix DIR stands for is worked out from where its documents lie and the keys they hold (a manifest lies
  in its files' folder, ``pack.json`` in ``<YYYY-MM>/<business>/``, ``index.csv`` in ``<business>/``). A key under
  that prefix must be in DIR; a key outside it (a shop folder's files named by the month's ``pack.json``, which is
  not in DIR; the month folders an index names from ``closing-documents/<business>/``) is counted, not checked.
* Every ``*.manifest.json``: each file it names (``files`` for the other systems' manifests, else ``zipKey``) is
  there, with the manifest's ``sha256`` and ``sizeBytes``. Files are read in 1 MiB chunks: memory stays bounded
  whatever their size.
* Every ``pack.json``: each entry with a ``key`` names a file that is there, with the entry's ``sha256`` and
  ``sizeBytes`` when it gives them; an entry whose SHA-256 is not its manifest's is INCONSISTENT.
* Every ``index.csv`` (the archive's index per business, when there is one): each row with a ``key`` the same way.

Each problem is listed once on stdout (status, the file's path under DIR, why, and the other documents that name the
same problem), then a summary. Exit status: 0 when everything holds, 1 when anything is off (or DIR holds no
manifest, pack.json or index.csv at all), 2 when DIR is not a folder.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

CHUNK = 1024 * 1024
MANIFEST_SUFFIX = ".manifest.json"
PACK_NAME, INDEX_NAME = "pack.json", "index.csv"


@dataclass
class Problem:
    status: str  # MISMATCH, MISSING, UNREADABLE, INCONSISTENT
    path: str  # under DIR
    reason: str
    also: list[str] = field(default_factory=list)  # the other documents that name the same problem

    def line(self) -> str:
        also = f" (also {', '.join(self.also)})" if self.also else ""
        return f"{self.status} {self.path}: {self.reason}{also}"


def _vote(folder_key: str, folder: str) -> str | None:
    """The key prefix DIR stands for, when a document whose folder's key is ``folder_key`` lies in ``folder``
    (under DIR, "" for DIR itself); None when they do not fit."""
    if not folder:
        return folder_key + "/" if folder_key else ""
    if folder_key == folder:
        return ""
    if folder_key.endswith("/" + folder):
        return folder_key[: len(folder_key) - len(folder)]
    return None


@dataclass
class Verifier:
    root: Path
    problems: dict[tuple[str, str], Problem] = field(default_factory=dict)  # one per (status, path)
    files: set[Path] = field(default_factory=set)  # the files checked
    outside: set[str] = field(default_factory=set)  # keys named here that lie outside DIR (not checked)
    manifests: int = 0
    packs: int = 0
    indexes: int = 0
    prefix: str = ""  # the key prefix DIR stands for: "" (the bucket), "closing-documents/", a month's folder...
    _digests: dict[Path, tuple[str, int]] = field(default_factory=dict)
    _by_key: dict[str, str] = field(default_factory=dict)  # key -> sha256, as the manifests say

    # --- where a key is under DIR ---------------------------------------------------------------------------------

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _folder(self, path: Path) -> str:
        return self._rel(path.parent) if path.parent != self.root else ""

    def _path(self, key: str) -> Path | None:
        """The path of ``key`` under DIR, or None when the key lies outside the part of the archive DIR holds."""
        if not key.startswith(self.prefix):
            return None
        return self.root / PurePosixPath(key[len(self.prefix) :])

    def problem(self, status: str, path: str, reason: str, named_by: str) -> None:
        """A problem, said once: the same one found through another document only adds that document's name."""
        known = self.problems.get((status, path))
        if known is None:
            self.problems[(status, path)] = Problem(status, path, reason)
        elif named_by not in known.reason and named_by not in known.also:
            known.also.append(named_by)

    # --- reading --------------------------------------------------------------------------------------------------

    def digest(self, path: Path) -> tuple[str, int]:
        """SHA-256 and size of a file, read in chunks (once per file)."""
        if path not in self._digests:
            sha256, size = hashlib.sha256(), 0
            with path.open("rb") as stream:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    sha256.update(chunk)
                    size += len(chunk)
            self._digests[path] = (sha256.hexdigest(), size)
        return self._digests[path]

    def check_file(self, key: str, sha256: str | None, size: int | None, named_by: str) -> None:
        path = self._path(key)
        if path is None:
            self.outside.add(key)
            return
        rel = self._rel(path)
        if not path.is_file():
            self.problem("MISSING", rel, f"{named_by} names it; it is not in {self.root}", named_by)
            return
        self.files.add(path)
        actual, actual_size = self.digest(path)
        if sha256 is not None and actual != sha256.lower():
            self.problem("MISMATCH", rel, f"SHA-256 {actual} where {named_by} says {sha256}", named_by)
        elif size is not None and actual_size != size:
            self.problem("MISMATCH", rel, f"{actual_size} bytes where {named_by} says {size}", named_by)

    # --- the documents ----------------------------------------------------------------------------------------------

    def _json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            self.problem("UNREADABLE", self._rel(path), f"not readable JSON ({exc})", self._rel(path))
            return None

    def _manifest_files(self, path: Path, manifest: Any) -> list[dict[str, Any]] | None:
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not files and isinstance(manifest, dict) and "zipKey" in manifest:
            files = [
                {"key": manifest["zipKey"], "sha256": manifest.get("sha256"), "sizeBytes": manifest.get("sizeBytes")}
            ]
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("key") for f in files):
            self.problem("UNREADABLE", self._rel(path), "a manifest without zipKey or files", self._rel(path))
            return None
        return files

    def check_manifest(self, path: Path, files: list[dict[str, Any]]) -> None:
        self.manifests += 1
        for entry in files:
            if entry.get("sha256") is None:
                self.problem("UNREADABLE", self._rel(path), f"no sha256 for {entry['key']}", self._rel(path))
                continue
            self._by_key[entry["key"]] = str(entry["sha256"]).lower()
            self.check_file(entry["key"], entry["sha256"], entry.get("sizeBytes"), self._rel(path))

    def _check_entry(self, entry: dict[str, Any], where: str) -> None:
        key = entry.get("key")
        if not key:
            return
        sha256 = entry.get("sha256") or None
        size = entry.get("sizeBytes")
        size = int(size) if isinstance(size, int) or (isinstance(size, str) and size.isdigit()) else None
        manifest_sha = self._by_key.get(key)
        if sha256 and manifest_sha and sha256.lower() != manifest_sha:
            path = self._path(key)
            rel = self._rel(path) if path is not None else key
            self.problem("INCONSISTENT", rel, f"{where} says SHA-256 {sha256}, its manifest {manifest_sha}", where)
            sha256 = None  # the file itself is checked against its manifest
        self.check_file(key, sha256, size, where)

    def _pack_entries(self, path: Path, pack: Any) -> list[dict[str, Any]] | None:
        entries = pack.get("entries") if isinstance(pack, dict) else None
        if not isinstance(entries, list):
            self.problem("UNREADABLE", self._rel(path), "a pack.json without entries", self._rel(path))
            return None
        return [e if isinstance(e, dict) else {} for e in entries]

    def check_pack(self, path: Path, entries: list[dict[str, Any]]) -> None:
        self.packs += 1
        for number, entry in enumerate(entries, 1):
            self._check_entry(entry, f"{self._rel(path)} entry {number}")

    def _index_rows(self, path: Path) -> list[dict[str, str]] | None:
        try:
            text = path.read_bytes().decode("utf-8-sig")
            return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            self.problem("UNREADABLE", self._rel(path), f"not a readable index ({exc})", self._rel(path))
            return None

    def check_index(self, path: Path, rows: list[dict[str, str]]) -> None:
        self.indexes += 1
        for number, row in enumerate(rows, 2):  # line 1 is the header
            if row.get("status") in ("MISSING", "FAILED"):
                continue  # the index itself says there is no file
            where = f"{self._rel(path)} line {number}"
            self._check_entry(row, where)
            if row.get("manifestKey"):
                self.check_file(row["manifestKey"], None, None, where)

    # --- the whole folder -------------------------------------------------------------------------------------------

    def _prefix(
        self,
        manifests: list[tuple[Path, list[dict[str, Any]]]],
        packs: list[tuple[Path, Any, list[dict[str, Any]]]],
        indexes: list[tuple[Path, list[dict[str, str]]]],
    ) -> str:
        """The key prefix DIR stands for, from where its documents lie and the keys they hold: a manifest lies in its
        files' folder, a pack.json in ``<prefix><YYYY-MM>/<business>/``, an index in ``<prefix><business>/``."""
        votes: Counter[str] = Counter()

        def vote(folder_key: str, path: Path) -> None:
            prefix = _vote(folder_key, self._folder(path))
            if prefix is not None:
                votes[prefix] += 1

        for path, files in manifests:
            vote(str(files[0]["key"]).rpartition("/")[0], path)
        for path, pack, entries in packs:
            folder = f"{pack.get('month')}/{pack.get('business')}"
            for entry in entries:
                at = ("/" + str(entry.get("key") or "")).find("/" + folder + "/")
                if at >= 0:
                    vote(str(entry["key"])[:at] + folder, path)
                    break
        for path, rows in indexes:
            for row in rows:
                key, business = row.get("key") or "", row.get("business") or ""
                at = ("/" + key).find(f"/{row.get('month')}/{business}/")
                if at >= 0 and business:
                    vote(key[:at] + business, path)
                    break
        return votes.most_common(1)[0][0] if votes else ""

    def run(self) -> None:
        """Read every document, work out the key prefix DIR stands for, then check the manifests first (they also
        give pack.json's and index.csv's entries the SHA-256 to agree with), then pack.json, then index.csv. A key
        outside DIR (a pack.json's or an index's entry, when DIR is one folder of the archive) is not checked."""
        manifests = []
        for path in _files(self.root, MANIFEST_SUFFIX):
            files = self._manifest_files(path, self._json(path)) if path.is_file() else None
            if files is not None:
                manifests.append((path, files))
        packs = []
        for path in _files(self.root, PACK_NAME):
            pack = self._json(path)
            entries = self._pack_entries(path, pack) if pack is not None else None
            if entries is not None:
                packs.append((path, pack, entries))
        indexes = []
        for path in _files(self.root, INDEX_NAME):
            rows = self._index_rows(path)
            if rows is not None:
                indexes.append((path, rows))
        self.prefix = self._prefix(manifests, packs, indexes)
        for path, files in manifests:
            self.check_manifest(path, files)
        for path, _pack, entries in packs:
            self.check_pack(path, entries)
        for path, rows in indexes:
            self.check_index(path, rows)


def _files(root: Path, suffix: str) -> Iterator[Path]:
    return iter(sorted(p for p in root.rglob(f"*{suffix}") if p.is_file()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.verify",
        description="Verify a copy of the archive against its manifests, pack.json and index.csv (offline).",
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="a folder synced from the archive bucket")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        print(f"{args.dir} is not a folder", file=sys.stderr)
        return 2
    verifier = Verifier(args.dir)
    verifier.run()
    problems = list(verifier.problems.values())
    for problem in problems:
        print(problem.line())
    documents = verifier.manifests + verifier.packs + verifier.indexes
    if documents == 0:
        what = f"*{MANIFEST_SUFFIX}, {PACK_NAME} or {INDEX_NAME}"
        print(f"FAILED: no readable manifest ({what}) in {args.dir}: nothing was verified")
        return 1
    files = len(verifier.files)
    read = f"{verifier.manifests} manifest(s), {verifier.packs} pack.json and {verifier.indexes} index.csv"
    outside = (
        f"; {len(verifier.outside)} file(s) they name lie outside {args.dir} (under {_common(verifier.outside)}), "
        "not checked: verify the folder that holds them"
        if verifier.outside
        else ""
    )
    if problems:
        counts = Counter(p.status for p in problems)
        found = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        print(f"FAILED: {len(problems)} problem(s) ({found}); {files} file(s) checked against {read}{outside}")
        return 1
    print(f"OK: {files} file(s) checked against {read}{outside}")
    return 0


def _common(keys: set[str]) -> str:
    """The folder the keys share (e.g. ``closing-documents/``), or the first key's when they share none."""
    folders = [key.rpartition("/")[0] + "/" for key in keys]
    common = os.path.commonpath(folders) if folders else ""
    return (common + "/") if common else sorted(folders)[0]


if __name__ == "__main__":
    sys.exit(main())
