"""One measured piece of work in a fresh process (started by ``bench._support.run_worker``).

Modes:

* ``step``: the real archive step, ``closing_docs.steps.archive`` (fresh link from reports/info, stream
  through the verifying reader into s3transfer's multipart upload, then the manifest);
* ``naive``: ``requests.get(link).content`` then one ``put_object`` (the whole body in memory);
* ``download``: the link streamed in the step's chunk size to /dev/null;
* ``upload``: a file's bytes through a non-seekable reader into ``upload_fileobj`` with the step's
  TransferConfig (what s3transfer sees from the step, without the download).

Configuration comes from the environment (``bench._support.worker_env``). The process prints one line
``BENCH-RESULT {json}``: the timed seconds, bytes, and its peak RSS (VmHWM, which starts afresh at exec)
after the imports (``baseline``) and at the end (``peak``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from typing import IO, Any

RESULT_MARK = "BENCH-RESULT "
TRANSFER_FIELDS = (
    "multipart_threshold",
    "multipart_chunksize",
    "max_request_concurrency",
    "max_in_memory_upload_chunks",
)


def vm_hwm_kib() -> int:
    """Peak resident set of this process since exec, in KiB (ru_maxrss would include the parent's at fork)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class NonSeekable:
    """A file's bytes as a non-seekable stream, like the step's reader (s3transfer buffers parts itself)."""

    def __init__(self, source: IO[bytes], limit: int | None = None) -> None:
        self._source, self._left = source, limit

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        if self._left is not None:
            size = self._left if size < 0 else min(size, self._left)
        data = self._source.read(size)
        if self._left is not None:
            self._left -= len(data)
        return data


def _report_step(ref: str, month: str) -> Any:
    from closing_docs.domain.unitrun import UnitRun

    campaign_id, report_id = ref.split(":", 1)
    return UnitRun.model_validate(
        {
            "job": {"business": os.environ["BUSINESS_NAME"], "campaignId": int(campaign_id), "month": month},
            "executionId": "arn:aws:states:eu-central-1:123456789012:execution:bench:bench",
            "limits": {"maxStatusChecks": 60, "maxRegenerations": 2, "recheckDays": 0, "recheckSeconds": 86400},
            "report": {"reportId": report_id, "waitSeconds": 0},
        }
    )


def _fresh_link(ref: str) -> str:
    import requests

    report_id = ref.split(":", 1)[1]
    response = requests.get(
        f"{os.environ['MARKET_API_URL']}/v2/reports/info/{report_id}",
        headers={"Api-Key": os.environ["BENCH_TOKEN"]},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["result"]["file"])


def run(args: argparse.Namespace) -> dict[str, Any]:
    # What a function imports (the same in every mode, so that baselines compare), then the clients.
    import boto3
    import requests

    from closing_docs.adapters.archive import CHUNK_SIZE, transfer_config
    from closing_docs.steps.archive import archive

    TRANSFER_CONFIG = transfer_config()  # noqa: N806 - the one object the step uploads with (cached)

    # An experiment may try another TransferConfig (bench --part-mib ...): the step reads this very object.
    for name, value in json.loads(os.environ.get("BENCH_TRANSFER_CONFIG") or "{}").items():
        setattr(TRANSFER_CONFIG, name, value)
    config = {name: getattr(TRANSFER_CONFIG, name) for name in TRANSFER_FIELDS}

    baseline = vm_hwm_kib()
    # Time CompleteMultipartUpload in every S3 client (the step's own included): it can only start once the
    # download has ended, so it is the part of an upload that no overlap can hide.
    boto3.setup_default_session()
    calls: dict[str, float] = {}
    events = boto3.DEFAULT_SESSION.events
    events.register("before-call.s3.CompleteMultipartUpload", lambda **_: calls.update(complete=time.perf_counter()))
    events.register("after-call.s3.CompleteMultipartUpload", lambda **_: calls.update(completed=time.perf_counter()))
    s3 = boto3.client("s3")
    bucket = os.environ["ARCHIVE_BUCKET"]
    result: dict[str, Any] = {"mode": args.mode, "transfer_config": config}

    if args.mode == "step":
        if args.warmup:  # a small archive first: clients, secret and connections as in a warm container
            archive(_report_step(args.warmup, args.month))
        step = _report_step(args.report, args.month)
        calls.clear()
        started = time.perf_counter()
        notice = archive(step).wire()["notice"]["body"]  # the unit's run, ended with its notice
        result["seconds"] = time.perf_counter() - started
        stored = s3.head_object(Bucket=bucket, Key=str(notice["s3Uri"]).split("/", 3)[3])
        result.update(bytes=notice.get("sizeBytes"), stored_bytes=stored["ContentLength"], sha256=notice.get("sha256"))

    elif args.mode == "naive":
        link = _fresh_link(args.report)
        calls.clear()
        started = time.perf_counter()
        body = requests.get(link, timeout=(10, 120)).content
        s3.put_object(Bucket=bucket, Key=f"naive/{args.report}.zip", Body=body, ContentType="application/zip")
        result["seconds"] = time.perf_counter() - started
        result.update(bytes=len(body), stored_bytes=len(body))

    elif args.mode == "download":
        if args.warmup:
            with requests.get(_fresh_link(args.warmup), timeout=(10, 120)) as response:
                response.raise_for_status()
        link = _fresh_link(args.report)
        size = 0
        calls.clear()
        started = time.perf_counter()
        with requests.get(link, stream=True, timeout=(10, 120)) as response, open(os.devnull, "wb") as sink:
            response.raise_for_status()
            for chunk in response.iter_content(CHUNK_SIZE):
                sink.write(chunk)
                size += len(chunk)
        result["seconds"] = time.perf_counter() - started
        result["bytes"] = size

    elif args.mode == "upload":
        extra = {"ContentType": "application/zip"}
        with open(args.source, "rb") as source:
            if args.warmup_bytes:
                warmup = NonSeekable(source, args.warmup_bytes)
                s3.upload_fileobj(warmup, bucket, "upload-only/warmup.zip", extra, Config=TRANSFER_CONFIG)
                source.seek(0)
            calls.clear()
            started = time.perf_counter()
            s3.upload_fileobj(NonSeekable(source), bucket, "upload-only/archive.zip", extra, Config=TRANSFER_CONFIG)
            result["seconds"] = time.perf_counter() - started
        stored = s3.head_object(Bucket=bucket, Key="upload-only/archive.zip")
        result.update(bytes=os.path.getsize(args.source), stored_bytes=stored["ContentLength"])

    if "completed" in calls:
        result["complete_seconds"] = calls["completed"] - calls["complete"]
    result.update(baseline_rss_kib=baseline, peak_rss_kib=vm_hwm_kib())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["step", "naive", "download", "upload"])
    parser.add_argument("--report", help="campaignId:reportId of the archive to measure")
    parser.add_argument("--warmup", help="campaignId:reportId of a small archive handled first, untimed")
    parser.add_argument("--month", help="YYYY-MM of the reports (step mode)")
    parser.add_argument("--source", help="file whose bytes are uploaded (upload mode)")
    parser.add_argument("--warmup-bytes", type=int, default=0, help="upload this many bytes first, untimed")
    args = parser.parse_args(argv)
    result = run(args)
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
