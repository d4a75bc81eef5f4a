"""``ledger.csv``: one row per data row of every sheet the close read, nothing dropped.

The dialect of the archive's ``index.csv`` (:func:`closing_docs.index.render_csv`): ``;`` between fields, CRLF, UTF-8
with a BOM. Amounts are signed (+ owed to the seller), dot decimals, two places. Written as the reports are read.
"""

from __future__ import annotations

import csv
import io
from typing import IO

COLUMNS = (
    "month",
    "business_id",
    "campaign_id",
    "source_report",
    "source_sheet",
    "source_row_key",
    "event_type",
    "event_date",
    "order_id",
    "sku",
    "offer_name",
    "qty",
    "amount",
    "vat_rate",
    "vat_amount",
    "act_id",
    "bank_order_id",
    "bank_order_date",
    "payment_status",
)
EVENT_TYPES = (
    "sale",
    "return",
    "unredeemed",
    "lost_compensation",
    "transfer",
    "service",
    "payout",
    "withholding",
    "accrual",
    "refund",
    "other",
)


def text(value: str) -> str:
    """Free text as index.csv writes it: a leading ``= + - @`` would make Excel read a formula, so it gets a ``'``."""
    return "'" + value if value and value[0] in "=+-@\t\r" else value


class Ledger:
    """Writes rows to a binary file as they come.

    :meth:`write` takes the 19 values of :data:`COLUMNS`, each ``str`` (or ``int``). A row none of whose values holds
    a ``;``, a quote or a line break is joined directly (what ``csv.writer`` would write for it, faster); any other
    goes through ``csv.writer``, which quotes.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
        self._text.write("\ufeff")
        writer = csv.writer(self._text, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        put, careful = self._text.write, writer.writerow

        def write(values: tuple[object, ...] | list[object]) -> None:
            try:
                joined = ";".join(values)  # type: ignore[arg-type]
            except TypeError:  # an int among them
                careful(values)
                return
            if joined.count(";") != 18 or '"' in joined or "\n" in joined or "\r" in joined:
                careful(values)
            else:
                put(joined + "\r\n")

        self.write = write

    def close(self) -> None:
        self._text.flush()
        self._text.detach()
