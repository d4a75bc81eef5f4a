"""The local runner's ``--source`` modes: ActivePlatform, Yandex OFD and Yandex Direct through the same state
machine on embedded AWS (only that source runs; the Market is not called).

    python -m local.run --source activeplatform --api-url URL --api-key TOKEN --reseller-id R --account-id A
        --document-key GUID [--document-key GUID ...] [--month YYYY-MM] --out DIR --time-scale F --json
    python -m local.run --source ofd --api-url URL --ofd-auth-key K1 --ofd-key K2 --month YYYY-MM
        [--company-id ID ...] --out DIR --time-scale F --json
    python -m local.run --source direct-invoice --api-url URL --api-key OAUTH --master-token M --login LOGIN
        --payment CAMPAIGN_ID:SUM:CURRENCY [--payment ...] --month YYYY-MM --out DIR --time-scale F --json

Values go into the start input as given (the state machine validates them, as for a console start) and the
credentials into the source's secret of the embedded stack. Direct's operation numbers must only grow across every
call ever made with a login, runs of this runner included, and a month's invoice must not be created twice: the
runner keeps the last operation number per login and every invoice request it made (sent, or created, with its
URL) in ``--operation-num-file`` (default ``~/.local/state/closing-docs/direct-operation-numbers.json``), loads
them into the embedded stack's lock table before the run and writes them back after. Keep that file: without it,
the counter restarts from the clock's seconds and earlier invoices are no longer known (``force`` is then the
only thing that creates a second one, and Yandex refuses a reused number with error 354).
"""

from __future__ import annotations

import argparse
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

SOURCES = ("activeplatform", "ofd", "direct-invoice")
DEFAULT_OPERATION_FILE = Path.home() / ".local" / "state" / "closing-docs" / "direct-operation-numbers.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sources (--source)")
    group.add_argument("--source", choices=SOURCES, help="run another system's documents instead of the Market's")
    group.add_argument("--reseller-id", type=int, help="activeplatform: the reseller id")
    group.add_argument("--account-id", type=int, help="activeplatform: the account id")
    group.add_argument("--document-key", action="append", dest="document_keys", metavar="GUID",
                       help="activeplatform: a closing document's key in the ERP; repeatable")  # fmt: skip
    group.add_argument("--ofd-auth-key", help="ofd: the X-Yandex-Key")
    group.add_argument("--ofd-key", help="ofd: the X-OFD-Key")
    group.add_argument("--company-id", action="append", dest="company_ids", metavar="ID", help="ofd: repeatable")
    group.add_argument("--master-token", help="direct-invoice: the finance master token")
    group.add_argument("--login", help="direct-invoice: the Direct login")
    group.add_argument("--payment", action="append", dest="payments", metavar="CAMPAIGN_ID:SUM:CURRENCY",
                       help="direct-invoice: a payment of the invoice; repeatable")  # fmt: skip
    group.add_argument("--operation-num-file", type=Path, default=DEFAULT_OPERATION_FILE,
                       help="direct-invoice: where the last operation number per login is kept")  # fmt: skip


_NEEDS = {  # per source: the options it needs (the argparse dest -> the flag)
    "activeplatform": {
        "api_url": "--api-url",
        "api_key": "--api-key",
        "reseller_id": "--reseller-id",
        "account_id": "--account-id",
        "document_keys": "--document-key",
    },
    "ofd": {"api_url": "--api-url", "ofd_auth_key": "--ofd-auth-key", "ofd_key": "--ofd-key", "month": "--month"},
    "direct-invoice": {
        "api_url": "--api-url",
        "api_key": "--api-key",
        "master_token": "--master-token",
        "login": "--login",
        "payments": "--payment",
    },
}


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Arguments a source needs, before anything starts (no call is made on an error)."""
    missing = [flag for name, flag in _NEEDS[args.source].items() if not getattr(args, name)]
    if missing:
        parser.error(f"--source {args.source} needs {', '.join(missing)}")
    for payment in args.payments or ():
        if not re.fullmatch(r"[^:]+:[^:]+:[^:]+", payment):
            parser.error(f"--payment {payment!r}: must be CAMPAIGN_ID:SUM:CURRENCY, e.g. 3193279:50000:RUB")


def _number(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def setup(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """(template parameters, secrets by logical id, start input) of a source run."""
    month = {"month": args.month} if args.month else {}
    month |= {"force": True} if args.force else {}
    if args.source == "activeplatform":
        keys = [{"key": k, "resellerId": args.reseller_id, "accountId": args.account_id} for k in args.document_keys]
        return (
            {"ActivePlatformApiUrl": args.api_url},
            {"ActivePlatformSecret": args.api_key},
            {"reports": ["activeplatform"], "documentKeys": keys, **month},
        )
    if args.source == "ofd":
        companies = {"companyIds": args.company_ids} if args.company_ids else {}
        return (
            {"OfdApiUrl": args.api_url},
            {"OfdSecret": json.dumps({"authKey": args.ofd_auth_key, "ofdKey": args.ofd_key})},
            {"reports": ["ofd-sales"], **companies, **month},
        )
    payments = []
    for text in args.payments:
        campaign, amount, currency = text.split(":")
        payments.append({"campaignId": _number(campaign), "sum": _number(amount), "currency": currency})
    return (
        {"DirectApiUrl": args.api_url},
        {"DirectSecret": json.dumps({"token": args.api_key, "masterToken": args.master_token, "login": args.login})},
        {"reports": ["direct-invoice"], "payments": payments, **month},
    )


def _state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        return {"operationNumbers": {}, "invoiceRequests": []}
    return {
        "operationNumbers": dict(state.get("operationNumbers", {})),
        "invoiceRequests": list(state.get("invoiceRequests", [])),
    }


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: int(v) if isinstance(v, Decimal) else v for k, v in item.items()}


def seed_direct_state(args: argparse.Namespace, table: Any) -> None:
    """Before a Direct run: the stack's counter continues from the last number this runner used with the login, and
    the invoice requests it made (sent, or created) are known again, so no run invoices the same month twice."""
    state = _state(args.operation_num_file)
    last = state["operationNumbers"].get(args.login)
    if last is not None:
        table.put_item(Item={"pk": f"direct-opnum#{args.login}", "n": int(last)})
    for item in state["invoiceRequests"]:
        table.put_item(Item=item)


def keep_direct_state(args: argparse.Namespace, table: Any) -> None:
    """After a Direct run: keep the counter and the invoice requests (written atomically)."""
    state = _state(args.operation_num_file)
    items = [_plain(i) for i in table.scan()["Items"] if str(i["pk"]).startswith(("direct-opnum#", "direct-invoice#"))]
    for item in items:
        if item["pk"] == f"direct-opnum#{args.login}":
            state["operationNumbers"][args.login] = max(
                int(item["n"]), int(state["operationNumbers"].get(args.login, 0))
            )
    kept = {i["pk"]: i for i in state["invoiceRequests"]}
    kept.update({i["pk"]: i for i in items if str(i["pk"]).startswith("direct-invoice#")})
    state["invoiceRequests"] = list(kept.values())
    args.operation_num_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.operation_num_file.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2, ensure_ascii=False))
    temporary.replace(args.operation_num_file)  # atomic: a killed run never leaves half a file
