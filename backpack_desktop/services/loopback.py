"""The RFC 8252 loopback redirect: a one-shot HTTP listener for the system-browser sign-in.

The browser comes back to ``http://127.0.0.1:<random port>/callback?code=…&state=…``. Anything
else on this machine can connect to that port too (SECURITY.md T15), so the listener

* binds 127.0.0.1 only (never 0.0.0.0, never ``localhost``, which may resolve elsewhere), on a
  port the OS picks at random unless the registered redirect URI fixes one;
* serves one exact path; other paths get 404 and do not end the sign-in, and so does a
  callback the :class:`~backpack_desktop.services.oauth_flow.CallbackGate` rejects (wrong
  state, wrong ``Host`` as in DNS rebinding);
* closes its socket as soon as one callback was accepted, so a second connection is refused,
  and after ``timeout`` seconds even if no callback ever came;
* answers with a small static page holding no code or token, marked ``no-store`` and
  ``no-referrer``, and never writes the request line (which holds the code) to any log.
"""

from __future__ import annotations

import logging
import math
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from backpack_desktop.domain.errors import (
    AuthError,
    CallbackRejectedError,
    CancelledError,
    SignInTimeoutError,
    UnsafeUrlError,
)
from backpack_desktop.services.oauth_flow import CallbackGate
from backpack_desktop.services.regions import LOOPBACK_REDIRECT

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_TIMEOUT = 300.0
POLL = 0.1  # how often the accept loop looks at the clock and the stop flag
CLIENT_TIMEOUT = 5.0  # how long a connection that sends nothing keeps its thread
TOO_LATE = "The sign-in in the browser was not finished in time. Please try again."
CANCELLED = "The sign-in was cancelled."
ONLY_LOOPBACK = "The browser sign-in can only come back to http://127.0.0.1 on this computer."
_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Backpack Desktop</title>'
    "</head><body><h1>{title}</h1><p>You can close this tab and return to Backpack Desktop.</p>"
    "</body></html>"
)
SIGNED_IN = "Signed in"
NOT_SIGNED_IN = "Sign-in not completed"
NOT_OURS = "This page is not part of the sign-in in progress"
NOT_FOUND = "Not found"


