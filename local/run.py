"""Run the monthly pipeline on this machine: the real state machine and handlers on embedded AWS.

    .venv/bin/python -m local.run [--month YYYY-MM | --months FROM..TO | --months M1,M2] [--campaign-id N ...]
                        [--report KIND ...] [--business NAME ...] [--contract-type T ...] [--force] [--no-close]
                        [--event FILE] [--notice-mode MODE] [--report-format FILE|CSV|JSON] [--language ru|en]
                        [--businesses N] [--shops N] [--api-url URL] [--api-key KEY] [--out DIR]
                        [--time-scale F] [--json] [--quiet] [--log FILE]

Without --api-url it starts the Market emulator on 127.0.0.1 with --businesses businesses (each its own
token, so the secret maps names to tokens) of --shops shops each, found by GET /v2/campaigns unless
--campaign-id is given (the businesses a start input names, when it names some); with --api-url (e.g. the real
API and --api-key or MARKET_API_KEY, a bare token or a JSON map of business name to token) it talks to that server.
The values are passed as the start input exactly as given, or --event FILE is the start input as it is (e.g.
events/start-*.json; a source kind it names starts that source's emulator): validation is the state machine's, as
for a console start. The archive is copied to --out DIR, by default to out/archive/ (replaced at each run), with
its index pages. Exit status: 0 when the execution succeeded, 1 when it failed or timed out, 2 when the input was
refused before anything ran (unusable arguments, or the state machine's InvalidInput).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import boto3

from local import direct_state, run_sources
from local.aws import LAYER_DIR, REGION, EmbeddedAws
from local.emulator import MarketEmulator
from local.progress import Progress
from local.template import ROOT

EMULATOR_TIME_SCALE = 0.01
DEFAULT_OUT = ROOT / "out" / "archive"  # where a run without --out keeps its archive (gitignored: out/)
INVALID_INPUT = "InvalidInput"  # the state machine's refusal of a start input, before anything ran
# The start input's options: --event FILE is the whole start input, so none of them goes with it.
START_OPTIONS = {
    "month": "--month",
    "months": "--months",
    "businesses": "--business",
    "campaign_ids": "--campaign-id",
    "contract_types": "--contract-type",
    "reports": "--report",
    "force": "--force",
    "no_close": "--no-close",
    "reseller_id": "--reseller-id",
    "account_id": "--account-id",
    "document_keys": "--document-key",
    "company_ids": "--company-id",
    "payments": "--payment",
}


@functools.cache
def _report_kinds() -> tuple[str, ...]:
    """The layer's report catalog (closing_docs.kinds): the runner knows no kind of its own."""
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))
    from closing_docs import kinds

    return kinds.names()


# The runner waits as long as the state machine may run (scaled): a backfill of thousands of units takes hours.
_ASL_TIMEOUT_SECONDS = json.loads((ROOT / "statemachine" / "closing_documents.asl.json").read_text())["TimeoutSeconds"]


def _number_or_text(value: str) -> int | str:
    """Keep the value as given: a number when it is written as one, else the text (the state machine judges)."""
    return int(value) if re.fullmatch(r"-?\d+", value) else value


def _months(value: str) -> dict[str, str] | list[str]:
    """``2025-01..2025-06`` -> a range; ``2025-01,2025-03`` -> a list (checked by the state machine)."""
    start, dots, end = value.partition("..")
    return {"from": start, "to": end} if dots else value.split(",")


