"""Run the monthly pipeline on this machine: the real state machine and handlers on embedded AWS.

    python -m local.run [--month YYYY-MM | --months FROM..TO | --months M1,M2] [--campaign-id N ...]
                        [--report KIND ...] [--business NAME ...] [--contract-type T ...] [--force]
                        [--notice-mode MODE] [--report-format FILE|CSV|JSON]
                        [--businesses N] [--shops N] [--api-url URL] [--api-key KEY] [--out DIR]
                        [--time-scale F] [--json] [--log FILE]

Without --api-url it starts the Market emulator on 127.0.0.1 with --businesses businesses (each its own
token, so the secret maps names to tokens) of --shops shops each, found by GET /v2/campaigns unless
--campaign-id is given; with --api-url (e.g. the real API and --api-key or MARKET_API_KEY, a bare token or
a JSON map of business name to token) it talks to that server. The values are passed as the start input
exactly as given: validation is the state machine's, as for a console start. Exit status: 0 when the execution
succeeded, 1 when it failed or timed out, 2 when the arguments cannot be parsed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import boto3

from local import run_sources
from local.aws import LAYER_DIR, REGION, EmbeddedAws
from local.emulator import MarketEmulator
from local.progress import Progress
from local.template import ROOT

EMULATOR_TIME_SCALE = 0.01


def _report_kinds() -> tuple[str, ...]:
    """The layer's report catalog (closing_docs.reports): the runner knows no kind of its own."""
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))
    from closing_docs import reports

    return reports.names()


# The runner waits as long as the state machine may run (scaled): a backfill of thousands of units takes hours.
_ASL_TIMEOUT_SECONDS = json.loads((ROOT / "statemachine" / "closing_documents.asl.json").read_text())["TimeoutSeconds"]


def _number_or_text(value: str) -> int | str:
    """Keep the value as given: a number when it is written as one, else the text (the state machine judges)."""
    return int(value) if re.fullmatch(r"-?\d+", value) else value


