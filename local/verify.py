"""Verify a copy of the archive offline: every file against its manifest, every manifest's file present.

    python -m local.verify DIR

DIR is a folder synced from the archive bucket (``aws s3 sync s3://BUCKET/closing-documents/ DIR``, or the whole
bucket) or written by ``python -m local.run --out DIR``. Standard library only, no AWS access: an auditor's copy is
checked on the auditor's machine.

* Every ``*.manifest.json``: each file it names (``files`` for the other systems' manifests, else ``zipKey``) is
  there, with the manifest's ``sha256`` and ``sizeBytes``. Files are read in 1 MiB chunks: memory stays bounded
  whatever their size.
* Every ``pack.json``: each entry with a ``key`` names a file that is there, with the entry's ``sha256`` and
  ``sizeBytes`` when it gives them, and the same SHA-256 as the file's manifest.
* Every ``index.csv`` (the archive's index per business, when there is one): each row with a ``key`` the same way.

Each file that is wrong or missing is listed on stdout, one line each (status, the file's path under DIR, why), then
a summary. Exit status: 0 when everything holds, 1 when anything is off (or DIR holds no manifest at all), 2 when DIR
is not a folder.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

CHUNK = 1024 * 1024
MANIFEST_SUFFIX = ".manifest.json"
PACK_NAME, INDEX_NAME = "pack.json", "index.csv"


@dataclass(frozen=True)
class Problem:
    status: str  # MISMATCH, MISSING, UNREADABLE, INCONSISTENT
    path: str  # under DIR (or the key, when the file is not there)
    reason: str

    def line(self) -> str:
        return f"{self.status} {self.path}: {self.reason}"


@dataclass
class Verifier:
    root: Path
    problems: list[Problem] = field(default_factory=list)
    files: set[Path] = field(default_factory=set)  # the files checked
    manifests: int = 0
    packs: int = 0
    indexes: int = 0
    _digests: dict[Path, tuple[str, int]] = field(default_factory=dict)
    _by_key: dict[str, str] = field(default_factory=dict)  # key -> sha256, as the manifests say
    _prefixes: Counter[str] = field(default_factory=Counter)  # the key prefix DIR stands for (from the manifests)

    # --- where a key is under DIR ---------------------------------------------------------------------------------

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _locate(self, key: str, folder: str) -> Path:
        """The path of ``key`` under DIR: DIR may be the bucket's root, its ``closing-documents/`` prefix or any folder
        of it, so the key prefix DIR stands for is worked out from where the document that names the key lies
        (``folder``, under DIR) and, failing that, from the manifests."""
        candidates: list[str] = []
        if folder:
            at = ("/" + key).rfind("/" + folder + "/")
            if at >= 0:
                candidates.append(key[at:])  # key[at:] starts with folder
        candidates += [key[len(prefix) :] for prefix, _ in self._prefixes.most_common() if key.startswith(prefix)]
        candidates.append(key)
        paths = [self.root / PurePosixPath(c) for c in candidates]
        return next((p for p in paths if p.is_file()), paths[0])

    def _learn_prefix(self, key: str, found: Path) -> None:
        rel = self._rel(found)
        if key.endswith(rel):
            self._prefixes[key[: len(key) - len(rel)]] += 1

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

    def check_file(self, key: str, folder: str, sha256: str | None, size: int | None, named_by: str) -> None:
        path = self._locate(key, folder)
        if not path.is_file():
            self.problems.append(Problem("MISSING", key, f"{named_by} names it; it is not in {self.root}"))
            return
        self._learn_prefix(key, path)
        self.files.add(path)
        actual, actual_size = self.digest(path)
        if sha256 is not None and actual != sha256.lower():
            self.problems.append(
                Problem("MISMATCH", self._rel(path), f"SHA-256 {actual} where {named_by} says {sha256}")
            )
        elif size is not None and actual_size != size:
            self.problems.append(
                Problem("MISMATCH", self._rel(path), f"{actual_size} bytes where {named_by} says {size}")
            )

    # --- the documents ----------------------------------------------------------------------------------------------

    def _json(self, path: Path) -> Any:
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            self.problems.append(Problem("UNREADABLE", self._rel(path), f"not readable JSON ({exc})"))
            return None

    def check_manifest(self, path: Path) -> None:
        manifest = self._json(path)
        if manifest is None:
            return
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not files and isinstance(manifest, dict) and "zipKey" in manifest:
            files = [
                {"key": manifest["zipKey"], "sha256": manifest.get("sha256"), "sizeBytes": manifest.get("sizeBytes")}
            ]
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("key") for f in files):
            self.problems.append(Problem("UNREADABLE", self._rel(path), "a manifest without zipKey or files"))
            return
        self.manifests += 1
        folder = self._rel(path.parent) if path.parent != self.root else ""
        for entry in files:
            if entry.get("sha256") is None:
                self.problems.append(Problem("UNREADABLE", self._rel(path), f"no sha256 for {entry['key']}"))
                continue
            self._by_key[entry["key"]] = str(entry["sha256"]).lower()
            self.check_file(entry["key"], folder, entry["sha256"], entry.get("sizeBytes"), self._rel(path))

    def _check_entry(self, entry: dict[str, Any], folder: str, document: str, where: str) -> None:
        key = entry.get("key")
        if not key:
            return
        sha256 = entry.get("sha256") or None
        size = entry.get("sizeBytes")
        size = int(size) if isinstance(size, int) or (isinstance(size, str) and size.isdigit()) else None
        manifest_sha = self._by_key.get(key)
        if sha256 and manifest_sha and sha256.lower() != manifest_sha:
            self.problems.append(
                Problem("INCONSISTENT", key, f"{where} says SHA-256 {sha256}, its manifest {manifest_sha}")
            )
        self.check_file(key, folder, sha256, size, where)

    def check_pack(self, path: Path) -> None:
        pack = self._json(path)
        if pack is None:
            return
        entries = pack.get("entries") if isinstance(pack, dict) else None
        if not isinstance(entries, list):
            self.problems.append(Problem("UNREADABLE", self._rel(path), "a pack.json without entries"))
            return
        self.packs += 1
        folder = self._rel(path.parent) if path.parent != self.root else ""
        for number, entry in enumerate(entries, 1):
            if isinstance(entry, dict):
                self._check_entry(entry, folder, PACK_NAME, f"{self._rel(path)} entry {number}")

    def check_index(self, path: Path) -> None:
        try:
            text = path.read_bytes().decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            self.problems.append(Problem("UNREADABLE", self._rel(path), f"not a readable index ({exc})"))
            return
        self.indexes += 1
        folder = self._rel(path.parent) if path.parent != self.root else ""
        for number, row in enumerate(rows, 2):  # line 1 is the header
            if row.get("status") in ("MISSING", "FAILED"):
                continue  # the index itself says there is no file
            where = f"{self._rel(path)} line {number}"
            self._check_entry(row, folder, INDEX_NAME, where)
            if row.get("manifestKey"):
                self.check_file(row["manifestKey"], folder, None, None, where)

    def run(self) -> None:
        """Manifests first (they also tell the key prefix DIR stands for), then pack.json, then index.csv."""
        for path in _files(self.root, MANIFEST_SUFFIX):
            self.check_manifest(path)
        for path in _files(self.root, PACK_NAME):
            self.check_pack(path)
        for path in _files(self.root, INDEX_NAME):
            self.check_index(path)


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
    for problem in verifier.problems:
        print(problem.line())
    if verifier.manifests == 0:
        print(f"FAILED: no readable manifest (*{MANIFEST_SUFFIX}) in {args.dir}: nothing was verified")
        return 1
    files = len(verifier.files)
    if verifier.problems:
        counts = Counter(p.status for p in verifier.problems)
        found = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        print(
            f"FAILED: {len(verifier.problems)} problem(s) ({found}); {files} file(s), {verifier.manifests} manifest(s)"
        )
        return 1
    print(
        f"OK: {files} file(s) checked against {verifier.manifests} manifest(s), {verifier.packs} pack.json and "
        f"{verifier.indexes} index.csv"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