class _Server(ThreadingHTTPServer):
    """One thread per connection, no reverse-DNS lookup, no SO_REUSEADDR.

    Threads per connection because browsers open speculative connections that send nothing
    (Chrome's preconnect); handled one at a time, each would hold up the real callback.
    """

    # SO_REUSEADDR on Windows lets another process bind the same port and steal the code.
    allow_reuse_address = False
    daemon_threads = True  # an idle connection must not keep the app alive or delay close()
    listener: LoopbackListener

    def server_bind(self) -> None:
        """Bind without ``getfqdn`` (a reverse lookup that can stall for seconds)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken client connection is not worth a traceback on stderr."""
        log.debug("loopback listener: a client connection failed")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = CLIENT_TIMEOUT
    server_version = "BackpackDesktop"
    sys_version = ""

    def do_GET(self) -> None:  # the name http.server dispatches to
        status, title = self.server.listener._handle(self.path, self.headers.get("Host", ""))
        body = _PAGE.format(title=title).encode("utf-8")
        self.send_response(status)
        for name, value in (
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Referrer-Policy", "no-referrer"),
            ("Content-Security-Policy", "default-src 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Connection", "close"),
        ):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        """Only GET can be a redirect back from the browser."""
        self.send_error(405)

    do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: the request line carries the authorization code and state (T31)."""


class LoopbackListener:
    """One sign-in's listener on ``127.0.0.1``. Bind, :meth:`start`, then :meth:`wait`.

    Attributes:
        path: the one path served (that of the redirect URI, ``/callback`` by default).
        port: the port bound (random unless the redirect URI names one).
        redirect_uri: the exact redirect URI to put in the authorize request.
    """

    def __init__(self, redirect_uri: str = LOOPBACK_REDIRECT, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname != HOST:
            raise UnsafeUrlError(ONLY_LOOPBACK)
        self.path = parts.path or "/"
        self.timeout = timeout
        self._server = _Server((HOST, parts.port or 0), _Handler)
        self._server.listener = self
        self._server.timeout = POLL
        self.port = int(self._server.server_address[1])
        self.redirect_uri = f"http://{HOST}:{self.port}{self.path}"
        self._gate: CallbackGate | None = None
        self._code: str | None = None
        self._error: AuthError | None = None
        self._finished = threading.Event()
        self._stop = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The socket's own address (``getsockname``), for tests and diagnostics."""
        host, port = self._server.socket.getsockname()[:2]
        return str(host), int(port)

    def start(self, gate: CallbackGate) -> None:
        """Start accepting; the ``timeout`` counts from here.

        A service starts a thread here, against the usual rule (STYLE.md 2), because this thread
        *is* the listener: its accept loop has to run while the caller waits for the browser,
        and it belongs to this object, which stops and joins it in :meth:`close`.
        """
        if self._thread is not None:
            raise RuntimeError("the listener was already started")
        self._gate = gate
        deadline = time.monotonic() + self.timeout
        self._thread = threading.Thread(
            target=self._serve, args=(deadline,), name="sign-in-loopback", daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float | None = None, cancel: threading.Event | None = None) -> str:
        """Block until the callback came, then return its authorization code.

        Raises:
            SignInCancelledError: the user pressed Deny in the browser.
            AuthError: the server reported another error, or sent no code.
            SignInTimeoutError: nothing came within ``timeout`` or the listener's own timeout.
            CancelledError: ``cancel`` was set, or :meth:`close` was called.
        """
        if self._thread is None:
            raise RuntimeError("start() the listener before waiting on it")
        limit = time.monotonic() + timeout if timeout is not None else math.inf
        while not self._closed.wait(POLL / 2):
            if cancel is not None and cancel.is_set():
                self.close()
                raise CancelledError(CANCELLED)
            if time.monotonic() >= limit:
                self.close()
                raise SignInTimeoutError(TOO_LATE)
        if self._code is not None:
            return self._code
        if self._error is not None:
            raise self._error
        if self._stop.is_set():
            raise CancelledError(CANCELLED)
        raise SignInTimeoutError(TOO_LATE)

    def close(self) -> None:
        """Stop listening now (also the end of a cancelled sign-in). Safe to call twice."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=CLIENT_TIMEOUT + 1)
        if self._thread is None or not self._thread.is_alive():
            self._server.server_close()
            self._closed.set()

    def __enter__(self) -> LoopbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the accept loop (runs on the listener's thread) ---------------------------------------
    def _serve(self, deadline: float) -> None:
        try:
            while not (self._finished.is_set() or self._stop.is_set()) and time.monotonic() < deadline:
                # Hands a connection to its own thread, or returns after POLL seconds of quiet.
                self._server.handle_request()
        finally:
            self._server.server_close()  # before _closed: a caller woken by it sees a closed port
            self._closed.set()

    def _handle(self, target: str, host_header: str) -> tuple[int, str]:
        """Judge one GET; return the HTTP status and the page title to answer with."""
        if urlsplit(target).path != self.path:
            return 404, NOT_FOUND
        if host_header.lower() != f"{HOST}:{self.port}" or self._gate is None or self._finished.is_set():
            return 400, NOT_OURS  # another Host means a DNS-rebinding page, not our browser
        query = urlsplit(target).query
        try:
            self._code = self._gate.accept(f"{self.redirect_uri}?{query}")
        except CallbackRejectedError:
            return 400, NOT_OURS
        except AuthError as exc:
            self._error = exc
        self._finished.set()
        return 200, SIGNED_IN if self._code is not None else NOT_SIGNED_IN
