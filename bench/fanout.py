"""Fan-out under Yandex's limits: many campaigns over several businesses through the real state machine.

    python -m bench.fanout [--businesses 2] [--campaigns 200] [--reports KIND,...] [--generation-seconds 60]
                           [--time-scale S]

Runs one execution (embedded AWS: moto's Step Functions interpreter, the real handlers in-process) against
the Market emulator enforcing the limits (4 parallel requests per token, per-resource windows with
X-RateLimit-Resource-* headers, one active report per business across kinds), then prints: units archived
(every archived file, .zip and .xlsx) and with no documents (a MARKETING detalization is NO_DATA by default:
not a failure), failures, 420s received, the makespan, the lower bound the limits impose, their ratio, the
largest execution history (the parent's and every Distributed Map child's) and the largest state payload (above
256 KiB Step Functions refuses a state with States.DataLimitExceeded, a terminal error no Catch sees; the plan and
the outcomes stay in S3, read by ItemReader and written by ResultWriter, so no state grows with the run). How each
unit ended is read from its own child workflow, so it is known even when the run around it failed.

The lower bound, per business: the sum of its reports' generation times over the active-reports limit, and, for
each report kind with n reports, (n - 1) // L x W + one generation time, where L requests per W seconds is that
kind's window as the emulator is configured (generate: 1000/3600 s; each table kind: 1/120 s); businesses run in
parallel, so the run's bound is the largest business's. With --reports all five kinds the detalization's three
reports per campaign (INCOME, OUTCOME, MARKETING) behind one 120 s window usually set it.

Where the time went, per business: before its first generate, generating, waiting for a kind's window (PACED),
the rest between its generates (states, Lambdas, archiving: the harness's real overhead, divided by the time
scale), and after its last report was ready. The plan's order is also replayed without any overhead (and with
the overhead measured) to tell the order's share from the overhead's.

Goal: 0 failures, 0 420s, ratio <= 1.25, histories far under Step Functions' 25,000 events, payloads under a quarter
of 256 KiB. Over the old cap of one execution (500 campaign-months, then a 220 KB plan):

    python -m bench.fanout --campaigns 240 --reports closure-documents,closure-documents-detalization,\
goods-realization,united-marketplace-services,united-netting      # 1,204 units
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "closing_docs" / "python")]

from closing_docs import kinds as report_kinds  # noqa: E402
from closing_docs.domain import unit  # noqa: E402
from closing_docs.domain.models import ContractType  # noqa: E402
from closing_docs.plan.planning import interleave  # noqa: E402
from local.aws import EmbeddedAws  # noqa: E402
from local.emulator import MarketEmulator  # noqa: E402

HISTORY_LIMIT = 25_000
PAYLOAD_LIMIT = 256 * 1024  # Step Functions: a state's input or output, in bytes
DEFAULT_KIND = unit.DEFAULT_KIND
PACK = (  # the monthly pack: the Market reports the emulator serves
    DEFAULT_KIND,
    "closure-documents-detalization",
    "goods-realization",
    "united-marketplace-services",
    "united-netting",
)
ZIP_TIME_SCALE = 0.05  # closing documents only (as before): 100 campaigns x 60 s = 5 min real
# The pack: ~21,000 s emulated = 7 min real. The harness spends 0.22-0.37 s of real time per unit (states, Lambdas,
# archiving; more when the machine is busy), 1/scale emulated seconds each, and the detalization's window makes each
# count about twice: the ratio is ~1 + overhead / 88 s. Measured (2 x 50 shops): 1.17 at 0.02; 1.18 and, with a
# test suite running alongside, 1.31 at 0.015; 1.30 at 0.01; 1.69 at 0.005.
PACK_TIME_SCALE = 0.02
ARCHIVED_SUFFIXES = (".zip", ".xlsx")


def op_of(kind: str) -> str:
    """The emulator's op (rate-limit window) of a report kind: closing documents are ``generate``."""
    return "generate" if kind == DEFAULT_KIND else kind


