"""The source emulators' faults and recorded calls, on the emulators' HTTP base (:mod:`local.http_emulator`).

A subclass of :class:`SourceEmulator` implements ``_handle(request) -> Reply`` (raising :class:`Rejected` to answer
an error early), ``_error(status, message)`` (its error body for a status, also used by ``Fault(status=...)``) and
names its secrets; everything else (faults, recording with secrets masked, logging) lives here, and the lifecycle in
the base.

Fault kinds (each emulator accepts the subset in its ``FAULT_KINDS``); faults are consumed by the next requests,
one each, in the order injected, before normal handling:

* ``Fault(status=N)``: answer ``N`` (400-599) with the emulator's error body (``message`` optional);
* ``Fault(kind="reset")``: close the connection (TCP RST) without answering; nothing is handled;
* ``Fault(kind="slow", seconds=X)``: wait X seconds, then handle the request normally;
* ``Fault(kind="timeout_after_send", seconds=X)``: handle the request normally (its effects happen), record the
  answer, then hold it X seconds before sending (a client with a shorter read timeout never sees it);
* ``Fault(kind="reset_after_send")``: handle the request normally (its effects happen), then reset the connection;
* ``Fault(error_code=N)``: an application-level error of the emulator (Direct's Live 4 ``error_code``);
* ``Fault(status=N, after_send=True)``: handle the request normally (its effects happen), then answer ``N`` with the
  emulator's error body, or with ``body`` as given (``status=200`` needs a ``body``: an HTML page, an odd shape).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, ClassVar

from local.http_emulator import MASK, HttpEmulator, Rejected, Reply, Request

ALL_FAULT_KINDS = ("reset", "slow", "timeout_after_send", "reset_after_send")


@dataclass(frozen=True)
class Fault:
    """A scripted misbehaviour; exactly one of ``status`` / ``kind`` / ``error_code`` (see the module docstring)."""

    status: int | None = None
    kind: str | None = None
    seconds: float = 0.0
    error_code: int | None = None
    message: str | None = None
    after_send: bool = False  # with status: the request takes effect first
    body: str | None = None  # with after_send: the answer's body as given (else the emulator's error page)

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.status, self.kind, self.error_code)) != 1:
            raise ValueError("a Fault needs exactly one of status=, kind= or error_code=")
        if (self.after_send or self.body is not None) and self.status is None:
            raise ValueError("after_send= and body= go with status=")
        if self.body is not None and not self.after_send:
            raise ValueError("body= goes with after_send=True")
        if self.status == 200 and self.body is None:
            raise ValueError("Fault(status=200) needs after_send=True and a body")
        if self.status is not None and self.status != 200 and not 400 <= self.status <= 599:
            raise ValueError(f"a fault status must be 400-599 (or 200 with a body), not {self.status}")
        if self.kind is not None and self.kind not in ALL_FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {ALL_FAULT_KINDS}")
        if self.kind in ("slow", "timeout_after_send") and self.seconds <= 0:
            raise ValueError(f"Fault(kind={self.kind!r}) needs seconds > 0")


@dataclass(frozen=True)
class Call:
    """One recorded request and its answer, secrets replaced by ``***`` (headers, query, JSON and body)."""

    op: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any  # the parsed (masked) JSON body, or None
    body: bytes | None  # the masked body (re-serialized when it is JSON); None when empty
    status: int  # 0: the connection was reset without an answer
    at: float  # seconds since start
    response_body: bytes | None  # None after a reset
    fault: str | None = None  # "status=503", "kind=slow", "error_code=52", ... when a fault was applied

    @property
    def response_json(self) -> Any:
        return json.loads(self.response_body) if self.response_body else None


class SourceEmulator(HttpEmulator):
    """Base of the source emulators: configure, then :meth:`start` (or ``with``); all state is guarded by ``_lock``."""

    NAME: ClassVar[str] = "source-emulator"
    FAULT_KINDS: ClassVar[tuple[str, ...]] = ("reset", "slow")
    ERROR_CODE_FAULTS: ClassVar[bool] = False
    SECRET_FIELDS: ClassVar[frozenset[str]] = frozenset()  # JSON keys, masked at any depth

    # ---------------------------------------------------------------- hooks of the subclasses

    def _op(self, request: Request) -> str:
        return "unknown"

    def _handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def _error_code_reply(self, fault: Fault) -> Reply:
        raise NotImplementedError

    def _reject(self, status: int, message: str) -> Rejected:
        """``raise self._reject(400, "...")``: answer the emulator's error at once."""
        return Rejected(self._error(status, message))

    # ---------------------------------------------------------------- configuration

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each is consumed by one later request (of any kind), in order."""
        for fault in faults:
            if fault.kind is not None and fault.kind not in self.FAULT_KINDS:
                raise ValueError(f"{self.NAME} has no fault kind {fault.kind!r}; expected one of {self.FAULT_KINDS}")
            if fault.error_code is not None and not self.ERROR_CODE_FAULTS:
                raise ValueError(f"{self.NAME} has no error_code faults")
        self._add_faults("", faults)

    # ---------------------------------------------------------------- serving

    def _serve(self, request: Request) -> Reply:
        fault = self._next_fault("")
        reply = self._respond(request, fault)
        self._record(request, reply, fault)  # before answering: a client that got its answer finds the call
        return reply

    def _respond(self, request: Request, fault: Fault | None) -> Reply:
        if fault is None:
            return self._run(self._handle, request)
        if fault.after_send and fault.status is not None:
            self._run(self._handle, request)  # the request takes effect; the answer does not say so
            if fault.body is None:
                return self._error(fault.status, fault.message or "Injected fault")
            kind = "text/html; charset=utf-8" if fault.body.lstrip().startswith("<") else "application/json"
            return Reply(fault.status, {"Content-Type": kind}, fault.body.encode())
        if fault.status is not None:
            return self._error(fault.status, fault.message or "Injected fault")
        if fault.error_code is not None:
            return self._error_code_reply(fault)
        if fault.kind == "reset":
            return Reply(0, reset=True)
        if fault.kind == "slow":
            self._stopping.wait(fault.seconds)
            return self._run(self._handle, request)
        reply = self._run(self._handle, request)  # *_after_send: the request takes effect, the caller does not learn it
        if fault.kind == "reset_after_send":
            reply.reset = True
        else:
            reply.hold = fault.seconds
        return reply

    # ---------------------------------------------------------------- recording, masking

    def _mask_json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: MASK if k in self.SECRET_FIELDS else self._mask_json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._mask_json(v) for v in value]
        return self._mask(value) if isinstance(value, str) else value

    def _record(self, request: Request, reply: Reply, fault: Fault | None) -> None:
        try:
            parsed = self._mask_json(json.loads(request.body)) if request.body else None
            body = json.dumps(parsed, ensure_ascii=False).encode() if request.body else None
        except (ValueError, UnicodeDecodeError):
            parsed, body = None, self._mask(request.body.decode("utf-8", "replace")).encode()
        status = 0 if reply.reset else reply.status
        call = Call(
            op=self._mask(self._op(request)),
            method=request.method,
            path=self._mask(request.path),
            query={k: self._mask(v) for k, v in request.query.items()},
            headers=self._mask_headers(request.headers),
            json=parsed,
            body=body,
            status=status,
            at=self.now(),
            response_body=None if reply.reset else self._mask(reply.body.decode("utf-8", "replace")).encode(),
            fault=None if fault is None else _describe(fault),
        )
        self._record_call(call)
        if self.verbose:
            note = f" (fault {call.fault})" if call.fault else ""
            sys.stderr.write(f"{self.NAME}: {call.method} {call.path} -> {status}{note}\n")


def _describe(fault: Fault) -> str:
    if fault.status is not None:
        return f"status={fault.status}"
    if fault.error_code is not None:
        return f"error_code={fault.error_code}"
    return f"kind={fault.kind}"
