"""docs/close.png: a picture of close.xlsx's first sheets, for the README (dev only; needs openpyxl and Chromium).

    .venv/bin/python scripts/close_screenshot.py [--language ru|en] [--out docs/close.png]

Closes a small synthetic truth (local/emulator/truth.py) with a few discrepancies the checks look for (a payment
order, a VAT sum, a payout that lags), reads the workbook back with openpyxl (as an accountant's spreadsheet program
would), lays its first sheets out as HTML tables and has headless Chromium take the picture. Nothing here is shipped.
"""

from __future__ import annotations

import argparse
import html
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "closing_docs" / "python")]

from openpyxl import load_workbook  # noqa: E402

from closing_docs.close import CloseInput, ReportFile, run  # noqa: E402
from closing_docs.domain.months import Month  # noqa: E402
from local.emulator import truth  # noqa: E402

SHEETS = 2  # the summary and the discrepancies: what the accountant opens first
ROWS = 30


def _shown(value: object) -> str:
    """A cell as the workbook's money format shows it (two decimals)."""
    if value is None:
        return ""
    return f"{value:,.2f}".replace(",", "\u00a0") if isinstance(value, float) else str(value)


def _page(workbook_path: Path) -> str:
    workbook = load_workbook(workbook_path, read_only=True)
    parts = []
    for sheet in workbook.worksheets[:SHEETS]:
        rows = []
        for number, row in enumerate(sheet.iter_rows(values_only=True)):
            if number >= ROWS:
                break
            tag = "th" if number == 0 else "td"
            cells = "".join(f"<{tag}>{html.escape(_shown(v))}</{tag}>" for v in row)
            rows.append(f"<tr>{cells}</tr>")
        parts.append(f"<h2>{html.escape(sheet.title)}</h2><table>{''.join(rows)}</table>")
    style = (
        "body{font:13px sans-serif;margin:16px;background:#fff}h2{font-size:15px;margin:14px 0 6px}"
        "table{border-collapse:collapse}td,th{border:1px solid #c8c8c8;padding:3px 7px;text-align:left;"
        "white-space:nowrap;max-width:520px;overflow:hidden;text-overflow:ellipsis}th{background:#e8eef5}"
    )
    return f"<!doctype html><meta charset=utf-8><style>{style}</style>{''.join(parts)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=["ru", "en"], default="ru")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "close.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        pack = truth.Truth(orders=40).with_knobs(payment_order_off=True, vat_off=True, payout_lag=True)
        reports = [
            ReportFile.from_path(f.kind, path, campaign_id=f.campaign_id, contract_type=f.contract_type)
            for f, path in pack.write_pack(work / "pack")
        ]
        month = Month.parse(pack.month)
        run(CloseInput("main", pack.business_id, month, reports), work / "close", language=args.language)
        page = work / "close.html"
        page.write_text(_page(work / "close" / "close.xlsx"), encoding="utf-8")
        subprocess.run(  # noqa: S603 (the Chromium the developer names, on a page this script wrote)
            [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--screenshot={args.out.resolve()}", "--window-size=1400,900", page.as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
