"""A newcomer's first `make demo`, in a fresh copy of the repository (no .venv yet): stdout holds nothing but the
runner's JSON, every set-up line goes to stderr, and the archive and its index land in out/archive/.

The copy's .venv is really created by scripts/venv.sh (`venv: creating`, pip, `pip check`), as on a first run; only
the download is saved: this venv's packages are put on PYTHONPATH, so pip finds every pin already satisfied.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _fresh_copy(target: Path) -> Path:
    """The repository's files as a clone has them (tracked, and new files not ignored), without .venv or out/."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    assert not (target / ".venv").exists() and (target / "Makefile").is_file()
    return target


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fresh_copy(tmp_path_factory.mktemp("clone"))


def _make(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    env = {
        # as from a shell: not a sub-make of CI's `make test` (MAKELEVEL makes make print "Entering directory")
        **{k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV")},
        "PYTHON": str(base),  # scripts/find-python.sh: the interpreter this venv was built with
        "PYTHONPATH": sysconfig.get_paths()["purelib"],  # every pin found satisfied: no download
    }
    return subprocess.run(["make", *args], cwd=copy, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_first_make_demo_json_writes_only_json_to_stdout(fresh: Path):
    assert not (fresh / ".venv").exists()

    first = _make(fresh, "-s", "demo", "ARGS=--json --month 2025-12")

    assert first.returncode == 0, first.stdout + first.stderr
    assert "venv: creating .venv" in first.stderr, "not a first run"
    assert "No broken requirements found." in first.stderr and "venv: installing" in first.stderr
    report = json.loads(first.stdout)  # nothing but the JSON: no set-up line, no make banner
    assert report["status"] == "SUCCEEDED"
    # the archive is kept in out/archive/ of the copy, with the index to open; the runner says where on stderr
    out = fresh / "out" / "archive"
    assert Path(report["out"]) == out.resolve()
    assert report["index"] == [str(out.resolve() / "closing-documents/demo/index.html")]
    assert Path(report["index"][0]).is_file()
    for archive in report["archives"]:
        assert (out / archive["key"]).stat().st_size == archive["size"]
    assert f"Index page (open it in a browser): {report['index'][0]}" in first.stderr

    # and without -s, on the venv now there: make echoes no recipe either
    second = _make(fresh, "demo", "ARGS=--json --quiet --month 2025-11")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["status"] == "SUCCEEDED"
    assert not (out / "closing-documents/2025-12").exists(), "a run without --out replaces out/archive/"
    assert (out / "closing-documents/2025-11").is_dir()
