"""Cold start: import time of each Lambda handler module vs ``import boto3`` alone, and as ``sam build`` ships it.

Each handler (``functions/<name>/app.py``) is imported the way the Lambda runtime imports it: in a fresh
interpreter, with the function directory and then the layer directory (``layers/closing_docs/python``) first
on ``sys.path``, the function's directory as the working directory, the environment variables template.yaml's
Globals give every function (dummy values for resources) and those the Lambda runtime sets, tracing enabled as
deployed (``LAMBDA_TASK_ROOT`` set, so Powertools' Tracer loads the X-Ray SDK and patches; no
``POWERTOOLS_TRACE_DISABLED``). The time is measured inside the interpreter around the import alone, after
one untimed round that leaves the bytecode caches warm (bytecode is written whatever this shell's
``PYTHONDONTWRITEBYTECODE`` says). The baseline, ``import boto3``, runs the same way.
Rounds interleave the targets, so that a burst of load on the machine hits all of them; medians are compared.

``--as-built`` also measures, in the same rounds (each module as built right after it with warm caches), the
layer as ``sam build`` ships it: built by ``layers/closing_docs/Makefile``, the recipe ``sam build`` runs (the
code and the pinned wheels, every module precompiled to unchecked-hash python3.13 bytecode), and imported with
bytecode writing disabled, as on Lambda, where /opt is read-only: whatever the layer does not ship compiled is
compiled again at every cold start. The layer is built into a temporary directory for this machine's platform:
Lambda's arm64 wheels hold extension modules (pydantic_core's, wrapt's, charset_normalizer's) that load only on
arm64, while the pure-Python modules and their bytecode are the same. ``--layer DIR`` measures a layer already
built instead, e.g. ``.aws-sam/build/ClosingDocsLayer/python`` after ``make build`` on an arm64 Linux machine.
The layer's pycs are CPython 3.13's: ``--as-built`` runs only under Python 3.13 (``.venv/bin/python``).

Goals: median import time of each handler <= 2 x that of ``import boto3``; with ``--as-built``, each handler's
median as built <= 1.2 x its median with warm caches.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import _support as support

GOAL = 2.0
AS_BUILT_GOAL = 1.2
BASELINE = "import boto3"
MARK = "BENCH-IMPORT "
LAYER_MAKEFILE = support.ROOT / "layers" / "closing_docs" / "Makefile"
LAYER_TARGET = "build-ClosingDocsLayer"  # the target sam build runs (template.yaml: BuildMethod: makefile)
# Imports one module as the runtime does (sys.path: function dir, layer dir, then the rest), times the import.
SNIPPET = f"""
import sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
started = time.perf_counter()
__import__(sys.argv[3])
sys.stdout.write("\\n{MARK}%r\\n" % (time.perf_counter() - started))
"""


@dataclass(frozen=True)
class Target:
    label: str
    module: str  # what is imported
    function_dir: Path
    layer_dir: Path = support.LAYER_DIR
    read_only: bool = False  # bytecode writing disabled, as for /opt (and /var/task) on Lambda


def lambda_env(function_dir: Path, name: str) -> dict[str, str]:
    """What a function's process sees on Lambda: the template's Globals and the runtime's own variables."""
    env = support.clean_environ()
    # Where bytecode is read and whether it is written is the target's (Target.read_only), not this shell's.
    for variable in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"):
        env.pop(variable, None)
    env.update(support.aws_env("https://unused.invalid"))
    del env["AWS_ENDPOINT_URL"]
    env.update(support.template_environment())
    env.update(
        {
            "LAMBDA_TASK_ROOT": str(function_dir),
            "LAMBDA_RUNTIME_DIR": str(function_dir),
            "AWS_LAMBDA_FUNCTION_NAME": f"bench-{name}",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "_HANDLER": "app.lambda_handler",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1",
            "_AWS_XRAY_DAEMON_PORT": "2000",
        }
    )
    return env


