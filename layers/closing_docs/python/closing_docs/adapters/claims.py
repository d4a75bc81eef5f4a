"""One execution at a time per campaign-month: a conditional lock in DynamoDB.

The item ``<business>#<campaignId>#<month>#<contract types>`` names the execution that owns the
campaign-month and the report it requested. A second execution (a double click, a scheduler retry) finds
it owned and stands aside. A lock is taken over only when its owner is proven ended: DescribeExecution says it is
not RUNNING, or that no such execution exists. Any other answer (a throttle, an access or network error) proves
nothing: LockOwnerUnknown, which the state machine retries with backoff.
The state machine deletes the item (``dynamodb:deleteItem``, only if still the owner) when the campaign
is done. Items also expire by TTL after the longest possible execution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from closing_docs.domain.errors import LockOwnerUnknown
from closing_docs.domain.texts import say

# Longer than a unit's life: its status checks and at most NOT_PUBLISHED_RECHECK_DAYS (8) daily rechecks. A long
# backfill's execution lasts longer, but each unit takes its lock only when it starts.
LEASE_SECONDS = 11 * 86400


@dataclass(frozen=True)
class Claim:
    mine: bool
    owner: str
    report_id: str | None = None
    generation: int | None = None


def _conditional_failed(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class Claims:
    """The lock table."""

    def __init__(self, table: Any, stepfunctions: Any) -> None:
        self.table, self.stepfunctions = table, stepfunctions

    def claim(self, key: str, execution_id: str) -> Claim:
        """Own ``key`` for ``execution_id`` (again, if it owns it already: a retried step)."""
        try:
            return self._take(key, execution_id, "attribute_not_exists(pk) OR ownerExecution = :me", {})
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
        owner = self.table.get_item(Key={"pk": key}, ConsistentRead=True).get("Item", {}).get("ownerExecution", "")
        if owner and self._running(owner):
            return Claim(mine=False, owner=owner)
        try:  # the owner stopped without releasing: take over, forgetting its report
            return self._take(key, execution_id, "ownerExecution = :old", {":old": owner}, forget=True)
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise
            return Claim(mine=False, owner=owner)  # somebody else was quicker

    def _take(self, key: str, me: str, condition: str, values: dict[str, str], forget: bool = False) -> Claim:
        item = self.table.update_item(
            Key={"pk": key},
            UpdateExpression="SET ownerExecution = :me, expiresAt = :exp"
            + (" REMOVE reportId, generation" if forget else ""),
            ConditionExpression=condition,
            ExpressionAttributeValues={":me": me, ":exp": int(time.time()) + LEASE_SECONDS, **values},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        generation = item.get("generation")
        return Claim(True, me, item.get("reportId"), int(generation) if generation is not None else None)

    def record_report(self, key: str, me: str, report_id: str, generation: int) -> None:
        """Remember the report this owner requested, so a retried Generate reuses it."""
        self.table.update_item(
            Key={"pk": key},
            UpdateExpression="SET reportId = :report, generation = :generation",
            ConditionExpression="ownerExecution = :me",
            ExpressionAttributeValues={":report": report_id, ":generation": generation, ":me": me},
        )

    def _running(self, execution_arn: str) -> bool:
        try:
            status = self.stepfunctions.describe_execution(executionArn=execution_arn)["status"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ExecutionDoesNotExist":
                return False  # deleted (90 days after it ended) or never existed: not running
            raise LockOwnerUnknown(_unknown(execution_arn, code)) from None
        except BotoCoreError as exc:
            raise LockOwnerUnknown(_unknown(execution_arn, type(exc).__name__)) from None
        return bool(status == "RUNNING")


def _unknown(owner: str, problem: str) -> str:
    return say("lock.owner_unknown", owner=owner.rsplit(":", 1)[-1], problem=problem)
