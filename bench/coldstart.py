"""Cold start: import time of each Lambda handler module vs ``import boto3`` alone.

Each handler (``functions/<name>/app.py``) is imported the way the Lambda runtime imports it: in a fresh
interpreter, with the function directory and then the layer directory (``layers/closing_docs/python``) first
on ``sys.path``, the function's directory as the working directory, the environment variables template.yaml's
Globals give every function (dummy values for resources) and those the Lambda runtime sets, tracing enabled as
deployed (``LAMBDA_TASK_ROOT`` set, so Powertools' Tracer loads the X-Ray SDK and patches; no
``POWERTOOLS_TRACE_DISABLED``). The time is measured inside the interpreter around the import alone, after
one untimed round that leaves the bytecode caches warm. The baseline, ``import boto3``, runs the same way.
Rounds interleave the targets, so that a burst of load on the machine hits all of them; medians are compared.

``--as-built`` also measures the layout ``sam build`` ships: the layer's requirements copied next to the layer
code without any ``__pycache__`` (sam build unpacks wheels without compiling, and /opt is read-only on
Lambda, so Python compiles every module of the layer at each cold start), with bytecode writing disabled.

Goal: median import time of each handler <= 2 x that of ``import boto3``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
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
BASELINE = "import boto3"
MARK = "BENCH-IMPORT "
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


def lambda_env(function_dir: Path, name: str) -> dict[str, str]:
    """What a function's process sees on Lambda: the template's Globals and the runtime's own variables."""
    env = support.clean_environ()
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


def import_seconds(target: Target, layer_dir: Path, extra_env: Mapping[str, str]) -> float:
    env = {**lambda_env(target.function_dir, target.function_dir.name), **extra_env}
    argv = [support.PYTHON, "-c", SNIPPET, str(target.function_dir), str(layer_dir), target.module]
    done = subprocess.run(  # noqa: S603 - our own interpreter and snippet
        argv, cwd=target.function_dir, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    found = re.findall(rf"^{MARK}(\S+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"importing {target.module} from {target.function_dir} failed:\n{done.stderr[-3000:]}")
    return float(found[-1])


def measure(
    targets: Sequence[Target], runs: int, layer_dir: Path, extra_env: Mapping[str, str] | None = None
) -> dict[str, list[float]]:
    """Import times (s) per target label: one untimed round, then ``runs`` interleaved rounds."""
    times: dict[str, list[float]] = {target.label: [] for target in targets}
    for round_ in range(runs + 1):
        for target in targets:
            seconds = import_seconds(target, layer_dir, extra_env or {})
            if round_:
                times[target.label].append(seconds)
    return times


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
            [
                label,
                f"{median * 1000:.0f}",
                f"{min(values) * 1000:.0f}",
                f"{max(values) * 1000:.0f}",
                f"{ratio:.2f}",
                support.verdict(ratio <= GOAL) if is_handler else "(baseline)",
            ]
        )
    headers = ["import", "median ms", "min ms", "max ms", "x boto3", f"goal <= {GOAL:g} x"]
    if not judged:
        headers, rows = headers[:-1], [row[:-1] for row in rows]
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


def _self_times(target: Target, layer_dir: Path) -> dict[str, int]:
    """Self import time (us) of every module a fresh ``import <module>`` loads (python -X importtime)."""
    env = lambda_env(target.function_dir, target.function_dir.name)
    argv = [support.PYTHON, "-X", "importtime", "-c", SNIPPET, str(target.function_dir), str(layer_dir)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and snippet
        [*argv, target.module], cwd=target.function_dir, env=env, capture_output=True, text=True, timeout=120
    )
    times = {}
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if found:
            times[found.group(2)] = int(found.group(1))
    return times


def breakdown(targets: Sequence[Target], layer_dir: Path) -> None:
    """Print, per handler, the self import time of the modules ``import boto3`` does not load, by group."""
    boto3 = _self_times(targets[0], layer_dir)
    rows: list[list[str]] = []
    for target in targets[1:]:
        sums = dict.fromkeys(GROUP_NAMES, 0)
        for module, micros in _self_times(target, layer_dir).items():
            if module not in boto3:
                sums[GROUPS.get(module.split(".")[0], "other")] += micros
        rows.append([target.label, *(f"{sums[g] / 1000:.0f}" for g in GROUP_NAMES), f"{sum(sums.values()) / 1000:.0f}"])
    print("Where the time beyond 'import boto3' goes: self time (ms; one run of python -X importtime, which adds its")
    print("own overhead) of the modules a handler loads and 'import boto3' does not, by what brings them in:")
    print(support.table(["handler", *GROUP_NAMES, "total"], rows))
    print(f"({GROUP_NOTE})")


def built_layer(layer_dir: Path, directory: Path) -> Path:
    """The layer as sam build ships it: its code and its requirements' files, and no bytecode at all."""
    target = directory / "python"
    shutil.copytree(layer_dir, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt"))
    requirements = (layer_dir / "requirements.txt").read_text().splitlines()
    names = [re.split(r"[\[=<>~ ]", line.strip(), maxsplit=1)[0] for line in requirements]
    for name in filter(None, (n for n in names if not n.startswith("#"))):
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or []:
            if file.suffix == ".pyc" or "__pycache__" in file.parts or str(file).startswith(".."):
                continue
            source = Path(str(distribution.locate_file(file)))
            if source.is_file():
                (target / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / file)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.coldstart",
        description="Import time of each handler module (functions/<name>/app.py) in fresh interpreters, the way "
        f"Lambda imports it, vs 'import boto3' alone. Goal: each handler <= {GOAL:g} x boto3 (medians). "
        "Exit status 0 when met, 1 when not.",
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per module (7)")
    parser.add_argument(
        "--as-built",
        action="store_true",
        help="also measure the layout sam build ships (layer requirements without bytecode, read-only)",
    )
    parser.add_argument("--breakdown", action="store_true", help="also show where import time goes, by package")
    args = parser.parse_args(argv)
    began, load = time.monotonic(), os.getloadavg()[0]

    functions = sorted(path.parent for path in support.FUNCTIONS_DIR.glob("*/app.py"))
    targets = [Target(BASELINE, "boto3", functions[0])]
    targets += [Target(f"functions/{path.name}/app.py", "app", path) for path in functions]
    print(f"Importing {len(targets)} modules in {args.runs} rounds of fresh interpreters ({support.PYTHON}) ...")
    times = measure(targets, args.runs, support.LAYER_DIR)
    print()
    met = report("Import time, tracing enabled as deployed, bytecode caches warm (ms = milliseconds):", times)
    if args.breakdown:
        print()
        breakdown(targets, support.LAYER_DIR)

    if args.as_built:
        with tempfile.TemporaryDirectory(prefix="bench-layer-") as directory:
            print()
            print("Copying the layer as sam build ships it (no __pycache__) ...")
            layer = built_layer(support.LAYER_DIR, Path(directory))
            no_bytecode = {"PYTHONDONTWRITEBYTECODE": "1"}
            built = measure(targets, args.runs, layer, no_bytecode)
            print()
            report(
                "As built (informational, not judged): the layer's packages compiled at every import, as on Lambda "
                "where /opt is read-only and sam build ships no bytecode:",
                built,
                judged=False,
            )
    print()
    print(
        f"Took {time.monotonic() - began:.0f} s; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after "
        f"on {os.cpu_count()} CPUs."
    )
    print(f"Goal: every handler's median import <= {GOAL:g} x that of 'import boto3': {support.verdict(met)}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