def target_env(target: Target) -> dict[str, str]:
    env = lambda_env(target.function_dir, target.function_dir.name)
    if target.read_only:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def import_seconds(target: Target) -> float:
    argv = [support.PYTHON, "-c", SNIPPET, str(target.function_dir), str(target.layer_dir), target.module]
    done = subprocess.run(  # noqa: S603 - our own interpreter and snippet
        argv, cwd=target.function_dir, env=target_env(target), capture_output=True, text=True, timeout=120, check=False
    )
    found = re.findall(rf"^{MARK}(\S+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"importing {target.module} from {target.function_dir} failed:\n{done.stderr[-3000:]}")
    return float(found[-1])


def measure(targets: Sequence[Target], runs: int) -> dict[Target, list[float]]:
    """Import times (s) per target: one untimed round, then ``runs`` interleaved rounds."""
    times: dict[Target, list[float]] = {target: [] for target in targets}
    for round_ in range(runs + 1):
        for target in targets:
            seconds = import_seconds(target)
            if round_:
                times[target].append(seconds)
    return times


def _timings(values: list[float], baseline: float) -> list[str]:
    """A row's median, min and max in ms, and the median against ``import boto3``'s."""
    median = support.median(values)
    return [
        f"{median * 1000:.0f}",
        f"{min(values) * 1000:.0f}",
        f"{max(values) * 1000:.0f}",
        f"{median / baseline:.2f}",
    ]


def report(title: str, times: Mapping[str, list[float]], judged: bool = True) -> bool:
    """Print the table (with verdicts when ``judged``); True when every handler meets the goal."""
    baseline = support.median(times[BASELINE])
    rows, met = [], True
    for label, values in times.items():
        median = support.median(values)
        ratio = median / baseline
        is_handler = label != BASELINE
        met = met and (ratio <= GOAL or not is_handler)
        rows.append(
            [label, *_timings(values, baseline), support.verdict(ratio <= GOAL) if is_handler else "(baseline)"]
        )
    headers = ["import", "median ms", "min ms", "max ms", "x boto3", f"goal <= {GOAL:g} x"]
    if not judged:
        headers, rows = headers[:-1], [row[:-1] for row in rows]
    print(title)
    print(support.table(headers, rows))
    return met


def report_as_built(title: str, built: Mapping[str, list[float]], warm: Mapping[str, list[float]]) -> bool:
    """Print the as-built table beside the warm medians; True when every handler meets the as-built goal."""
    baseline = support.median(built[BASELINE])
    rows, met = [], True
    for label, values in built.items():
        median, warm_median = support.median(values), support.median(warm[label])
        ratio = median / warm_median
        is_handler = label != BASELINE
        met = met and (ratio <= AS_BUILT_GOAL or not is_handler)
        verdict = support.verdict(ratio <= AS_BUILT_GOAL) if is_handler else "(baseline)"
        rows.append([label, *_timings(values, baseline), f"{warm_median * 1000:.0f}", f"{ratio:.2f}", verdict])
    headers = [
        "import",
        "median ms",
        "min ms",
        "max ms",
        "x boto3",
        "warm ms",
        "x warm",
        f"goal <= {AS_BUILT_GOAL:g} x",
    ]
    print(title)
    print(support.table(headers, rows))
    return met


# Where import time goes, by what brings the modules in (top-level package -> group).
GROUP_NAMES = ("own code", "pydantic", "X-Ray SDK", "Powertools", "requests", "other")
GROUP_NOTE = (
    "own code: closing_docs (pydantic model classes are built here), app; pydantic: also pydantic_core, "
    "annotated_types, typing_*; X-Ray SDK: also wrapt, asyncio, sqlite3 (what it loads and patches); "
    "requests: also charset_normalizer, idna; other: the standard library and the rest"
)
GROUPS = {
    "closing_docs": "own code",
    "app": "own code",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "annotated_types": "pydantic",
    "typing_inspection": "pydantic",
    "typing_extensions": "pydantic",
    "aws_xray_sdk": "X-Ray SDK",
    "wrapt": "X-Ray SDK",
    "asyncio": "X-Ray SDK",
    "_asyncio": "X-Ray SDK",
    "sqlite3": "X-Ray SDK",
    "_sqlite3": "X-Ray SDK",
    "aws_lambda_powertools": "Powertools",
    "requests": "requests",
    "charset_normalizer": "requests",
    "idna": "requests",
}


def _self_times(target: Target) -> dict[str, int]:
    """Self import time (us) of every module a fresh ``import <module>`` loads (python -X importtime)."""
    argv = [support.PYTHON, "-X", "importtime", "-c", SNIPPET, str(target.function_dir), str(target.layer_dir)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and snippet
        [*argv, target.module],
        cwd=target.function_dir,
        env=target_env(target),
        capture_output=True,
        text=True,
        timeout=120,
    )
    times = {}
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if found:
            times[found.group(2)] = int(found.group(1))
    return times


def breakdown(targets: Sequence[Target]) -> None:
    """Print, per handler, the self import time of the modules ``import boto3`` does not load, by group."""
    boto3 = _self_times(targets[0])
    rows: list[list[str]] = []
    for target in targets[1:]:
        sums = dict.fromkeys(GROUP_NAMES, 0)
        for module, micros in _self_times(target).items():
            if module not in boto3:
                sums[GROUPS.get(module.split(".")[0], "other")] += micros
        rows.append([target.label, *(f"{sums[g] / 1000:.0f}" for g in GROUP_NAMES), f"{sum(sums.values()) / 1000:.0f}"])
    print("Where the time beyond 'import boto3' goes: self time (ms; one run of python -X importtime, which adds its")
    print("own overhead) of the modules a handler loads and 'import boto3' does not, by what brings them in:")
    print(support.table(["handler", *GROUP_NAMES, "total"], rows))
    print(f"({GROUP_NOTE})")


def machine_platform() -> str:
    """The wheels' platform tag for this machine, where the layer's extension modules must load to be imported."""
    if sys.platform != "linux":
        raise SystemExit(f"--as-built builds the layer from manylinux wheels: run it on Linux, not {sys.platform}")
    return f"manylinux2014_{platform.machine()}"


def build_layer(directory: Path, wheel_platform: str) -> Path:
    """The layer built by its Makefile (what sam build runs) into ``directory``, for ``wheel_platform``, with
    this interpreter: its ``python`` directory, as Lambda mounts it at /opt/python."""
    make = shutil.which("make")
    if make is None:
        raise SystemExit("--as-built builds the layer with make (layers/closing_docs/Makefile): make is not on PATH")
    argv = [make, "--no-print-directory", "-f", str(LAYER_MAKEFILE), LAYER_TARGET]
    argv += [f"ARTIFACTS_DIR={directory}", f"PYTHON={support.PYTHON}", f"PLATFORM={wheel_platform}"]
    done = subprocess.run(  # noqa: S603 - make with the repository's own Makefile
        argv, cwd=support.ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    print(done.stdout.strip().splitlines()[-1])  # the Makefile's summary: modules compiled, size
    return directory / "python"


def describe_layer(layer: Path) -> str:
    """How many of the layer's modules ship CPython 3.13 bytecode (the rest are compiled at every cold start)."""
    sources = list(layer.rglob("*.py"))
    compiled = sum((source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc").is_file() for source in sources)
    return f"{layer}: {compiled} of {len(sources)} modules ship python3.13 bytecode"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.coldstart",
        description="Import time of each handler module (functions/<name>/app.py) in fresh interpreters, the way "
        f"Lambda imports it, vs 'import boto3' alone. Goal: each handler <= {GOAL:g} x boto3 (medians); with "
        f"--as-built, each handler as built <= {AS_BUILT_GOAL:g} x with warm caches. "
        "Exit status 0 when met, 1 when not.",
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per module (7)")
    parser.add_argument(
        "--as-built",
        action="store_true",
        help="also measure the layer as sam build ships it (built by layers/closing_docs/Makefile for this machine, "
        "precompiled; imported read-only) beside the warm caches; needs Python 3.13 and PyPI",
    )
    parser.add_argument(
        "--layer",
        type=Path,
        metavar="DIR",
        help="with --as-built: measure this built layer (e.g. .aws-sam/build/ClosingDocsLayer/python on arm64 "
        "Linux) instead of building one",
    )
    parser.add_argument("--breakdown", action="store_true", help="also show where import time goes, by package")
    args = parser.parse_args(argv)
    if args.layer and not args.as_built:
        parser.error("--layer needs --as-built")
    if args.as_built and sys.version_info[:2] != (3, 13):
        parser.error(
            f"--as-built: the layer's bytecode is CPython 3.13's; run with .venv/bin/python, not {sys.version}"
        )
    began, load = time.monotonic(), os.getloadavg()[0]

    functions = sorted(path.parent for path in support.FUNCTIONS_DIR.glob("*/app.py"))
    warm = [Target(BASELINE, "boto3", functions[0])]
    warm += [Target(f"functions/{path.name}/app.py", "app", path) for path in functions]
    with tempfile.TemporaryDirectory(prefix="bench-layer-") as directory:
        built: list[Target] = []
        if args.as_built:
            if args.layer:
                layer = args.layer.resolve()
            else:
                print(f"Building the layer as sam build does: make -f {LAYER_MAKEFILE.relative_to(support.ROOT)} ...")
                layer = build_layer(Path(directory), machine_platform())
            print(describe_layer(layer))
            built = [dataclasses.replace(target, layer_dir=layer, read_only=True) for target in warm]
        # Each module as built right after it with warm caches: a burst of load hits both alike.
        targets = [target for pair in zip(warm, built, strict=True) for target in pair] if built else warm
        layouts = " twice (bytecode caches warm; as built)" if built else ""
        print(
            f"Importing {len(warm)} modules{layouts} in {args.runs} rounds of fresh interpreters ({support.PYTHON}) ..."
        )
        times = measure(targets, args.runs)
    warm_times = {target.label: times[target] for target in warm}
    print()
    met = report("Import time, tracing enabled as deployed, bytecode caches warm (ms = milliseconds):", warm_times)
    as_built_met = True
    if built:
        print()
        as_built_met = report_as_built(
            "As built: the layer sam build ships (precompiled), bytecode writing disabled as on Lambda where /opt is "
            "read-only; warm ms: the median above:",
            {target.label: times[target] for target in built},
            warm_times,
        )
    if args.breakdown:
        print()
        breakdown(warm)
    print()
    print(
        f"Took {time.monotonic() - began:.0f} s; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after "
        f"on {os.cpu_count()} CPUs."
    )
    print(f"Goal: every handler's median import <= {GOAL:g} x that of 'import boto3': {support.verdict(met)}")
    if built:
        print(
            f"Goal: every handler's median import as built <= {AS_BUILT_GOAL:g} x its median with warm caches: "
            f"{support.verdict(as_built_met)}"
        )
    return 0 if met and as_built_met else 1


if __name__ == "__main__":
    sys.exit(main())
