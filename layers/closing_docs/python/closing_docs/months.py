"""Calendar-month arithmetic in Moscow time (the time zone Yandex Market's documents are dated in)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


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
        match = _MONTH_RE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not written YYYY-MM")
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