def units_per_scope(kind: str) -> int:
    """Reports of ``kind`` per campaign (or per business): one per contract type where the kind makes one each."""
    return len(ContractType) if report_kinds.get(kind).contract_types == "each" else 1


def planned_units(kinds: Sequence[str], campaigns: int) -> dict[str, int]:
    """Units of each kind for one business with ``campaigns`` shops and one month."""
    return {
        kind: units_per_scope(kind) * (campaigns if report_kinds.get(kind).scope == "campaign" else 1) for kind in kinds
    }


# ------------------------------------------------------------------------------------------ the limits' bound


@dataclass(frozen=True)
class Bound:
    seconds: float
    reason: str


def business_bound(
    per_kind: Mapping[str, int], generation: float, active_limit: int | None, windows: Mapping[str, tuple[int, float]]
) -> Bound:
    """The least time one business needs for ``per_kind`` reports under the active-reports limit and each kind's
    window (L requests per W seconds: report number n of a kind starts no earlier than (n - 1) // L x W)."""
    total = sum(per_kind.values())
    active = Bound(total * generation / (active_limit or total or 1), f"{total} reports x {generation:g} s generating")
    if active_limit and active_limit > 1:
        active = Bound(active.seconds, f"{active.reason} / {active_limit} at once")
    bounds = [active]
    for kind, n in per_kind.items():
        if n:
            limit, window = windows[op_of(kind)]
            spans = (n - 1) // limit
            bounds.append(Bound(spans * window + generation, f"{kind}: {spans} x {window:g} s + {generation:g} s"))
    return max(bounds, key=lambda b: b.seconds)


@dataclass(frozen=True)
class Replay:
    makespan: float
    paced: int  # units that waited for their kind's window


def replay(
    order: Sequence[str], generation: float, overhead: float, windows: Mapping[str, tuple[int, float]]
) -> Replay:
    """One business's units in the plan's ``order`` (kind names), one at a time, each taking ``generation +
    overhead`` seconds of the slot, a unit whose kind's window is used up waiting (PACED) for the next one."""
    now, paced = 0.0, 0
    opened: dict[str, tuple[float, int]] = {}  # op -> (window start, requests in it)
    for kind in order:
        op = op_of(kind)
        limit, window = windows[op]
        start, used = opened.get(op, (-math.inf, 0))
        if now >= start + window:
            start, used = now, 0
        elif used >= limit:
            now = start = start + window
            used, paced = 0, paced + 1
        opened[op] = (start, used + 1)
        now += generation + overhead
    return Replay(now - overhead if order else 0.0, paced)


def plan_order(kinds: Sequence[str], campaigns: int) -> list[str]:
    """The order the plan gives one business's units (planning.interleave over one queue per kind)."""
    return list(interleave([[kind] * n for kind, n in planned_units(kinds, campaigns).items()]))


# ------------------------------------------------------------------------------------------ histories


def largest_payload(events: Iterable[dict[str, Any]]) -> int:
    """The longest state input, output or task parameters in ``events``, in bytes (UTF-8)."""
    largest = 0
    for event in events:
        for details in event.values():
            if isinstance(details, dict):
                for key in ("input", "output", "parameters"):
                    if isinstance(text := details.get(key), str):
                        largest = max(largest, _utf8_size(text))
    return largest


def _utf8_size(text: str) -> int:
    """A JSON text's size as Step Functions counts it (UTF-8); moto's history escapes non-ASCII as \\uXXXX."""
    try:
        return len(json.dumps(json.loads(text), ensure_ascii=False).encode())
    except ValueError:
        return len(text.encode())


def unit_outcomes(children: Iterable[list[dict[str, Any]]]) -> Counter[str]:
    """How the units ended (ARCHIVED, NO_DOCUMENTS, FAILED, ...), from their own child workflows: known even when
    the run around them failed before its summary."""
    statuses: Counter[str] = Counter()
    for events in children:
        for event in reversed(events):
            details = event.get("stateExitedEventDetails") or {}
            if details.get("name") == "UnitDone":
                statuses[json.loads(details["output"])["status"]] += 1
                break
    return statuses


