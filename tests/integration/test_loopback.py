"""The RFC 8252 loopback listener over real sockets (SECURITY.md test 21).

``requests`` plays the browser. Nothing here needs the sandbox: the listener only ever sees the
redirect back, and what it does with the code is the gate's and the exchange's business.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from backpack_desktop.domain.errors import (
    CancelledError,
    SignInCancelledError,
    SignInTimeoutError,
    UnsafeUrlError,
)
from backpack_desktop.services.loopback import LoopbackListener
from backpack_desktop.services.oauth_flow import AuthRequest, CallbackGate

TIMEOUT = 5


@pytest.fixture
def listener() -> Iterator[LoopbackListener]:
    with LoopbackListener() as started:
        started.start(CallbackGate(AuthRequest.new(started.redirect_uri)))
        yield started


def state_of(listener: LoopbackListener) -> str:
    assert listener._gate is not None
    return listener._gate.request.state


def browse(url: str, **kw: object) -> requests.Response:
    return requests.get(url, timeout=TIMEOUT, allow_redirects=False, **kw)  # type: ignore[arg-type]


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_bound_to_loopback_on_a_random_port() -> None:
    with LoopbackListener() as one, LoopbackListener() as two:
        assert one.address[0] == "127.0.0.1" and one.address[0] != "0.0.0.0"  # noqa: S104
        assert one.port not in (0, 80) and one.port != two.port
        assert one.redirect_uri == f"http://127.0.0.1:{one.port}/callback"
        assert one._server.socket.family == socket.AF_INET


def test_only_loopback_redirects() -> None:
    for uri in ("http://localhost/callback", "http://0.0.0.0/callback", "https://127.0.0.1/callback",  # noqa: S104
                "http://192.168.1.2/callback"):
        with pytest.raises(UnsafeUrlError):
            LoopbackListener(uri)


def test_a_fixed_port_and_path_from_the_registration() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with LoopbackListener(f"http://127.0.0.1:{free}/oauth/done") as fixed:
        assert (fixed.port, fixed.path) == (free, "/oauth/done")


def test_other_requests_do_not_end_the_flow(listener: LoopbackListener) -> None:
    base = f"http://127.0.0.1:{listener.port}"
    good = urlencode({"code": "the-code", "state": state_of(listener)})
    for path in ("/", "/favicon.ico", "/callback/x", "/callbackx", "/CALLBACK"):
        assert browse(f"{base}{path}?{good}").status_code == 404
    wrong = urlencode({"code": "evil", "state": "forged"})
    assert browse(f"{base}/callback?{wrong}").status_code == 400
    assert browse(f"{base}/callback?code=evil").status_code == 400
    assert requests.post(f"{base}/callback?{good}", timeout=TIMEOUT).status_code == 405
    rebinding = browse(f"{base}/callback?{good}", headers={"Host": f"attacker.example:{listener.port}"})
    assert rebinding.status_code == 400
    assert not listener._closed.is_set()
    page = browse(f"{listener.redirect_uri}?{good}")
    assert page.status_code == 200
    assert listener.wait(TIMEOUT) == "the-code"


def test_closed_after_one_callback(listener: LoopbackListener) -> None:
    url = f"{listener.redirect_uri}?{urlencode({'code': 'c1', 'state': state_of(listener)})}"
    assert browse(url).status_code == 200
    assert listener.wait(TIMEOUT) == "c1"
    assert refused(listener.port)
    with pytest.raises(requests.ConnectionError):
        browse(url)


def test_the_page_holds_no_secret(listener: LoopbackListener) -> None:
    state = state_of(listener)
    page = browse(f"{listener.redirect_uri}?{urlencode({'code': 'SECRET-CODE-1234', 'state': state})}")
    assert "You can close this tab and return to Backpack Desktop" in page.text
    for secret in ("SECRET-CODE-1234", state, "token"):
        assert secret not in page.text and secret not in str(page.headers)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Content-Security-Policy"] == "default-src 'none'"
    assert "<script" not in page.text and "src=" not in page.text


def test_nothing_is_logged(listener: LoopbackListener, capfd: pytest.CaptureFixture[str]) -> None:
    browse(f"http://127.0.0.1:{listener.port}/nope?code=LOGGED-CODE")
    browse(f"{listener.redirect_uri}?{urlencode({'code': 'LOGGED-CODE', 'state': state_of(listener)})}")
    listener.wait(TIMEOUT)
    out, err = capfd.readouterr()
    assert "LOGGED-CODE" not in out + err and "GET" not in err


def test_gone_after_the_timeout_without_a_callback() -> None:
    listener = LoopbackListener(timeout=0.5)
    listener.start(CallbackGate(AuthRequest.new(listener.redirect_uri)))
    started = time.monotonic()
    deadline = started + 3
    while not refused(listener.port):  # nobody waits on it: it closes by itself
        assert time.monotonic() < deadline, "the listener outlived its timeout"
        time.sleep(0.05)
    assert time.monotonic() - started < 2
    with pytest.raises(SignInTimeoutError):
        listener.wait()


def test_wait_timeout_and_cancel() -> None:
    with LoopbackListener() as listener:
        listener.start(CallbackGate(AuthRequest.new(listener.redirect_uri)))
        started = time.monotonic()
        with pytest.raises(SignInTimeoutError):
            listener.wait(0.3)
        assert time.monotonic() - started < 2 and refused(listener.port)
    with LoopbackListener() as listener:
        listener.start(CallbackGate(AuthRequest.new(listener.redirect_uri)))
        cancel = threading.Event()
        threading.Timer(0.2, cancel.set).start()
        with pytest.raises(CancelledError):
            listener.wait(cancel=cancel)
        assert refused(listener.port)


def test_deny_ends_the_flow_with_a_clear_error(listener: LoopbackListener) -> None:
    query = urlencode({"error": "access_denied", "state": state_of(listener)})
    page = browse(f"{listener.redirect_uri}?{query}")
    assert page.status_code == 200 and "not completed" in page.text
    with pytest.raises(SignInCancelledError, match="declined"):
        listener.wait(TIMEOUT)
    assert refused(listener.port)


def test_an_idle_connection_does_not_delay_the_callback(listener: LoopbackListener) -> None:
    with socket.create_connection(("127.0.0.1", listener.port)) as idle:  # a browser's preconnect
        idle.sendall(b"GET /callback")
        url = f"{listener.redirect_uri}?{urlencode({'code': 'c2', 'state': state_of(listener)})}"
        started = time.monotonic()
        assert requests.get(url, timeout=15).status_code == 200
        assert time.monotonic() - started < 1  # not after the idle one's 5 s timeout
    assert listener.wait(TIMEOUT) == "c2"
    assert urlsplit(listener.redirect_uri).hostname == "127.0.0.1"
