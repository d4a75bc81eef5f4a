"""The local runner's Direct state, durable: the last operation number per login and every invoice request it made.

A deployed stack keeps them in its lock table (DynamoDB); the runner's embedded table is new every run, so the runner
keeps them in ``--operation-num-file`` and holds that file for the whole run:

* **Before the run** it takes an exclusive lock on ``<file>.lock`` (``flock``): a second runner with the same file
  waits up to ``wait_seconds`` for it, then refuses plainly (:class:`StateBusy`); nothing of its run has started.
* It loads the file into the embedded lock table (the counter, the attempt records).
* **Every write** the Direct source makes to that table (the counter's increment, the attempt record written before
  the request is sent, its CREATED update, its deletion after a documented refusal) is written to the file before the
  write returns: a temporary file, fsynced, renamed over the file, the folder fsynced (botocore's ``after-call``
  event on the default session, which the in-process Lambda handlers use). So the file holds a request's attempt
  before the request leaves, and a kill at any point (``kill -9``, SIGTERM, a power cut after the fsync) leaves no
  way to send a number twice or to invoice the month again: a re-run finds the attempt (SENT: outcome unknown, until
  a person resolves it; CREATED: the same invoice) and a number above every number sent.

The file (JSON)::

    {"operationNumbers": {"<login>": <last number>}, "invoiceRequests": [<attempt records, as the table holds them>]}
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

_WRITES = ("PutItem", "UpdateItem", "DeleteItem")
_PREFIXES = ("direct-opnum#", "direct-invoice#")


class StateBusy(Exception):
    """Another runner holds the state file."""


def load(path: Path) -> dict[str, Any]:
    """The state file's content (empty when there is none yet)."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"operationNumbers": {}, "invoiceRequests": []}
    return {
        "operationNumbers": dict(state.get("operationNumbers", {})),
        "invoiceRequests": list(state.get("invoiceRequests", [])),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def write_durably(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` so that a crash leaves the old or the new content, and the new one on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@contextlib.contextmanager
def held(path: Path, wait_seconds: float = 30.0) -> Iterator[None]:
    """Hold ``path`` for this runner alone (``<path>.lock``, flock): another runner holding it is waited for up to
    ``wait_seconds`` (said on stderr), then refused (StateBusy)."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+", encoding="utf-8") as handle:
        deadline, said = time.monotonic() + wait_seconds, False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "?"
                if time.monotonic() >= deadline:
                    raise StateBusy(
                        f"{path} is in use by another runner (pid {holder}); it keeps Direct's operation numbers and "
                        "invoice requests, which two runners must not share: wait for it to finish, then run again"
                    ) from None
                if not said:
                    print(f"waiting for the runner (pid {holder}) that uses {path}...", file=sys.stderr)
                    said = True
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def kept(path: Path, table: Any) -> Iterator[None]:
    """Load ``path`` (held: :func:`held`) into ``table`` (the embedded lock table), and write every Direct write to
    that table back to it, durably, before the write returns (see the module docstring)."""
    state = load(path)
    for login, number in state["operationNumbers"].items():
        table.put_item(Item={"pk": f"direct-opnum#{login}", "n": int(number)})
    for item in state["invoiceRequests"]:
        table.put_item(Item=item)

    def save(**_: Any) -> None:
        items = [_plain(i) for i in _direct_items(table)]
        numbers = dict(state["operationNumbers"])
        for item in items:
            if item["pk"].startswith("direct-opnum#"):
                login = item["pk"].removeprefix("direct-opnum#")
                numbers[login] = max(int(item["n"]), int(numbers.get(login, 0)))
        state["operationNumbers"] = numbers
        state["invoiceRequests"] = [i for i in items if i["pk"].startswith("direct-invoice#")]
        write_durably(path, json.dumps(state, indent=2, ensure_ascii=False))

    events = boto3._get_default_session().events  # what the handlers' clients and resources are made from
    hooks = [f"after-call.dynamodb.{operation}" for operation in _WRITES]
    for hook in hooks:
        events.register(hook, save, unique_id=f"direct-state-{hook}")
    try:
        yield
    finally:
        for hook in hooks:
            events.unregister(hook, unique_id=f"direct-state-{hook}")


def _direct_items(table: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = table.scan(ConsistentRead=True, **kwargs)
        items += [i for i in page["Items"] if str(i["pk"]).startswith(_PREFIXES)]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