def _event(value: str) -> dict[str, Any]:
    """``--event FILE``: a start input, a JSON object (its values are the state machine's to judge)."""
    try:
        data = json.loads(Path(value).read_text(encoding="utf-8"))
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {value}: {error.strerror or error}") from None
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise argparse.ArgumentTypeError(f"{value}: a start input is a JSON object, not {type(data).__name__}")
    return data


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, got {value}")
    return number


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local.run",
        description="Archive a month of Yandex Market closing documents with the real state machine on embedded AWS.",
        epilog="Exit status: 0 succeeded, 1 the run failed (a unit, or the execution), 2 the input was refused "
        "before anything ran (unusable arguments, or the state machine's InvalidInput).",
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
    parser.add_argument(
        "--event",
        type=_event,
        metavar="FILE",
        help="the start input, a JSON file, as it is (e.g. events/start-month.json) instead of the options that "
        "make one; a source kind it names (activeplatform, ofd-sales, direct-invoice) runs on that source's emulator",
    )
    parser.add_argument("--notice-mode", choices=["EACH", "SUMMARY", "BOTH"], help="stack parameter NoticeMode")
    parser.add_argument(
        "--language",
        choices=["ru", "en"],
        help="stack parameter NoticeLanguage: the notices, the run summary and the index pages (default ru)",
    )
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
    parser.add_argument("--force", action="store_true", default=None, help="archive again even if archived")
    parser.add_argument(
        "--no-close",
        action="store_true",
        default=None,
        help='no month close (start input "close": false); by default a run with table reports closes each month',
    )
    parser.add_argument(
        "--api-url", help="the system's API: Market-compatible, or --source's (default: start its local emulator)"
    )
    parser.add_argument("--api-key", help="Api-Key for --api-url (default: env MARKET_API_KEY)")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="copy the archived objects here, keeping their keys (default: out/archive/ of the repository, "
        "replaced at each run)",
    )
    parser.add_argument(
        "--time-scale",
        type=_positive,
        metavar="F",
        help=f"multiply every Wait and Retry delay (default 1; {EMULATOR_TIME_SCALE} with the emulators)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--log", type=Path, metavar="FILE", help="write the functions' logs here (default: a temp file)"
    )
    run_sources.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.event is not None:
        given = [flag for name, flag in START_OPTIONS.items() if getattr(args, name) is not None]
        if given:
            parser.error(f"--event FILE is the whole start input: put {', '.join(given)} in the file instead")
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
    """The console-style start input: --event's file as it is, else only what was given."""
    if args.event is not None:
        return dict(args.event)
    if args.source:
        return run_sources.start_input(args)
    given = {
        "month": args.month,
        "months": args.months,
        "businesses": args.businesses,
        "campaignIds": args.campaign_ids,
        "contractTypes": args.contract_types,
        "reports": args.reports,
        "force": True if args.force else None,
        "close": False if args.no_close else None,
    }
    return {key: value for key, value in given.items() if value is not None}


def _emulated_businesses(args: argparse.Namespace, start: dict[str, Any]) -> list[str]:
    """The emulator's businesses: those the start input names (e.g. events/start-business.json's "main"), else
    "demo" or business-1..N."""
    named = start.get("businesses")
    if isinstance(named, list) and named and all(isinstance(n, str) and n.strip() for n in named):
        return list(dict.fromkeys(named))
    return (
        ["demo"] if args.emulated_businesses == 1 else [f"business-{n}" for n in range(1, args.emulated_businesses + 1)]
    )


