"""Tokens (services/auth.py) against the sandbox's rotating token authority, and log redaction.

Refresh rotation makes races fatal: two refreshes with one refresh token revoke the pair, so the
single-flight test fires 10 concurrent calls at an expired token and counts the grants that
reach ``on_change`` (SECURITY.md tests 22, 23, 46, 47).
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from backpack_desktop.domain.errors import AuthError, NetworkError, RetryLaterError, ServerError
from backpack_desktop.sandbox import SandboxConfig, SandboxServer
from backpack_desktop.services.auth import TokenManager, Tokens, password_grant
from backpack_desktop.services.http import ApiClient, HttpConfig, ImageFetcher
from backpack_desktop.services.redact import RedactionFilter, install_redaction

BACKPACK = "/v2/backpack/assertions"
FAST = HttpConfig(connect_timeout=2.0, read_timeout=2.0, deadline=10.0, backoff_factor=0.05)


@pytest.fixture(scope="module")
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Private sandboxes, stopped together (in parallel) at the end of the module."""
    started: list[SandboxServer] = []

    def factory(**fields: Any) -> SandboxServer:
        started.append(SandboxServer(SandboxConfig(**fields)).start())
        return started[-1]

    yield factory
    stoppers = [threading.Thread(target=server.stop) for server in started]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join(timeout=10)


def sign_in(server: SandboxServer) -> Tokens:
    with ApiClient(server.info["api"], config=FAST) as client:
        return password_grant(client, server.info["username"], server.info["password"])


def direct_tokens(server: SandboxServer, now: float | None = None) -> Tokens:
    """Sign in without HTTP (through the documented ``server.authority``), so a fault rule on
    ``/o/token`` is left for the refresh under test."""
    form = {"username": server.info["username"], "password": server.info["password"]}
    body = server.authority.password_grant(form, server.authority.clients["public"], "127.0.0.1")
    return Tokens.from_response(body, time.monotonic() if now is None else now)


def refresh_directly(server: SandboxServer, refresh_token: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "public"}
    return requests.post(server.info["api"] + "/o/token", data=form, timeout=10)


class Recorder:
    """Counts on_change calls (each one is a refresh grant that succeeded)."""

    def __init__(self) -> None:
        self.seen: list[Tokens] = []
        self.cleared = 0
        self._lock = threading.Lock()

    def change(self, tokens: Tokens) -> None:
        with self._lock:
            self.seen.append(tokens)

    def clear(self) -> None:
        self.cleared += 1


def run_concurrently(client: ApiClient, n: int = 10) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = client.get_results(BACKPACK)
        except Exception as exc:  # collected and asserted below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


# -- password grant -------------------------------------------------------------------------------
def test_password_grant(sandbox: SandboxServer) -> None:
    before = time.monotonic()
    tokens = sign_in(sandbox)
    assert tokens.access_token and tokens.refresh_token and "rw:backpack" in tokens.scope.split()
    assert before + 86400 <= tokens.expires_at <= time.monotonic() + 86400
    assert tokens.refresh_at is not None and tokens.refresh_at < tokens.expires_at
    shown = repr(tokens) + str(tokens)
    assert tokens.access_token not in shown and tokens.refresh_token not in shown


