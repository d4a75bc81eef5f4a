"""The local runner's ``--source`` modes: ActivePlatform, Yandex OFD and Yandex Direct through the same state
machine on embedded AWS (only that source runs; the Market is not called).

    python -m local.run --source activeplatform [--document-key GUID ...] [--month YYYY-MM] --json
    python -m local.run --source ofd [--company-id ID ...] [--month YYYY-MM] --json
    python -m local.run --source direct-invoice [--payment CAMPAIGN_ID:SUM:CURRENCY ...] [--month YYYY-MM] --json

Without ``--api-url`` the system's emulator (``local/sources/``) is started on 127.0.0.1 with made-up credentials
and the documents the start input asks for (ActivePlatform: reseller 1, account 11, one document key by default;
OFD: the companies given, else ``company-1``; Direct: the campaigns of the payments, by default
``3193279:50000:RUB``), as the Market runs do. With ``--api-url`` it talks to that system and needs its
credentials and values:

    python -m local.run --source activeplatform --api-url URL --api-key TOKEN --reseller-id R --account-id A
        --document-key GUID [--document-key GUID ...] [--month YYYY-MM] --out DIR --time-scale F --json
    python -m local.run --source ofd --api-url URL --ofd-auth-key K1 --ofd-key K2 --month YYYY-MM
        [--company-id ID ...] --out DIR --time-scale F --json
    python -m local.run --source direct-invoice --api-url URL --api-key OAUTH --master-token M --login LOGIN
        --payment CAMPAIGN_ID:SUM:CURRENCY [--payment ...] --month YYYY-MM --out DIR --time-scale F --json

A start input (``--event FILE``) that names a source's kind (``activeplatform``, ``ofd-sales``,
``direct-invoice``) starts that source's emulator too, seeded from the file (its document keys, companies, payments).

Values go into the start input as given (the state machine validates them, as for a console start) and the
credentials into the source's secret of the embedded stack. Direct's operation numbers must only grow across every
call ever made with a login, runs of this runner included, and a month's invoice must not be created twice: the
runner keeps the last operation number per login and every invoice request it made (sent, or created, with its
URL) in ``--operation-num-file`` (default ``~/.local/state/closing-docs/direct-operation-numbers.json``): held by
one runner at a time, and written to disk before each request leaves (local/direct_state.py). Keep that file:
without it, the counter restarts from the clock's seconds and earlier invoices are no longer known (``force`` is
then the only thing that creates a second one, and Yandex refuses a reused number with error 354). A run on Direct's
emulator (a new one each run, which remembers nothing) keeps no state unless ``--operation-num-file`` is given.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SOURCES = ("activeplatform", "ofd", "direct-invoice")
KINDS = {"activeplatform": "activeplatform", "ofd": "ofd-sales", "direct-invoice": "direct-invoice"}  # source: kind
LABELS = {"activeplatform": "ActivePlatform API", "ofd": "Yandex OFD API", "direct-invoice": "Yandex Direct API"}
DEFAULT_OPERATION_FILE = Path.home() / ".local" / "state" / "closing-docs" / "direct-operation-numbers.json"

# What an emulated source serves when the run does not say (the samples' values, events/start-*.json).
DEMO_DOCUMENT_KEY = "0493e78a-e8ef-11e9-81b4-2a2ae2dbcce4"
DEMO_RESELLER, DEMO_ACCOUNT = 1, 11
DEMO_COMPANY = "company-1"
DEMO_PAYMENT = "3193279:50000:RUB"
DEMO_LOGIN = "demo-login"
_MSK = timezone(timedelta(hours=3))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sources (--source)")
    group.add_argument("--source", choices=SOURCES,
                       help="run another system's documents instead of the Market's (without --api-url: on its "
                            "local emulator)")  # fmt: skip
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
                       help="direct-invoice: where the operation numbers and invoice requests are kept "
                            "(local/direct_state.py)")  # fmt: skip
    group.add_argument("--invoice-number", metavar="NUMBER",
                       help="direct-invoice: after an outcome-unknown request, the invoice's number as Yandex "
                            "Balance shows it: recorded, nothing is sent (start input invoiceNumber)")  # fmt: skip


_CREDENTIALS = {  # per source, with --api-url: the credentials it needs (the argparse dest -> the flag)
    "activeplatform": {"api_key": "--api-key"},
    "ofd": {"ofd_auth_key": "--ofd-auth-key", "ofd_key": "--ofd-key"},
    "direct-invoice": {"api_key": "--api-key", "master_token": "--master-token", "login": "--login"},
}
_VALUES = {  # per source, with --api-url and no --event: the start input's values it needs
    "activeplatform": {"reseller_id": "--reseller-id", "account_id": "--account-id", "document_keys": "--document-key"},
    "ofd": {"month": "--month"},
    "direct-invoice": {"payments": "--payment"},
}


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Arguments a source needs, before anything starts (no call is made on an error). On its emulator (no
    --api-url) nothing is needed: the emulator's credentials are made up, its documents are the start input's."""
    if args.api_url:
        needs = {**_CREDENTIALS[args.source], **({} if args.event is not None else _VALUES[args.source])}
        missing = [flag for name, flag in needs.items() if getattr(args, name) is None]
        if missing:
            parser.error(
                f"--source {args.source} needs {', '.join(missing)} with --api-url "
                "(without --api-url it runs on its local emulator)"
            )
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


