"""Malformed requests never crash or hang the sandbox (it must never answer 500 to bad input).

Each request is written byte for byte on a raw socket (``requests`` refuses to send most of them)
and its answer is read with ``http.client``; a 5 s socket timeout turns a hang into a failure.
``501`` (unknown method) and ``505`` (unknown HTTP version) are the correct answers of
``http.server`` for those two cases and are accepted; ``500`` never is. A request line without an
HTTP/1.x version may be answered HTTP/0.9-style (no status line) or by closing the connection, but
never by a crashed handler: whatever the answer, no traceback may reach stderr. The last test
checks the server still answers normally afterwards.
"""

from __future__ import annotations

import base64
import http.client
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from backpack_desktop.sandbox import SandboxConfig, SandboxServer

TIMEOUT = 10
SOCKET_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def target() -> Iterator[dict[str, Any]]:
    """A private sandbox, a token and an award id to aim at."""
    with SandboxServer(SandboxConfig(seed=5)) as server:
        token = requests.post(server.info["api"] + "/o/token", timeout=TIMEOUT, data={
            "username": server.info["username"], "password": server.info["password"]}).json()["access_token"]
        award = requests.get(server.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                             headers={"Authorization": f"Bearer {token}"}).json()["result"][0]["entityId"]
        yield {"server": server, "token": token, "award": award}


def _raw(origin: str, payload: bytes, half_close: bool = False, method: str = "GET") -> int | None:
    """Send ``payload`` as-is; return the status of the first answer, None when there is no status line."""
    parts = urlsplit(origin)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(payload)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock, method=method)
        try:
            response.begin()
        except (http.client.RemoteDisconnected, http.client.BadStatusLine):
            return None
        response.read()
        return response.status


