"""The close's entry point: read a business-month's pack once, check it, write its files to a sink."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from closing_docs.close.engine import Engine
from closing_docs.close.ledger import Ledger
from closing_docs.close.model import KINDS, CloseInput, CloseResult
from closing_docs.close.outputs import (
    checks_json,
    close_xlsx,
    dump_json,
    payment_orders_csv,
    sales_returns_xlsx,
    services_xlsx,
)

OUTPUTS: tuple[str, ...] = (
    "ledger.csv",
    "checks.json",
    "close.xlsx",
    "1c/sales-returns.xlsx",
    "1c/services.xlsx",
    "payment-orders.csv",
)
"""What :func:`run` writes, relative to the sink (the archive puts them under ``<month>/<business>/close/``)."""

Sink = Path | str | Callable[[str], IO[bytes]]
"""A directory, or ``open_output(relative_name) -> writable binary file`` (closed by the close)."""


def wanted(close_input: CloseInput) -> bool:
    """Whether a close runs at all: only when a table report was requested."""
    return bool(close_input.requested & set(KINDS))


@contextlib.contextmanager
def _opened(sink: Sink, name: str) -> Iterator[IO[bytes]]:
    if callable(sink):
        out = sink(name)
    else:
        path = Path(sink) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        out = path.open("wb")
    try:
        yield out
    finally:
        out.close()


def run(close_input: CloseInput, sink: Sink, language: str = "ru") -> CloseResult:
    """Close ``close_input``'s month: read its reports (streamed), run the checks, write :data:`OUTPUTS` to ``sink``.

    Returns the content of ``checks.json``. The checks never raise: a report that cannot be read makes the checks
    that need it SKIPPED, with the reason. Only a sink that cannot be written to raises.
    """
    with _opened(sink, "ledger.csv") as out:
        ledger = Ledger(out)
        engine = Engine(close_input, ledger, language)
        engine.read()
        ledger.close()
    engine.finish()
    results = engine.results()
    document = checks_json(engine, results)
    with _opened(sink, "checks.json") as out:
        out.write(dump_json(document))
    with _opened(sink, "close.xlsx") as out:
        close_xlsx(out, engine, document, language)
    with _opened(sink, "1c/sales-returns.xlsx") as out:
        sales_returns_xlsx(out, engine)
    with _opened(sink, "1c/services.xlsx") as out:
        services_xlsx(out, engine)
    with _opened(sink, "payment-orders.csv") as out:
        payment_orders_csv(out, engine)
    return CloseResult(checks=document, outputs=list(OUTPUTS))