def _months(value: str) -> dict[str, str] | list[str]:
    """``2025-01..2025-06`` -> a range; ``2025-01,2025-03`` -> a list (checked by the state machine)."""
    start, dots, end = value.partition("..")
    return {"from": start, "to": end} if dots else value.split(",")


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, got {value}")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local.run",
        description="Archive a month of Yandex Market closing documents with the real state machine on embedded AWS.",
    )
    parser.add_argument(
        "--campaign-id",
        action="append",
        type=_number_or_text,
        dest="campaign_ids",
        metavar="N",
        help="campaign (shop) id; repeat for several (default: every shop GET /v2/campaigns lists)",
    )
    parser.add_argument("--month", help="month to archive, YYYY-MM (default: the previous month, Moscow time)")
    parser.add_argument(
        "--months", type=_months, help="backfill: FROM..TO (e.g. 2025-01..2025-06) or a comma-separated list"
    )
    parser.add_argument(
        "--business", action="append", dest="businesses", metavar="NAME", help="only this business; repeatable"
    )
    parser.add_argument("--notice-mode", choices=["EACH", "SUMMARY", "BOTH"], help="stack parameter NoticeMode")
    parser.add_argument(
        "--businesses", type=int, default=1, dest="emulated_businesses", metavar="N", help="emulator: businesses (1)"
    )
    parser.add_argument("--shops", type=int, default=2, metavar="N", help="emulator: shops per business (2)")
    parser.add_argument(
        "--report",
        action="append",
        dest="reports",
        metavar="KIND",
        help="a report kind of the monthly pack; repeat for several (default: closure-documents). Kinds: "
        + ", ".join(_report_kinds()),
    )
    parser.add_argument(
        "--report-format", choices=["FILE", "CSV", "JSON"], help="stack parameter ReportFormat (table reports)"
    )
    parser.add_argument(
        "--contract-type",
        action="append",
        dest="contract_types",
        metavar="T",
        help="INCOME, OUTCOME or MARKETING; repeat for several (default: all contracts)",
    )
    parser.add_argument("--force", action="store_true", help="archive again even if the month is archived")
    parser.add_argument("--api-url", help="a Market-compatible API (default: start the local emulator)")
    parser.add_argument("--api-key", help="Api-Key for --api-url (default: env MARKET_API_KEY)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="copy the archived objects here, keeping their keys")
    parser.add_argument(
        "--time-scale",
        type=_positive,
        metavar="F",
        help=f"multiply every Wait and Retry delay (default 1; {EMULATOR_TIME_SCALE} with the emulator)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--log", type=Path, metavar="FILE", help="write the functions' logs here (default: a temp file)"
    )
    run_sources.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.source:
        run_sources.check(parser, args)
        return args
    unknown = [kind for kind in args.reports or () if kind not in _report_kinds()]
    if unknown:  # said here, before anything starts; the state machine would refuse them too (start input "reports")
        allowed = ", ".join(_report_kinds())
        parser.error(f'--report (start input "reports"): unknown kind {", ".join(unknown)}; allowed: {allowed}')
    if args.api_url and not (args.api_key or os.environ.get("MARKET_API_KEY")):
        parser.error("--api-url needs --api-key or the environment variable MARKET_API_KEY")
    return args


def start_input(args: argparse.Namespace) -> dict[str, Any]:
    """The console-style start input: only what was given."""
    given = {
        "month": args.month,
        "months": args.months,
        "businesses": args.businesses,
        "campaignIds": args.campaign_ids,
        "contractTypes": args.contract_types,
        "reports": args.reports,
        "force": True if args.force else None,
    }
    return {key: value for key, value in given.items() if value is not None}


@contextlib.contextmanager
def market(args: argparse.Namespace) -> Iterator[tuple[str, str, dict[str, str], float]]:
    """(API URL, key, template parameter overrides, time scale) for a real server or a started emulator."""
    if args.api_url:
        yield args.api_url.rstrip("/"), args.api_key or os.environ["MARKET_API_KEY"], {}, args.time_scale or 1.0
        return
    scale = args.time_scale or EMULATOR_TIME_SCALE
    emulator = MarketEmulator(time_scale=scale)
    tokens = {}
    for number in range(1, args.emulated_businesses + 1):
        name = "demo" if args.emulated_businesses == 1 else f"business-{number}"
        shops = [number * 1000 + shop for shop in range(1, args.shops + 1)]
        if number == 1:  # the given campaign ids are the first business's shops
            shops = sorted({c for c in args.campaign_ids or () if isinstance(c, int) and c > 0} | set(shops))
        tokens[name] = secrets.token_urlsafe(24)
        emulator.add_business(name=name, token=tokens[name], business_id=5000 + number, campaign_ids=shops)
    key = tokens["demo"] if len(tokens) == 1 else json.dumps(tokens)
    with emulator:
        yield emulator.base_url, key, {"BusinessName": "demo"}, scale


def archives(objects: dict[str, bytes]) -> list[dict[str, Any]]:
    return [{"key": k, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()} for k, v in sorted(objects.items())]


def copy_out(objects: dict[str, bytes], out: Path) -> None:
    for key, body in objects.items():
        target = (out / key).resolve()
        if out.resolve() not in target.parents:
            raise ValueError(f"refusing to write outside {out}: {key}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)


def summary(result: dict[str, Any], api_url: str, emulated: bool, bucket: str, out: Path | None, log: Path) -> str:
    lines = [f"Execution {result['status']}" + (f": {result['error']}" if result.get("error") else "")]
    if result.get("cause"):
        lines.append(f"  {result['cause']}")
    lines.append(f"Market API: {api_url}" + (" (local emulator)" if emulated else ""))
    lines.append(f"Archive (embedded S3 bucket {bucket}):" if result["archives"] else "Archive: nothing stored")
    for item in result["archives"]:
        lines.append(f"  s3://{bucket}/{item['key']}  {item['size']} bytes  sha256 {item['sha256']}")
    if out and result["archives"]:
        lines.append(f"Copied to {out}/")
    lines.append("Announcements (SNS):" if result["notifications"] else "Announcements: none")
    for notice in result["notifications"]:
        lines.append(f"  {notice['subject']}")
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            lines.append("    " + json.loads(notice["message"])["message"].replace("\n", "\n    "))
    lines.append(f"Function logs: {log}")
    return "\n".join(lines)


def _result(execution: Any, aws: EmbeddedAws, args: argparse.Namespace) -> dict[str, Any]:
    objects = aws.objects()
    if args.out:
        copy_out(objects, args.out)
    return {
        "status": execution.status,
        "error": execution.error,
        "cause": execution.cause,
        "output": execution.output,
        "archives": archives(objects),
        "notifications": [
            {"subject": n.subject, "message": n.message, "attributes": n.attributes} for n in aws.notifications()
        ],
    }


def run_source(args: argparse.Namespace, log: TextIO) -> tuple[dict[str, Any], str]:
    """A --source run: only that system, through the same state machine."""
    parameters, secrets_, start = run_sources.setup(args)
    scale = args.time_scale or 1.0
    with (
        EmbeddedAws(
            api_key="unused", parameters={"NoticeMode": "EACH", **parameters}, time_scale=scale, secrets=secrets_
        ) as aws,
        _progress(aws, args),
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        lock_table = boto3.resource("dynamodb", region_name=REGION).Table(aws.environment["LOCK_TABLE"])
        if args.source == "direct-invoice":
            run_sources.seed_direct_state(args, lock_table)
        try:
            execution = aws.run(start, timeout=_ASL_TIMEOUT_SECONDS * scale + 60)
        finally:
            if args.source == "direct-invoice":
                run_sources.keep_direct_state(args, lock_table)
        result = _result(execution, aws, args)
        return result, summary(result, args.api_url, False, aws.bucket, args.out, Path(log.name))


def _progress(aws: EmbeddedAws, args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """Progress on the real stderr (a live line on a terminal), unless --quiet."""
    if args.quiet:
        return contextlib.nullcontext()
    return Progress(aws, sys.stderr, live=sys.stderr.isatty())


def run(args: argparse.Namespace, log: TextIO) -> tuple[dict[str, Any], str]:
    """(the --json result, the readable summary)."""
    if args.source:
        return run_source(args, log)
    with (
        market(args) as (api_url, key, parameters, scale),
        EmbeddedAws(
            api_key=key,
            parameters={
                **parameters,
                **({"NoticeMode": args.notice_mode} if args.notice_mode else {}),
                **({"ReportFormat": args.report_format} if args.report_format else {}),
            },
            time_scale=scale,
            market_url=api_url,
        ) as aws,
        _progress(aws, args),
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        execution = aws.run(start_input(args), timeout=_ASL_TIMEOUT_SECONDS * scale + 60)
        result = _result(execution, aws, args)
        return result, summary(result, api_url, not args.api_url, aws.bucket, args.out, Path(log.name))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log_path = args.log or Path(tempfile.mkstemp(prefix="closing-docs-", suffix=".log")[1])
    if not args.quiet:
        print(f"Function logs: {log_path}", file=sys.stderr, flush=True)
    with log_path.open("w") as log:
        result, text = run(args, log)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else text)
    return 0 if result["status"] == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
