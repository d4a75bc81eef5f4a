"""Plan only, at an agency's scale: what one execution carries when it archives thousands of campaign-months.

    python -m bench.plan [--shops 100] [--months 2021-01..2025-12] [--businesses 1]

Defaults: 100 shops x 60 months = 6,000 campaign-months with the whole monthly pack (five Market kinds, the
detalization per contract type): about 30,000 units of work in one business. No report is generated.

1. The real ResolveInput handler, invoked through Lambda on embedded AWS as the state machine invokes it, lists the
   shops from the Market emulator (GET /v2/campaigns) and writes the plan to the work bucket (runs/<execution>/).
   Printed: its output (what every state of the parent then carries), the plan's objects, their largest items.
2. The inputs of the child workflows, built with the real ASL's ItemSelectors from the largest items: a business's
   (EachBusiness) and a unit's (EachUnit). A unit's own states hold only that unit: bench.fanout measures
   them in full runs.
3. The run summary in the worst case (every unit FAILED with a long cause), built by notices.run_summary: what
   Summarize returns and SNS carries.
4. Histories: the real state machine run end to end on two small plans (1 and 8 campaign-months), to show that the
   parent's and a business child's histories do not grow with the units (a Distributed Map records its Map Run, not
   its items), and a unit child's is the same for every unit.

Goal: every payload under a quarter of Step Functions' 256 KiB (and of SNS's), every history far under 25,000 events.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "closing_docs" / "python")]

from closing_docs.domain.models import Outcome  # noqa: E402
from closing_docs.domain.run import BusinessDone, Written  # noqa: E402
from closing_docs.views import notices  # noqa: E402
from local.aws import EmbeddedAws  # noqa: E402
from local.emulator import MarketEmulator  # noqa: E402

PAYLOAD_LIMIT = 256 * 1024
HISTORY_LIMIT = 25_000
PACK = [
    "closure-documents",
    "closure-documents-detalization",
    "goods-realization",
    "united-marketplace-services",
    "united-netting",
]
IDENTITY = ("business", "kind", "campaignId", "businessId", "scope", "month", "contractTypes")
ASL = json.loads((ROOT / "statemachine" / "closing_documents.asl.json").read_text())


def size(value: Any) -> int:
    """A payload's size as Step Functions counts it: UTF-8 JSON."""
    return len(json.dumps(value, ensure_ascii=False).encode())


def _path(path: str, data: Any, context: dict[str, Any]) -> Any:
    value = context if path.startswith("$$") else data
    for part in path.lstrip("$").strip(".").split("."):
        value = value[part] if part else value
    return value


def select(template: dict[str, Any], data: Any, context: dict[str, Any]) -> dict[str, Any]:
    """An ItemSelector (JSONPath: ``"key.$": "$.a"``, ``"$$.Map.Item.Value.b"``, literals) applied as Step Functions
    applies it."""
    out: dict[str, Any] = {}
    for key, value in template.items():
        if key.endswith(".$"):
            out[key[:-2]] = _path(value, data, context)
        else:
            out[key] = select(value, data, context) if isinstance(value, dict) else value
    return out


def _emulator(businesses: int, shops: int, scale: float) -> tuple[MarketEmulator, dict[str, str]]:
    emulator = MarketEmulator(time_scale=scale, generation_seconds=2, estimate_ms=2000)
    tokens = {f"business-{n}": f"bench-token-{n}" for n in range(1, businesses + 1)}
    for number, (name, token) in enumerate(tokens.items(), start=1):
        ids = [number * 10**6 + i for i in range(1, shops + 1)]
        emulator.add_business(name=name, token=token, business_id=number, campaign_ids=ids)
    return emulator, tokens


