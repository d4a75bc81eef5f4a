"""What the local runner shows on stderr while a run goes on: units done of the total, by status, and what is in
flight; each step that fails as it happens, saying whether the state machine retries that error (its name is in a
``Retry`` of ``statemachine/*.asl.json``) or never does (``InvalidInput``, ``MarketUnauthorized``...).

On a terminal it is one live line; otherwise (a pipe, a CI log) plain lines, printed when something changes. It
never writes to stdout, so ``--json`` stays clean. It reads what the embedded stack already keeps: the functions'
log lines (``EmbeddedAws.logs()``), the finished units' child histories (``child_histories()``) and the exceptions
the handlers raise (Powertools logs them through the standard ``logging`` module).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from typing import Any, TextIO

from local.aws import EmbeddedAws
from local.template import ROOT

_ENDS = ("UnitDone",)  # the child workflow's last state, holding the unit's outcome
_TICK = 0.5


def _retried() -> frozenset[str]:
    """Every error name a ``Retry`` of the state machines matches, at any depth (``States.*`` left out: on a Task
    they match service errors, not a handler's exception by name)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for retry in node.get("Retry") or ():
                names.update(n for n in retry.get("ErrorEquals", ()) if not n.startswith("States."))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "statemachine").glob("*.asl.json")):
        walk(json.loads(path.read_text()))
    return frozenset(names)


RETRIED = _retried()


def failure_line(name: str, text: str) -> str:
    """The line for a step that failed with the exception ``name``."""
    if name in RETRIED:
        return f"a step failed (the state machine retries it, up to its Retry's attempts): {name}: {text}"
    return f"a step failed (never retried): {name}: {text}"


class _Failures(logging.Handler):
    """A handler's exception, as Powertools' tracer logs it ("Exception received from handler")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None and "handler" in record.getMessage():
            error = record.exc_info[1]
            self.seen.append(failure_line(type(error).__name__, str(error)[:200]))


def _outcome(history: list[dict[str, Any]]) -> str | None:
    for event in reversed(history):
        details = event.get("stateExitedEventDetails") or {}
        if details.get("name") in _ENDS:
            try:
                return str(json.loads(details.get("output") or "{}").get("status"))
            except ValueError:
                return None
    return None


class Progress:
    """A thread that reports the run's progress to ``stream`` until :meth:`stop`."""

    def __init__(self, aws: EmbeddedAws, stream: TextIO, live: bool) -> None:
        self.aws, self.stream, self.live = aws, stream, live
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._failures = _Failures()
        self._failures_said = 0
        self._last = ""
        self._last_at = 0.0
        # read incrementally: a backfill logs thousands of lines and ends thousands of child workflows
        self._logs_read = self._children_read = 0
        self._total: int | None = None
        self._latest: dict[str, Any] | None = None
        self._statuses: Counter[str] = Counter()

    def __enter__(self) -> Progress:
        logging.getLogger("aws_lambda_powertools").addHandler(self._failures)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        logging.getLogger("aws_lambda_powertools").removeHandler(self._failures)
        self._report(final=True)
        if self.live:
            self.stream.write("\n")
            self.stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(_TICK):
            self._report()

    def _read(self) -> None:
        """What was logged and which units ended since the last look."""
        logs = self.aws.logs()
        for text in logs[self._logs_read :]:
            if text.startswith("{"):
                entry = json.loads(text)
                if entry.get("message") == "run planned":
                    self._total = entry.get("units")
                if entry.get("kind"):
                    self._latest = entry
        children = self.aws.child_histories()
        self._statuses.update(s for s in (_outcome(h) for h in children[self._children_read :]) if s)
        self._logs_read, self._children_read = len(logs), len(children)

    def line(self) -> str:
        self._read()
        total, latest = self._total, self._latest
        done = sum(self._statuses.values())
        parts = [f"{done} of {total if total is not None else '?'} done"]
        parts += [f"{status} {n}" for status, n in sorted(self._statuses.items())]
        if latest is not None and (total is None or done < total):
            scope = latest.get("campaign_id") or latest.get("business")
            parts.append(f"now: {latest.get('kind')} {scope} {latest.get('month')}: {latest.get('message')}")
        return " | ".join(parts)

    def _report(self, final: bool = False) -> None:
        for failure in self._failures.seen[self._failures_said :]:
            self._failures_said += 1
            self._write(failure, newline=True)
        line = self.line()
        if line == self._last and not final:
            return
        now = time.monotonic()
        if not self.live and not final and now - self._last_at < 2.0:
            return
        self._last, self._last_at = line, now
        self._write(line, newline=not self.live)

    def _write(self, text: str, newline: bool) -> None:
        if self.live:
            self.stream.write("\r\033[K" + text + ("\n" if newline else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
