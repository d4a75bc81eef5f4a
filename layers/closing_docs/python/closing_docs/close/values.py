"""Values as the table reports write them: money (dot decimals, signed), dates (``dd.mm.yyyy…``), VAT rate texts.

Money is :class:`~decimal.Decimal` from the text to the outputs: never a float.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
KOPECK = Decimal("0.01")
ROW_TOLERANCE = Decimal("0.01")  # per row
AGGREGATE_TOLERANCE = Decimal(1)  # on sums
RATE_KEYS: tuple[str, ...] = ("22", "20", "10", "7", "5", "0", "NO_VAT")
"""The VAT rate keys of ``netSales``, in the order they are shown."""
_RATES = {22, 20, 10, 7, 5, 0}
_NO_VAT = re.compile(r"без\s*ндс|не\s*облага|no[\s_-]*vat|without[\s_-]*vat|vat[\s_-]*free|not[\s_-]*applicable")
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")


class BadValue(ValueError):
    """A cell that is not what its column holds (a money column with a word in it)."""


def money(text: str) -> Decimal:
    """A money cell: ``"-1234.50"``; empty is 0. Tolerates spaces and a decimal comma."""
    try:
        return Decimal(text) if text else ZERO
    except InvalidOperation:
        cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            return Decimal(cleaned) if cleaned else ZERO
        except InvalidOperation:
            raise BadValue(f"{text!r} is not an amount") from None


def amount(value: Decimal | None) -> str | None:
    """An amount as the outputs write it: two decimals, half up (``"-12.30"``); None stays None."""
    return None if value is None else str(value.quantize(KOPECK, rounding=ROUND_HALF_UP))


def kopecks(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


_FACTORS = {key: (Decimal(key), Decimal(100 + int(key))) for key in RATE_KEYS if key not in ("0", "NO_VAT")}


def vat_of(gross: Decimal, rate: str) -> Decimal:
    """The VAT inside a VAT-inclusive ``gross`` at rate key ``rate``, to the kopeck (0 for ``0``/``NO_VAT``)."""
    factor = _FACTORS.get(rate)
    if factor is None:
        return ZERO
    return (gross * factor[0] / factor[1]).quantize(KOPECK, rounding=ROUND_HALF_UP)


def vat_rate(text: str) -> str | None:
    """The rate key of a VAT text (``22%``, ``22``, ``НДС 22%``, ``0.22``, ``22/122``, ``Без НДС``…), None if none."""
    lowered = text.strip().lower()
    if not lowered:
        return None
    if _NO_VAT.search(lowered):
        return "NO_VAT"
    match = _NUMBER.search(lowered)
    if not match:
        return None
    number = Decimal(match.group(1).replace(",", "."))
    if 0 < number < 1:  # a fraction: 0.22
        number *= 100
    if number != number.to_integral_value() or int(number) not in _RATES:
        return None
    rest = lowered[match.end() :].strip()
    if rest and not re.fullmatch(r"%?\s*(/\s*1\d\d\s*%?)?", rest):  # only "%" or "/122" may follow the number
        return None
    return str(int(number))


def rate_label(key: str) -> str:
    """How a rate key is written for people (and 1C): ``22%``, ``Без НДС``; a raw text as it came."""
    if key == "NO_VAT":
        return "Без НДС"
    return f"{key}%" if key in RATE_KEYS else key


def iso_date(text: str) -> str:
    """``dd.mm.yyyy…`` (time or anything after it ignored) → ``yyyy-mm-dd``; ISO stays; anything else as it is."""
    if len(text) >= 10 and text[2] == "." and text[5] == ".":
        return f"{text[6:10]}-{text[3:5]}-{text[0:2]}"
    return text[:10] if len(text) >= 10 and text[4] == "-" and text[7] == "-" else text


def month_of(text: str) -> str | None:
    """``yyyy-mm`` of a ``dd.mm.yyyy…`` or ISO date, None when the text is not a date."""
    if len(text) >= 10 and text[2] == "." and text[5] == ".":
        return f"{text[6:10]}-{text[3:5]}"
    if len(text) >= 7 and text[4] == "-":
        return text[:7]
    return None
