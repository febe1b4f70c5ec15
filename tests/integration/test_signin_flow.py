"""The system-browser sign-in end to end against the sandbox (SECURITY.md tests 17, 18, 21).

``requests`` is the browser: it opens the authorize URL the app built, fills the Canvas
Credentials login form (or takes the "Sign in with Canvas" hop through the Canvas origin),
presses Allow or Deny, and follows the final redirect to the app's loopback listener. The app
side is the real code: LoopbackListener, CallbackGate, exchange_code, ApiClient.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from backpack_desktop.domain.errors import AuthError, SignInCancelledError
from backpack_desktop.sandbox import SandboxServer
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.loopback import LoopbackListener
from backpack_desktop.services.oauth_flow import AuthRequest, CallbackGate, authorize_url, exchange_code

TIMEOUT = 10


class Forms(HTMLParser):
    """The forms (by id, with hidden fields and buttons) and links (by id) of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self.links: dict[str, str] = {}
        self._form: dict[str, Any] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}, "buttons": {}}
            self.forms[a.get("id", "")] = self._form
        elif tag == "input" and self._form is not None and a.get("name"):
            self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "button" and self._form is not None and a.get("name"):
            self._form["buttons"][a.get("id", "")] = (a["name"], a.get("value", ""))
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


class Browser:
    """A cookie-keeping HTTP client that follows redirects until it leaves the sandbox."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.session = requests.Session()

    def go(self, url: str, data: dict[str, str] | None = None) -> requests.Response:
        response = (self.session.post(url, data=data, timeout=TIMEOUT, allow_redirects=False) if data
                    else self.session.get(url, timeout=TIMEOUT, allow_redirects=False))
        while response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            response = self.session.get(url, timeout=TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        self.url = url
        return response

    def submit(self, page: requests.Response, form_id: str, button: str | None = None,
               **values: str) -> requests.Response:
        form = Forms(page.text).forms[form_id]
        data = {**form["fields"], **values}
        if button is not None:
            name, value = form["buttons"][button]
            data[name] = value
        return self.go(urljoin(self.url, form["action"]), data)

    def login(self, page: requests.Response) -> requests.Response:
        info = self.server.info
        return self.submit(page, "login", email=info["username"], password=info["password"])


@pytest.fixture
def flow(sandbox: SandboxServer) -> Iterator[tuple[LoopbackListener, AuthRequest, str]]:
    """A started listener, its request and the authorize URL for the sandbox's desktop client."""
    with LoopbackListener(sandbox.info["redirect_uri"]) as listener:
        request = AuthRequest.new(listener.redirect_uri)
        listener.start(CallbackGate(request))
        yield listener, request, authorize_url(sandbox.info["ui"], sandbox.info["client_id"], request)


def test_sign_in_through_the_login_form(sandbox: SandboxServer, flow: Any) -> None:
    listener, request, url = flow
    browser = Browser(sandbox)
    consent = browser.login(browser.go(url))
    assert "Authorize Backpack Desktop" in consent.text
    done = browser.submit(consent, "consent", "allow")
    assert urlsplit(browser.url).netloc == f"127.0.0.1:{listener.port}"  # it came back to us
    assert "You can close this tab" in done.text
    code = listener.wait(TIMEOUT)
    with ApiClient(sandbox.info["api"]) as client:
        tokens = exchange_code(client, sandbox.info["client_id"], request, code)
    assert tokens.refresh_token and set(tokens.scope.split()) == {"r:profile", "r:backpack"}
    me = requests.get(sandbox.info["api"] + "/v2/users/self", timeout=TIMEOUT,
                      headers={"Authorization": f"Bearer {tokens.access_token}"})
    assert me.status_code == 200


def test_sign_in_through_canvas(sandbox: SandboxServer, flow: Any) -> None:
    listener, request, url = flow
    browser = Browser(sandbox)
    login = browser.go(url)
    canvas = browser.go(urljoin(browser.url, Forms(login.text).links["canvas"]))
    assert urlsplit(browser.url).netloc == urlsplit(sandbox.info["canvas"]).netloc
    info = sandbox.info
    consent = browser.submit(canvas, "login", username=info["username"], password=info["password"])
    browser.submit(consent, "consent", "allow")
    code = listener.wait(TIMEOUT)
    with ApiClient(info["api"]) as client:
        assert exchange_code(client, info["client_id"], request, code).access_token


def test_a_wrong_verifier_is_refused(sandbox: SandboxServer, flow: Any) -> None:
    listener, request, url = flow
    browser = Browser(sandbox)
    browser.submit(browser.login(browser.go(url)), "consent", "allow")
    code = listener.wait(TIMEOUT)
    impostor = dataclasses.replace(request, code_verifier=AuthRequest.new(request.redirect_uri).code_verifier)
    with ApiClient(sandbox.info["api"]) as client:
        with pytest.raises(AuthError, match="refused the code"):
            exchange_code(client, sandbox.info["client_id"], impostor, code)
        with pytest.raises(AuthError):  # and the code is spent: the right verifier is too late
            exchange_code(client, sandbox.info["client_id"], request, code)


def test_deny_is_a_cancellation_without_a_token_request(make_sandbox: Any) -> None:
    server = make_sandbox(seed=3)
    with LoopbackListener(server.info["redirect_uri"]) as listener:
        request = AuthRequest.new(listener.redirect_uri)
        listener.start(CallbackGate(request))
        browser = Browser(server)
        url = authorize_url(server.info["ui"], server.info["client_id"], request)
        consent = browser.login(browser.go(url))
        server.reset_hits()
        page = browser.submit(consent, "consent", "deny")
        assert "not completed" in page.text
        with pytest.raises(SignInCancelledError, match="You declined the request in the browser"):
            listener.wait(TIMEOUT)
    assert server.hits("/o/token") == 0


def test_a_forged_callback_is_ignored_and_the_real_one_wins(sandbox: SandboxServer, flow: Any) -> None:
    """Login CSRF: an attacker's page sends the browser to the listener with its own code."""
    listener, request, url = flow
    evil_browser = Browser(sandbox)
    with LoopbackListener(sandbox.info["redirect_uri"]) as evil_listener:  # the attacker's own flow
        attacker = AuthRequest.new(evil_listener.redirect_uri)
        evil_listener.start(CallbackGate(attacker))
        evil_url = authorize_url(sandbox.info["ui"], sandbox.info["client_id"], attacker)
        evil_browser.submit(evil_browser.login(evil_browser.go(evil_url)), "consent", "allow")
        evil_code = evil_listener.wait(TIMEOUT)
    forged = requests.get(listener.redirect_uri, params={"code": evil_code, "state": attacker.state},
                          timeout=TIMEOUT)
    assert forged.status_code == 400
    browser = Browser(sandbox)
    browser.submit(browser.login(browser.go(url)), "consent", "allow")
    code = listener.wait(TIMEOUT)
    assert code != evil_code
    with ApiClient(sandbox.info["api"]) as client:
        assert exchange_code(client, sandbox.info["client_id"], request, code).access_token