def start_input(args: argparse.Namespace) -> dict[str, Any]:
    """The start input of a --source run from its options (on the emulator, its defaults fill what is not given)."""
    month = {"month": args.month} if args.month else {}
    month |= {"force": True} if args.force else {}
    if args.source == "activeplatform":
        reseller = DEMO_RESELLER if args.reseller_id is None else args.reseller_id
        account = DEMO_ACCOUNT if args.account_id is None else args.account_id
        keys = [{"key": k, "resellerId": reseller, "accountId": account}
                for k in args.document_keys or [DEMO_DOCUMENT_KEY]]  # fmt: skip
        return {"reports": ["activeplatform"], "documentKeys": keys, **month}
    if args.source == "ofd":
        companies = {"companyIds": args.company_ids} if args.company_ids else {}
        return {"reports": ["ofd-sales"], **companies, **month}
    payments = []
    for text in args.payments or [DEMO_PAYMENT]:
        campaign, amount, currency = text.split(":")
        payments.append({"campaignId": _number(campaign), "sum": _number(amount), "currency": currency})
    number = {"invoiceNumber": args.invoice_number} if args.invoice_number is not None else {}
    return {"reports": ["direct-invoice"], "payments": payments, **number, **month}


@dataclass
class System:
    """A source this run calls: its URL (an emulator's or --api-url), its template parameters and secret."""

    source: str
    url: str
    emulated: bool
    parameters: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        return f"{LABELS[self.source]}: {self.url}" + (" (local emulator)" if self.emulated else "")


