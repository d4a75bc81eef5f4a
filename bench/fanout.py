"""Fan-out under Yandex's limits: many campaigns over several businesses through the real state machine.

    python -m bench.fanout [--businesses 2] [--campaigns 200] [--generation-seconds 60] [--time-scale 0.02]

Runs one execution (embedded AWS: moto's Step Functions interpreter, the real handlers in-process) against
the Market emulator enforcing the limits (4 parallel requests per token, per-resource limits with
X-RateLimit-Resource-* headers, one active report per business), then prints: campaign-months archived,
failures, 420s received, the makespan, the lower bound the limits impose (a business generates one report
at a time, so it needs at least the sum of its reports' generation times; businesses run in parallel), their
ratio, and the largest execution history (the parent's and every Distributed Map child's).
Goal: 0 failures, ratio <= 1.25, histories far under Step Functions' 25,000 events.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "closing_docs" / "python")]

from local.aws import EmbeddedAws  # noqa: E402
from local.emulator import MarketEmulator  # noqa: E402

HISTORY_LIMIT = 25_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--businesses", type=int, default=2)
    parser.add_argument("--campaigns", type=int, default=200, help="in total, split evenly over the businesses")
    parser.add_argument("--generation-seconds", type=float, default=60.0, help="emulated time per report")
    parser.add_argument("--time-scale", type=float, default=0.05, help="real seconds per emulated second")
    parser.add_argument("--reports-per-business", type=int, default=1, help="stack parameter ReportsPerBusiness")
    parser.add_argument("--active-reports-limit", type=int, default=1, help="the emulated tariff's limit")
    parser.add_argument("--log", type=Path, default=Path(os.devnull), help="where the functions' logs go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    emulator = MarketEmulator(
        time_scale=args.time_scale,
        generation_seconds=args.generation_seconds,
        estimate_ms=int(args.generation_seconds * 1000),
        active_reports_limit=args.active_reports_limit,
    )
    per_business = math.ceil(args.campaigns / args.businesses)
    tokens = {f"business-{b}": f"bench-token-{b}" for b in range(1, args.businesses + 1)}
    for number, (name, token) in enumerate(tokens.items(), start=1):
        shops = [number * 100_000 + i for i in range(1, per_business + 1)]
        emulator.add_business(name=name, token=token, business_id=number, campaign_ids=shops)
    parameters = {"NoticeMode": "SUMMARY", "ReportsPerBusiness": str(args.reports_per_business)}
    with (
        emulator,
        EmbeddedAws(
            api_key=json.dumps(tokens), parameters=parameters, time_scale=args.time_scale, market_url=emulator.base_url
        ) as aws,
        args.log.open("w") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        started = time.monotonic()
        execution = aws.run({"month": "2025-12"}, timeout=3600)
        real = time.monotonic() - started
        parent = len(aws.history(execution.arn))
        children = [len(child) for child in aws.child_histories()]
        archived = sum(1 for key in aws.objects() if key.endswith(".zip"))

    counts = (execution.output or {}).get("counts", {})
    makespan = real / args.time_scale
    took = dict.fromkeys(tokens, 0.0)
    for report in emulator.reports.values():
        took[report.business] += args.generation_seconds
    bound = max(took.values()) / args.active_reports_limit
    ratio = makespan / bound
    rows = [
        ("execution", execution.status, ""),
        ("campaign-months archived", f"{archived} of {per_business * args.businesses}", ""),
        ("failures", str(counts.get("FAILED", "?")), "goal 0"),
        ("420s received", str(emulator.count_420()), "by design 0"),
        ("makespan", f"{makespan:,.0f} s emulated ({real:.1f} s real)", ""),
        ("lower bound from the limits", f"{bound:,.0f} s", "max over businesses of the generation times summed"),
        ("ratio", f"{ratio:.3f}", "goal <= 1.25"),
        ("largest history (parent)", str(parent), f"limit {HISTORY_LIMIT:,}"),
        ("largest history (child)", str(max(children, default=0)), f"{len(children)} children"),
        ("peak parallel requests per token", str(emulator.peak_in_flight()), "limit 4"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<34} {note}")
    met = execution.status == "SUCCEEDED" and counts.get("FAILED") == 0 and ratio <= 1.25
    met = met and max([parent, *children]) < HISTORY_LIMIT / 10
    print(f"goals met: {'yes' if met else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
