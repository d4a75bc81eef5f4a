"""A run's work in S3: the plan the state machine's Distributed Maps read (ItemReader), and the results they write
(ResultWriter), read back as a stream. No state payload ever holds the units of work or their outcomes, so one
execution takes any number of them (start_input.py computes the limits that remain).

In the work bucket (WORK_BUCKET), under ``runs/<execution name>/``::

    plan.json               one item per business: its name, the shops GET /v2/campaigns left out, where its units are
    units/<n>.json          business n's units of work, in the order they run (a JSON array of Job)
    results/<map run>/      ResultWriter's manifest.json and SUCCEEDED_<n>.json: of the run (one output per business,
                            each naming its own results) and of each business (one output per unit: its Outcome)
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import ChildWorkflowsFailed
from .models import BusinessDone, BusinessItem, Location, Outcome, PlannedRun, RunPlan, Written

CHUNK = 256 * 1024  # bytes read at a time: memory stays at a chunk and one item, whatever the file's size


def run_prefix(execution_name: str) -> str:
    return f"runs/{execution_name}/"


def _put(s3: Any, bucket: str, key: str, items: list[Any]) -> Location:
    body = json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return Location(bucket=bucket, key=key)


def write_plan(s3: Any, bucket: str, execution_name: str, plan: RunPlan) -> PlannedRun:
    """Each business's units, then the list of businesses; what the state machine carries is only where they are."""
    prefix = run_prefix(execution_name)
    items = [
        BusinessItem(
            business=business.business,
            unavailable=business.unavailable,
            units=_put(s3, bucket, f"{prefix}units/{number}.json", [job.wire() for job in business.jobs]),
            count=len(business.jobs),
        ).wire()
        for number, business in enumerate(plan.businesses)
    ]
    return PlannedRun(
        months=plan.months,
        scheduled=plan.scheduled,
        limits=plan.limits,
        plan=_put(s3, bucket, f"{prefix}plan.json", items),
        results_prefix=f"{prefix}results",
        businesses=len(items),
        units=plan.job_count,
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


def business_results(s3: Any, written: Written) -> Iterator[tuple[BusinessDone, Iterator[Outcome]]]:
    """Each business of the run, with its units' outcomes as a stream (read one business at a time)."""
    for output in outputs(s3, written):
        done = BusinessDone.model_validate(output)
        yield done, (Outcome.model_validate(unit) for unit in outputs(s3, done.results))
