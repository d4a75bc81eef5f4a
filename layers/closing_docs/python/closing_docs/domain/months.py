"""Calendar-month arithmetic in Moscow time (the time zone Yandex Market's documents are dated in)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from closing_docs.domain.texts import excerpt

MOSCOW = ZoneInfo("Europe/Moscow")
# ASCII digits only, and nothing around them: Python's \d takes any Unicode digit ("２０２６-１２") and $ matches before
# a trailing newline ("2026-12\n"); either would make a second spelling of one month (and a second unit of work).
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"  # the same, for JSON schemas and pydantic (whose $ is the end of the text)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, e.g. ``Month(2025, 12)``; ``str()`` gives ``"2025-12"``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month number must be 1..12, got {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be 1..9999, got {self.year}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; raises ValueError with the reason."""
        match = _MONTH_RE.fullmatch(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{excerpt(text)} is not written YYYY-MM (ASCII digits, nothing before or after)")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} has no month {month:02d} (01..12)")
        return cls(year, month)

    @classmethod
    def of(cls, moment: datetime) -> Month:
        """The month that ``moment`` (timezone-aware) falls in, in Moscow time."""
        if moment.tzinfo is None:
            raise ValueError("a timezone-aware datetime is required")
        local = moment.astimezone(MOSCOW)
        return cls(local.year, local.month)

    @classmethod
    def previous_to(cls, moment: datetime) -> Month:
        """The calendar month before the one ``moment`` falls in (Moscow time)."""
        return cls.of(moment).shift(-1)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        following = self.shift(1)
        return date(following.year, following.month, 1) - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# The earliest month any document this archive reads can be dated in, for every kind: online cash registers (54-FZ),
# and with them any OFD's sales data, began in 2017; Yandex's marketplace, whose shops (campaigns) the Partner API's
# closing documents and reports cover, opened in 2018. An earlier month can only be a typo (0001-01 once reached
# Market and OFD). The Direct invoice has bounds of its own (the current or the next month). README: Start it by hand.
MIN_MONTH = Month(2017, 1)
