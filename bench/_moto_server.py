"""moto's AWS backends behind a standard-library HTTP server, for when moto[server] (Flask) is not installed.

``python -m bench._moto_server --port N`` serves S3, Secrets Manager and any other moto backend on
127.0.0.1:N, in this process. Requests are routed the way ``moto.server`` (Flask) and ``moto_proxy`` do it:
the service and region come from the SigV4 credential scope, the backend from moto's URL patterns for the
service's AWS host, and the request is handed to moto's own response handler (``Request.from_primitives``,
as moto's proxy does). Path-style S3 (an IP host) is what botocore sends to an ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moto.backend_index import backend_url_patterns
from moto.backends import get_backend
from moto.core.base_backend import BackendDict
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.request import Request
from werkzeug.exceptions import HTTPException

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_NO_BODY = {204, 304}


def _aws_host(service: str, region: str) -> str:
    return "s3.amazonaws.com" if service == "s3" else f"{service}.{region}.amazonaws.com"


def _handler_for(host: str, path: str) -> Any:
    """moto's response handler for a request to ``https://host/path`` (None when moto has none)."""
    backend_name = next((name for name, pattern in backend_url_patterns if pattern.match(f"https://{host}")), None)
    if backend_name is None:
        return None
    backends: Any = get_backend(backend_name)  # type: ignore[call-overload]  # a name known at run time
    if isinstance(backends, BackendDict):
        regions = backends[DEFAULT_ACCOUNT_ID]
        backend = regions["us-east-1"] if "us-east-1" in regions else regions["aws"]
    else:
        backend = backends["global"]
    path = path.split("?", 1)[0]
    return next((handler for pattern, handler in backend.url_paths.items() if re.match(pattern, path)), None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response has a Content-Length

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (signature of the base class)
        pass

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        body = self._body()
        scope = _SCOPE.search(self.headers.get("Authorization", ""))
        service, region = (scope.group(2).lower(), scope.group(1)) if scope else ("s3", "us-east-1")
        host = _aws_host(service, region)
        headers: dict[str, Any]
        try:
            handler = _handler_for(host, self.path)
            if handler is None:
                status, headers, payload = 404, {}, f"moto has no handler for {service} {self.path}".encode()
            else:
                request = Request.from_primitives(self.command, f"https://{host}{self.path}", self.headers, body)
                status, headers, payload = self._normalize(handler(request, request.url, request.headers))
        except HTTPException as exc:
            status, headers, payload = exc.code or 500, dict(exc.get_headers()), exc.get_body().encode()
        except Exception:  # noqa: BLE001 - report like a server would, keep serving
            traceback.print_exc()
            status, headers, payload = 500, {}, b"moto raised; see the server's stderr"
        self._reply(status, headers, payload)

    @staticmethod
    def _normalize(response: Any) -> tuple[int, dict[str, Any], bytes]:
        if isinstance(response, tuple):
            status, headers, payload = response
        else:
            status, headers, payload = 200, {}, response
        if isinstance(payload, str):
            payload = payload.encode()
        return int(status), dict(headers or {}), payload or b""

    def _reply(self, status: int, headers: dict[str, Any], payload: bytes) -> None:
        self.send_response(status)
        names = {name.lower() for name in headers}
        for name, value in headers.items():
            if name.lower() in ("connection", "transfer-encoding"):
                continue
            self.send_header(name, value.decode() if isinstance(value, bytes) else str(value))
        if "content-length" not in names and status not in _NO_BODY:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and status not in _NO_BODY and payload:
            self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._moto_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    server = _Server((args.host, args.port), _Handler)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.stderr.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