@contextlib.contextmanager
def market(args: argparse.Namespace, start: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(API URL, key, template parameter overrides) for a real server or a started emulator."""
    if args.api_url:
        yield args.api_url.rstrip("/"), args.api_key or os.environ["MARKET_API_KEY"], {}
        return
    emulator = MarketEmulator(time_scale=args.time_scale or EMULATOR_TIME_SCALE)
    names = _emulated_businesses(args, start)
    given = start.get("campaignIds")
    given_ids = (
        {c for c in given if isinstance(c, int) and not isinstance(c, bool) and c > 0}
        if isinstance(given, list)
        else set()
    )
    tokens = {}
    for number, name in enumerate(names, 1):
        shops = [number * 1000 + shop for shop in range(1, args.shops + 1)]
        if number == 1:  # the given campaign ids are the first business's shops
            shops = sorted(given_ids | set(shops))
        tokens[name] = secrets.token_urlsafe(24)
        emulator.add_business(name=name, token=tokens[name], business_id=5000 + number, campaign_ids=shops)
    key = tokens[names[0]] if len(tokens) == 1 else json.dumps(tokens)
    with emulator:
        yield emulator.base_url, key, {"BusinessName": names[0] if len(names) == 1 else "demo"}


def archives(objects: dict[str, bytes]) -> list[dict[str, Any]]:
    return [{"key": k, "size": len(v), "sha256": hashlib.sha256(v).hexdigest()} for k, v in sorted(objects.items())]


def _write(objects: dict[str, bytes], out: Path) -> None:
    for key, body in objects.items():
        target = (out / key).resolve()
        if out.resolve() not in target.parents:
            raise ValueError(f"refusing to write outside {out}: {key}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)


def copy_out(objects: dict[str, bytes], out: Path, replace: bool = False) -> None:
    """Write the objects under ``out`` by key. ``replace``: ``out`` then holds this run's objects only (written
    aside, then swapped in: a run killed midway, or another run at the same time, never leaves a mixed folder)."""
    if not replace:
        _write(objects, out)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    _write(objects, staging)
    for _attempt in range(10):
        old = out.parent / f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        with contextlib.suppress(FileNotFoundError):
            out.rename(old)
        try:
            staging.rename(out)
        except OSError:  # another run put its copy in between: set that one aside too
            continue
        finally:
            shutil.rmtree(old, ignore_errors=True)
        return
    shutil.rmtree(staging, ignore_errors=True)
    raise OSError(f"could not replace {out}: other runs keep writing it")


def index_pages(result: dict[str, Any]) -> list[Path]:
    """The index pages of the archive's copy (one per business), to open in a browser."""
    out = result.get("out")
    if not out:
        return []
    return [Path(out) / a["key"] for a in result["archives"] if a["key"].endswith("/index.html")]


def where(result: dict[str, Any], replaced: bool) -> list[str]:
    """Where the archive's copy is, and its index pages."""
    if not result.get("out"):
        return []
    note = "each run without --out replaces it" if replaced else "the bucket's keys as paths"
    lines = [f"Archive kept in {result['out']}/ ({note}); verify it: .venv/bin/python -m local.verify {result['out']}"]
    lines += [f"Index page (open it in a browser): {page}" for page in result["index"]]
    return lines


def summary(result: dict[str, Any], apis: list[str], bucket: str, replaced: bool, log: Path) -> str:
    lines = [f"Execution {result['status']}" + (f": {result['error']}" if result.get("error") else "")]
    if result.get("cause"):
        lines.append(f"  {result['cause']}")
    if result.get("error") == INVALID_INPUT:
        lines.append("  The start input was refused before anything ran (exit status 2).")
    lines += apis
    lines.append(f"Archive (embedded S3 bucket {bucket}):" if result["archives"] else "Archive: nothing stored")
    for item in result["archives"]:
        lines.append(f"  s3://{bucket}/{item['key']}  {item['size']} bytes  sha256 {item['sha256']}")
    lines += where(result, replaced)
    lines.append("Announcements (SNS):" if result["notifications"] else "Announcements: none")
    for notice in result["notifications"]:
        lines.append(f"  {notice['subject']}")
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            lines.append("    " + json.loads(notice["message"])["message"].replace("\n", "\n    "))
    lines.append(f"Function logs: {log}")
    return "\n".join(lines)


def _result(execution: Any, aws: EmbeddedAws, out: Path, replace: bool) -> dict[str, Any]:
    objects = aws.objects()
    if objects:  # a run that stored nothing (refused, or failed throughout) leaves the folder as it was
        copy_out(objects, out, replace)
    result = {
        "status": execution.status,
        "error": execution.error,
        "cause": execution.cause,
        "output": execution.output,
        "archives": archives(objects),
        "out": str(out.resolve()) if objects else None,
        "notifications": [
            {"subject": n.subject, "message": n.message, "attributes": n.attributes} for n in aws.notifications()
        ],
    }
    result["index"] = [str(page) for page in index_pages(result)]
    return result


