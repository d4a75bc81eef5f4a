"""The HTTP base of the offline emulators (the Market's and the sources'): a stdlib ``ThreadingHTTPServer`` on
127.0.0.1 serving from a background thread.

A subclass implements ``_serve(request) -> Reply``: it routes and handles the request, applies its own faults and
records its own kind of call (:meth:`HttpEmulator._record_call`) before returning, so a client that got its answer
always finds the call. Here are the rest: lifecycle (``start``/``stop``/``with``), the emulated clock, the recorded
calls, fault queues, secret masking, request parsing, and sending a reply in every shape a fault can give it (a TCP
reset, a held answer, a truncated body, a flipped byte, a ``Date`` or repeated header of its own, a streamed file).
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
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
STREAM_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Request:
    """One parsed request (a repeated query parameter keeps its last value)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    target: str = ""  # the request target as sent: path and query string
    sent_headers: dict[str, str] = field(default_factory=dict)  # names as sent
    params: dict[str, str] = field(default_factory=dict)  # path parameters of the matched route (set by a router)


@dataclass
class Reply:
    """What to send: ``body``, or the file ``stream`` opens (its Content-Length given in ``headers``)."""

    status: int
    headers: dict[str, Any] = field(default_factory=dict)  # a list value: the header once per item
    body: bytes = b""
    stream: Callable[[], BinaryIO] | None = None
    reset: bool = False  # close the connection with a RST instead of answering
    hold: float = 0.0  # seconds to wait after recording, before sending (released by stop())
    truncate: bool = False  # send half the body (Content-Length still announces all of it), then close
    flip_at: int | None = None  # the offset of a body byte sent inverted


