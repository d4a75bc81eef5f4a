"""Run one of the other systems' emulators on its own, for any client (the runner starts them itself for
``--source X`` without ``--api-url``):

    python -m local.sources activeplatform [--port P] [--token T] [--reseller-id R] [--account-id A]
                                           [--document-key GUID ...] [--month YYYY-MM]
    python -m local.sources ofd [--port P] [--auth-key K1] [--ofd-key K2] [--company ID ...]
    python -m local.sources direct-invoice [--port P] [--token T] [--master-token M] [--login L]
                                           [--payment CAMPAIGN_ID:SUM:CURRENCY ...]

It prints one JSON line on stdout (its URL, the credentials it accepts, what it serves) and serves until
interrupted. Credentials not given are made up; the documents are the samples' (events/start-*.json) unless given.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from local import run_sources


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local.sources", description=__doc__.splitlines()[0])
    systems = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
    for source in run_sources.SOURCES:
        sub = systems.add_parser(source, help=f"the {run_sources.LABELS[source]} emulator")
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=0, help="default: any free port")
        sub.add_argument("--verbose", action="store_true", help="each call on stderr (secrets masked)")
        if source == "activeplatform":
            sub.add_argument("--token", help="the manager's X-Api-Token")
            sub.add_argument("--reseller-id", type=int, default=run_sources.DEMO_RESELLER)
            sub.add_argument("--account-id", type=int, default=run_sources.DEMO_ACCOUNT)
            sub.add_argument("--document-key", action="append", dest="document_keys", metavar="GUID")
            sub.add_argument("--month", help="the documents' month (default: the previous month, Moscow time)")
        elif source == "ofd":
            sub.add_argument("--auth-key", help="X-Yandex-Key")
            sub.add_argument("--ofd-key", help="X-OFD-Key")
            sub.add_argument("--company", action="append", dest="companies", metavar="ID")
        else:
            sub.add_argument("--token", help="the login's OAuth token")
            sub.add_argument("--master-token", help="the finance master token")
            sub.add_argument("--login", help=f"the Direct login (default {run_sources.DEMO_LOGIN})")
            sub.add_argument("--payment", action="append", dest="payments", metavar="CAMPAIGN_ID:SUM:CURRENCY")
    return parser


def _plan(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """(what the emulator serves, as a start input would ask for it; the credentials given)."""
    if args.source == "activeplatform":
        keys = [
            {"key": key, "resellerId": args.reseller_id, "accountId": args.account_id}
            for key in args.document_keys or [run_sources.DEMO_DOCUMENT_KEY]
        ]
        return {"documentKeys": keys, **({"month": args.month} if args.month else {})}, {"token": args.token}
    if args.source == "ofd":
        start = {"companyIds": args.companies} if args.companies else {}
        return start, {"authKey": args.auth_key, "ofdKey": args.ofd_key}
    payments = []
    for text in args.payments or [run_sources.DEMO_PAYMENT]:
        campaign, amount, currency = text.split(":")
        payments.append({"campaignId": int(campaign), "sum": amount, "currency": currency})
    credentials = {"token": args.token, "masterToken": args.master_token, "login": args.login}
    return {"payments": payments}, credentials


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    start, given = _plan(args)
    server, credentials = run_sources.emulator(args.source, start, {k: v for k, v in given.items() if v})
    server.host, server.port, server.verbose = args.host, args.port, args.verbose
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with server:
        print(
            json.dumps({"source": args.source, "url": server.base_url, "credentials": credentials, **start}), flush=True
        )
        print(f"{run_sources.LABELS[args.source]} emulator on {server.base_url}; Ctrl-C stops it", file=sys.stderr)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