def test_wrong_password_then_throttled(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(backoff_base=3.0)
    with ApiClient(server.info["api"], config=FAST) as client:
        with pytest.raises(AuthError, match="e-mail address or password is incorrect") as wrong:
            password_grant(client, server.info["username"], "not-the-password")
        with pytest.raises(RetryLaterError) as throttled:
            password_grant(client, server.info["username"], server.info["password"])
        assert client.requests_made == 2
    assert throttled.value.retry_after == 3
    assert "Too many sign-in attempts" in str(throttled.value)
    for message in (str(wrong.value), str(throttled.value)):
        assert server.info["username"] not in message and "not-the-password" not in message


# -- single-flight refresh ------------------------------------------------------------------------
def test_ten_calls_on_a_dead_token_make_one_refresh(make_sandbox: Callable[..., SandboxServer]) -> None:
    """Reactive path: the server says 401, all ten threads ask for a refresh, one happens.

    The token dies on the server's clock (the documented ``server.authority`` test hook), not by
    sleeping: a 1 s ``token_lifetime`` also kills the refreshed token while the ten requests
    are still queueing (the sandbox's listen backlog is 5, so some connects wait 1 s).
    """
    server = make_sandbox()
    server_time = [time.monotonic()]
    server.authority.clock = lambda: server_time[0]
    signed = sign_in(server)
    server_time[0] += 86400 + 1  # the access token is now dead on the server
    # As if loaded from storage: no known expiry, so only the server's 401 can trigger a refresh.
    start = Tokens.restored(signed.access_token, signed.refresh_token, signed.scope)
    recorder = Recorder()
    manager = TokenManager(server.info["api"], start, config=FAST, on_change=recorder.change)
    with ApiClient(server.info["api"], manager, FAST) as client:
        results = run_concurrently(client)
    assert all(isinstance(r, list) and r for r in results), results
    assert len(recorder.seen) == 1
    assert manager.tokens is recorder.seen[-1]
    assert client.requests_made == 20  # ten 401s, then ten successes
    newest = recorder.seen[-1].refresh_token
    assert newest is not None and signed.refresh_token is not None
    assert refresh_directly(server, signed.refresh_token).json() == {"error": "invalid_grant"}
    assert refresh_directly(server, newest).status_code == 200  # the stored one is live


def test_ten_calls_past_80_percent_make_one_refresh(make_sandbox: Callable[..., SandboxServer]) -> None:
    """Proactive path: past 80 % of the lifetime the manager refreshes before sending."""
    server = make_sandbox()
    now = [0.0]
    recorder = Recorder()
    manager = TokenManager(server.info["api"], direct_tokens(server, now=0.0), config=FAST,
                           on_change=recorder.change, clock=lambda: now[0])
    now[0] = 0.81 * 86400
    with ApiClient(server.info["api"], manager, FAST) as client:
        results = run_concurrently(client)
    assert all(isinstance(r, list) and r for r in results), results
    assert len(recorder.seen) == 1 and client.requests_made == 10


def test_invalid_refresh_token_signs_out(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox()
    recorder = Recorder()
    bogus = Tokens.restored("bogus-access", "bogus-refresh")
    manager = TokenManager(server.info["api"], bogus, config=FAST, on_change=recorder.change,
                           on_clear=recorder.clear)
    with ApiClient(server.info["api"], manager, FAST) as client:
        with pytest.raises(AuthError, match="session has ended"):
            client.get_results(BACKPACK)
        assert manager.tokens is None and recorder.cleared == 1 and recorder.seen == []
        with pytest.raises(AuthError):
            client.get_results(BACKPACK)  # signed out: no token, no refresh


def test_refresh_5xx_is_not_retried_and_keeps_the_tokens(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="error:code=503,count=5,path=/o/token")
    tokens = direct_tokens(server)
    manager = TokenManager(server.info["api"], tokens, config=FAST)
    with pytest.raises(ServerError, match="HTTP 503"):
        manager.refresh(tokens.access_token)
    assert server.faults is not None and server.faults.injected["error"] == 1  # one POST, no retry
    assert manager.tokens is tokens
    form = {"refresh_token": tokens.refresh_token or ""}
    assert server.authority.refresh_grant(form, server.authority.clients["public"])  # still live


def test_lost_refresh_reply_is_not_replayed(make_sandbox: Callable[..., SandboxServer]) -> None:
    """SECURITY 23(a): the server rotated, the reply never came; the next try learns the truth."""
    server = make_sandbox(faults="stall:seconds=30,count=1,path=/o/token")
    tokens = direct_tokens(server)
    recorder = Recorder()
    config = HttpConfig(read_timeout=0.5, deadline=3.0)
    manager = TokenManager(server.info["api"], tokens, config=config, on_change=recorder.change,
                           on_clear=recorder.clear)
    with pytest.raises(NetworkError):
        manager.refresh(tokens.access_token)
    assert manager.tokens is tokens and recorder.seen == []  # old refresh token kept, nothing stored
    with pytest.raises(AuthError, match="session has ended"):
        manager.refresh(tokens.access_token)  # the rotated-away token is refused: sign in again
    assert manager.tokens is None and recorder.cleared == 1


def test_refresh_with_the_server_down_keeps_the_tokens() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    tokens = Tokens.restored("access", "refresh")
    manager = TokenManager(dead, tokens, config=FAST)
    with pytest.raises(NetworkError):
        manager.refresh("access")
    assert manager.tokens is tokens


def test_expiry_runs_on_the_monotonic_clock(make_sandbox: Callable[..., SandboxServer]) -> None:
    """SECURITY 47: only ``expires_in`` and the injected monotonic clock decide when to refresh."""
    server = make_sandbox()
    now = [1000.0]
    tokens = direct_tokens(server, now=now[0])
    recorder = Recorder()
    manager = TokenManager(server.info["api"], tokens, config=FAST, on_change=recorder.change,
                           clock=lambda: now[0])
    now[0] = 1000.0 + 0.79 * 86400
    assert manager.access_token() == tokens.access_token and recorder.seen == []
    now[0] = 1000.0 + 0.81 * 86400
    fresh = manager.access_token()
    assert fresh != tokens.access_token and len(recorder.seen) == 1
    assert recorder.seen[0].expires_at == pytest.approx(now[0] + 86400, abs=1)
    assert manager.access_token() == fresh and len(recorder.seen) == 1


# -- redaction (SECURITY 46) ----------------------------------------------------------------------
def test_debug_log_of_sign_in_and_sync_holds_no_secrets(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox()
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install_redaction(root)
    recorder = Recorder()
    try:
        tokens = sign_in(server)
        manager = TokenManager(server.info["api"], tokens, config=FAST, on_change=recorder.change)
        images = ImageFetcher(server.info["api"])
        with ApiClient(server.info["api"], manager, FAST) as client, images:
            awards = client.get_results(BACKPACK, [("expand", "badgeclass"), ("expand", "issuer")])
            client.get_results("/v2/users/self", [("code", "CANARY-CODE"), ("state", "CANARY-STATE")])
            manager.refresh(tokens.access_token)
            client.get_results("/v2/users/self")
            images.fetch(awards[0]["image"])
        try:
            raise ValueError(f"refresh_token={recorder.seen[0].refresh_token} for {server.info['username']}")
        except ValueError:
            logging.getLogger("backpack_desktop.test").exception("password=%s", server.info["password"])
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for holder in [root, *root.handlers]:
            for f in [f for f in holder.filters if isinstance(f, RedactionFilter)]:
                holder.removeFilter(f)
    text = stream.getvalue()
    assert "urllib3.connectionpool DEBUG" in text and "/v2/users/self?code=" in text  # urllib3 was heard
    secrets = [server.info["password"], server.info["username"], tokens.access_token, tokens.refresh_token,
               recorder.seen[0].access_token, recorder.seen[0].refresh_token, "CANARY-CODE", "CANARY-STATE"]
    for secret in secrets:
        assert secret and secret not in text
    assert "[REDACTED]" in text and "[EMAIL]" in text
