"""The month's close at scale: a generated truth of 1,000,000 netting rows and 200,000 realization rows.

    python -m bench.close [--orders 100000] [--services-per-order 9] [--keep DIR]

1. ``local.emulator.truth`` writes the pack's CSV ZIPs to a temporary directory (not timed): realization and the
   detalization (INCOME, OUTCOME) per shop, the business's netting and services.
2. The close (``closing_docs.close.run``: every reader, check and output, ledger included) runs in a fresh process,
   so that its peak RSS (VmHWM, which starts afresh at exec) is its own.
3. A bare ``csv.reader`` pass over the same files (zipfile stream, TextIOWrapper, csv.reader; nothing done with
   the rows) runs in another fresh process, before and after the close (the faster counts): the floor any reader of
   these files pays. The ratio is of CPU time (user + system): on a shared machine, wall time also counts the others.

Printed: rows per second, the close's peak RSS, the ratio of its time to the bare pass, and last the line
``bench.close: <rows> rows, <n> rows/s, peak <MiB> MiB, ratio <x>``.
Goals: peak RSS <= 512 MiB at 1 M netting rows; ratio <= 3. Exit status 0 when both are met, 1 when not.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "closing_docs" / "python"
PEAK_GOAL_MIB = 512.0
RATIO_GOAL = 3.0
MARK = "BENCH-CLOSE "


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource  # not Linux: ru_maxrss (KiB on Linux, bytes on macOS)

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(mode: str, pack: Path) -> None:
    """In a fresh process: the close, or the bare csv.reader pass, over the pack in ``pack``; prints the result."""
    sys.path[:0] = [str(ROOT), str(LAYER)]
    files = json.loads((pack / "files.json").read_text())
    before = _peak_mib()
    began, cpu = time.perf_counter(), time.process_time()
    if mode == "close":
        from closing_docs.close import CloseInput, ReportFile, run
        from closing_docs.domain.months import Month

        reports = [
            ReportFile.from_path(
                f["kind"], pack / f["name"], campaign_id=f["campaignId"], contract_type=f["contractType"]
            )
            for f in files
        ]
        result = run(CloseInput("bench", 5001, Month.parse(files[0]["month"]), reports), pack / "out")
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        with (pack / "out" / "ledger.csv").open("rb") as ledger:
            rows = sum(1 for _ in ledger) - 1  # one row per data row read
        extra = {"status": result.status, "figures": result.checks["figures"]}
    else:
        rows = 0
        for f in files:
            with zipfile.ZipFile(pack / f["name"]) as archive:
                for info in archive.infolist():
                    with archive.open(info) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
                        next(csv.reader(text), None)  # the header
                        for _ in csv.reader(text):
                            rows += 1
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        extra = {}
    print(
        MARK
        + json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows, "peak": _peak_mib(), "imports": before, **extra})
    )


def _run_worker(mode: str, pack: Path) -> dict[str, object]:
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "bench.close", "--worker", mode, str(pack)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            result: dict[str, object] = json.loads(line[len(MARK) :])
            return result
    raise RuntimeError(f"the {mode} worker failed:\n{done.stderr[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.close", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--orders", type=int, default=100_000, help="orders of the truth (100000: ~200k realization rows)"
    )
    parser.add_argument(
        "--services-per-order", type=int, default=9, help="withholdings per order (9: ~1M netting rows)"
    )
    parser.add_argument("--shops", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the pack and the outputs here instead of a temporary folder")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker[0], Path(args.worker[1]))
        return 0

    sys.path[:0] = [str(ROOT), str(LAYER)]
    from bench._support import table, verdict
    from local.emulator.truth import Truth

    truth = Truth(
        orders=args.orders,
        services_per_order=args.services_per_order,
        campaign_ids=tuple(range(1001, 1001 + args.shops)),
    )
    with tempfile.TemporaryDirectory(prefix="bench-close-") as temporary:
        pack = args.keep or Path(temporary)
        pack.mkdir(parents=True, exist_ok=True)
        print(
            f"Generating the truth: {args.orders} orders, {args.services_per_order} services per order, "
            f"{args.shops} shops"
        )
        began = time.perf_counter()
        written = truth.write_pack(pack)
        counts: dict[str, int] = {}
        for file, path in written:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    with archive.open(info) as raw:
                        counts[file.kind] = counts.get(file.kind, 0) + sum(1 for _ in raw) - 1
        files = [
            {
                "kind": f.kind,
                "name": p.name,
                "campaignId": f.campaign_id,
                "contractType": f.contract_type,
                "month": truth.month,
            }
            for f, p in written
        ]
        (pack / "files.json").write_text(json.dumps(files))
        size = sum(p.stat().st_size for _, p in written)
        print(
            f"  {len(written)} files, {size / 2**20:.1f} MiB zipped, in {time.perf_counter() - began:.0f} s; "
            "data rows: " + ", ".join(f"{kind} {n:,}" for kind, n in sorted(counts.items()))
        )
        print(
            "Running the bare csv.reader pass, the close, the bare pass again: each in a fresh process ...", flush=True
        )
        bares = [_run_worker("bare", pack)]
        close = _run_worker("close", pack)
        bares.append(_run_worker("bare", pack))
    bare = min(bares, key=lambda b: float(b["cpu"]))  # type: ignore[arg-type]

    rows = int(close["rows"])  # type: ignore[call-overload]
    seconds, bare_seconds = float(close["seconds"]), float(bare["seconds"])  # type: ignore[arg-type]
    cpu, bare_cpu = float(close["cpu"]), float(bare["cpu"])  # type: ignore[arg-type]
    peak = float(close["peak"])  # type: ignore[arg-type]
    rate, ratio = rows / seconds, cpu / bare_cpu
    expected = truth.expected()
    figures = close["figures"]
    agree = (
        isinstance(figures, dict)
        and figures["services"] == expected["services"]
        and figures["paidOut"] == expected["paidOut"]
    )
    print()
    print(
        table(
            ["pass", "rows", "time s", "CPU s", "rows/s", "RSS after imports MiB", "peak RSS MiB"],
            [
                [
                    "close (read, check, write all outputs)",
                    f"{rows:,}",
                    f"{seconds:.1f}",
                    f"{cpu:.1f}",
                    f"{rate:,.0f}",
                    f"{float(close['imports']):.1f}",
                    f"{peak:.1f}",
                ],  # type: ignore[arg-type]
                [
                    "bare csv.reader",
                    f"{int(bare['rows']):,}",
                    f"{bare_seconds:.1f}",
                    f"{bare_cpu:.1f}",
                    f"{int(bare['rows']) / bare_seconds:,.0f}",
                    f"{float(bare['imports']):.1f}",
                    f"{float(bare['peak']):.1f}",
                ],  # type: ignore[arg-type, call-overload]
            ],
        )
    )
    print(f"close status {close['status']}; figures agree with the truth: {agree}")
    peak_ok, ratio_ok = peak <= PEAK_GOAL_MIB, ratio <= RATIO_GOAL
    print(f"Goal 1  peak RSS of the close {peak:.0f} MiB  (goal <= {PEAK_GOAL_MIB:g} MiB)  {verdict(peak_ok)}")
    print(
        f"Goal 2  CPU time / bare csv.reader pass's = {ratio:.2f} (wall {seconds / bare_seconds:.2f})"
        f"  (goal <= {RATIO_GOAL:g})  {verdict(ratio_ok)}"
    )
    print(f"bench.close: {rows} rows, {rate:.0f} rows/s, peak {peak:.0f} MiB, ratio {ratio:.2f}")
    return 0 if peak_ok and ratio_ok and agree else 1


if __name__ == "__main__":
    sys.exit(main())
