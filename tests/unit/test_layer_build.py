"""layers/closing_docs/Makefile, the layer's build (template.yaml: BuildMethod: makefile), without sam or network.

The real build installs the pinned wheels from PyPI (`make build`, which CI runs, does it); here the Makefile builds
a stand-in source with no requirements, so that pip has nothing to fetch, and the tests check what the Makefile
itself does: the code copied without bytecode or tests, every module compiled to unchecked-hash pycs that Python
3.13 uses as they are, arm64 wheels for CPython 3.13, and a clear refusal of another interpreter.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from local.template import ROOT, load_template

MAKEFILE = ROOT / "layers" / "closing_docs" / "Makefile"
IMPORT = "import sys; sys.path.insert(0, sys.argv[1]); import closing_docs as c; print(c.VALUE, c.__spec__.cached)"
on_313 = pytest.mark.skipif(sys.version_info[:2] != (3, 13), reason="the layer is compiled by Python 3.13 only")


def make(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def stand_in_source(root: Path) -> Path:
    """A layer source with what a working tree collects beside the code: caches, tests."""
    source = root / "source"
    files = {
        "closing_docs/__init__.py": "VALUE = 'as built'\n",
        "closing_docs/steps/run.py": "STEP = 1\n",
        "closing_docs/data/kinds.json": "{}\n",
        "closing_docs/__pycache__/__init__.cpython-313.pyc": "stale",
        "closing_docs/steps/__pycache__/run.cpython-311.pyc": "stale",
        "closing_docs/stray.pyc": "stale",
        "closing_docs/tests/test_steps.py": "def test(): pass\n",
        "closing_docs/test_models.py": "def test(): pass\n",
        "closing_docs/conftest.py": "",
        "closing_docs/.pytest_cache/README.md": "",
        "requirements.txt": "# nothing to fetch\n",
    }
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    return source


def test_sam_builds_the_layer_with_this_makefile_for_arm64_python313():
    resources = load_template()["Resources"]
    built = [name for name, r in resources.items() if r.get("Metadata", {}).get("BuildMethod") == "makefile"]
    assert built == ["ClosingDocsLayer"]
    assert ROOT / resources["ClosingDocsLayer"]["Properties"]["ContentUri"] / "Makefile" == MAKEFILE
    dry = make("-n", "build-ClosingDocsLayer", "ARTIFACTS_DIR=/nonexistent", f"PYTHON={sys.executable}")
    assert dry.returncode == 0, dry.stderr  # the target sam runs: build-<logical id>
    for option in ("--platform manylinux2014_aarch64", "--implementation cp", "--python-version 3.13"):
        assert option in dry.stdout
    assert "--only-binary=:all:" in dry.stdout and "--invalidation-mode unchecked-hash" in dry.stdout


@on_313
def test_the_layer_is_the_code_without_caches_or_tests_compiled_to_pycs_python313_uses(tmp_path):
    source, artifacts = stand_in_source(tmp_path), tmp_path / "artifacts"
    built = make(
        "build-ClosingDocsLayer", f"ARTIFACTS_DIR={artifacts}", f"PYTHON={sys.executable}", f"LAYER_SOURCE={source}"
    )
    assert built.returncode == 0, built.stdout + built.stderr
    layer = artifacts / "python"
    assert sorted(str(p.relative_to(layer)) for p in layer.rglob("*") if p.is_file()) == [
        "closing_docs/__init__.py",
        "closing_docs/__pycache__/__init__.cpython-313.pyc",
        "closing_docs/data/kinds.json",
        "closing_docs/steps/__pycache__/run.cpython-313.pyc",
        "closing_docs/steps/run.py",
    ]
    for pyc in layer.rglob("*.pyc"):
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01  # PEP 552: hash-based, source not checked

    # Lambda: /opt is read-only and the files' mtimes are the zip's. An unchecked pyc is used as it is: the source,
    # changed after the build, is not even read.
    (layer / "closing_docs" / "__init__.py").write_text("VALUE = 'compiled at cold start'\n")
    imported = subprocess.run(  # -I: no PYTHON* variable (no PYTHONPYCACHEPREFIX); -B: no bytecode written
        [sys.executable, "-I", "-B", "-c", IMPORT, str(layer)], capture_output=True, text=True, timeout=60, check=True
    )
    value, cached = imported.stdout.rsplit(" ", 1)
    assert value == "as built" and Path(cached.strip()).is_file()


def test_another_interpreter_is_refused_with_the_reason(tmp_path):
    python = tmp_path / "python3.12"
    python.write_text("#!/bin/sh\necho 3.12\n")
    python.chmod(0o755)
    artifacts = tmp_path / "artifacts"
    refused = make("build-ClosingDocsLayer", f"ARTIFACTS_DIR={artifacts}", f"PYTHON={python}")
    assert refused.returncode != 0
    assert "is Python 3.12, but the layer's bytecode must be compiled by Python 3.13" in refused.stderr
    assert not artifacts.exists()
