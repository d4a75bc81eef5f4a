from datetime import UTC, datetime, timedelta, timezone

import pytest

from closing_docs.domain.months import Month

MSK = timezone(timedelta(hours=3))


def test_previous_month_across_new_year_in_moscow():
    assert str(Month.previous_to(datetime(2026, 1, 1, 0, 30, tzinfo=MSK))) == "2025-12"


def test_moscow_midnight_edge_is_judged_in_moscow_time():
    # 2025-12-31T21:30Z is already 2026-01-01 00:30 in Moscow: the previous month is December.
    assert str(Month.previous_to(datetime(2025, 12, 31, 21, 30, tzinfo=UTC))) == "2025-12"
    # one hour earlier it is still 31 December in Moscow: the previous month is November.
    assert str(Month.previous_to(datetime(2025, 12, 31, 20, 30, tzinfo=UTC))) == "2025-11"


@pytest.mark.parametrize(
    ("start", "shift", "expected"),
    [("2025-01", -1, "2024-12"), ("2025-12", 1, "2026-01"), ("2025-03", -15, "2023-12"), ("2025-06", 0, "2025-06")],
)
def test_shift(start, shift, expected):
    assert str(Month.parse(start).shift(shift)) == expected


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "25-01", "2025-1", "2025/01", "", "2025-01-01"])
def test_parse_rejects(text):
    with pytest.raises(ValueError):
        Month.parse(text)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="timezone"):
        Month.of(datetime(2025, 1, 1))  # noqa: DTZ001


def test_ordering():
    assert Month.parse("2025-12") < Month.parse("2026-01")
