"""Minimal HTTP plumbing for the sandbox: requests, responses, a router and the handler.

Written on :mod:`http.server` on purpose: the sandbox must run from the wheel with no web
framework, and it needs byte-level control that frameworks hide (truncated bodies, stalled
bodies, wrong content types) to reproduce what the real service and hostile networks do.
Routes are plain functions ``Request -> Response`` so they stay testable without sockets.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

MAX_BODY = 8 * 1024 * 1024
JSON_LD = "application/ld+json"


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    client_ip: str
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Return the first query value of ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def flag(self, name: str) -> bool:
        """Read a Badgr boolean query flag (``1``/``true``, case-insensitive)."""
        return (self.arg(name) or "").lower() in ("1", "true")

    def form(self) -> dict[str, str]:
        """Parse an ``application/x-www-form-urlencoded`` body (first value of each key)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def cookie(self, name: str) -> str | None:
        """Return the value of cookie ``name``."""
        for part in self.headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


@dataclass
class Response:
    """An HTTP response; ``truncate``/``stall`` are set by fault injection only."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    truncate: str | None = None  # "body" or "connection"
    stall_seconds: float = 0.0


def json_response(status: int, data: Any, content_type: str = "application/json") -> Response:
    """Serialize ``data`` compactly (as Django REST framework does)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, content_type)


def html_response(status: int, html: str, headers: list[tuple[str, str]] | None = None) -> Response:
    """An HTML page."""
    return Response(status, html.encode("utf-8"), "text/html; charset=utf-8", headers or [])


def redirect(location: str, status: int = 302) -> Response:
    """A redirect with an empty body."""
    return Response(status, b"", None, [("Location", location)])


Handler = Callable[[Request], Response]


class Router:
    """Map ``(method, path regex)`` to handlers; named groups become ``Request.params``."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and a full-match ``pattern``."""
        self._routes.append((method, re.compile(pattern), handler))

    def dispatch(self, request: Request, not_found: Handler) -> Response:
        """Call the first matching handler; 405 when only the method differs."""
        methods = set()
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if not match:
                continue
            if method != request.method:
                methods.add(method)
                continue
            req = Request(**{**request.__dict__, "params": match.groupdict()})
            return handler(req)
        if methods:
            resp = json_response(405, {"detail": f'Method "{request.method}" not allowed.'})
            resp.headers.append(("Allow", ", ".join(sorted(methods))))
            return resp
        return not_found(request)


Application = Callable[[Request], Response]


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading server bound to one application.

    Attributes:
        stopping: set on shutdown; ends stalled responses.
        hits: requests served per path, so tests and benchmarks can count what a client fetched.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # socketserver's default of 5 makes bursts of new connections wait 1 s

    def __init__(self, address: tuple[str, int], app: Application) -> None:
        super().__init__(address, _RequestHandler)
        self.app = app
        self.stopping = threading.Event()
        self.hits: Counter[str] = Counter()
        self._hits_lock = threading.Lock()

    def count(self, path: str) -> None:
        """Record one request for ``path``."""
        with self._hits_lock:
            self.hits[path] += 1


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm and delayed ACKs every
    # keep-alive response would wait ~40 ms for the client's ACK.
    disable_nagle_algorithm = True
    server_version = "BadgrSandbox/1.0"
    server: SandboxHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # Paths only at DEBUG; query strings may carry codes and states, so they are dropped.
        # Called by http.server also for requests it could not parse, before path/command exist.
        path = urlsplit(getattr(self, "path", "") or "").path
        log.debug("%s %s -> %s", getattr(self, "command", "?"), path, args[1] if len(args) > 1 else "")

    def _handle(self) -> None:
        try:
            request = self._read_request()
        except ValueError as exc:
            self._send(json_response(400, {"detail": str(exc)}))
            return
        self.server.count(request.path)
        try:
            response = self.server.app(request)
        except Exception:  # the sandbox must never crash or hang on bad input
            log.exception("sandbox handler failed")
            response = json_response(
                500, {"status": {"success": False, "description": "server error"}, "result": []}
            )
        self._send(response, head=request.method == "HEAD")

    def _read_request(self) -> Request:
        length_text = self.headers.get("Content-Length", "0") or "0"
        if not length_text.isdigit():
            raise ValueError("bad Content-Length")
        length = int(length_text)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        return Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            client_ip=self.client_address[0],
        )

    def _send(self, response: Response, head: bool = False) -> None:
        body = response.body
        declared = len(body)
        if response.truncate == "body":
            body = body[: len(body) // 2]
            declared = len(body)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        if head:
            return
        self._write_body(response, body)

    def _write_body(self, response: Response, body: bytes) -> None:
        if response.stall_seconds:
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.server.stopping.wait(response.stall_seconds)
            self.close_connection = True
            return
        if response.truncate == "connection":
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)
