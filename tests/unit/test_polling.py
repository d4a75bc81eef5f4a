import pytest

from closing_docs import polling


@pytest.mark.parametrize(
    ("estimate_ms", "expected"),
    [
        (30_000, 30),
        (1, polling.MIN_WAIT_SECONDS),
        (10**9, polling.DEFAULT_FIRST_WAIT_SECONDS),
        (-9007199254740991, polling.DEFAULT_FIRST_WAIT_SECONDS),
        (None, polling.DEFAULT_FIRST_WAIT_SECONDS),
        (0, polling.DEFAULT_FIRST_WAIT_SECONDS),
        (3_600_000, polling.MAX_WAIT_SECONDS),
    ],
)
def test_first_wait_is_the_estimate_clamped(estimate_ms, expected):
    assert polling.first_wait(estimate_ms) == expected


def test_next_wait_grows_and_is_capped():
    waits = [polling.next_wait(attempt, None) for attempt in range(1, 12)]
    assert waits[:4] == [10, 20, 40, 80]
    assert waits == sorted(waits)
    assert max(waits) == polling.MAX_WAIT_SECONDS


def test_next_wait_follows_a_longer_fresh_estimate():
    assert polling.next_wait(1, 120_000) == 120
    assert polling.next_wait(5, 1_000) == 160  # a short estimate never shrinks the growing interval