class Rejected(Exception):
    """Raised by a handler to answer ``reply`` at once (a validation error)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def json_reply(status: int, payload: Any, content_type: str = "application/json; charset=utf-8") -> Reply:
    return Reply(status, {"Content-Type": content_type}, json.dumps(payload, ensure_ascii=False).encode())


def flip(data: bytes, offset: int) -> bytes:
    """``data`` with the byte at ``offset`` inverted (same length)."""
    return data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1 :]


class HttpEmulator:
    """Base of the emulators: configure, then :meth:`start` (or ``with``); all state is guarded by ``_lock``."""

    NAME: ClassVar[str] = "emulator"
    SERVER_VERSION: ClassVar[str | None] = None  # the Server header (None: http.server's)
    LOG_HTTP: ClassVar[bool] = False  # verbose: log http.server's request lines too
    SECRET_HEADERS: ClassVar[frozenset[str]] = frozenset()  # lower-case names, masked whatever their value
    time_scale: float = 1.0  # real seconds per emulated second

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.host, self.port, self.verbose = host, port, verbose
        self.base_url: str | None = None
        self._lock = threading.RLock()
        self._calls: list[Any] = []
        self._faults: defaultdict[str, deque[Any]] = defaultdict(deque)
        self._started_real: float | None = None
        self._started_wall = time.time()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- hooks of the subclasses

    def _serve(self, request: Request) -> Reply:
        """Handle one request, faults applied, and record it."""
        raise NotImplementedError

    def _error(self, status: int, message: str) -> Reply:
        """The emulator's error answer for a status."""
        return Reply(status, {"Content-Type": "text/plain; charset=utf-8"}, f"{status} {message}\n".encode())

    def _secrets(self) -> tuple[str, ...]:
        """Configured secret values, masked wherever they appear in a recorded call."""
        return ()

    # ---------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[Any]:
        """A snapshot of the recorded calls, oldest first."""
        with self._lock:
            return list(self._calls)

    def count(self, op: str | None = None) -> int:
        """How many calls of ``op`` (None: of any op) were recorded."""
        with self._lock:
            return sum(1 for call in self._calls if op is None or call.op == op)

    def now(self) -> float:
        """Emulated seconds since :meth:`start` (0 before)."""
        if self._started_real is None:
            return 0.0
        return (time.monotonic() - self._started_real) / self.time_scale

    def wall_time(self) -> float:
        """Emulated Unix time: the real start time plus emulated seconds since start (the ``Date`` header's)."""
        return self._started_wall + self.now()

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
            self._started_real, self._started_wall = time.monotonic(), time.time()
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

    # ---------------------------------------------------------------- for the subclasses

    def _add_faults(self, key: str, faults: tuple[Any, ...]) -> None:
        with self._lock:
            self._faults[key].extend(faults)

    def faults_left(self, key: str = "") -> int:
        """Faults queued under ``key`` that no request has taken yet: a request that took one has arrived."""
        with self._lock:
            return len(self._faults.get(key, ()))

    def _next_fault(self, key: str) -> Any:
        """The next fault queued under ``key`` (FIFO), or None."""
        with self._lock:
            queue = self._faults.get(key)
            return queue.popleft() if queue else None

    def _run(self, handle: Callable[[Request], Reply], request: Request) -> Reply:
        try:
            return handle(request)
        except Rejected as rejected:
            return rejected.reply
        except Exception:  # noqa: BLE001 (a bug in the emulator: answer 500 and say so on stderr)
            traceback.print_exc()
            return self._error(500, "Emulator error (see its stderr)")

    def _record_call(self, call: Any) -> None:
        with self._lock:
            self._calls.append(call)

    def _mask(self, text: str) -> str:
        for secret in self._secrets():
            if secret:
                text = text.replace(secret, MASK)
        return text

    def _mask_headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: MASK if k.lower() in self.SECRET_HEADERS else self._mask(v) for k, v in headers.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen backlog: the default 5 drops SYNs of a burst (1 s client retransmit)
    emulator: HttpEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.emulator.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms delayed-ACK stalls
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815 (http.server's names)

    def version_string(self) -> str:
        return self.server.emulator.SERVER_VERSION or super().version_string()

    def date_time_string(self, timestamp: float | None = None) -> str:
        """``Date`` shows the emulator's clock."""
        return formatdate(self.server.emulator.wall_time() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's signature)
        emulator = self.server.emulator
        if emulator.verbose and emulator.LOG_HTTP:
            sys.stderr.write(f"{emulator.NAME}: {format % args}\n")

    def _serve(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(int(length))
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        sent = dict(self.headers.items())
        headers = {k.lower(): v for k, v in sent.items()}
        emulator = self.server.emulator
        reply = emulator._serve(Request(self.command, split.path, query, headers, body, self.path, sent))
        if reply.hold:
            emulator._stopping.wait(reply.hold)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.reset:
            self.close_connection = True
            with contextlib.suppress(OSError):  # SO_LINGER 0: close() sends a RST, not a FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            return
        headers: dict[str, Any] = {"Content-Length": str(len(reply.body)), **reply.headers}
        total = int(headers["Content-Length"])
        budget = total // 2 if reply.truncate else total
        try:
            if "Date" in headers:  # a Date of the reply's own is sent instead of the clock's
                self.log_request(reply.status)
                self.send_response_only(reply.status)
                self.send_header("Server", self.version_string())
            else:
                self.send_response(reply.status)
            for name, value in headers.items():
                for one in value if isinstance(value, list) else [value]:
                    self.send_header(name, one)
            self.end_headers()
            if reply.stream is None:
                body = reply.body if reply.flip_at is None else flip(reply.body, reply.flip_at)
                self.wfile.write(body[:budget])
            else:
                self._copy(reply.stream, budget, reply.flip_at)
        except OSError:  # the client gave up (e.g. its read timeout during a hold)
            self.close_connection = True
            return
        if reply.truncate:  # the server then closes the socket gracefully: the client sees a short body
            self.close_connection = True

    def _copy(self, stream: Callable[[], BinaryIO], budget: int, flip_at: int | None) -> None:
        sent = 0
        with stream() as reader:
            while budget > 0:
                chunk = reader.read(min(STREAM_CHUNK, budget))
                if not chunk:
                    break
                if flip_at is not None and sent <= flip_at < sent + len(chunk):
                    chunk = flip(chunk, flip_at - sent)
                self.wfile.write(chunk)
                budget -= len(chunk)
                sent += len(chunk)
