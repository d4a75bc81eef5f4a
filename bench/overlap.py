"""Download and upload overlap: streaming an archive into S3 vs downloading it only and uploading it only.

Timings of the same bytes (an archive of the Market emulator, padded to ``--mib``), each in a fresh worker
process, with the Market emulator serving from this process and S3 from a fresh moto server process:

* streaming: the real archive step, ``closing_docs.steps.archive`` (reports/info, download streamed through
  SHA-256 and the ZIP check into s3transfer's multipart upload, manifest);
* download-only: the signed link read in the step's chunk size to /dev/null;
* upload-only: the same bytes (a local copy) read through a non-seekable stream into ``upload_fileobj``
  with the step's TransferConfig, as s3transfer sees the step's reader.

Each worker first handles a 1 MiB archive untimed (clients, secret, connections as in a warm container).

Two scenarios. *loopback*: the emulator serves the file at loopback speed (GB/s), so download-only is tiny
and the goal holds even with no overlap at all. *equal rates*: the file link goes through a proxy limited to
the rate at which upload-only sends its parts (its time less CompleteMultipartUpload, which only starts
once the last byte is in, so that no overlap could hide it), so that download and upload transfer take as
long: with perfect overlap streaming takes about as long as upload-only, with none about 1.7 times as long.

Goal: streaming <= 1.2 x max(download-only, upload-only).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import _support as support
from bench._support import MiB

GOAL = 1.2
DOWNLOAD, UPLOAD, STREAM = "download-only", "upload-only", "streaming (archive step)"
LOOPBACK, EQUAL = "loopback", "equal rates"


@dataclass(frozen=True)
class Timing:
    seconds: float
    complete_seconds: float  # CompleteMultipartUpload (0 when there is none)
    peak_mib: float
    cpu: tuple[float, float, float]  # CPU seconds of the worker, moto, this process (emulator, proxy)
    transfer_config: dict[str, int]  # what the worker used


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(
    kind: str, market: support.Market, copy: Path, link_origins: list[str], size: int, transfer: dict[str, int]
) -> Timing:
    """One timing in a fresh worker, against a fresh moto server (no state carried between timings)."""
    small, large = market.reports[MiB], market.reports[max(market.reports)]
    own_cpu = _own_cpu()
    with support.MotoServer() as moto:
        support.provision(moto.url)
        env = support.worker_env(moto.url, market.url, link_origins, transfer)
        if kind == DOWNLOAD:
            result = support.run_worker("download", env, ["--report", large.ref, "--warmup", small.ref])
        elif kind == UPLOAD:
            result = support.run_worker("upload", env, ["--source", str(copy), "--warmup-bytes", str(MiB)])
        else:
            args = ["--report", large.ref, "--warmup", small.ref, "--month", market.month]
            result = support.run_worker("step", env, args)
    if result.data.get("bytes") != size or result.data.get("stored_bytes", size) != size:
        raise RuntimeError(f"{kind}: moved {result.data} bytes, expected {size}")
    cpu = (result.cpu_seconds, moto.cpu_seconds or 0.0, _own_cpu() - own_cpu)
    complete = float(result.data.get("complete_seconds", 0.0))
    return Timing(result.seconds, complete, result.peak_mib, cpu, result.data["transfer_config"])


def _median(timings: list[Timing], attribute: str) -> float:
    return support.median([getattr(t, attribute) for t in timings])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.overlap",
        description="Time to stream an archive into S3 with the real archive step vs download-only and upload-only "
        "of the same bytes (Market emulator, moto server subprocess), with the file served at loopback speed and "
        f"limited to the rate upload-only sends its parts at. Goal: streaming <= {GOAL} x max(download-only, "
        "upload-only). Exit status 0 when met in both scenarios, 1 when not.",
    )
    parser.add_argument("--mib", type=int, default=512, help="padding of the archive, MiB (512)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; medians are compared (3)")
    parser.add_argument(
        "--download-mibps",
        type=float,
        default=None,
        help="the limit of the 'equal rates' scenario, MiB/s (default: the rate at which upload-only sent its parts)",
    )
    support.add_transfer_arguments(parser)
    args = parser.parse_args(argv)
    transfer = support.transfer_overrides(args)
    began, load = time.monotonic(), os.getloadavg()[0]

    print(f"Preparing: Market emulator with a 1 MiB and a {args.mib} MiB archive, a local copy of the latter")
    timings: dict[tuple[str, str], list[Timing]] = {}
    with (
        support.market_with_reports([MiB, args.mib * MiB]) as market,
        tempfile.TemporaryDirectory(prefix="bench-overlap-") as directory,
    ):
        market.fetch(market.reports[MiB])  # builds it
        copy = Path(directory) / "archive.zip"
        with copy.open("wb") as target:
            size = market.fetch(market.reports[args.mib * MiB], target)  # builds it; upload-only sends these bytes
        print(f"  S3 and Secrets Manager: a fresh moto server process per timing ({support.moto_server_module()})")

        def measure(scenario: str, kind: str, run: int, origins: list[str]) -> None:
            print(f"  {scenario}: {kind} {run + 1}/{args.repeat} ...", flush=True)
            timings.setdefault((scenario, kind), []).append(_measure(kind, market, copy, origins, size, transfer))

        for run in range(args.repeat):
            for kind in (UPLOAD, DOWNLOAD, STREAM):
                measure(LOOPBACK, kind, run, [])
        uploads = timings[(LOOPBACK, UPLOAD)]
        transfer_seconds = _median(uploads, "seconds") - _median(uploads, "complete_seconds")
        rate = size / transfer_seconds if args.download_mibps is None else args.download_mibps * MiB
        print(f"  {EQUAL}: file link limited to {rate / MiB:.0f} MiB/s per connection")
        timings[(EQUAL, UPLOAD)] = timings[(LOOPBACK, UPLOAD)]  # the same measurement serves both
        with market.throttled_links(rate) as proxy:
            for run in range(args.repeat):
                for kind in (DOWNLOAD, STREAM):
                    measure(EQUAL, kind, run, [proxy.url])

    rows = []
    for (scenario, kind), values in timings.items():
        if scenario == EQUAL and kind == UPLOAD:
            continue
        seconds = _median(values, "seconds")
        cpu = [support.median([t.cpu[i] for t in values]) for i in range(3)]
        rows.append(
            [
                f"{scenario}: {kind}" if kind != UPLOAD else f"both: {kind}",
                f"{seconds:.2f}",
                " ".join(f"{t.seconds:.2f}" for t in values),
                f"{size / MiB / seconds:.0f}",
                f"{_median(values, 'complete_seconds'):.2f}" if kind != DOWNLOAD else "-",
                f"{max(t.peak_mib for t in values):.0f}",
                " / ".join(f"{c:.1f}" for c in cpu),
            ]
        )
    print()
    print(
        f"{size / MiB:.1f} MiB archive (MiB = 2^20 bytes); median of {args.repeat} run(s) each; took "
        f"{time.monotonic() - began:.0f} s; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after "
        f"on {os.cpu_count()} CPUs."
    )
    print(support.describe_transfer_config(timings[(LOOPBACK, UPLOAD)][0].transfer_config, bool(transfer)))
    headers = ["timing", "median s", "runs s", "MiB/s", "complete s", "peak RSS MiB", "CPU s: worker/moto/emulator"]
    print(support.table(headers, rows))
    print("(complete s: CompleteMultipartUpload; CPU: whole processes, imports and warm-up included)")
    print()

    met = True
    for scenario in (LOOPBACK, EQUAL):
        download = _median(timings[(scenario, DOWNLOAD)], "seconds")
        upload = _median(timings[(scenario, UPLOAD)], "seconds")
        stream = _median(timings[(scenario, STREAM)], "seconds")
        bound = max(download, upload)
        ratio, serial = stream / bound, (download + upload) / bound
        met = met and ratio <= GOAL
        print(
            f"Goal ({scenario}): streaming / max(download-only, upload-only) = {stream:.2f} / {bound:.2f} = "
            f"{ratio:.2f}  (goal <= {GOAL})  {support.verdict(ratio <= GOAL)}"
        )
        note = "  (cannot tell overlap from none here)" if serial <= GOAL else ""
        print(f"      with no overlap at all: download + upload = {download + upload:.2f} s, {serial:.2f} x{note}")
        if scenario == EQUAL:
            complete = _median(timings[(scenario, STREAM)], "complete_seconds")
            print(
                f"      streaming includes CompleteMultipartUpload after the last byte: {complete:.2f} s "
                f"(link limited to {rate / MiB:.0f} MiB/s)"
            )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