def plan_only(args: argparse.Namespace) -> list[tuple[str, int, str]]:
    start, _, end = args.months.partition("..")
    start_input = {"months": {"from": start, "to": end or start}, "reports": PACK}
    emulator, tokens = _emulator(args.businesses, args.shops, 1.0)
    with (
        emulator,
        EmbeddedAws(api_key=json.dumps(tokens), market_url=emulator.base_url) as aws,
        open(os.devnull, "w") as log,
        contextlib.redirect_stdout(log),
    ):
        execution = f"arn:aws:states:eu-central-1:123456789012:execution:{aws.stack_name}-closing-documents:plan-only"
        event = {"input": start_input, "startTime": datetime.now(UTC).isoformat(), "executionId": execution}
        answer = aws.client("lambda").invoke(
            FunctionName=f"{aws.stack_name}-resolve-input", Payload=json.dumps(event).encode()
        )
        planned = json.loads(answer["Payload"].read())
        if "errorType" in answer.get("FunctionError", "") or "errorMessage" in planned:
            raise SystemExit(f"ResolveInput failed: {planned}")
        s3 = aws.client("s3")

        def read(location: dict[str, str]) -> bytes:
            return bytes(s3.get_object(Bucket=location["bucket"], Key=location["key"])["Body"].read())

        plan_body = read(planned["plan"])
        businesses = json.loads(plan_body)
        unit_files = {item["business"]: read(item["units"]) for item in businesses}
    units = [unit for body in unit_files.values() for unit in json.loads(body)]
    largest_business = max(businesses, key=size)
    largest_unit = max(units, key=size)
    outer = ASL["States"]["EachBusiness"]
    inner = outer["ItemProcessor"]["States"]["EachUnit"]
    context = {"Execution": {"Id": execution}, "Map": {"Item": {"Value": largest_business}}}
    business_input = largest_business  # no ItemSelector: the item is the business's input, as ResolveInput wrote it
    context["Map"]["Item"]["Value"] = largest_unit
    unit_input = select(inner["ItemSelector"], business_input, context)
    summary = worst_summary(planned["months"], execution, businesses, units)
    campaign_months = args.shops * args.businesses * len(planned["months"])
    units_note = f"largest of {len(unit_files)}; largest unit {size(largest_unit):,} B"
    listed = f"every unit FAILED; {notices.FAILED_LISTED} listed, the rest counted"
    return [
        ("plan", f"{campaign_months:,} campaign-months", f"{planned['units']:,} units, {len(businesses)} business(es)"),
        ("ResolveInput's output", size(planned), "what every state of the parent carries after it"),
        ("plan.json", len(plan_body), f"{len(businesses)} item(s); largest {size(largest_business):,} B"),
        ("units/<n>.json", max(map(len, unit_files.values())), units_note),
        ("a business child's input", size(business_input), "the largest item of plan.json"),
        ("a unit child's input", size(unit_input), "EachUnit's ItemSelector on the largest unit"),
        ("run summary, worst case", size(summary), listed),
    ]


def worst_summary(
    months: list[str], execution: str, businesses: list[dict[str, Any]], units: list[dict[str, Any]]
) -> Any:
    cause = "Market API answered HTTP 500: " + "Внутренняя ошибка сервера. " * 20  # a long cause, in Russian
    by_business: dict[str, list[Outcome]] = {}
    for unit in units:
        fields = {k: unit.get(k) for k in IDENTITY}
        outcome = Outcome.model_validate({**fields, "status": "FAILED", "error": "MarketServerError", "cause": cause})
        by_business.setdefault(unit["business"], []).append(outcome)
    nowhere = Written(Bucket="b", Key="k")
    results = [
        (
            BusinessDone(business=b["business"], unavailable=b["unavailable"], results=nowhere),
            by_business[b["business"]],
        )
        for b in businesses
    ]
    return notices.run_summary(months, execution, results).wire()


def histories(scale: float) -> list[tuple[str, int, str]]:
    """The real state machine end to end on 1 and on 8 campaign-months: the histories' sizes."""
    rows = []
    for shops in (1, 8):
        emulator, tokens = _emulator(1, shops, scale)
        with (
            emulator,
            EmbeddedAws(api_key=json.dumps(tokens), time_scale=scale, market_url=emulator.base_url) as aws,
            open(os.devnull, "w") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            execution = aws.run({"month": "2025-12"}, timeout=600)
            parent = len(aws.history(execution.arn))
            children = aws.child_histories()
        business = [len(c) for c in children if any(_entered(e) == "EachUnit" for e in c)]
        unit = [len(c) for c in children if not any(_entered(e) == "EachUnit" for e in c)]
        note = (
            f"{execution.status}: parent {parent}, business child {max(business)}, unit child {min(unit)}..{max(unit)}"
        )
        rows.append((f"histories at {shops} campaign-month(s)", max(parent, *business, *unit), note))
    return rows


def _entered(event: dict[str, Any]) -> str | None:
    return (event.get("stateEnteredEventDetails") or {}).get("name")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=100, help="shops per business (100)")
    parser.add_argument("--businesses", type=int, default=1)
    parser.add_argument("--months", default="2021-01..2025-12", help="FROM..TO (60 months)")
    parser.add_argument("--time-scale", type=float, default=0.01, help="for the histories' small runs")
    args = parser.parse_args(argv)
    rows = plan_only(args)
    rows += histories(args.time_scale)
    width = max(len(name) for name, _, _ in rows)
    for name, value, note in rows:
        print(
            f"{name:<{width}}  {value:>12,}  {note}" if isinstance(value, int) else f"{name:<{width}}  {value}  {note}"
        )
    payloads = [value for name, value, _ in rows[1:7] if isinstance(value, int) and "json" not in name]
    history = [value for name, value, _ in rows if name.startswith("histories")]
    met = max(payloads) < PAYLOAD_LIMIT / 4 and max(history) < HISTORY_LIMIT / 100
    print(f"largest payload between states: {max(payloads):,} B (limit {PAYLOAD_LIMIT:,}); "
          f"largest history: {max(history)} events (limit {HISTORY_LIMIT:,})")  # fmt: skip
    print(f"goals met: {'yes' if met else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
