"""Issue 17: odd and oversized start inputs end as InvalidInput with a FAILED notice, never another error, and no
state of the execution comes near Step Functions' 256 KB limit (an execution over it ends in
States.DataLimitExceeded, which no Catch catches: no notice at all)."""

import json

import pytest

from local.aws import EmbeddedAws
from local.emulator import MarketEmulator

STATE_LIMIT = 256 * 1024  # bytes of a state's input or output, a task's result, an execution's input


def largest_state(aws: EmbeddedAws, arn: str) -> int:
    """The largest input, output or cause of any event of the execution, in bytes."""
    largest = 0
    for event in aws.events(arn):
        for details in event.values():
            if isinstance(details, dict):
                for name in ("input", "output", "cause"):
                    if isinstance(details.get(name), str):
                        largest = max(largest, len(details[name].encode()))
    return largest


def assert_invalid_input_announced(aws: EmbeddedAws, emulator: MarketEmulator, start_input: object) -> str:
    execution = aws.run(start_input)
    assert execution.status == "FAILED" and execution.error == "InvalidInput", (execution.error, execution.cause)
    (notice,) = aws.notifications()
    assert notice.subject == "Closing documents run failed: InvalidInput"
    assert notice.body()["cause"] == execution.cause and len(execution.cause) <= 2_000
    assert emulator.calls == []
    return execution.arn


@pytest.mark.parametrize("start_input", [None, [], ["2025-12"], "2025-12", 7])
def test_a_start_input_that_is_not_an_object_is_an_announced_invalid_input(aws, emulator, start_input):
    assert_invalid_input_announced(aws, emulator, start_input)


@pytest.mark.parametrize(
    "start_input",
    [
        {"month": "2025-12", "campaignIds": list(range(1, 25_000))},  # 129 KB: too long a list, quoted whole today
        {"month": "2025-12", "surprise": "x" * 132_000},
        {"month": "x" * 132_000},
        {"x" * 132_000: 1},
    ],
)
def test_a_129_kb_start_input_is_an_announced_invalid_input_within_the_state_limit(aws, emulator, start_input):
    assert len(json.dumps(start_input)) > 128 * 1024
    arn = assert_invalid_input_announced(aws, emulator, start_input)
    assert largest_state(aws, arn) < STATE_LIMIT