def _request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"",
             length: str | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    elif body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _basic(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class Case:
    """One malformed request; ``{award}`` and ``{token}`` in the bytes are filled in at run time."""

    name: str
    payload: bytes
    origin: str = "api"
    half_close: bool = False  # send EOF after the payload (for bodies shorter than announced)


AWARD = "/v2/backpack/assertions/{award}"
BEARER = {"Authorization": "Bearer {token}"}


def _put(body: bytes, headers: dict[str, str] | None = None) -> bytes:
    return _request("PUT", AWARD, {**BEARER, **(headers or {})}, body)


CASES = [
    Case("content-length-text", _request("PUT", AWARD, length="abc")),
    Case("content-length-negative", _request("POST", "/o/token", length="-1")),
    Case("content-length-plus", _request("POST", "/o/token", length="+5") + b"abcde"),
    Case("content-length-huge", _request("POST", "/o/token", length="99999999999")),
    Case("content-length-conflicting", _request("POST", "/o/token", {"Content-Length": "3"}, b"abc", "3000"),
         half_close=True),
    Case("body-shorter-than-length", _request("POST", "/o/token", body=b"username=x", length="100"),
         half_close=True),
    Case("garbage-method", b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n"),
    Case("lowercase-method", b"get /v2/users/self HTTP/1.1\r\nHost: x\r\n\r\n"),
    Case("garbage-request-line", b"GARBAGE\r\n\r\n"),
    Case("bad-http-version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
    Case("tls-client-hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
         half_close=True),
    Case("huge-query", _request("GET", "/v2/backpack/assertions?q=" + "a" * 60_000)),
    Case("request-line-too-long", _request("GET", "/v2/backpack/assertions?q=" + "a" * 70_000)),
    Case("header-too-long", _request("GET", "/v2/users/self", {"X-Big": "b" * 70_000})),
    Case("too-many-headers", _request("GET", "/v2/users/self", {f"X-H{i}": "v" for i in range(150)})),
    Case("token-form-invalid-utf8", _request(
        "POST", "/o/token", {"Content-Type": "application/x-www-form-urlencoded"},
        b"grant_type=password&username=\xff\xfe&password=\xc3\x28")),
    Case("token-json-body", _request("POST", "/o/token", {"Content-Type": "application/json"},
                                     b'{"grant_type": "password", "username": "x", "password": "y"}')),
    Case("token-binary-body", _request("POST", "/o/token", {"Content-Type": "application/octet-stream"},
                                       bytes(range(256)))),
    Case("token-basic-not-base64", _request("POST", "/o/token", {"Authorization": "Basic !!!"},
                                            b"grant_type=password")),
    Case("token-basic-not-utf8", _request("POST", "/o/token", {"Authorization": _basic(b"\xff\xfe:\xff")},
                                          b"grant_type=password")),
    Case("token-refresh-garbage", _request("POST", "/o/token",
                                           body=b"grant_type=refresh_token&refresh_token=%00%ff")),
    Case("revoke-garbage", _request("POST", "/o/revoke_token/", body=b"\xff\x00=&&==")),
    Case("put-json-invalid-utf8", _put(b'{"acceptance": "\xff\xfe"}')),
    Case("put-json-array", _put(b'["Accepted"]')),
    Case("put-json-deeply-nested-array", _put(b"[" * 100_000)),
    Case("put-json-deeply-nested-object", _put(b'{"a":' * 50_000)),
    Case("put-json-wrong-types", _put(b'{"acceptance": {"$ne": null}}')),
    Case("put-json-nan", _put(b'{"acceptance": NaN}')),
    Case("put-chunked-body", _put(b"", {"Transfer-Encoding": "chunked"}) + b"5\r\nhello\r\n0\r\n\r\n"),
    Case("expect-100-continue", _put(b'{"acceptance": "Accepted"}', {"Expect": "100-continue"})),
    Case("bearer-non-latin1", b"GET /v2/users/self HTTP/1.1\r\nHost: x\r\n"
                              b"Authorization: Bearer \xff\xfe\x01\r\nConnection: close\r\n\r\n"),
    Case("query-bad-percent-escapes", _request(
        "GET", "/v2/backpack/assertions?expand=%ZZ&include_revoked=%FF%FE&expand=%00", BEARER)),
    Case("path-nul", _request("GET", "/v2/backpack/assertions/%00", BEARER)),
    Case("path-raw-non-ascii", b"GET /public/assertions/\xff\xfe HTTP/1.1\r\nHost: x\r\n"
                               b"Connection: close\r\n\r\n"),
    Case("absolute-form-uri", _request("GET", "http://evil.example/v2/users/self")),
    Case("asterisk-form", _request("OPTIONS", "*")),
    Case("path-traversal", _request("GET", "/media/uploads/badges/../../../../etc/passwd")),
    Case("head-request", _request("HEAD", "/v2/backpack/assertions")),
    Case("share-unicode-provider", _request(
        "GET", "/v2/backpack/share/assertion/{award}?provider=%F0%9F%98%80&redirect=%FF")),
    Case("public-garbage-query", _request("GET", "/public/assertions/{award}?expand=%00&v=9_9&type=%FF")),
    Case("ui-consent-invalid-utf8", _request(
        "POST", "/auth/oauth2/authorize",
        {"Cookie": "badgr_sandbox_session=\xff; ;;=", "Content-Type": "application/x-www-form-urlencoded"},
        b"decision=allow&csrf=\xff\xfe"), origin="ui"),
    Case("ui-login-invalid-utf8", _request(
        "POST", "/auth/login", body=b"next=%2Fauth%2Foauth2%2Fauthorize%3F\xff&email=\xff&password=\xfe"),
        origin="ui"),
    Case("ui-authorize-huge-state", _request(
        "GET", "/auth/oauth2/authorize?client_id=backpack-desktop&state=" + "s" * 50_000), origin="ui"),
    Case("canvas-login-invalid-utf8", _request(
        "POST", "/login/canvas", body=b"username=\xff&password=\xfe&state=\x00"), origin="canvas"),
    Case("canvas-garbage-method", b"BREW /login/oauth2/auth HTTP/1.1\r\nHost: x\r\n\r\n", origin="canvas"),
]


#: Request lines with no HTTP/1.x version: http.server answers them HTTP/0.9-style (no status line).
NO_VERSION = {"garbage-request-line", "bad-http-version", "tls-client-hello"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_request_is_answered_without_500(target: dict[str, Any], case: Case,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    payload = case.payload.replace(b"{award}", target["award"].encode()).replace(
        b"{token}", target["token"].encode())
    method = payload.split(b" ", 1)[0].decode("latin-1")
    start = time.monotonic()
    status = _raw(target["server"].info[case.origin], payload, case.half_close, method)
    assert time.monotonic() - start < SOCKET_TIMEOUT
    assert "Traceback" not in capsys.readouterr().err, f"{case.name}: the request handler crashed"
    if status is None:
        assert case.name in NO_VERSION, f"{case.name}: the connection was closed without an answer"
        return
    assert status != 500, case.name
    assert status < 500 or status in (501, 505), (case.name, status)


def test_the_server_still_answers_afterwards(target: dict[str, Any]) -> None:
    server = target["server"]
    start = time.monotonic()
    response = requests.get(server.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {target['token']}"})
    assert response.status_code == 200
    assert response.json()["result"]
    assert requests.get(server.info["ui"] + "/", timeout=TIMEOUT).status_code == 200
    assert time.monotonic() - start < 2
