"""A run's work in S3: the plan the state machine's Distributed Maps read (ItemReader), and the results they write
(ResultWriter), read back as a stream. No state payload ever holds the units of work or their outcomes, so one
execution takes any number of them (limits.py checks the limits that remain).

In the work bucket (WORK_BUCKET), under ``runs/<execution name>/``::

    plan.json               one item per business, as its child workflow starts: its name, the shops GET /v2/campaigns
                            left out, where its units are, the months it closes, the run's limits
    units/<n>.json          business n's units of work, in the order they run (a JSON array of Job)
    results/<map run>/      ResultWriter's manifest.json and SUCCEEDED_<n>.json: of the run (one output per business,
                            each naming its own results) and of each business (one output per unit: its Outcome)

A Map Run of no items (a business whose plan has no units: every shop's API disabled, say) returns its
ResultWriterDetails like any other; AWS's docs do not say whether it then writes a manifest (README, Limits of one
execution). SummarizeRun does not depend on it: the plan says which businesses have no units, and their results are
not read. A business with units whose manifest is missing is refused, never read as "nothing to do".
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import Any

from closing_docs.domain.errors import ChildWorkflowsFailed
from closing_docs.domain.models import Outcome
from closing_docs.domain.run import BusinessDone, BusinessItem, Location, PlannedRun, RunPlan, Written

CHUNK = 256 * 1024  # bytes read at a time: memory stays at a chunk and one item, whatever the file's size


def run_prefix(execution_name: str) -> str:
    return f"runs/{execution_name}/"


def execution_name(execution_id: str) -> str:
    """An execution's name (the end of its ARN): its folder in the work bucket."""
    return execution_id.rsplit(":", 1)[-1] or "run"


def plan_location(bucket: str, execution_id: str) -> Location:
    """Where ResolveInput wrote the run's plan.json (one item per business, with its number of units)."""
    return Location(bucket=bucket, key=f"{run_prefix(execution_name(execution_id))}plan.json")


def _put(s3: Any, bucket: str, key: str, items: list[Any]) -> Location:
    body = json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return Location(bucket=bucket, key=key)


def write_plan(s3: Any, bucket: str, execution_id: str, plan: RunPlan) -> PlannedRun:
    """Each business's units, then the list of businesses; what the state machine carries is only where they are."""
    prefix = run_prefix(execution_name(execution_id))
    items = [
        BusinessItem(
            business=business.business,
            unavailable=business.unavailable,
            units=_put(s3, bucket, f"{prefix}units/{number}.json", [job.wire() for job in business.jobs]),
            count=len(business.jobs),
            close_months=business.close_months,
            business_id=business.business_id,
            execution_id=execution_id,
            limits=plan.limits,
            results_prefix=f"{prefix}results",
        ).wire()
        for number, business in enumerate(plan.businesses)
    ]
    return PlannedRun(
        months=plan.months,
        scheduled=plan.scheduled,
        limits=plan.limits,
        plan=_put(s3, bucket, plan_location(bucket, execution_id).key, items),
        results_prefix=f"{prefix}results",
        businesses=len(items),
        units=plan.job_count,
        execution_id=execution_id,
    )


def json_items(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The items of a JSON array of objects, parsed as the bytes arrive: a chunk and one item in memory at a time."""
    decoder, text = json.JSONDecoder(), codecs.getincrementaldecoder("utf-8")()
    buffer, opened = "", False
    for chunk in chunks:
        buffer += text.decode(chunk)
        while True:
            buffer = buffer.lstrip(" \t\r\n,")
            if not opened and buffer.startswith("["):
                buffer, opened = buffer[1:], True
                continue
            if not opened or not buffer or buffer.startswith("]"):
                break
            try:
                item, end = decoder.raw_decode(buffer)
            except json.JSONDecodeError:
                break  # the item goes on in the next chunk
            yield item
            buffer = buffer[end:]
    if not opened or buffer.strip() != "]":
        raise ValueError("not a complete JSON array")


def _stream(s3: Any, bucket: str, key: str) -> Iterator[bytes]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    yield from iter(lambda: body.read(CHUNK), b"")


def outputs(s3: Any, written: Written) -> Iterator[Any]:
    """Every child workflow's output, from a ResultWriter manifest. The children of this state machine end in a
    Pass state whatever happened to their unit, so a failed child is a fault of the machine: refused, not skipped."""
    manifest = json.loads(s3.get_object(Bucket=written.bucket, Key=written.key)["Body"].read())
    files = manifest.get("ResultFiles", {})
    if files.get("FAILED") or files.get("PENDING"):
        keys = [entry["Key"] for entry in files.get("FAILED", []) + files.get("PENDING", [])]
        raise ChildWorkflowsFailed(f"child workflows did not succeed; see {', '.join(keys)} in {written.bucket}")
    for entry in files.get("SUCCEEDED", []):
        for child in json_items(_stream(s3, manifest.get("DestinationBucket", written.bucket), entry["Key"])):
            yield json.loads(child["Output"])


def items(s3: Any, where: Location) -> Iterator[Any]:
    """The items of a JSON array the run wrote (a business's ``units/<n>.json``), streamed."""
    return json_items(_stream(s3, where.bucket, where.key))


def planned_units(s3: Any, plan: Location) -> dict[str, int]:
    """Each business's number of units, from the run's plan.json (one item per business: at most MAX_BUSINESSES)."""
    counts: dict[str, int] = {}
    for item in json_items(_stream(s3, plan.bucket, plan.key)):
        counts[item["business"]] = counts.get(item["business"], 0) + item["count"]
    return counts


def business_results(
    s3: Any, written: Written, plan: Location | None = None
) -> Iterator[tuple[BusinessDone, Iterator[Outcome]]]:
    """Each business of the run, with its units' outcomes as a stream (read one business at a time). ``plan``: the
    run's plan.json. A business it gives no units has no outcomes, and its Map Run of no items is not read, whatever
    it left: a manifest that lists no result files, or none at all (a run with no business at all, likewise)."""
    units = planned_units(s3, plan) if plan is not None else None
    if units == {}:
        return
    for output in outputs(s3, written):
        done = BusinessDone.model_validate(output)
        if units is not None and units.get(done.business) == 0:
            yield done, iter(())
            continue
        yield done, (Outcome.model_validate(unit) for unit in outputs(s3, done.results))
