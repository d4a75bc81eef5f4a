"""Run the Market emulator in the foreground.

    python -m local.emulator --port 8080 --token TOKEN --campaign 1001 --campaign 1002:NO_DATA \\
        --campaign 1003:FAILED --time-scale 1 --generation-seconds 40

Prints the base URL on one line, then serves until Ctrl-C or SIGTERM. ``--campaign ID[:OUTCOME]`` adds a
campaign to the business of ``--token`` (outcome: DONE, NO_DATA, FAILED, TOO_LARGE, RESOURCE_NOT_FOUND).
Yandex's limits are enforced with 420s: ``--parallel-limit`` (default 4), ``--active-reports-limit``
(default 1, reports of every kind together; ``none`` for unlimited) and ``--rate-limit OP:REQUESTS/SECONDS``
(ops: generate, info, campaigns and each table report kind, e.g. ``united-netting:1/60``; defaults: the spec's).
The table reports (closure-documents-detalization, goods-realization, united-marketplace-services, united-netting)
are always served, with the default outcomes of ``MarketEmulator.set_outcome`` (DONE; a MARKETING detalization NO_DATA);
their CSV form for a calendar month comes from one synthetic truth (local.emulator.truth) unless ``--layout-tables``.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from local.emulator.server import OUTCOMES, RATE_LIMITS, MarketEmulator


@dataclass(frozen=True)
class CampaignArg:
    """A parsed ``--campaign ID[:OUTCOME]``."""

    campaign_id: int
    outcome: str | None


def campaign_arg(text: str) -> CampaignArg:
    """argparse type for ``--campaign``."""
    raw_id, _, outcome = text.partition(":")
    try:
        campaign_id = int(raw_id)
    except ValueError:
        raise argparse.ArgumentTypeError(f"campaign id must be an integer: {raw_id!r}") from None
    if campaign_id < 1:
        raise argparse.ArgumentTypeError("campaign id must be >= 1")
    if outcome and outcome not in OUTCOMES:
        raise argparse.ArgumentTypeError(f"outcome must be one of {', '.join(OUTCOMES)}")
    return CampaignArg(campaign_id, outcome or None)


def padding_arg(text: str) -> tuple[int, int]:
    """argparse type for ``--padding CAMPAIGN:BYTES``."""
    try:
        campaign, size = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError("expected CAMPAIGN:BYTES") from None
    return campaign, size


def limit_arg(text: str) -> int | None:
    """argparse type for a limit: a positive integer, or ``none`` for unlimited."""
    if text.lower() in ("none", "unlimited"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'none': {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("a limit must be at least 1 (or 'none')")
    return value


def rate_limit_arg(text: str) -> tuple[str, tuple[int, float]]:
    """argparse type for ``--rate-limit OP:REQUESTS/SECONDS`` (e.g. ``info:100/60``)."""
    op, _, rest = text.partition(":")
    if op not in RATE_LIMITS:
        raise argparse.ArgumentTypeError(f"op must be one of {', '.join(RATE_LIMITS)}")
    try:
        requests, seconds = rest.split("/")
        limit = (int(requests), float(seconds))
    except ValueError:
        raise argparse.ArgumentTypeError("expected OP:REQUESTS/SECONDS, e.g. info:100/60") from None
    if limit[0] < 1 or limit[1] <= 0:
        raise argparse.ArgumentTypeError("need at least 1 request per a positive number of seconds")
    return op, limit


def build_parser() -> argparse.ArgumentParser:
    """The command line; add options here (e.g. several --business NAME:TOKEN later)."""
    parser = argparse.ArgumentParser(prog="python -m local.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port (default 8080)")
    parser.add_argument("--token", required=True, help="the Api-Key token of the emulated business")
    parser.add_argument("--business-name", default="main")
    parser.add_argument("--business-id", type=int, default=5001)
    parser.add_argument(
        "--campaign",
        type=campaign_arg,
        action="append",
        default=[],
        metavar="ID[:OUTCOME]",
        help="a campaign of the business, optionally with its outcome; repeat (default: 1001)",
    )
    parser.add_argument(
        "--padding",
        type=padding_arg,
        action="append",
        default=[],
        metavar="CAMPAIGN:BYTES",
        help="pad that campaign's archives with a stored PDF of BYTES bytes",
    )
    parser.add_argument("--time-scale", type=float, default=1.0, help="real seconds per emulated second")
    parser.add_argument("--generation-seconds", type=float, default=40.0)
    parser.add_argument("--estimate-ms", type=int, default=30000)
    parser.add_argument("--link-ttl-seconds", type=float, default=3600.0)
    parser.add_argument(
        "--parallel-limit",
        type=limit_arg,
        default=4,
        metavar="N|none",
        help="API requests of the business in flight at once before 420 (default 4)",
    )
    parser.add_argument(
        "--active-reports-limit",
        type=limit_arg,
        default=1,
        metavar="N|none",
        help="reports generating at once before generate answers 420 (default 1)",
    )
    parser.add_argument(
        "--rate-limit",
        type=rate_limit_arg,
        action="append",
        default=[],
        metavar="OP:REQUESTS/SECONDS",
        help="per-resource limit in emulated seconds; repeat (default: "
        + ", ".join(f"{op}:{n}/{s}" for op, (n, s) in RATE_LIMITS.items())
        + ")",
    )
    parser.add_argument(
        "--api-latency-seconds", type=float, default=0.0, help="emulated time each API request takes (default 0)"
    )
    parser.add_argument(
        "--layout-tables",
        action="store_false",
        dest="truth_tables",
        help="serve every table file as a layout sample; by default the CSV of the four table kinds over a month "
        "comes from one synthetic truth, so the month's close comes out OK",
    )
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr (never the token)")
    return parser


def configure(args: argparse.Namespace) -> MarketEmulator:
    """An emulator set up from parsed arguments (not started)."""
    emulator = MarketEmulator(
        time_scale=args.time_scale,
        generation_seconds=args.generation_seconds,
        estimate_ms=args.estimate_ms,
        link_ttl_seconds=args.link_ttl_seconds,
        host=args.host,
        port=args.port,
        verbose=args.verbose,
        rate_limits=dict(args.rate_limit),
        parallel_limit=args.parallel_limit,
        active_reports_limit=args.active_reports_limit,
        api_latency_seconds=args.api_latency_seconds,
        truth_tables=args.truth_tables,
    )
    campaigns = args.campaign or [CampaignArg(1001, None)]
    emulator.add_business(
        name=args.business_name,
        token=args.token,
        business_id=args.business_id,
        campaign_ids=[c.campaign_id for c in campaigns],
    )
    for campaign in campaigns:
        if campaign.outcome:
            emulator.set_outcome(campaign.campaign_id, campaign.outcome)
    for campaign_id, size in args.padding:
        emulator.set_padding(campaign_id, size)
    return emulator


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM."""
    args = build_parser().parse_args(argv)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with configure(args) as emulator:
        print(emulator.base_url, flush=True)
        while not stopped.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
