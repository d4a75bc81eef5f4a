"""Cost per archived campaign-month, from real execution histories and measured Lambda durations.

    python -m bench.cost [--time-scale 0.005] [--zip-mib 2]

Runs the real state machine (embedded AWS, the real handlers in-process) against the Market emulator twice:
the happy path (the estimate is right: one status check) and a 6-poll path (no estimate anywhere, so the
policy doubles its waits until the report is ready). From each run it counts state transitions (every state
entered, plus every Retry, as Step Functions bills them) in the campaign-month's own child workflow and in
the run around it (the parent and the business child), and Lambda GB-seconds from each function's configured
memory (template.yaml) and its measured durations, rounded up to the millisecond as Lambda bills. Then it
prices 1, 50 and 500 shops a month at eu-central-1 list prices.

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "closing_docs" / "python")]

from local.aws import EmbeddedAws  # noqa: E402
from local.emulator import MarketEmulator  # noqa: E402

# eu-central-1 list prices (USD), November 2026: aws.amazon.com/step-functions/pricing, /lambda/pricing, /s3/pricing
PRICE_TRANSITION = 0.025 / 1000  # Standard workflows, per state transition (after 4,000 free a month)
PRICE_GB_SECOND = 0.0000133334  # Lambda arm64, per GB-second
PRICE_REQUEST = 0.20 / 1_000_000  # Lambda, per invocation
PRICE_STANDARD = 0.0245  # S3 Standard, per GB-month (the first ArchiveTransitionDays)
PRICE_GLACIER_IR = 0.005  # S3 Glacier Instant Retrieval, per GB-month
RETENTION_MONTHS = 72  # six years
STANDARD_MONTHS = 3  # ArchiveTransitionDays 90
GOAL_TRANSITIONS, GOAL_GB_SECONDS = 20, 2.0


def transitions(events: list[dict[str, Any]]) -> int:
    """States entered, plus Task retries (each retry is billed as a transition)."""
    entered = sum(1 for e in events if e["type"].endswith("StateEntered"))
    scheduled = sum(1 for e in events if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled"))
    tasks = sum(1 for e in events if e["type"] == "TaskStateEntered")
    return entered + max(0, scheduled - tasks)


def run(name: str, emulator: MarketEmulator, scale: float, log: Any) -> dict[str, Any]:
    token = "bench-cost-token"  # noqa: S105 - the emulator's, not a secret
    emulator.add_business(name="main", token=token, business_id=1, campaign_ids=[1001])
    with (
        emulator,
        EmbeddedAws(
            api_key=token, parameters={"BusinessName": "main"}, time_scale=scale, market_url=emulator.base_url
        ) as aws,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        execution = aws.run({"month": "2025-12"}, timeout=600)
        children = aws.child_histories()
        parent = aws.history(execution.arn)
        functions = {fn.name.rsplit("-", 2)[-2] + "-" + fn.name.rsplit("-", 1)[-1]: fn for fn in aws.functions.values()}
    if execution.status != "SUCCEEDED":
        raise SystemExit(f"{name}: the execution ended {execution.status}: {execution.cause}")
    job = max(children, key=len)  # the campaign-month's child; the other is the business's
    business = min(children, key=len)
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
    return {
        "name": name,
        "checks": checks,
        "job_transitions": transitions(job),
        "run_transitions": transitions(parent) + transitions(business),
        "job_gb_s": gb_s["job"],
        "run_gb_s": gb_s["run"],
        "job_invocations": invocations["job"],
        "run_invocations": invocations["run"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-scale", type=float, default=0.005, help="real seconds per emulated second")
    parser.add_argument("--zip-mib", type=float, default=2.0, help="archive size per campaign-month for storage")
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
    results = [happy, slow]
    if args.json:
        print(json.dumps(results, indent=2))
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
    for shops in (1, 50, 500):
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