def paced_waits(children: Iterable[list[dict[str, Any]]]) -> dict[str, list[float]]:
    """Per business, the seconds of every WaitToGenerate state entered: the PACED waits (the other wait there, a
    scheduled run's day before it asks again, never happens here)."""
    waits: dict[str, list[float]] = defaultdict(list)
    for events in children:
        for event in events:
            details = event.get("stateEnteredEventDetails") or {}
            if details.get("name") == "WaitToGenerate":
                state = json.loads(details["input"])
                waits[state["job"]["business"]].append(float(state["generated"]["waitSeconds"]))
    return waits


# ------------------------------------------------------------------------------------------ the run


def _counted(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    parser.add_argument("--businesses", type=int, default=2)
    parser.add_argument("--campaigns", type=int, default=200, help="in total, split evenly over the businesses")
    parser.add_argument(
        "--reports",
        default=DEFAULT_KIND,
        help=f"report kinds, comma-separated, from {', '.join(PACK)} (default: %(default)s)",
    )
    parser.add_argument("--generation-seconds", type=float, default=60.0, help="emulated time per report")
    parser.add_argument(
        "--time-scale",
        type=float,
        help=f"real seconds per emulated second (default: {ZIP_TIME_SCALE} for closing documents only, else "
        f"{PACK_TIME_SCALE}: the harness spends real time on every unit, and the smaller the scale, the more "
        "emulated seconds that is, so a smaller scale runs faster but inflates the makespan)",
    )
    parser.add_argument("--reports-per-business", type=int, default=1, help="stack parameter ReportsPerBusiness")
    parser.add_argument("--active-reports-limit", type=int, default=1, help="the emulated tariff's limit")
    parser.add_argument("--log", type=Path, default=Path(os.devnull), help="where the functions' logs go")
    args = parser.parse_args(argv)
    args.reports = [name.strip() for name in args.reports.split(",") if name.strip()]
    unknown = [name for name in args.reports if name not in PACK]
    if unknown or not args.reports or len(set(args.reports)) != len(args.reports):
        parser.error(f"--reports: unique kinds from {', '.join(PACK)}; got {', '.join(args.reports)}")
    if args.time_scale is None:
        args.time_scale = ZIP_TIME_SCALE if args.reports == [DEFAULT_KIND] else PACK_TIME_SCALE
    return args


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
    start_input: dict[str, Any] = {"month": "2025-12"}
    if args.reports != [DEFAULT_KIND]:
        start_input["reports"] = args.reports
    with (
        emulator,
        EmbeddedAws(
            api_key=json.dumps(tokens), parameters=parameters, time_scale=args.time_scale, market_url=emulator.base_url
        ) as aws,
        args.log.open("w") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        started, began = time.monotonic(), emulator.now()
        execution = aws.run(start_input, timeout=4 * 3600)
        real = time.monotonic() - started
        parent_events = aws.history(execution.arn)
        children_events = aws.child_histories()
        objects = list(aws.objects())

    files = Counter(Path(key).suffix for key in objects if key.endswith(ARCHIVED_SUFFIXES))
    counts = unit_outcomes(children_events)
    units = planned_units(args.reports, per_business)
    total_units = sum(units.values()) * args.businesses
    archived, no_documents, failed = sum(files.values()), counts["NO_DOCUMENTS"], counts["FAILED"]
    makespan = real / args.time_scale
    generation, windows = args.generation_seconds, emulator.rate_limits

    # the bound, and where each business's time went (emulated seconds since the execution started)
    made: dict[str, list[Any]] = defaultdict(list)
    for report in emulator.reports.values():
        made[report.business].append(report)
    waits = paced_waits(children_events)
    bounds, timelines = {}, {}
    for business in tokens:
        mine = sorted(made[business], key=lambda r: r.created_at)
        bounds[business] = business_bound(Counter(r.kind for r in mine), generation, args.active_reports_limit, windows)
        if mine:
            first, last = mine[0].created_at - began, mine[-1].created_at - began
            paced = sum(waits.get(business, []))
            other = (last - first) - (len(mine) - 1) * generation - paced
            timelines[business] = (first, len(mine), paced, len(waits.get(business, [])), other, last + generation)
    worst = max(bounds, key=lambda b: bounds[b].seconds)
    bound = bounds[worst].seconds
    ratio = makespan / bound if bound else math.inf

    parent, children = len(parent_events), [len(child) for child in children_events]
    payloads = largest_payload(parent_events), largest_payload(e for child in children_events for e in child)
    label = "campaign-months" if args.reports == [DEFAULT_KIND] else "units"
    by_kind = ", ".join(f"{kind} {n}" for kind, n in units.items())
    rows = [
        ("execution", execution.status, f"{execution.error}: {execution.cause}" if execution.error else ""),
        (
            "reports",
            f"{total_units} units",
            f"{args.businesses} businesses x ({by_kind})" if len(units) > 1 else "",
        ),
        (
            f"{label} archived",
            f"{archived} of {total_units}",
            "files: " + ", ".join(f"{n} {suffix}" for suffix, n in sorted(files.items())) + f"; + {no_documents} "
            f"no documents = {archived + no_documents}",
        ),
        ("no documents", str(no_documents), "NO_DATA (MARKETING detalization by default): not a failure"),
        ("failures", str(failed), "goal 0 (units' own outcomes: " + _counted(counts) + ")"),
        ("420s received", str(emulator.count_420()), "goal 0"),
        ("makespan", f"{makespan:,.0f} s emulated ({real:.1f} s real)", f"time scale {args.time_scale:g}"),
        ("lower bound from the limits", f"{bound:,.0f} s", f"{worst}: {bounds[worst].reason}"),
        ("ratio", f"{ratio:.3f}", "goal <= 1.25"),
        ("largest history (parent)", str(parent), f"limit {HISTORY_LIMIT:,}"),
        ("largest history (child)", str(max(children, default=0)), f"{len(children)} children"),
        ("largest state payload", f"{payloads[0]:,} B parent, {payloads[1]:,} B child", f"limit {PAYLOAD_LIMIT:,} B"),
        ("peak parallel requests per token", str(emulator.peak_in_flight()), "limit 4"),
    ]
    if len(units) > 1:
        requests = ", ".join(f"{op_of(kind)} {emulator.count(op_of(kind))}" for kind in units)
        rows.append(("generate requests by op", requests, ""))
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<34} {note}".rstrip())
    if timelines:
        print("where the time went, per business (emulated s; 'other': between generates, neither generating nor")
        print("waiting for a window: states, Lambdas, archiving, i.e. the harness's real overhead / time scale):")
        for business, (first, n, paced, n_paced, other, ready) in timelines.items():
            print(
                f"  {business}: first generate at {first:,.0f}, {n} reports x {generation:g} = {n * generation:,.0f} "
                f"generating, {paced:,.0f} in {n_paced} PACED waits, other {other:,.0f} ({other / max(1, n - 1):.1f} "
                f"per unit), last ready at {ready:,.0f}, end {makespan - ready:,.0f} later; bound "
                f"{bounds[business].seconds:,.0f}"
            )
        if args.reports_per_business == 1:
            order = plan_order(args.reports, per_business)
            overhead = max(0.0, statistics.fmean(t[4] / max(1, t[1] - 1) for t in timelines.values()))
            ideal, measured = replay(order, generation, 0, windows), replay(order, generation, overhead, windows)
            print(
                f"the plan's order replayed: with no overhead {ideal.makespan:,.0f} s (ratio "
                f"{ideal.makespan / bound:.3f}, {ideal.paced} PACED); with {overhead:.1f} s overhead per unit "
                f"{measured.makespan:,.0f} s (ratio {measured.makespan / bound:.3f}, {measured.paced} PACED)"
            )
    met = execution.status == "SUCCEEDED" and failed == 0 and emulator.count_420() == 0
    met = met and archived + no_documents == total_units and ratio <= 1.25
    met = met and max([parent, *children]) < HISTORY_LIMIT / 10 and max(payloads) < PAYLOAD_LIMIT / 4
    print(f"goals met: {'yes' if met else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
