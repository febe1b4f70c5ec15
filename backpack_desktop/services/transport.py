"""HTTP plumbing shared by the API client and the image fetcher: sessions, retries, deadlines.

Retries are urllib3's :class:`~urllib3.util.retry.Retry`, not a loop of our own, so connection
errors, 429 and 5xx are handled in one audited place. Two things Retry cannot know are added by
:class:`BoundedRetry`: the caller's overall deadline (a retry that would sleep past it fails
now, SECURITY.md T28) and a cap on Retry-After (a server answering ``Retry-After: 9999999999``
must not freeze a sync for centuries). The deadline travels in a :class:`~contextvars.ContextVar`
because urllib3 builds a fresh Retry object per attempt and offers no per-request hook.
"""

from __future__ import annotations

import http.cookiejar
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import takewhile
from types import TracebackType
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InvalidHeader, ReadTimeoutError
from urllib3.util.retry import Retry

from backpack_desktop import __version__
from backpack_desktop.domain.errors import (
    NetworkError,
    RetryLaterError,
    ServerError,
    TimeoutExpiredError,
    UserFacingError,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD"})
CUT_OFF = "The server's reply was cut off. Please check your connection and try again."
TOO_SLOW = "The server did not answer in time. Please try again later."


#: Redirect statuses both clients follow by hand (each hop is re-checked), and how many.
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class HttpConfig:
    """Timeouts, retry budget and size limits of one client.

    Attributes:
        connect_timeout: seconds to wait for a TCP/TLS connection.
        read_timeout: seconds to wait for each read from the socket.
        deadline: seconds for a whole call, including retries, redirects and paging.
        retries: how many times an idempotent request is retried (so at most retries + 1 sends).
        backoff_factor: the first retry waits this long, each next one twice as long.
        backoff_jitter: up to this many seconds are added at random, so clients spread out.
        retry_after_cap: the longest Retry-After we honour; longer asks are shortened to this.
        max_bytes: the largest response body accepted.
        max_depth: the deepest JSON nesting accepted.
        max_pages: how many ``Link: rel="next"`` pages one list may have.
        user_agent: sent to the API (images get a generic one).
        accept: the Accept header for API calls (Badgr sends JSON-LD unless asked for JSON).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 120.0
    retries: int = 4
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.3
    retry_after_cap: float = 60.0
    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_pages: int = 100
    user_agent: str = f"BackpackDesktop/{__version__}"
    accept: str = "application/json"


@dataclass
class CallState:
    """Per-call bookkeeping that the retry policy reads: the deadline and a retry counter."""

    deadline: float
    on_retry: Callable[[], None] | None = None

    def remaining(self) -> float:
        """Seconds left before the deadline (negative once it passed)."""
        return self.deadline - time.monotonic()

    def check(self) -> None:
        """Raise when the deadline has passed."""
        if self.remaining() <= 0:
            raise TimeoutExpiredError(TOO_SLOW)


_CALL: ContextVar[CallState | None] = ContextVar("backpack_http_call", default=None)


@contextmanager
def call_scope(seconds: float, on_retry: Callable[[], None] | None = None) -> Iterator[CallState]:
    """Run the body as one call with its own deadline; retries inside see it."""
    state = CallState(time.monotonic() + seconds, on_retry)
    token = _CALL.set(state)
    try:
        yield state
    finally:
        _CALL.reset(token)


def current_call() -> CallState | None:
    """The innermost call scope of this thread, if any."""
    return _CALL.get()


class BoundedRetry(Retry):
    """urllib3 Retry with a Retry-After cap, first-retry backoff, and the call's deadline.

    Attributes:
        retry_after_cap: the longest wait a Retry-After header can impose, in seconds.
    """

    def __init__(self, *args: Any, retry_after_cap: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap

    def new(self, **kw: Any) -> BoundedRetry:
        """Copy with changes; Retry.new does not know our extra attribute."""
        kw.setdefault("retry_after_cap", self.retry_after_cap)
        return super().new(**kw)

    def parse_retry_after(self, retry_after: str) -> float:
        """Seconds or an HTTP date, never more than the cap."""
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        """Garbage in Retry-After means "no advice", so the exponential backoff applies."""
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def get_backoff_time(self) -> float:
        """``factor * 2**(n-1)`` plus jitter from the first retry on (urllib3 waits 0 first)."""
        errors = len(list(takewhile(lambda h: h.redirect_location is None, reversed(self.history))))
        if errors == 0:
            return 0.0
        # Jitter only spreads clients apart; it is not a secret, so random is right here.
        jitter = random.random() * self.backoff_jitter  # noqa: S311
        return float(min(self.backoff_max, self.backoff_factor * 2 ** (errors - 1) + jitter))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> BoundedRetry:
        """Never retry a POST, not even after a connection error (urllib3 would)."""
        if error is not None and method is not None and not self._is_method_retryable(method):
            # Exhaust the budget so urllib3 raises MaxRetryError, which requests maps as usual.
            return Retry.increment(self.new(total=0), method, url, response, error, _pool, _stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Wait before the next attempt, unless that would overrun the call's deadline."""
        wait = None
        if self.respect_retry_after_header and response is not None:
            wait = self.get_retry_after(response) or None
        if wait is None:
            wait = self.get_backoff_time()
        state = current_call()
        if state is not None:
            if wait >= state.remaining():
                if response is not None and response.status == 429:
                    raise RetryLaterError(busy_message(wait), retry_after=wait)
                raise TimeoutExpiredError(TOO_SLOW)
            if state.on_retry is not None:
                state.on_retry()
        log.debug("retrying in %.2f s", wait)
        if wait > 0:
            time.sleep(wait)


def busy_message(seconds: float | None) -> str:
    """One sentence telling the user how long the server asked us to wait."""
    if seconds is None:
        return "The server is busy. Please try again later."
    if seconds < 90:
        return f"The server is busy. Please try again in about {max(1, round(seconds))} seconds."
    if seconds < 90 * 60:
        return f"The server is busy. Please try again in about {round(seconds / 60)} minutes."
    return f"The server is busy. Please try again in about {round(seconds / 3600)} hours."


class RejectAllCookies(http.cookiejar.DefaultCookiePolicy):
    """A cookie policy that neither stores nor sends any cookie (tracking, session fixation)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        """Refuse to store."""
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        """Refuse to send."""
        return False


class KeepHeaders(AuthBase):
    """Session auth that changes nothing; its presence alone disables the ~/.netrc lookup."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Return the request unchanged."""
        return request


def build_session(
    config: HttpConfig, user_agent: str, adapter_class: type[HTTPAdapter] = HTTPAdapter
) -> requests.Session:
    """One Session with the retry policy for GET/HEAD, no cookies and a pool for 4+ workers."""
    retry = BoundedRetry(
        total=config.retries,
        connect=config.retries,
        read=config.retries,
        status=config.retries,
        other=0,
        redirect=0,
        allowed_methods=IDEMPOTENT,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=config.backoff_factor,
        backoff_jitter=config.backoff_jitter,
        backoff_max=max(config.retry_after_cap, config.backoff_factor),
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        retry_after_cap=config.retry_after_cap,
    )
    adapter = adapter_class(max_retries=retry, pool_connections=4, pool_maxsize=10)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.cookies.set_policy(RejectAllCookies())
    # A session-level auth object stops requests from adding ~/.netrc credentials, which would
    # otherwise replace our Authorization header (proxy settings from the environment still apply).
    session.auth = KeepHeaders()
    session.headers["User-Agent"] = user_agent
    return session


def transport_error(exc: requests.RequestException) -> UserFacingError:
    """Turn a requests exception into one sentence for the user (never the URL or a token)."""
    if isinstance(exc, requests.ConnectTimeout):
        return TimeoutExpiredError("The server could not be reached in time. Check your connection.")
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
        return TimeoutExpiredError(TOO_SLOW)  # the latter: every retry timed out
    if isinstance(exc, requests.exceptions.SSLError):
        return NetworkError("A secure connection to the server could not be made.")
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return NetworkError(CUT_OFF)
    if isinstance(exc, requests.ConnectionError):
        return NetworkError("The server could not be reached. Check your internet connection.")
    return NetworkError("The request could not be completed. Please try again.")


def status_error(status: int, retry_after: float | None = None) -> UserFacingError:
    """The error for a final HTTP status that retrying did not cure (``.status`` holds it)."""
    error: UserFacingError
    if status == 429:
        error = RetryLaterError(busy_message(retry_after), retry_after=retry_after)
    elif status == 404:
        error = ServerError("The server says this item was not found or not allowed for this account.")
    elif status >= 500:
        error = ServerError(f"The server had a problem (HTTP {status}). Please try again later.")
    else:
        error = ServerError(f"The server refused the request (HTTP {status}).")
    error.status = status  # type: ignore[attr-defined]
    return error


def retry_after_of(response: requests.Response, config: HttpConfig) -> float | None:
    """The capped Retry-After of a final 429, or None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return BoundedRetry(retry_after_cap=config.retry_after_cap).parse_retry_after(value)
    except InvalidHeader:
        return None
