"""Memory is flat in archive size: peak RSS of the archive step, a large archive vs a small one.

The real archive step (``closing_docs.steps.archive``: fresh link from reports/info, download streamed
through SHA-256 and the ZIP check into s3transfer's multipart upload, then the manifest) runs once per
archive size, each time in a fresh process, against the Market emulator (real HTTP on 127.0.0.1, served by
this process) and S3 on a moto server in a separate process, so that only the step's own memory counts.
The same is done with a naive whole-body download (``requests.get(link).content``, then ``put_object``)
for comparison.

Peak RSS is the worker's VmHWM (/proc/self/status), which starts afresh at exec; ``ru_maxrss`` from
``wait4``/``RUSAGE_CHILDREN`` would include this parent's RSS at spawn on Linux.

Goal: peak RSS(large) / peak RSS(small) <= 1.3, and peak RSS(large) <= 200 MiB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from bench import _support as support
from bench._support import MiB

RATIO_GOAL = 1.3
ABSOLUTE_GOAL_MIB = 200.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description="Peak RSS of the archive step (and of a naive whole-body download) for a large and a small "
        "archive, each in a fresh process, against the Market emulator and a moto server subprocess. "
        f"Goal: ratio large/small <= {RATIO_GOAL}, large <= {ABSOLUTE_GOAL_MIB:g} MiB. "
        "Exit status 0 when both are met, 1 when not.",
    )
    parser.add_argument("--large-mib", type=int, default=512, help="padding of the large archive, MiB (512)")
    parser.add_argument("--small-mib", type=int, default=1, help="padding of the small archive, MiB (1)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive whole-body comparison")
    support.add_transfer_arguments(parser)
    args = parser.parse_args(argv)
    transfer = support.transfer_overrides(args)
    small, large = args.small_mib * MiB, args.large_mib * MiB
    began = time.monotonic()

    print(f"Preparing: moto server subprocess, Market emulator, {args.small_mib} and {args.large_mib} MiB archives")
    with support.MotoServer() as moto, support.market_with_reports([small, large]) as market:
        print(f"  S3 and Secrets Manager: moto in a separate process ({moto.module}, pid {moto.pid})")
        support.provision(moto.url)
        sizes = {padding: market.fetch(report) for padding, report in market.reports.items()}  # builds them
        env = support.worker_env(moto.url, market.url, transfer=transfer)
        results: list[tuple[str, int, support.WorkerResult]] = []
        for mode in ("step", "naive"):
            if mode == "naive" and args.no_naive:
                continue
            for padding in (small, large):
                print(f"  {mode}: {support.size_label(sizes[padding])} archive ...", flush=True)
                worker_args = ["--report", market.reports[padding].ref, "--month", market.month]
                results.append((mode, padding, support.run_worker(mode, env, worker_args)))

    rows = []
    for mode, padding, result in results:
        name = "archive step (stream)" if mode == "step" else "naive (.content + put_object)"
        if result.data.get("stored_bytes") != sizes[padding]:
            raise RuntimeError(f"{name}: stored {result.data.get('stored_bytes')} bytes, expected {sizes[padding]}")
        rows.append(
            [
                name,
                f"{sizes[padding] / MiB:.1f}",
                f"{result.baseline_mib:.1f}",
                f"{result.peak_mib:.1f}",
                f"{result.peak_mib - result.baseline_mib:.1f}",
                f"{result.seconds:.2f}",
            ]
        )
    print()
    print(support.describe_transfer_config(results[0][2].data["transfer_config"], bool(transfer)))
    took = time.monotonic() - began
    print(f"Peak RSS per process (MiB = 2^20 bytes); each row is a fresh process. Took {took:.0f} s.")
    print(
        support.table(
            ["path", "archive MiB", "RSS after imports MiB", "peak RSS MiB", "peak - imports MiB", "time s"], rows
        )
    )

    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / support.KiB
    print(
        "(peak RSS: the worker's VmHWM, which starts afresh at exec; wait4's ru_maxrss would never show less than "
        f"this parent's RSS at spawn, up to {parent:.0f} MiB here)"
    )
    peak = {(mode, padding): result.peak_mib for mode, padding, result in results}
    ratio = peak[("step", large)] / peak[("step", small)]
    ratio_ok, absolute_ok = ratio <= RATIO_GOAL, peak[("step", large)] <= ABSOLUTE_GOAL_MIB
    print()
    print(
        f"Goal 1  archive step peak RSS ratio {args.large_mib} MiB / {args.small_mib} MiB = {ratio:.2f}"
        f"  (goal <= {RATIO_GOAL})  {support.verdict(ratio_ok)}"
    )
    print(
        f"Goal 2  archive step peak RSS with {args.large_mib} MiB = {peak[('step', large)]:.1f} MiB"
        f"  (goal <= {ABSOLUTE_GOAL_MIB:g} MiB)  {support.verdict(absolute_ok)}"
    )
    if not args.no_naive:
        naive_ratio = peak[("naive", large)] / peak[("naive", small)]
        print(
            f"For comparison, naive whole-body download: ratio {naive_ratio:.2f}, "
            f"{peak[('naive', large)]:.1f} MiB with {args.large_mib} MiB"
        )
    return 0 if ratio_ok and absolute_ok else 1


if __name__ == "__main__":
    sys.exit(main())
