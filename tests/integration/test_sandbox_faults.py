"""Fault injection (``--faults SPEC``, syntax in ``cli.FAULTS_HELP``) as a client sees it.

The faults reproduce SECURITY.md tests 39 and 42-45: latency, 429 with Retry-After (seconds or an
HTTP date), 5xx, truncated JSON, a captive portal and a stalled body. ``count=`` keeps each test
deterministic; the unauthenticated backpack list (a 401 JSON envelope) is the probe, so no token
request uses up a rule.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pytest
import requests

from backpack_desktop.domain.errors import FaultSpecError
from backpack_desktop.sandbox import SandboxConfig, SandboxServer

TIMEOUT = 10
PROBE = "/v2/backpack/assertions"  # answers 401 JSON without a token


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Private sandboxes for this module, stopped together at the end."""
    started: list[SandboxServer] = []

    def factory(**fields: Any) -> SandboxServer:
        server = SandboxServer(SandboxConfig(**fields)).start()
        started.append(server)
        return server

    yield factory
    stoppers = [threading.Thread(target=s.stop) for s in started]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join(timeout=10)


def _probe(server: SandboxServer, path: str = PROBE, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("timeout", TIMEOUT)
    return requests.get(server.info["api"] + path, **kwargs)


def _healthy(response: requests.Response) -> bool:
    return response.status_code == 401 and response.json()["status"]["success"] is False


# -- latency ------------------------------------------------------------------------------------
def test_latency_delays_the_answer(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="latency:ms=500,count=1")
    start = time.monotonic()
    response = _probe(server)
    elapsed = time.monotonic() - start
    assert 0.5 <= elapsed < 3.0
    assert _healthy(response)  # a slow answer is still the real answer
    start = time.monotonic()
    _probe(server)
    assert time.monotonic() - start < 0.45  # count=1: only the first is delayed


# -- throttle -----------------------------------------------------------------------------------
def test_throttle_answers_429_with_retry_after_seconds(
        private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="throttle:retry_after=2,count=1")
    response = _probe(server)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert _healthy(_probe(server))


def test_throttle_answers_429_with_retry_after_http_date(
        private_sandbox: Callable[..., SandboxServer]) -> None:
    """FAULTS_HELP: ``retry_after=SECONDS or an HTTP date``, e.g. ``Sun, 06 Nov 1994 08:49:37 GMT``."""
    when = format_datetime((datetime.now(UTC) + timedelta(seconds=30)).replace(microsecond=0), usegmt=True)
    server = private_sandbox(faults=f"throttle:retry_after={when},count=1")
    response = _probe(server)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == when
    assert parsedate_to_datetime(response.headers["Retry-After"]) > datetime.now(UTC)


def test_throttle_default_retry_after(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="throttle:count=1")
    response = _probe(server)
    assert response.status_code == 429
    assert response.headers["Retry-After"].isdigit()


# -- 5xx ----------------------------------------------------------------------------------------
def test_error_answers_the_given_code(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="error:code=502,count=1")
    assert _probe(server).status_code == 502
    assert _healthy(_probe(server))


def test_error_default_code_is_5xx(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="error:count=1")
    assert 500 <= _probe(server).status_code <= 599


def test_count_stops_after_n(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="error:code=503,count=3")
    assert [_probe(server).status_code for _ in range(5)] == [503, 503, 503, 401, 401]


def test_path_filter_only_affects_matching_paths(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="error:code=500,path=/public/")
    for _ in range(3):
        assert _healthy(_probe(server))
    assert _probe(server, "/public/assertions/AAAAAAAAAAAAAAAAAAAAAA").status_code == 500
    token = requests.post(server.info["api"] + "/o/token", timeout=TIMEOUT,
                          data={"username": server.info["username"], "password": server.info["password"]})
    assert token.status_code == 200


def test_faults_do_not_touch_the_browser_origins(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="error:code=500")
    assert requests.get(server.info["ui"] + "/", timeout=TIMEOUT).status_code == 200


# -- truncate -----------------------------------------------------------------------------------
def test_truncate_body_gives_a_complete_reply_with_invalid_json(
        private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="truncate:mode=body,count=1")
    response = _probe(server)
    assert response.status_code == 401
    assert int(response.headers["Content-Length"]) == len(response.content) > 0
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert _healthy(_probe(server))


def test_truncate_connection_breaks_the_read(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="truncate:mode=connection,count=1")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        _probe(server)
    assert _healthy(_probe(server))


# -- captive portal -----------------------------------------------------------------------------
def test_portal_answers_200_html(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="portal:count=1")
    response = _probe(server)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text.lower()
    with pytest.raises(ValueError):
        response.json()
    assert _healthy(_probe(server))


# -- stall --------------------------------------------------------------------------------------
def test_stall_times_out_the_read_and_the_server_still_stops(
        private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="stall:seconds=60,count=1")
    start = time.monotonic()
    with pytest.raises((requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError)) as caught:
        _probe(server, timeout=(2, 1))
    assert "timed out" in str(caught.value).lower()  # requests wraps a body read timeout in ConnectionError
    assert time.monotonic() - start < 5
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 5


def test_stall_sends_the_headers_first(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(faults="stall:seconds=60,count=1")
    with requests.get(server.info["api"] + PROBE, stream=True, timeout=(2, 1)) as response:
        assert response.status_code == 401  # headers arrived; the body is what stalls
        with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout)):
            response.content  # noqa: B018 - reading the body is the point
    assert _healthy(_probe(server))


# -- rate ---------------------------------------------------------------------------------------
def _sequence(server: SandboxServer, n: int = 24) -> list[int]:
    return [_probe(server).status_code for _ in range(n)]


def test_rate_is_reproducible_with_a_seed(private_sandbox: Callable[..., SandboxServer]) -> None:
    first = _sequence(private_sandbox(faults="error:code=503,rate=0.5", seed=11))
    second = _sequence(private_sandbox(faults="error:code=503,rate=0.5", seed=11))
    assert first == second
    assert {401, 503} == set(first)


def test_rate_zero_never_fires(private_sandbox: Callable[..., SandboxServer]) -> None:
    assert set(_sequence(private_sandbox(faults="error:code=503,rate=0"), 6)) == {401}


# -- bad specifications --------------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "named"), [
    ("bogus", "bogus"),
    ("latency:ms=100;bogus:rate=1", "bogus"),
    ("latency:colour=red", "colour"),
    ("error:rate=2", "rate"),
    ("error:rate=-0.5", "rate"),
    ("error:code=404", "code"),
    ("error:code=abc", "code"),
    ("latency:ms", "key=value"),
    ("latency:ms=", "key=value"),
    ("latency:ms=fast", "ms"),
    ("error:count=x", "count"),
    ("error:path=public", "path"),
    ("truncate:mode=half", "mode"),
    (";", "empty"),
    (" ; ;", "empty"),
])
def test_bad_specs_raise_fault_spec_error(spec: str, named: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        SandboxServer(SandboxConfig(faults=spec)).start().stop()
    assert named in str(caught.value)
