"""The API client and image fetcher (services/http.py) over real HTTP on 127.0.0.1.

Faults come from the sandbox (``--faults`` rules, counted with ``server.faults.injected``) and,
for what the sandbox cannot produce (Link paging, huge or deep bodies, foreign origins, image
hosts), from small ``http.server`` instances started here. Nothing is mocked: each rule is
shown by what crosses the socket (SECURITY.md tests 32, 34, 35, 39, 42-45).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from backpack_desktop.domain.errors import (
    AuthError,
    CancelledError,
    CaptivePortalError,
    MalformedDataError,
    NetworkError,
    ResponseTooLargeError,
    RetryLaterError,
    ServerError,
    TimeoutExpiredError,
    UnsafeUrlError,
)
from backpack_desktop.sandbox import SandboxConfig, SandboxServer
from backpack_desktop.services.auth import TokenManager, password_grant
from backpack_desktop.services.http import ApiClient, HttpConfig, ImageFetcher
from backpack_desktop.services.urlpolicy import check_fetch_url, next_page_url

BACKPACK = "/v2/backpack/assertions"
ALL = [("include_expired", "1"), ("include_revoked", "1"), ("include_pending", "1")]
FAST = HttpConfig(
    connect_timeout=2.0, read_timeout=2.0, deadline=10.0, retries=4,
    backoff_factor=0.05, backoff_jitter=0.05, retry_after_cap=5.0,
)
MB = 1024 * 1024


# -- a tiny local server of our own ------------------------------------------------------------
@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    ctype: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[BaseHTTPRequestHandler], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on purpose (limits, timeouts) are not errors here


class Local:
    """A loopback server answering from ``routes``; records each request's path and headers."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                owner.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = owner.routes.get(self.path.split("?")[0])
                reply = route(self) if route else Reply(404, b'{"detail":"Not found."}')
                self.send_response(reply.status)
                if reply.ctype:
                    self.send_header("Content-Type", reply.ctype)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                streamed = not isinstance(reply.body, bytes)
                if streamed:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(reply.body)))  # type: ignore[arg-type]
                self.end_headers()
                try:
                    for chunk in ([reply.body] if not streamed else reply.body):
                        self.wfile.write(chunk)  # type: ignore[arg-type]
                except OSError:
                    pass  # the client hung up (size limit): expected

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local() -> Iterator[Callable[[dict[str, Route]], Local]]:
    servers: list[Local] = []

    def start(routes: dict[str, Route]) -> Local:
        servers.append(Local(routes))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Private sandboxes (as conftest's), stopped together at the end of the module.

    Each stop waits out its servers' poll interval; stopping them in parallel keeps the module fast.
    """
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


def envelope(items: list[dict[str, Any]], **extra: Any) -> bytes:
    return json.dumps({"status": {"success": True, "description": "ok"}, "result": items, **extra}).encode()


def fixed(body: bytes, ctype: str | None = "application/json", status: int = 200, **headers: str) -> Route:
    return lambda _h: Reply(status, body, ctype, dict(headers))


class FixedTokens:
    """A TokenSource that always hands out the same token and counts refresh calls."""

    def __init__(self, token: str = "canary-access-token") -> None:
        self.token = token
        self.refreshes = 0

    def access_token(self) -> str | None:
        return self.token

    def refresh(self, stale: str) -> str:
        self.refreshes += 1
        return self.token


def signed_in(server: SandboxServer, config: HttpConfig = FAST) -> ApiClient:
    with ApiClient(server.info["api"], config=config) as login:
        tokens = password_grant(login, server.info["username"], server.info["password"])
    return ApiClient(server.info["api"], TokenManager(server.info["api"], tokens), config)


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


# -- envelopes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["application/json", "application/ld+json"])
def test_backpack_parses_with_either_content_type(sandbox: SandboxServer, accept: str) -> None:
    with signed_in(sandbox, HttpConfig(accept=accept)) as client:
        awards = client.get_results(BACKPACK, ALL)
    with ApiClient(sandbox.info["api"]) as login:
        token = password_grant(login, sandbox.info["username"], sandbox.info["password"])
    raw = requests.get(sandbox.info["api"] + BACKPACK, params=ALL, timeout=10,
                       headers={"Accept": accept, "Authorization": f"Bearer {token.access_token}"})
    assert raw.headers["Content-Type"].startswith(accept)  # the sandbox really answered that type
    assert [a["entityId"] for a in awards] == [a["entityId"] for a in raw.json()["result"]]
    assert client.requests_made == 1


def test_profile_is_a_one_item_list(sandbox: SandboxServer) -> None:
    with signed_in(sandbox) as client:
        profile = client.get_results("/v2/users/self")
    assert len(profile) == 1 and profile[0]["entityType"] == "BadgeUser"


def test_unknown_entity_is_not_found_or_not_allowed(sandbox: SandboxServer) -> None:
    with signed_in(sandbox) as client, pytest.raises(ServerError, match="not found or not allowed"):
        client.get_results(BACKPACK + "/no-such-award")


@pytest.mark.parametrize(("body", "ctype", "error"), [
    (b'{"status":{"success":false,"description":"x"},"result":[]}', "application/json", ServerError),
    (b'{"result":[]}', "application/json", MalformedDataError),
    (b'{"status":{"success":true},"result":{"a":1}}', "application/json", MalformedDataError),
    (b'{"status":{"success":true},"result":[1,2]}', "application/json", MalformedDataError),
    (b'[{"status":1}]', "application/json", MalformedDataError),
    (b'{"status":{"success":true},"result":[{"n":NaN}]}', "application/json", MalformedDataError),
    (b'{"status":{"success":true},"result":[{"n":Infinity}]}', "application/json", MalformedDataError),
    (b"garbage, not json at all", "application/json", MalformedDataError),
    (b"  \n<!DOCTYPE html><html>login</html>", "application/json", CaptivePortalError),
    (b"Please log in to the Wi-Fi", "text/html", CaptivePortalError),
    (b'{"status":{"success":true},"result":[{"entityId":"a","na', "application/json", NetworkError),
])
def test_bodies_are_judged_by_parsing(local: Callable[..., Local], body: bytes, ctype: str,
                                      error: type[Exception]) -> None:
    server = local({"/v2/x": fixed(body, ctype)})
    with ApiClient(server.url, config=FAST) as client, pytest.raises(error) as caught:
        client.get_results("/v2/x")
    if error is CaptivePortalError:
        assert "network login may be required" in str(caught.value)


def test_bom_unknown_keys_and_json_labelled_html_are_fine(local: Callable[..., Local]) -> None:
    body = b"\xef\xbb\xbf " + envelope([{"entityId": "a", "x": {"new": 1}}], timestamp="now", warnings=[])
    server = local({"/v2/x": fixed(body, "text/html; charset=utf-8")})
    with ApiClient(server.url, config=FAST) as client:
        assert client.get_results("/v2/x") == [{"entityId": "a", "x": {"new": 1}}]


# -- limits ---------------------------------------------------------------------------------------
def test_deep_json_is_refused(local: Callable[..., Local]) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    just_over = envelope([{"a": json.loads("[" * 70 + "]" * 70)}])
    just_under = envelope([{"a": json.loads("[" * 60 + "]" * 60)}])
    server = local({"/deep": fixed(deep), "/over": fixed(just_over), "/under": fixed(just_under)})
    with ApiClient(server.url, config=FAST) as client:
        with pytest.raises(ResponseTooLargeError):
            client.get_json("/deep")
        with pytest.raises(ResponseTooLargeError):
            client.get_results("/over")
        assert len(client.get_results("/under")) == 1


def test_huge_bodies_are_refused(local: Callable[..., Local]) -> None:
    declared = b" " * (70 * MB)
    chunks = (b" " * MB for _ in range(70))
    server = local({"/declared": fixed(declared), "/streamed": lambda _h: Reply(body=chunks)})
    with ApiClient(server.url, config=FAST) as client:
        _, elapsed = timed(lambda: pytest.raises(ResponseTooLargeError, client.get_json, "/declared"))
        assert elapsed < 1.0  # refused from Content-Length, before reading
        with pytest.raises(ResponseTooLargeError):
            client.get_json("/streamed")


# -- sandbox faults -------------------------------------------------------------------------------
def test_429_retry_after_seconds_then_success(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="throttle:retry_after=1,count=1,path=/v2/")
    with signed_in(server) as client:
        awards, elapsed = timed(lambda: client.get_results(BACKPACK, ALL))
    assert awards and 0.95 <= elapsed < 3.0
    assert server.faults is not None and server.faults.injected["throttle"] == 1
    assert client.requests_made == 2


def test_429_retry_after_http_date(make_sandbox: Callable[..., SandboxServer]) -> None:
    # asctime form: the fault SPEC splits on commas, so the IMF-fixdate form cannot be written.
    when = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%a %b %d %H:%M:%S %Y")
    server = make_sandbox(faults=f"throttle:retry_after={when},count=1,path=/v2/")
    with signed_in(server) as client:
        awards, elapsed = timed(lambda: client.get_results(BACKPACK))
    assert awards and 0.9 <= elapsed < 3.5
    assert client.requests_made == 2


def test_huge_retry_after_is_capped(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="throttle:retry_after=9999999999,count=2,path=/v2/")
    config = HttpConfig(retry_after_cap=0.3, backoff_factor=0.05, deadline=10.0)
    with signed_in(server, config) as client:
        awards, elapsed = timed(lambda: client.get_results(BACKPACK))
    assert awards and 0.55 <= elapsed < 2.0  # two capped waits of 0.3 s
    assert client.requests_made == 3


def test_garbage_retry_after_falls_back_to_backoff(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="throttle:retry_after=soon,count=1,path=/v2/")
    with signed_in(server) as client:
        awards, elapsed = timed(lambda: client.get_results(BACKPACK))
    assert awards and elapsed < 1.0 and client.requests_made == 2


def test_retry_after_beyond_the_deadline_fails_at_once(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="throttle:retry_after=30,path=/v2/")
    with signed_in(server, HttpConfig(deadline=5.0, retry_after_cap=60.0)) as client:
        caught, elapsed = timed(lambda: pytest.raises(RetryLaterError, client.get_results, BACKPACK))
    assert elapsed < 1.0 and caught.value.retry_after == 30
    assert "30 seconds" in str(caught.value) and client.requests_made == 1


def test_502_three_times_then_success(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="error:code=502,count=3,path=/v2/")
    with signed_in(server) as client:
        awards, elapsed = timed(lambda: client.get_results(BACKPACK))
    assert awards and elapsed < 2.0
    assert client.requests_made == 4
    assert server.faults is not None and server.faults.injected["error"] == 3


def test_5xx_forever_ends_in_server_error_within_budget(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="error:code=503,path=/v2/")
    with signed_in(server) as client:
        caught, elapsed = timed(lambda: pytest.raises(ServerError, client.get_results, BACKPACK))
    assert "HTTP 503" in str(caught.value) and elapsed < 3.0
    assert server.faults is not None and server.faults.injected["error"] == FAST.retries + 1
    assert client.requests_made == FAST.retries + 1


@pytest.mark.parametrize("mode", ["body", "connection"])
def test_truncated_json_is_a_network_error(make_sandbox: Callable[..., SandboxServer], mode: str) -> None:
    server = make_sandbox(faults=f"truncate:mode={mode},count=1,path=/v2/")
    with signed_in(server) as client:
        with pytest.raises(NetworkError, match="cut off"):
            client.get_results(BACKPACK, ALL)
        assert client.get_results(BACKPACK, ALL)  # the next try is fine


def test_captive_portal(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="portal:count=1,path=/v2/")
    with signed_in(server) as client, pytest.raises(CaptivePortalError, match="network login"):
        client.get_results(BACKPACK)


def test_stalled_body_times_out(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="stall:seconds=30,count=1,path=/v2/")
    config = HttpConfig(read_timeout=0.5, deadline=3.0)
    with signed_in(server, config) as client:
        _, elapsed = timed(lambda: pytest.raises(TimeoutExpiredError, client.get_results, BACKPACK, ALL))
    assert elapsed < 1.5


def test_silent_server_ends_by_the_deadline(local: Callable[..., Local]) -> None:
    hold = threading.Event()
    server = local({"/v2/x": lambda _h: (hold.wait(10), Reply())[1]})
    config = HttpConfig(read_timeout=0.4, deadline=1.0, backoff_factor=0.05, backoff_jitter=0.0)
    with ApiClient(server.url, config=config) as client:
        _, elapsed = timed(lambda: pytest.raises(TimeoutExpiredError, client.get_results, "/v2/x"))
    hold.set()
    assert elapsed < config.deadline + config.read_timeout + 0.3


def test_dripping_body_ends_by_the_deadline(local: Callable[..., Local]) -> None:
    stop = threading.Event()

    def drip() -> Iterator[bytes]:
        yield b'{"status":{"success":true},"result":['
        while not stop.wait(0.1):
            yield b" "

    server = local({"/v2/x": lambda _h: Reply(body=drip())})
    config = HttpConfig(read_timeout=2.0, deadline=1.0)
    with ApiClient(server.url, config=config) as client:
        _, elapsed = timed(lambda: pytest.raises(TimeoutExpiredError, client.get_results, "/v2/x"))
    stop.set()
    assert elapsed < config.deadline + 0.3  # each byte arrives within read_timeout; the deadline ends it


def test_token_post_is_never_retried(make_sandbox: Callable[..., SandboxServer]) -> None:
    server = make_sandbox(faults="error:code=503,path=/o/token")
    with ApiClient(server.info["api"], config=FAST) as client, pytest.raises(ServerError):
        password_grant(client, server.info["username"], server.info["password"])
    assert client.requests_made == 1
    assert server.faults is not None and server.faults.injected["error"] == 1


def test_post_is_not_retried_even_on_connection_refused() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with ApiClient(dead, config=FAST) as client:
        with pytest.raises(NetworkError):
            client.post_form("/o/token", {"grant_type": "password"})
        assert client.requests_made == 1
        with pytest.raises(NetworkError):
            client.get_json("/v2/users/self")
        assert client.requests_made == 1 + FAST.retries + 1  # GETs are retried


# -- paging ---------------------------------------------------------------------------------------
def test_next_links_are_followed_and_duplicates_dropped(local: Callable[..., Local]) -> None:
    pages: dict[str, Route] = {}
    server = local(pages)
    pages["/v2/list"] = fixed(envelope([{"entityId": "a"}, {"entityId": "b"}]), "application/ld+json",
                              Link='</v2/list2?cursor=x>; rel="next"')
    pages["/v2/list2"] = fixed(envelope([{"entityId": "b"}, {"entityId": "c"}, {"noId": 1}]),
                               Link=f'<{server.url}/v2/list3>; rel="next last"')
    pages["/v2/list3"] = fixed(envelope([{"entityId": "d"}]))
    with ApiClient(server.url, config=FAST) as client:
        items = client.get_results("/v2/list", [("num", "2")])
    assert [i.get("entityId") for i in items] == ["a", "b", "c", None, "d"]
    assert [p for p, _ in server.seen] == ["/v2/list?num=2", "/v2/list2?cursor=x", "/v2/list3"]


def test_next_link_to_another_origin_is_refused(local: Callable[..., Local]) -> None:
    foreign = local({"/v2/p2": fixed(envelope([]))})
    server = local({"/v2/p1": fixed(envelope([]), Link=f'<{foreign.url}/v2/p2>; rel="next"')})
    client = ApiClient(server.url, tokens=FixedTokens(), config=FAST)
    with client, pytest.raises(MalformedDataError, match="another site"):
        client.get_results("/v2/p1")
    assert foreign.seen == []


def test_next_link_loop_is_refused(local: Callable[..., Local]) -> None:
    server = local({
        "/v2/p1": fixed(envelope([{"entityId": "a"}]), Link='</v2/p2>; rel="next"'),
        "/v2/p2": fixed(envelope([{"entityId": "b"}]), Link='</v2/p1>; rel="next"'),
    })
    with ApiClient(server.url, config=FAST) as client, pytest.raises(MalformedDataError, match="loop"):
        client.get_results("/v2/p1")
    assert len(server.seen) == 2


def test_page_cap(local: Callable[..., Local]) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> Reply:
        n = int(handler.path.split("=")[-1]) if "=" in handler.path else 0
        link = f'</v2/l?p={n + 1}>; rel="next"'
        return Reply(body=envelope([{"entityId": str(n)}]), headers={"Link": link})

    server = local({"/v2/l": endless})
    client = ApiClient(server.url, config=HttpConfig(max_pages=5))
    with client, pytest.raises(ResponseTooLargeError):
        client.get_results("/v2/l")
    assert len(server.seen) == 5


def test_next_link_rule_as_a_pure_function() -> None:
    base, here = "https://api.badgr.io", "https://api.badgr.io/v2/issuers/x/assertions?num=10"
    assert next_page_url(base, here, None, set()) is None
    assert next_page_url(base, here, '<https://api.badgr.io/v2/a?c=2>; rel="prev"', set()) is None
    assert next_page_url(base, here, '</v2/a?c=2>; rel="next"', set()) == "https://api.badgr.io/v2/a?c=2"
    assert next_page_url(base, here, '<https://API.badgr.io:443/v2/a>; rel="next"', set())
    for bad in ("http://api.badgr.io/v2/a", "https://api.badgr.io:8443/v2/a", "https://evil.example/v2/a",
                "https://api.badgr.io.evil.example/v2/a", "//evil.example/v2/a"):
        with pytest.raises(MalformedDataError):
            next_page_url(base, here, f'<{bad}>; rel="next"', set())
    with pytest.raises(MalformedDataError, match="loop"):
        next_page_url(base, here, f'<{here}>; rel="next"', {here})


# -- tokens, origins, redirects -------------------------------------------------------------------
def test_bearer_goes_only_to_the_api_origin(local: Callable[..., Local]) -> None:
    other = local({"/public/x.json": fixed(b'{"ok": true}')})
    api = local({
        "/v2/me": fixed(envelope([])),
        "/v2/moved": fixed(b"", None, 302, Location="/v2/me"),
        "/v2/away": fixed(b"", None, 302, Location=f"{other.url}/public/x.json"),
    })
    with ApiClient(api.url, tokens=FixedTokens(), config=FAST) as client:
        assert client.get_results("/v2/moved") == []
        assert client.get_json(f"{other.url}/public/x.json") == {"ok": True}
        with pytest.raises(CaptivePortalError):
            client.get_json("/v2/away")
    assert [h.get("authorization") for _, h in api.seen] == ["Bearer canary-access-token"] * 3
    assert [h.get("authorization") for _, h in other.seen] == [None]  # only the direct get_json


def test_second_401_ends_the_session(local: Callable[..., Local]) -> None:
    server = local({"/v2/x": fixed(b'{"status":{"success":false},"result":[]}', status=401)})
    tokens = FixedTokens()
    client = ApiClient(server.url, tokens=tokens, config=FAST)
    with client, pytest.raises(AuthError, match="session has ended"):
        client.get_results("/v2/x")
    assert tokens.refreshes == 1 and len(server.seen) == 2


# -- images ---------------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200


def test_image_host_sees_no_credentials(local: Callable[..., Local]) -> None:
    headers = {"ETag": '"v1"', "Set-Cookie": "track=1; Path=/"}
    host = local({"/img.png": lambda _h: Reply(200, PNG, "image/png", headers)})
    hop = local({"/go": fixed(b"", None, 302, Location=f"{host.url}/img.png")})
    with ImageFetcher(hop.url) as fetcher:
        for _ in range(2):
            image = fetcher.fetch(f"{hop.url}/go")
            assert image is not None and image.data == PNG and image.etag == '"v1"'
    assert image is not None and image.final_url == f"{host.url}/img.png"
    assert image.content_type == "image/png"
    for _, headers in hop.seen + host.seen:
        assert "authorization" not in headers and "cookie" not in headers
        assert headers["user-agent"] == "Mozilla/5.0 (compatible)"


def test_image_etag_gives_not_modified(sandbox: SandboxServer) -> None:
    with signed_in(sandbox) as client:
        url = client.get_results(BACKPACK)[0]["image"]
    with ImageFetcher(sandbox.info["api"]) as fetcher:
        first = fetcher.fetch(url)
        assert first is not None and first.etag
        assert fetcher.fetch(url, etag=first.etag) is None


def test_image_limits_type_and_cancel(local: Callable[..., Local]) -> None:
    host = local({
        "/big.png": fixed(PNG * 100, "image/png"),
        "/page.png": fixed(b"<html></html>", "text/html"),
        "/loop.png": fixed(b"", None, 302, Location="/loop.png"),
    })
    received: list[int] = []
    with ImageFetcher(host.url, max_image_bytes=1000) as fetcher:
        with pytest.raises(ResponseTooLargeError):
            fetcher.fetch(f"{host.url}/big.png")
        with pytest.raises(MalformedDataError):
            fetcher.fetch(f"{host.url}/page.png")
        with pytest.raises(NetworkError, match="redirected too many times"):
            fetcher.fetch(f"{host.url}/loop.png")
    with ImageFetcher(host.url) as fetcher:
        image = fetcher.fetch(f"{host.url}/big.png", on_bytes=received.append)
        assert image is not None and sum(received) == len(image.data) == len(PNG) * 100
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(CancelledError):
            fetcher.fetch(f"{host.url}/big.png", cancel=cancel)


UNSAFE = [
    "https://10.0.0.1/a.png", "https://192.168.1.1/a.png", "https://172.16.0.9/a.png",
    "https://169.254.169.254/latest/meta-data/", "https://[fc00::1]/a.png", "https://[fe80::1]/a.png",
    "https://127.0.0.1/a.png", "https://[::1]/a.png", "https://[::ffff:127.0.0.1]/a.png",
    "https://0.0.0.0/a.png", "http://example.org/a.png", "file:///etc/passwd", "ftp://example.org/a.png",
    "data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)", "https://user:pw@example.org/a.png",
    "https:///a.png",
]


@pytest.mark.parametrize("url", UNSAFE)
def test_image_url_policy_refuses(url: str) -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise AssertionError(f"{host} must not be resolved")

    with pytest.raises(UnsafeUrlError):
        check_fetch_url(url, "https://api.badgr.io", resolver)


def test_image_url_policy_resolves_names() -> None:
    base = "https://api.badgr.io"
    check_fetch_url("https://images.example.org/a.png", base, lambda h, p: ["93.184.215.14", "2606:2800::1"])
    check_fetch_url("https://93.184.215.14/a.png", base, lambda h, p: [])
    for answer in (["10.1.2.3"], ["93.184.215.14", "127.0.0.1"], ["fd12::1"], []):
        with pytest.raises(UnsafeUrlError):
            check_fetch_url("https://rebind.example.org/a.png", base, lambda h, p, a=answer: a)  # type: ignore[misc]
    # The sandbox (a loopback API) may use loopback http, but nothing else over http.
    check_fetch_url("http://127.0.0.1:9/a.png", "http://127.0.0.1:8000", lambda h, p: [])
    with pytest.raises(UnsafeUrlError):
        check_fetch_url("http://10.0.0.1/a.png", "http://127.0.0.1:8000", lambda h, p: [])


def test_refused_image_urls_make_no_connection(local: Callable[..., Local]) -> None:
    canary = local({"/a.png": fixed(PNG, "image/png")})
    port = canary.url.rsplit(":", 1)[1]
    redirector = local({"/r.png": fixed(b"", None, 302, Location="http://169.254.169.254/latest/")})
    with ImageFetcher("https://api.badgr.io") as fetcher:
        for url in (f"https://127.0.0.1:{port}/a.png", f"http://127.0.0.1:{port}/a.png",
                    f"https://[::ffff:127.0.0.1]:{port}/a.png", f"http://localhost:{port}/a.png"):
            with pytest.raises(UnsafeUrlError):
                fetcher.fetch(url)
    with ImageFetcher(redirector.url) as fetcher, pytest.raises(UnsafeUrlError):
        fetcher.fetch(f"{redirector.url}/r.png")  # the hop is re-checked: http off loopback
    assert canary.seen == []
    assert len(redirector.seen) == 1