@contextlib.contextmanager
def _logging_to(log: TextIO) -> Iterator[None]:
    """Every logging handler already bound to the real stdout or stderr writes to ``log`` for the run: a layer
    module imported before it (e.g. by --report's list of kinds) creates Powertools' logger on the real stdout,
    and stdout must hold nothing but the result. Handlers created during the run get the redirected streams."""
    moved = []
    loggers = [
        logging.getLogger(),
        *(v for v in logging.root.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.__stdout__, sys.__stderr__):
                moved.append((handler, handler.setStream(log)))
    try:
        yield
    finally:
        for handler, stream in moved:
            handler.setStream(stream)


def _progress(aws: EmbeddedAws, args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """Progress on the real stderr (a live line on a terminal), unless --quiet."""
    if args.quiet:
        return contextlib.nullcontext()
    return Progress(aws, sys.stderr, live=sys.stderr.isatty())


def run(args: argparse.Namespace, log: TextIO) -> tuple[dict[str, Any], str]:
    """(the --json result, the readable summary). The Market (unless --source) and every source the run calls,
    each at its --api-url or on its local emulator."""
    start = start_input(args)
    out, replace = (args.out, False) if args.out else (DEFAULT_OUT, True)
    with contextlib.ExitStack() as stack:
        systems = stack.enter_context(run_sources.systems(args, start))
        direct = any(run_sources.keeps_direct_state(args, s) for s in systems)
        if direct:  # before anything else: another runner using the file is waited for, or refused
            stack.enter_context(direct_state.held(args.operation_num_file))
        apis = [system.label() for system in systems]
        parameters: dict[str, str] = {}
        key, market_url = "unused", None  # a --source run calls only that system
        if not args.source:
            market_url, key, parameters = stack.enter_context(market(args, start))
            apis.insert(0, f"Market API: {market_url}" + ("" if args.api_url else " (local emulator)"))
        emulated = not args.api_url and all(system.emulated for system in systems)
        scale = args.time_scale or (EMULATOR_TIME_SCALE if emulated else 1.0)
        notice_mode = args.notice_mode or ("EACH" if args.source else None)
        for name, value in (
            ("NoticeMode", notice_mode),
            ("ReportFormat", args.report_format),
            ("NoticeLanguage", args.language),
        ):
            if value:
                parameters[name] = value
        for system in systems:
            parameters.update(system.parameters)
        aws = stack.enter_context(
            EmbeddedAws(
                api_key=key,
                parameters=parameters,
                time_scale=scale,
                market_url=market_url,
                secrets={k: v for system in systems for k, v in system.secrets.items()},
            )
        )
        stack.enter_context(_progress(aws, args))
        stack.enter_context(contextlib.redirect_stdout(log))
        stack.enter_context(contextlib.redirect_stderr(log))
        stack.enter_context(_logging_to(log))
        if direct:
            lock_table = boto3.resource("dynamodb", region_name=REGION).Table(aws.environment["LOCK_TABLE"])
            stack.enter_context(direct_state.kept(args.operation_num_file, lock_table))
        execution = aws.run(start, timeout=_ASL_TIMEOUT_SECONDS * scale + 60)
        result = _result(execution, aws, out, replace)
        return result, summary(result, apis, aws.bucket, replace, Path(log.name))


def exit_status(result: dict[str, Any]) -> int:
    """0 succeeded; 2 the start input was refused before anything ran (InvalidInput); 1 any other failure."""
    if result["status"] == "SUCCEEDED":
        return 0
    return 2 if result.get("error") == INVALID_INPUT else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log_path = args.log or Path(tempfile.mkstemp(prefix="closing-docs-", suffix=".log")[1])
    if not args.quiet:
        print(f"Function logs: {log_path}", file=sys.stderr, flush=True)
    with log_path.open("w") as log:
        try:
            result, text = run(args, log)
        except direct_state.StateBusy as busy:  # another runner holds Direct's state: nothing of this run started
            print(f"error: {busy}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        if not args.quiet:  # where to look, on stderr: stdout holds the JSON only
            print("\n".join(where(result, replaced=args.out is None)), file=sys.stderr)
    else:
        print(text)
    return exit_status(result)


if __name__ == "__main__":
    sys.exit(main())
