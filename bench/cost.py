"""Cost per archived campaign-month, from real execution histories and measured Lambda durations.

    python -m bench.cost [--time-scale 0.005] [--zip-mib 2] [--table-kib 256]

Runs the real state machine (embedded AWS, the real handlers in-process) against the Market emulator three
times: the happy path (the estimate is right: one status check) and a 6-poll path (no estimate anywhere, so the
policy doubles its waits until the report is ready) for the closing-documents ZIP, and the happy path of one
shop-month with the whole pack (every report kind: the ZIP, the detalization per contract type, the sales
realization, and the business-wide services and payments reports). From each run it counts state transitions
(every state entered, plus every Retry, as Step Functions bills them) in each unit's own child workflow and in
the run around it (the parent and the business child), and Lambda GB-seconds from each function's configured
memory (template.yaml) and its measured durations, rounded up to the millisecond as Lambda bills, each invocation
attributed to the unit (report kind) it worked for. Then it prices 1, 50 and 500 shops a month at eu-central-1
list prices, for the ZIP alone and for the pack.

The pack's units are per shop (campaign-scoped kinds) or per business (business-scoped kinds): a business of N
shops pays the campaign-scoped units N times and the business-scoped ones once, so its cost per shop-month is
the campaign-scoped part plus 1/N of the rest. That is computed from the one-shop run, not by running N shops.

Durations are measured in-process against a local emulator and moto, so network time to Yandex and S3 is not
in them: the GB-s figures are a floor; a real archive step downloads at tens of MB/s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "closing_docs" / "python")]

from bench.fanout import PACK, plan_order, replay  # noqa: E402
from closing_docs import kinds as report_kinds  # noqa: E402
from local.aws import EmbeddedAws, _Function  # noqa: E402
from local.emulator import MarketEmulator  # noqa: E402

# eu-central-1 list prices (USD), November 2026: aws.amazon.com/step-functions/pricing, /lambda/pricing, /s3/pricing
PRICE_TRANSITION = 0.025 / 1000  # Standard workflows, per state transition (after 4,000 free a month)
PRICE_GB_SECOND = 0.0000133334  # Lambda arm64, per GB-second
PRICE_REQUEST = 0.20 / 1_000_000  # Lambda, per invocation
PRICE_STANDARD = 0.0245  # S3 Standard, per GB-month (the first ArchiveTransitionDays)
PRICE_GLACIER_IR = 0.005  # S3 Glacier Instant Retrieval, per GB-month
PRICE_S3_WRITE = 0.0054 / 1000  # S3 Standard PUT, COPY, POST, LIST requests (multipart parts included)
PRICE_S3_READ = 0.00043 / 1000  # S3 Standard GET, HEAD and the other requests
S3_WRITES = ("Put", "Copy", "Post", "List", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload")
RETENTION_MONTHS = 72  # six years
STANDARD_MONTHS = 3  # ArchiveTransitionDays 90
GOAL_TRANSITIONS, GOAL_GB_SECONDS = 20, 2.0
SHOPS = (1, 50, 500)
PACED_TRANSITIONS = 3  # a PACED Generate enters WhatNext, WaitToGenerate, then Generate again


def transitions(events: list[dict[str, Any]]) -> int:
    """States entered, plus Task retries (each retry is billed as a transition)."""
    entered = sum(1 for e in events if e["type"].endswith("StateEntered"))
    scheduled = sum(1 for e in events if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled"))
    tasks = sum(1 for e in events if e["type"] == "TaskStateEntered")
    return entered + max(0, scheduled - tasks)


def billed_gb_s(seconds: float, memory: int) -> float:
    return math.ceil(seconds * 1000) / 1000 * memory / 1024


@contextlib.contextmanager
def attributed(calls: list[tuple[str, str | None, float]]) -> Iterator[None]:
    """Record every Lambda invocation as (function, report kind of the unit it worked for or None, billed GB-s)."""
    original = _Function.invoke

    def invoke(self: _Function, event: Any) -> tuple[str, bool]:
        try:
            return original(self, event)
        finally:
            data = json.loads(event) if isinstance(event, str | bytes) else event
            job = data.get("job") if isinstance(data, dict) else None
            kind = job.get("kind") if isinstance(job, dict) else None
            calls.append((self.name, kind, billed_gb_s(self.durations[-1], self.memory)))

    _Function.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        _Function.invoke = original  # type: ignore[method-assign]


@contextlib.contextmanager
def s3_requests(counts: dict[str, int]) -> Iterator[None]:
    """Count every S3 request made in this process (the handlers', the Distributed Maps' ItemReader and ResultWriter
    in moto's interpreter): ``counts['write']`` (PUT, COPY, POST, LIST, multipart) and ``counts['read']``."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def call(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "s3":
            counts["write" if operation.startswith(S3_WRITES) else "read"] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def unit_kind(events: list[dict[str, Any]]) -> str | None:
    """The report kind of a unit's child workflow (None for the business's child, which maps the units)."""
    for event in events:
        details = event.get("stateEnteredEventDetails")
        if details:
            return json.loads(details["input"])["job"]["kind"] if details["name"] == "Generate" else None
    return None


def run(
    name: str, emulator: MarketEmulator, scale: float, log: Any, kinds: tuple[str, ...] | None = None
) -> dict[str, Any]:
    token = "bench-cost-token"  # noqa: S105 - the emulator's, not a secret
    emulator.add_business(name="main", token=token, business_id=1, campaign_ids=[1001])
    start = {"month": "2025-12"} if kinds is None else {"month": "2025-12", "reports": list(kinds)}
    calls: list[tuple[str, str | None, float]] = []
    requests = {"write": 0, "read": 0}
    with (
        emulator,
        EmbeddedAws(
            api_key=token, parameters={"BusinessName": "main"}, time_scale=scale, market_url=emulator.base_url
        ) as aws,
        attributed(calls),
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        with s3_requests(requests):
            execution = aws.run(start, timeout=600)
        children = aws.child_histories()
        parent = aws.history(execution.arn)
        archived = [key for key in aws.objects() if key.endswith((".zip", ".xlsx"))]
        functions = {fn.name.rsplit("-", 2)[-2] + "-" + fn.name.rsplit("-", 1)[-1]: fn for fn in aws.functions.values()}
    if execution.status != "SUCCEEDED":
        raise SystemExit(f"{name}: the execution ended {execution.status}: {execution.cause}")
    units = [child for child in children if unit_kind(child) is not None]
    business = [child for child in children if unit_kind(child) is None]
    job = max(units, key=len)  # the campaign-month's child (the only unit of a ZIP-only run)
    checks = sum(
        1 for e in job if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "CheckStatus"
    )
    per_job = {"generate-report", "check-report", "archive-report"}
    gb_s = {"job": 0.0, "run": 0.0}
    invocations = {"job": 0, "run": 0}
    for short, fn in functions.items():
        billed = sum(math.ceil(d * 1000) / 1000 for d in fn.durations) * fn.memory / 1024
        part = "job" if short in per_job else "run"
        gb_s[part] += billed
        invocations[part] += len(fn.durations)
    by_kind: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for child in units:
        kind = by_kind[str(unit_kind(child))]
        kind["units"] += 1
        kind["transitions"] += transitions(child)
        kind["checks"] += sum(
            1
            for e in child
            if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "CheckStatus"
        )
    for _function, kind_name, billed in calls:
        if kind_name is not None:
            by_kind[kind_name]["gb_s"] += billed
            by_kind[kind_name]["invocations"] += 1
    return {
        "name": name,
        "checks": checks,
        "job_transitions": transitions(job),
        "run_transitions": transitions(parent) + sum(transitions(child) for child in business),
        "job_gb_s": gb_s["job"],
        "run_gb_s": gb_s["run"],
        "job_invocations": invocations["job"],
        "run_invocations": invocations["run"],
        "kinds": {kind: dict(figures) for kind, figures in by_kind.items()},
        "units": len(units),
        "s3": requests,
        "files": {
            "shop": sum("/1001/" in key for key in archived),
            "business": sum("/1001/" not in key for key in archived),
        },
    }


def month_cost(
    shops: int, per_shop: dict[str, float], per_business: dict[str, float], per_run: dict[str, float], storage: float
) -> dict[str, float]:
    """One business of ``shops`` shops, one month: transitions, and USD for Step Functions, Lambda and the month's
    archives kept six years (``storage``: GB a shop-month, plus ``per_business['gb']``)."""
    units = per_shop["units"] * shops + per_business["units"]
    executions = 1  # one execution takes any number of units (its limits: README, Limits)
    count = per_shop["transitions"] * shops + per_business["transitions"] + per_run["transitions"] * executions
    gb_s = per_shop["gb_s"] * shops + per_business["gb_s"] + per_run["gb_s"] * executions
    calls = per_shop["invocations"] * shops + per_business["invocations"] + per_run["invocations"] * executions
    gb = storage * shops + per_business.get("gb", 0.0)
    # S3 requests, counted in the measured run and priced per unit (the plan, ItemReader, ResultWriter, the archive,
    # pack.json and the index all grow with the units)
    writes, reads = units * per_run.get("s3_writes_per_unit", 0.0), units * per_run.get("s3_reads_per_unit", 0.0)
    # a month's archives are kept six years: 3 months in S3 Standard, then Glacier Instant Retrieval
    months_cold = RETENTION_MONTHS - STANDARD_MONTHS
    return {
        "executions": executions,
        "transitions": count,
        "sfn": count * PRICE_TRANSITION,
        "lambda": gb_s * PRICE_GB_SECOND + calls * PRICE_REQUEST,
        "storage": gb * (PRICE_STANDARD * STANDARD_MONTHS + PRICE_GLACIER_IR * months_cold),
        "s3_requests": writes * PRICE_S3_WRITE + reads * PRICE_S3_READ,
    }


def parts(result: dict[str, Any], kinds: tuple[str, ...]) -> tuple[dict[str, float], dict[str, float]]:
    """(per shop, per business): the sums over the campaign-scoped and the business-scoped kinds of a run."""
    shop: dict[str, float] = defaultdict(float)
    business: dict[str, float] = defaultdict(float)
    for kind in kinds:
        target = shop if report_kinds.get(kind).scope == "campaign" else business
        for key in ("units", "transitions", "gb_s", "invocations"):
            target[key] += result["kinds"].get(kind, {}).get(key, 0.0)
    return shop, business


def paced_per_business(shops: int, generation: float, windows: dict[str, tuple[int, float]]) -> int:
    """PACED waits of one business of ``shops`` shops with the pack, units in the plan's order, no overhead."""
    return replay(plan_order(PACK, shops), generation, 0.0, windows).paced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-scale", type=float, default=0.005, help="real seconds per emulated second")
    parser.add_argument("--zip-mib", type=float, default=2.0, help="archive size per campaign-month for storage")
    parser.add_argument(
        "--table-kib", type=float, default=256.0, help="size of each table report file (XLSX) for storage"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with Path(os.devnull).open("w") as log:
        happy = run(
            "happy path",
            MarketEmulator(time_scale=args.time_scale, generation_seconds=120.0, estimate_ms=120_000),
            args.time_scale,
            log,
        )
        slow = run(
            "6-poll path",
            MarketEmulator(time_scale=args.time_scale, generation_seconds=300.0, estimate_ms=-1, info_estimates=False),
            args.time_scale,
            log,
        )
        pack_emulator = MarketEmulator(time_scale=args.time_scale, generation_seconds=120.0, estimate_ms=120_000)
        windows = dict(pack_emulator.rate_limits)
        pack = run("pack", pack_emulator, args.time_scale, log, PACK)
    results = [happy, slow]
    if args.json:
        print(json.dumps([*results, pack], indent=2))
        return 0
    goal = f"goal <= {GOAL_TRANSITIONS} and <= {GOAL_GB_SECONDS}"
    print(f"{'path':<12} {'checks':>6} {'transitions':>22} {'GB-s':>24}  {goal}")
    print(f"{'':<12} {'':>6} {'campaign-month':>15} {'run':>6} {'campaign-month':>15} {'run':>8}")
    for r in results:
        met = r["job_transitions"] <= GOAL_TRANSITIONS and r["job_gb_s"] <= GOAL_GB_SECONDS
        print(
            f"{r['name']:<12} {r['checks']:>6} {r['job_transitions']:>15} {r['run_transitions']:>6} "
            f"{r['job_gb_s']:>15.3f} {r['run_gb_s']:>8.3f}  {'met' if met else 'NOT met'}"
        )
    print()
    print("Monthly cost, happy path (USD, eu-central-1; free tiers ignored):")
    header = ("shops", "transitions", "Step Functions", "Lambda", "S3, kept 6 y", "per month")
    print("{:>6} {:>12} {:>15} {:>10} {:>16} {:>12}".format(*header))
    gb = args.zip_mib / 1024
    for shops in SHOPS:
        count = happy["job_transitions"] * shops + happy["run_transitions"]
        sfn = count * PRICE_TRANSITION
        lam = (happy["job_gb_s"] * shops + happy["run_gb_s"]) * PRICE_GB_SECOND
        lam += (happy["job_invocations"] * shops + happy["run_invocations"]) * PRICE_REQUEST
        # a month's archives are kept six years: 3 months in S3 Standard, then Glacier Instant Retrieval
        months_cold = RETENTION_MONTHS - STANDARD_MONTHS
        storage = shops * gb * (PRICE_STANDARD * STANDARD_MONTHS + PRICE_GLACIER_IR * months_cold)
        print(f"{shops:>6} {count:>12} {sfn:>15.4f} {lam:>10.5f} {storage:>16.4f} {sfn + lam + storage:>12.4f}")
    print(
        f"per month: what archiving one month costs, its storage for {RETENTION_MONTHS} months included "
        f"({args.zip_mib} MiB a campaign-month: {STANDARD_MONTHS} months in S3 Standard, then Glacier IR)"
    )
    print_pack(args, happy, pack, windows)
    return 0


def print_pack(
    args: argparse.Namespace, happy: dict[str, Any], pack: dict[str, Any], windows: dict[str, tuple[int, float]]
) -> None:
    table_gb = args.table_kib / 1024 / 1024
    print()
    print("The pack, one shop-month, happy path: each unit's own child workflow and its Lambdas, by report kind")
    print(f"{'kind':<31} {'scope':<9} {'units':>5} {'checks':>6} {'transitions':>11} {'GB-s':>7} {'invocations':>11}")
    for kind in PACK:
        figures = pack["kinds"].get(kind, {})
        print(
            f"{kind:<31} {report_kinds.get(kind).scope:<9} {figures.get('units', 0):>5.0f} "
            f"{figures.get('checks', 0):>6.0f} {figures.get('transitions', 0):>11.0f} {figures.get('gb_s', 0):>7.3f} "
            f"{figures.get('invocations', 0):>11.0f}"
        )
    print(f"{'run (parent + business child)':<41} {'':>11} {pack['run_transitions']:>11} {pack['run_gb_s']:>7.3f}")

    # per shop / per business / per run, for the ZIP alone and for the pack
    zip_shop = {
        "units": 1,
        "transitions": happy["job_transitions"],
        "gb_s": happy["job_gb_s"],
        "invocations": happy["job_invocations"],
    }
    zip_business = {"units": 0, "transitions": 0, "gb_s": 0.0, "invocations": 0}
    pack_shop, pack_business = parts(pack, PACK)
    # a shop-month's files: its ZIP and table files (a MARKETING detalization has none: NO_DATA), the business's
    shop_files, business_files = pack["files"]["shop"] - 1, pack["files"]["business"]
    pack_business["gb"] = business_files * table_gb
    runs = {
        "ZIP only": (zip_shop, zip_business, run_part(happy), args.zip_mib / 1024),
        "pack": (pack_shop, pack_business, run_part(pack), args.zip_mib / 1024 + shop_files * table_gb),
    }
    print()
    print("Per shop-month, happy path (USD, eu-central-1; free tiers ignored): transitions by where they are")
    print("billed (each shop's units, the business-wide units, the run), then a business of 1 and of 50 shops, the")
    print("business's and the run's share divided among its shops; $ run: Step Functions + Lambda; $ all: + S3")
    print(f"{'':<9} {'transitions billed per':>22}   {'1-shop business':>30}   {'50-shop business':>30}")
    columns = ("transitions", "$ run", "$ all")
    print(
        f"{'':<9} {'shop':>6} {'business':>8} {'run':>6}   "
        + "   ".join("{:>11} {:>9} {:>8}".format(*columns) for _ in range(2))
    )
    for label, (shop, business, per_run, storage) in runs.items():
        cells = []
        for shops in (1, 50):
            cost = month_cost(shops, shop, business, per_run, storage)
            run_usd = cost["sfn"] + cost["lambda"]
            all_usd = run_usd + cost["storage"] + cost["s3_requests"]
            cells.append(f"{cost['transitions'] / shops:>11.2f} {run_usd / shops:>9.6f} {all_usd / shops:>8.5f}")
        print(
            f"{label:<9} {shop['transitions']:>6.0f} {business['transitions']:>8.0f} {per_run['transitions']:>6.0f}   "
            + "   ".join(cells)
        )
    print()
    print("Monthly cost, the pack, happy path, one business (USD, eu-central-1; free tiers ignored):")
    header = ("shops", "units", "transitions", "Step Functions", "Lambda", "S3 requests", "S3, kept 6 y", "per month")
    print("{:>6} {:>6} {:>12} {:>15} {:>10} {:>12} {:>14} {:>10}".format(*header))
    shop, business, per_run, storage = runs["pack"]
    for shops in SHOPS:
        cost = month_cost(shops, shop, business, per_run, storage)
        total = cost["sfn"] + cost["lambda"] + cost["storage"] + cost["s3_requests"]
        units = shop["units"] * shops + business["units"]
        print(
            f"{shops:>6} {units:>6.0f} {cost['transitions']:>12.0f} {cost['sfn']:>15.4f} {cost['lambda']:>10.5f} "
            f"{cost['s3_requests']:>12.5f} {cost['storage']:>14.4f} {total:>10.4f}"
        )
    s3 = pack["s3"]
    print(
        f"one execution each (Distributed Maps: the plan read by ItemReader, the outcomes written by ResultWriter; a "
        f"Map Run has no fee of its own, its child workflows' transitions are counted above). S3 requests counted in "
        f"the measured run: {s3['write']} writes and {s3['read']} reads for {pack['units']} units (archive, manifests, "
        f"plan, ItemReader, ResultWriter, pack.json, index), priced per unit. Storage: {args.zip_mib} MiB a ZIP and "
        f"{args.table_kib:g} KiB a table file ({shop_files} a shop, {business_files} a business)"
    )
    generation, slow = 120.0, 60.0
    paced = {seconds: paced_per_business(50, seconds, windows) for seconds in (generation, slow)}
    print(
        f"PACED waits (the plan's order replayed for a 50-shop business): {paced[generation]} with the "
        f"{generation:g} s generation above (no table report is back within its kind's window); {paced[slow]} with "
        f"{slow:g} s, {PACED_TRANSITIONS} transitions each: +{PACED_TRANSITIONS * paced[slow] / 50:.2f} a shop-month"
    )


def run_part(result: dict[str, Any]) -> dict[str, float]:
    return {
        "units": 0,
        "transitions": result["run_transitions"],
        "gb_s": result["run_gb_s"],
        "invocations": result["run_invocations"],
        "s3_writes_per_unit": result["s3"]["write"] / max(1, result["units"]),
        "s3_reads_per_unit": result["s3"]["read"] / max(1, result["units"]),
    }


if __name__ == "__main__":
    sys.exit(main())
