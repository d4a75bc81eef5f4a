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


def test_one_byte_changed_fails_naming_the_file(copy: Path):
    changed = copy / f"{STEM.format(c=1002)}.zip"
    body = bytearray(changed.read_bytes())
    body[len(body) // 2] ^= 0x01
    changed.write_bytes(bytes(body))

    result = run("local.verify", str(copy))

    assert result.returncode == 1, result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith("MISMATCH ")]
    # named by its manifest, by pack.json and by index.csv (the index of the business, when there is one)
    assert lines and all(line.startswith(f"MISMATCH {STEM.format(c=1002)}.zip: SHA-256 ") for line in lines)
    assert any("manifest.json says" in line for line in lines) and any("pack.json entry" in line for line in lines)
    assert STEM.format(c=1001) not in result.stdout, "the intact file is not listed"
    assert result.stdout.splitlines()[-1].startswith("FAILED: ")


def test_a_file_its_manifest_names_deleted_fails_naming_it(copy: Path):
    (copy / f"{STEM.format(c=1001)}.zip").unlink()

    result = run("local.verify", str(copy))

    assert result.returncode == 1, result.stdout
    missing = [line for line in result.stdout.splitlines() if line.startswith("MISSING ")]
    assert missing and all(line.startswith(f"MISSING {STEM.format(c=1001)}.zip: ") for line in missing)
    assert any(f"{STEM.format(c=1001)}.manifest.json names it" in line for line in missing)


def test_a_pack_entry_that_disagrees_with_its_manifest_fails(copy: Path):
    pack = copy / "closing-documents/2025-12/demo/pack.json"
    data = json.loads(pack.read_text())
    data["entries"][0]["sha256"] = "0" * 64
    pack.write_text(json.dumps(data))
    result = run("local.verify", str(copy))
    assert result.returncode == 1 and "INCONSISTENT " in result.stdout and "pack.json entry 1" in result.stdout


def test_a_folder_without_manifests_or_no_folder_is_not_verified(tmp_path: Path):
    result = run("local.verify", str(tmp_path))
    assert result.returncode == 1 and "no readable manifest" in result.stdout
    assert run("local.verify", str(tmp_path / "nowhere")).returncode == 2