def _configure(source: str, url: str, credentials: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(template parameters, secrets by logical id) that turn a source on."""
    if source == "activeplatform":
        return {"ActivePlatformApiUrl": url}, {"ActivePlatformSecret": credentials["token"]}
    if source == "ofd":
        return {"OfdApiUrl": url}, {"OfdSecret": json.dumps(credentials)}
    return {"DirectApiUrl": url}, {"DirectSecret": json.dumps(credentials)}


def _given(args: argparse.Namespace) -> dict[str, str]:
    """The credentials given on the command line (for --source's system), by the secret's field."""
    if args.source == "activeplatform":
        return {"token": args.api_key}
    if args.source == "ofd":
        return {"authKey": args.ofd_auth_key, "ofdKey": args.ofd_key}
    return {"token": args.api_key, "masterToken": args.master_token, "login": args.login}


def requested(start: Any) -> list[str]:
    """The sources whose kinds a start input names (in ``reports``)."""
    reports = start.get("reports") if isinstance(start, dict) else None
    names = set(reports) if isinstance(reports, list) and all(isinstance(r, str) for r in reports) else set()
    return [source for source in SOURCES if KINDS[source] in names]


def _month(start: dict[str, Any]) -> tuple[date, date]:
    """The first and last day of the start input's month, else of the month before this one (Moscow time)."""
    text = start.get("month")
    if isinstance(text, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        first = date(int(text[:4]), int(text[5:]), 1)
    else:
        this = datetime.now(UTC).astimezone(_MSK).date().replace(day=1)
        first = (this - timedelta(days=1)).replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def emulator(
    source: str, start: dict[str, Any], credentials: dict[str, str] | None = None
) -> tuple[Any, dict[str, str]]:
    """(the source's emulator, not started; its credentials, by the secret's field) serving what ``start`` asks
    for. ``credentials``: the ones to accept (made up when not given)."""
    from local.sources.activeplatform import ActivePlatformEmulator
    from local.sources.direct import CURRENCIES, DirectEmulator
    from local.sources.ofd import OfdEmulator

    given = {k: v for k, v in (credentials or {}).items() if v}
    if source == "activeplatform":
        made = {"token": secrets.token_urlsafe(24), **given}
        platform = ActivePlatformEmulator(made["token"])
        first, last = _month(start)
        keys = start.get("documentKeys")
        for number, item in enumerate(keys if isinstance(keys, list) else [], 1):
            if isinstance(item, dict) and isinstance(item.get("key"), str) and item["key"]:
                reseller, account = item.get("resellerId"), item.get("accountId")
                if isinstance(reseller, int) and isinstance(account, int):
                    with contextlib.suppress(ValueError):  # a key twice: the state machine says so
                        platform.add_document(
                            reseller, account, item["key"], name=f"Act {number} {first:%Y-%m}",
                            content=f"%PDF-1.4\n% closing document {item['key']}\n%%EOF\n".encode(),
                            start_date=first.isoformat(), end_date=last.isoformat(),
                        )  # fmt: skip
        return platform, made
    if source == "ofd":
        made = {"authKey": secrets.token_urlsafe(24), "ofdKey": secrets.token_urlsafe(24), **given}
        ofd = OfdEmulator(made["authKey"], made["ofdKey"])
        companies = start.get("companyIds")
        names = [c for c in companies if isinstance(c, str) and c] if isinstance(companies, list) else []
        for seed, company in enumerate(names or [DEMO_COMPANY], 1):
            ofd.set_company(company, seed=seed)
        return ofd, made
    made = {"token": secrets.token_urlsafe(24), "masterToken": secrets.token_urlsafe(24), "login": DEMO_LOGIN}
    made |= given
    payments = start.get("payments")
    campaigns = {
        p["campaignId"]: p["currency"]
        for p in (payments if isinstance(payments, list) else [])
        if isinstance(p, dict) and isinstance(p.get("campaignId"), int) and p.get("currency") in CURRENCIES
    }
    return DirectEmulator(made["token"], made["masterToken"], made["login"], campaigns), made


@contextlib.contextmanager
def systems(args: argparse.Namespace, start: dict[str, Any]) -> Iterator[list[System]]:
    """The sources this run calls, started: --source's system (at --api-url, or its emulator) and the emulator of
    every other source the start input names (``reports``). An emulated Direct's login is put in ``args.login``."""
    wanted = [s for s in SOURCES if s == args.source or s in requested(start)]
    with contextlib.ExitStack() as stack:
        started = []
        for source in wanted:
            mine = source == args.source
            if mine and args.api_url:
                url, credentials, emulated = args.api_url.rstrip("/"), _given(args), False
            else:
                server, credentials = emulator(source, start, _given(args) if mine else None)
                url, emulated = stack.enter_context(server).base_url, True
                if source == "direct-invoice" and args.login is None:
                    args.login = credentials["login"]
            parameters, secrets_ = _configure(source, url, credentials)
            started.append(System(source, url, emulated, parameters, secrets_))
        yield started


def keeps_direct_state(args: argparse.Namespace, system: System) -> bool:
    """Whether the runner loads and keeps Direct's operation numbers: always for a real Direct; for its emulator
    (new each run, remembering nothing) only into an --operation-num-file given on purpose."""
    return system.source == "direct-invoice" and (
        not system.emulated or args.operation_num_file != DEFAULT_OPERATION_FILE
    )
