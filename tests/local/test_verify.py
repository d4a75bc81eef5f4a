"""The offline verifier as an auditor runs it (a subprocess, its output, its exit status), on a folder written by the
local runner: the archive as `aws s3 sync` would copy it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEM = "closing-documents/2025-12/demo/{c}/closing-documents_{c}_2025-12_ALL"


def run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("archive")
    result = run("local.run", "--month", "2025-12", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "SUCCEEDED"
    return out


@pytest.fixture
def copy(archived: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(archived, target)
    return target


def test_an_intact_copy_verifies(copy: Path):
    result = run("local.verify", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ") and "2 manifest(s), 1 pack.json" in result.stdout


def test_a_copy_synced_from_the_prefix_or_one_folder_verifies_too(copy: Path):
    """`aws s3 sync s3://BUCKET/closing-documents/ DIR` leaves the prefix out of the paths."""
    assert run("local.verify", str(copy / "closing-documents")).returncode == 0
    result = run("local.verify", str(copy / "closing-documents" / "2025-12" / "demo"))
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("folder", "checked"),
    [
        ("closing-documents/2025-12", "2 file(s) checked against 2 manifest(s), 1 pack.json"),
        ("closing-documents/2025-12/demo/1001", "1 file(s) checked against 1 manifest(s), 0 pack.json"),
        ("closing-documents/demo", "0 file(s) checked against 0 manifest(s), 0 pack.json and 1 index.csv; 4 file(s)"),
    ],
)
def test_any_folder_of_the_archive_verifies_what_is_under_it(copy: Path, folder: str, checked: str):
    """A shop folder, a month, the business's index folder: no MISSING for what lies outside the folder."""
    result = run("local.verify", str(copy / folder))
    assert result.returncode == 0, result.stdout
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"OK: {checked}"), line


def test_a_damaged_shop_folder_says_only_its_own_problem(copy: Path):
    shop = copy / "closing-documents/2025-12/demo/1001"
    (shop / "closing-documents_1001_2025-12_ALL.zip").unlink()
    result = run("local.verify", str(shop))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"MISSING closing-documents_1001_2025-12_ALL.zip: closing-documents_1001_2025-12_ALL.manifest.json names it; "
        f"it is not in {shop}",
        "FAILED: 1 problem(s) (1 MISSING); 0 file(s) checked against 1 manifest(s), 0 pack.json and 0 index.csv",
    ]


def test_one_byte_changed_fails_naming_the_file(copy: Path):
    changed = copy / f"{STEM.format(c=1002)}.zip"
    body = bytearray(changed.read_bytes())
    body[len(body) // 2] ^= 0x01
    changed.write_bytes(bytes(body))

    result = run("local.verify", str(copy))

    assert result.returncode == 1, result.stdout
    # said once, naming its manifest, and pack.json and index.csv which name the same file
    (line, summary) = result.stdout.splitlines()
    assert line.startswith(f"MISMATCH {STEM.format(c=1002)}.zip: SHA-256 ")
    assert "manifest.json says" in line and "pack.json entry" in line and "index.csv line" in line
    assert summary.startswith("FAILED: 1 problem(s) (1 MISMATCH); ")


def test_a_file_its_manifest_names_deleted_fails_naming_it(copy: Path):
    (copy / f"{STEM.format(c=1001)}.zip").unlink()

    result = run("local.verify", str(copy))

    assert result.returncode == 1, result.stdout
    (line, _summary) = result.stdout.splitlines()
    assert line.startswith(f"MISSING {STEM.format(c=1001)}.zip: {STEM.format(c=1001)}.manifest.json names it")


def test_a_flipped_byte_and_a_deleted_file_are_two_problems(copy: Path):
    changed = copy / f"{STEM.format(c=1002)}.zip"
    body = bytearray(changed.read_bytes())
    body[0] ^= 0x01
    changed.write_bytes(bytes(body))
    (copy / f"{STEM.format(c=1001)}.zip").unlink()

    for folder in (copy, copy / "closing-documents", copy / "closing-documents/2025-12/demo"):
        result = run("local.verify", str(folder))
        assert result.returncode == 1
        assert result.stdout.splitlines()[-1].startswith("FAILED: 2 problem(s) (1 MISMATCH, 1 MISSING); ")
        assert len(result.stdout.splitlines()) == 3


def test_a_pack_entry_that_disagrees_with_its_manifest_fails(copy: Path):
    pack = copy / "closing-documents/2025-12/demo/pack.json"
    data = json.loads(pack.read_text())
    data["entries"][0]["sha256"] = "0" * 64
    pack.write_text(json.dumps(data))
    result = run("local.verify", str(copy))
    assert result.returncode == 1 and "INCONSISTENT " in result.stdout and "pack.json entry 1" in result.stdout
    assert "MISMATCH" not in result.stdout, "the file matches its manifest: only pack.json is wrong"


def test_a_folder_without_manifests_or_no_folder_is_not_verified(tmp_path: Path):
    result = run("local.verify", str(tmp_path))
    assert result.returncode == 1 and "no readable manifest" in result.stdout
    assert run("local.verify", str(tmp_path / "nowhere")).returncode == 2
