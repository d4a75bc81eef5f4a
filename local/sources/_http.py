"""The plumbing the source emulators share: a stdlib HTTP server on 127.0.0.1, recorded calls, scripted faults.

A subclass of :class:`SourceEmulator` implements ``_handle(request) -> Reply`` (raising :class:`Rejected` to answer
an error early), ``_error(status, message)`` (its error body for a status, also used by ``Fault(status=...)``) and
names its secrets; everything else (lifecycle, faults, recording with secrets masked, logging) lives here.

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

import contextlib
import json
import socket
import struct
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
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
class Request:
    """One parsed request (header names lower-cased; a repeated query parameter keeps its last value)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    reset: bool = False  # close the connection with a RST instead of answering
    hold: float = 0.0  # seconds to wait after recording, before sending


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


class Rejected(Exception):
    """Raised by a handler to answer ``reply`` at once (a validation error)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def json_reply(status: int, payload: Any, content_type: str = "application/json; charset=utf-8") -> Reply:
    return Reply(status, {"Content-Type": content_type}, json.dumps(payload, ensure_ascii=False).encode())


class SourceEmulator:
    """Base of the emulators: configure, then :meth:`start` (or ``with``); all state is guarded by ``_lock``."""

    NAME: ClassVar[str] = "source-emulator"
    FAULT_KINDS: ClassVar[tuple[str, ...]] = ("reset", "slow")
    ERROR_CODE_FAULTS: ClassVar[bool] = False
    SECRET_HEADERS: ClassVar[frozenset[str]] = frozenset()  # lower-case names, masked whatever their value
    SECRET_FIELDS: ClassVar[frozenset[str]] = frozenset()  # JSON keys, masked at any depth

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.host, self.port, self.verbose = host, port, verbose
        self.base_url: str | None = None
        self._lock = threading.RLock()
        self._faults: deque[Fault] = deque()
        self._calls: list[Call] = []
        self._started = time.monotonic()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- hooks of the subclasses

    def _secrets(self) -> tuple[str, ...]:
        """Configured secret values, masked wherever they appear in a recorded call."""
        return ()

    def _op(self, request: Request) -> str:
        return "unknown"

    def _handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def _error(self, status: int, message: str) -> Reply:
        return Reply(status, {"Content-Type": "text/plain; charset=utf-8"}, f"{status} {message}\n".encode())

    def _error_code_reply(self, fault: Fault) -> Reply:
        raise NotImplementedError

    def _reject(self, status: int, message: str) -> Rejected:
        """``raise self._reject(400, "...")``: answer the emulator's error at once."""
        return Rejected(self._error(status, message))

    # ---------------------------------------------------------------- configuration and inspection

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each is consumed by one later request (of any kind), in order."""
        for fault in faults:
            if fault.kind is not None and fault.kind not in self.FAULT_KINDS:
                raise ValueError(f"{self.NAME} has no fault kind {fault.kind!r}; expected one of {self.FAULT_KINDS}")
            if fault.error_code is not None and not self.ERROR_CODE_FAULTS:
                raise ValueError(f"{self.NAME} has no error_code faults")
        with self._lock:
            self._faults.extend(faults)

    @property
    def calls(self) -> list[Call]:
        """A snapshot of the recorded calls, oldest first."""
        with self._lock:
            return list(self._calls)

    def count(self, op: str | None = None) -> int:
        with self._lock:
            return sum(1 for call in self._calls if op is None or call.op == op)

    def now(self) -> float:
        """Seconds since start."""
        return time.monotonic() - self._started

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> str:
        """Serve in a background thread; returns (and sets) ``base_url``."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError(f"{self.NAME} already started")
            server = _Server((self.host, self.port), _Handler)
            server.emulator = self
            self._server, self.port = server, server.server_address[1]
            self.base_url = f"http://{self.host}:{self.port}"
            self._started = time.monotonic()
            self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.NAME, daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving (held answers are released at once). Safe to call twice."""
        with self._lock:
            server, self._server = self._server, None
        self._stopping.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- serving

    def _serve(self, request: Request) -> Reply:
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        reply = self._respond(request, fault)
        self._record(request, reply, fault)  # before answering: a client that got its answer finds the call
        if reply.hold:
            self._stopping.wait(reply.hold)
        return reply

    def _respond(self, request: Request, fault: Fault | None) -> Reply:
        if fault is None:
            return self._run(request)
        if fault.after_send and fault.status is not None:
            self._run(request)  # the request takes effect; the answer does not say so
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
            return self._run(request)
        reply = self._run(request)  # *_after_send: the request takes effect, the caller does not learn it
        if fault.kind == "reset_after_send":
            reply.reset = True
        else:
            reply.hold = fault.seconds
        return reply

    def _run(self, request: Request) -> Reply:
        try:
            return self._handle(request)
        except Rejected as rejected:
            return rejected.reply
        except Exception:  # noqa: BLE001 (a bug in the emulator: answer 500 and say so on stderr)
            traceback.print_exc()
            return self._error(500, "Emulator error (see its stderr)")

    # ---------------------------------------------------------------- recording, masking

    def _mask(self, text: str) -> str:
        for secret in self._secrets():
            if secret:
                text = text.replace(secret, MASK)
        return text

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
            headers={k: MASK if k in self.SECRET_HEADERS else self._mask(v) for k, v in request.headers.items()},
            json=parsed,
            body=body,
            status=status,
            at=self.now(),
            response_body=None if reply.reset else self._mask(reply.body.decode("utf-8", "replace")).encode(),
            fault=None if fault is None else _describe(fault),
        )
        with self._lock:
            self._calls.append(call)
        if self.verbose:
            note = f" (fault {call.fault})" if call.fault else ""
            sys.stderr.write(f"{self.NAME}: {call.method} {call.path} -> {status}{note}\n")


def _describe(fault: Fault) -> str:
    if fault.status is not None:
        return f"status={fault.status}"
    if fault.error_code is not None:
        return f"error_code={fault.error_code}"
    return f"kind={fault.kind}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    emulator: SourceEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.emulator.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's signature)
        pass  # the emulator logs each call itself (masked) when verbose

    def _serve(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(int(length))
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.server.emulator._serve(Request(self.command, split.path, query, headers, body))
        if reply.reset:
            self.close_connection = True
            with contextlib.suppress(OSError):  # SO_LINGER 0: close() sends a RST, not a FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            return
        try:
            self.send_response(reply.status)
            for name, value in {"Content-Length": str(len(reply.body)), **reply.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up (e.g. its read timeout during a hold)
            self.close_connection = True
