"""A local HTTP server for vendor-shaped API pages: stdlib http.server on 127.0.0.1, in a thread.

It serves an `Api` (the vendor emulation: routing, paging, filtering; see simulator.shapes) and adds
what tests need around it:
- scripted faults (`Fault`): 429 with Retry-After, 5xx, a dropped connection, a truncated body,
  invalid JSON, a repeating next link, 401;
- a bearer-token check (401 on a wrong token), so a connector's credential handling is real;
- a request log of method, path, query and status. Headers are never logged: they carry the token.

`wipcast demo serve harvest DIR` runs the same server in the foreground.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

FAULT_KINDS = ("429", "500", "503", "drop", "truncate", "invalid_json", "repeat_next", "401")


@dataclass
class Reply:
    status: int
    body: Any  # JSON-serialisable
    headers: dict[str, str] = field(default_factory=dict)


class Api(Protocol):
    account_headers: tuple[str, ...]  # header names that carry the account id

    def handle(self, base: str, path: str, query: Mapping[str, str]) -> Reply: ...


@dataclass
class Fault:
    """Applies to requests whose path starts with `path`: lets `skip` through, then hits `times` of them."""

    kind: str
    path: str = "/"
    times: int = 1
    skip: int = 0
    retry_after: int = 1
    _seen: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(FAULT_KINDS)}")

    def claim(self, path: str) -> bool:
        if not path.startswith(self.path):
            return False
        self._seen += 1
        return self.skip < self._seen <= self.skip + self.times


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    status: int  # 0: the connection was dropped without a response
    at: float  # time.monotonic() when the request arrived
    body: Any = None  # a POST's JSON body (a query, never a credential)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up (a retry after a dropped connection, a test ending) is not an error here
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FixtureServer:
    def __init__(
        self, api: Api, host: str = "127.0.0.1", port: int = 0, token: str | None = None, account_id: str | None = None
    ):
        self.api = api
        self.token = token
        self.account_id = account_id
        self.faults: list[Fault] = []
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _handler(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add_fault(self, kind: str, path: str = "/", **kw: Any) -> Fault:
        fault = Fault(kind, path, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    def start(self) -> FixtureServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fixture-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- called by the handler ------------------------------------------------------------
    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.claim(path):
                    return fault
        return None

    def _log(self, method: str, path: str, query: dict[str, str], status: int, at: float, body: Any = None) -> None:
        with self._lock:
            self.requests.append(RequestRecord(method, path, query, status, at, body))

    def authorized(self, headers: Mapping[str, str], path: str = "/") -> bool:
        gate = getattr(self.api, "authorize", None)  # a demo API that issues its own tokens checks them itself
        if gate is not None:
            return bool(gate(path, headers))
        if self.token is not None and headers.get("Authorization") != f"Bearer {self.token}":
            return False
        if self.account_id is not None:
            sent = [headers.get(name) for name in self.api.account_headers]
            return self.account_id in sent
        return True


def _handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the request log is server.requests
            return

        def do_GET(self) -> None:
            self._respond("GET")

        def do_POST(self) -> None:
            self._respond("POST")

        def _respond(self, method: str) -> None:
            """GET goes to `api.handle`; POST (a query in a JSON body) to `api.handle_post(base, path_and_query,
            body, headers)`, which gets the headers so a demo API can check a request signature itself."""
            at = time.monotonic()
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            body: Any = None
            form: dict[str, str] | None = None  # a form body (an OAuth token request): for the API, never logged
            if method == "POST":
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    form = dict(parse_qsl(raw.decode(errors="replace")))
            fault = server._fault_for(parts.path)
            if fault is not None and fault.kind == "drop":
                server._log(method, parts.path, query, 0, at, body)
                self.close_connection = True
                self.connection.close()  # no status line at all: the client sees a dropped connection
                return
            if not server.authorized({k: v for k, v in self.headers.items()}, parts.path):
                default = {"error": "invalid_token", "error_description": "The access token is invalid"}
                server._log(method, parts.path, query, 401, at, body)
                self._send(Reply(401, getattr(server.api, "refusal_body", None) or default))  # the vendor's own 401
                return
            if fault is not None and fault.kind in ("429", "500", "503", "401"):
                headers = {"Retry-After": str(fault.retry_after)} if fault.kind == "429" else {}
                server._log(method, parts.path, query, int(fault.kind), at, body)
                self._send(Reply(int(fault.kind), {"message": f"scripted {fault.kind}"}, headers))
                return
            host = self.headers.get("Host") or "127.0.0.1"
            if method == "POST":
                handle_post = getattr(server.api, "handle_post", None)
                if handle_post is None:
                    reply = Reply(405, {"message": "this API takes no POST"})
                else:
                    headers = {k: v for k, v in self.headers.items()}
                    reply = handle_post(f"http://{host}", self.path, body if form is None else form, headers)
            elif hasattr(server.api, "handle_get"):  # a demo API that reads request headers (If-Modified-Since)
                headers = {k: v for k, v in self.headers.items()}
                reply = server.api.handle_get(f"http://{host}", parts.path, query, headers)
            else:
                reply = server.api.handle(f"http://{host}", parts.path, query)
            data = json.dumps(reply.body).encode()
            if fault is not None and fault.kind == "repeat_next" and isinstance(reply.body, dict):
                links = dict(reply.body.get("links") or {})
                links["next"] = f"http://{host}{self.path}"  # the page points at itself
                data = json.dumps({**reply.body, "links": links}).encode()
            elif fault is not None and fault.kind == "truncate":
                data = data[: max(1, len(data) // 2)]  # cut mid-document, Content-Length honest
            elif fault is not None and fault.kind == "invalid_json":
                data = b"<html><body>Service temporarily unavailable</body></html>"
            # logged before the reply is sent: a client that has its answer finds its request in the log
            server._log(method, parts.path, query, reply.status, at, body)
            self._send(reply, data)

        def _send(self, reply: Reply, body: bytes | None = None) -> None:
            data = json.dumps(reply.body).encode() if body is None else body
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
