"""The sandbox's OAuth 2 server (reference a.2, RFC 6749/7009/7636/8252) driven over plain HTTP.

The authorization-code flow is walked the way a browser without JavaScript would: GET the UI
origin's authorize page, post its login form, follow to the consent page, post Allow or Deny, and
read the ``Location`` of the final redirect without following it. Time-dependent behaviour
(expiry, sliding expiry, back-off) runs on a controllable clock put into a private sandbox's token
authority, so no test sleeps for long.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

from backpack_desktop.sandbox import SandboxConfig, SandboxServer

TIMEOUT = 10
PUBLIC_SCOPES = "rw:profile rw:issuer rw:backpack"
QUERY_ERROR = {"error": "Token grant parameters must be sent in post body, not query parameters"}
THROTTLE_TEXT = "Too many login attempts. Please wait and try again."
ODD_STATES = [
    "a b+c&d=e/f?g#h%20%",
    "ünïcödé ✓ 東京 مرحبا",
    "\"'<>`;,!*()[]{}|\\^~",
    "x" * 500,
    "=",
]
BAD_REDIRECTS = [
    "http://127.0.0.1:5000/other",
    "http://127.0.0.1:5000/callback/extra",
    "https://127.0.0.1:5000/callback",
    "https://127.0.0.1/callback",
    "com.example.backpack:/callback",
    "http://localhost:5000/callback",
    "http://localhost/callback",
    "http://127.0.0.2/callback",
    "http://127.0.0.1.evil.example/callback",
    "http://evil.example/callback",
    "http://127.0.0.1:5000/callback#frag",
    "//127.0.0.1/callback",
    "",
]


# -- helpers -----------------------------------------------------------------------------------
class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _Page(HTMLParser):
    """Forms (by id) and links (by id) of an HTML page; attribute values come back unescaped."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self.links: dict[str, str] = {}
        self._form: dict[str, Any] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get"),
                          "fields": {}, "buttons": {}}
            self.forms[a.get("id") or f"form{len(self.forms)}"] = self._form
        elif tag == "input" and self._form is not None and a.get("name"):
            self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "button" and self._form is not None and a.get("name"):
            self._form["buttons"][a.get("value", "")] = a["name"]
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _redirect_uri(port: int | None = 53682) -> str:
    return f"http://127.0.0.1:{port}/callback" if port else "http://127.0.0.1/callback"


def _params(server: SandboxServer, redirect_uri: str, state: str, challenge: str | None = None,
            **extra: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": server.info["client_id"], "redirect_uri": redirect_uri,
              "scope": "r:profile r:backpack", "state": state}
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params | extra


def _authorize(session: requests.Session, server: SandboxServer, params: dict[str, str]) -> requests.Response:
    return session.get(server.info["ui"] + "/auth/oauth2/authorize", params=params, timeout=TIMEOUT,
                       allow_redirects=False)


def _login(session: requests.Session, server: SandboxServer, login_page: requests.Response,
           password: str | None = None) -> requests.Response:
    form = _Page(login_page.text).forms["login"]
    data = {**form["fields"], "email": server.info["username"],
            "password": server.info["password"] if password is None else password}
    return session.post(urljoin(server.info["ui"] + "/", form["action"]), data=data, timeout=TIMEOUT,
                        allow_redirects=False)


def _consent_page(session: requests.Session, server: SandboxServer,
                  params: dict[str, str]) -> requests.Response:
    """Sign in through the UI's login form and return the consent page."""
    page = _authorize(session, server, params)
    assert page.status_code == 200, page.text
    login = _login(session, server, page)
    assert login.status_code in (302, 303), login.text
    consent = session.get(urljoin(server.info["ui"] + "/", login.headers["Location"]), timeout=TIMEOUT,
                          allow_redirects=False)
    assert consent.status_code == 200
    assert "consent" in _Page(consent.text).forms, consent.text
    return consent


def _decide(session: requests.Session, server: SandboxServer, consent: requests.Response, decision: str,
            **override: str) -> requests.Response:
    form = _Page(consent.text).forms["consent"]
    data = {**form["fields"], form["buttons"][decision]: decision, **override}
    return session.post(urljoin(server.info["ui"] + "/", form["action"]), data=data, timeout=TIMEOUT,
                        allow_redirects=False)


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


def _get_code(session: requests.Session, server: SandboxServer, params: dict[str, str]) -> str:
    answer = _decide(session, server, _consent_page(session, server, params), "allow")
    assert answer.status_code == 302, answer.text
    return _query(answer.headers["Location"])["code"]


def _exchange(server: SandboxServer, code: str, redirect_uri: str, verifier: str | None,
              **extra: str) -> requests.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": server.info["client_id"]}
    if verifier is not None:
        form["code_verifier"] = verifier
    return requests.post(server.info["api"] + "/o/token", data=form | extra, timeout=TIMEOUT)


def _creds(server: SandboxServer) -> dict[str, str]:
    return {"username": server.info["username"], "password": server.info["password"]}


def _password(server: SandboxServer, **extra: str) -> requests.Response:
    form = {"grant_type": "password", "username": server.info["username"],
            "password": server.info["password"], **extra}
    return requests.post(server.info["api"] + "/o/token", data=form, timeout=TIMEOUT)


def _tokens(server: SandboxServer, **extra: str) -> dict[str, Any]:
    response = _password(server, **extra)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _me(server: SandboxServer, access: str) -> int:
    return requests.get(server.info["api"] + "/v2/users/self", headers={"Authorization": f"Bearer {access}"},
                        timeout=TIMEOUT).status_code


def _refresh(server: SandboxServer, refresh: str) -> requests.Response:
    return requests.post(server.info["api"] + "/o/token", timeout=TIMEOUT,
                         data={"grant_type": "refresh_token", "refresh_token": refresh})


def _no_redirect(response: requests.Response) -> None:
    assert not 300 <= response.status_code < 400, response.status_code
    assert "Location" not in response.headers
    assert response.status_code >= 400
    assert response.headers.get("Content-Type", "").startswith("text/html")


@pytest.fixture(scope="module")
def private_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Private sandboxes for this module, stopped together at the end."""
    started: list[SandboxServer] = []

    def factory(clock: FakeClock | None = None, **fields: Any) -> SandboxServer:
        server = SandboxServer(SandboxConfig(**fields)).start()
        started.append(server)
        if clock is not None:
            server.authority.clock = clock
        return server

    yield factory
    stoppers = [threading.Thread(target=s.stop) for s in started]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join(timeout=10)


# -- password grant ----------------------------------------------------------------------------
def test_password_grant_answer(sandbox: SandboxServer) -> None:
    response = _password(sandbox)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "application/json"
    body = response.json()
    assert list(body) == ["access_token", "expires_in", "token_type", "scope", "refresh_token"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["scope"] == PUBLIC_SCOPES
    assert isinstance(body["access_token"], str) and len(body["access_token"]) >= 20
    assert isinstance(body["refresh_token"], str) and len(body["refresh_token"]) >= 20
    assert body["access_token"] != body["refresh_token"]
    assert _me(sandbox, body["access_token"]) == 200


def test_password_grant_is_not_cached(sandbox: SandboxServer) -> None:
    response = _password(sandbox)
    assert response.headers.get("Cache-Control") == "no-store"


def test_password_grant_is_the_default_grant(sandbox: SandboxServer) -> None:
    response = requests.post(sandbox.info["api"] + "/o/token", data=_creds(sandbox), timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["scope"] == PUBLIC_SCOPES


def test_password_grant_as_the_web_ui_sends_it(sandbox: SandboxServer) -> None:
    body = _tokens(sandbox, client_id="public", scope=PUBLIC_SCOPES)
    assert body["scope"] == PUBLIC_SCOPES


def test_password_grant_with_client_in_http_basic(sandbox: SandboxServer) -> None:
    response = requests.post(sandbox.info["api"] + "/o/token", auth=("public", ""), timeout=TIMEOUT,
                             data={"grant_type": "password", "username": sandbox.info["username"],
                                   "password": sandbox.info["password"]})
    assert response.status_code == 200


def test_password_grant_with_a_narrower_scope(sandbox: SandboxServer) -> None:
    assert _tokens(sandbox, scope="rw:profile")["scope"] == "rw:profile"


def test_password_grant_with_a_scope_the_client_may_not_have(sandbox: SandboxServer) -> None:
    response = _password(sandbox, scope="rw:profile rw:superuser")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid scope requested"}


def test_the_token_endpoint_accepts_a_trailing_slash(sandbox: SandboxServer) -> None:
    response = requests.post(sandbox.info["api"] + "/o/token/", data=_creds(sandbox), timeout=TIMEOUT)
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["grant_type=password", "username=x", "foo=bar", "client_id=public"])
def test_query_string_parameters_are_refused(sandbox: SandboxServer, query: str) -> None:
    response = requests.post(f"{sandbox.info['api']}/o/token?{query}", timeout=TIMEOUT,
                             data={"grant_type": "password", "username": sandbox.info["username"],
                                   "password": sandbox.info["password"]})
    assert response.status_code == 400
    assert response.json() == QUERY_ERROR


def test_unknown_client_id(sandbox: SandboxServer) -> None:
    response = _password(sandbox, client_id="no-such-client")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid client_id"}


def test_unknown_client_id_in_http_basic(sandbox: SandboxServer) -> None:
    response = requests.post(sandbox.info["api"] + "/o/token", auth=("no-such-client", "x"), timeout=TIMEOUT,
                             data=_creds(sandbox))
    assert response.status_code == 400
    assert response.json() == {"error": "invalid client_id"}


def test_unsupported_grant_type(sandbox: SandboxServer) -> None:
    response = requests.post(sandbox.info["api"] + "/o/token", data={"grant_type": "client_credentials"},
                             timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


# -- failed logins and throttling ----------------------------------------------------------------
def test_bad_password_is_invalid_grant(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(backoff_base=1.0)
    response = _password(server, password="wrong password")
    assert response.status_code == 400
    assert response.headers["Content-Type"].split(";")[0] == "application/json"
    assert response.json()["error"] == "invalid_grant"


def test_failed_login_is_throttled(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(backoff_base=2.0)
    assert _password(server, password="wrong").status_code == 400
    response = _password(server)  # even the right password waits out the back-off
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("text/html")  # wrong, as on the real server
    body = response.json()
    assert set(body) == {"error", "error_description", "expires"}
    assert body["error"] == "login attempts throttled"
    assert body["error_description"] == THROTTLE_TEXT
    assert isinstance(body["expires"], int) and 1 <= body["expires"] <= 2


def test_throttle_body_matches_recorded_example(private_sandbox: Callable[..., SandboxServer]) -> None:
    recorded = _example_body("token-429-throttled.json")
    server = private_sandbox(backoff_base=2.0)
    _password(server, password="wrong")
    response = _password(server, password="wrong")
    assert response.status_code == 429
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert list(response.json()) == list(recorded)


def _example_body(name: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parents[3] / "shared" / "reference" / "examples" / name
    if not path.is_file():
        pytest.fail(f"recorded example {path} is missing")
    return json.loads(path.read_text(encoding="utf-8"))["body"]  # type: ignore[no-any-return]


def test_throttle_back_off_grows_and_ends(private_sandbox: Callable[..., SandboxServer]) -> None:
    clock = FakeClock()
    server = private_sandbox(clock=clock, backoff_base=2.0)
    assert _password(server, password="wrong").status_code == 400
    assert _password(server).json()["expires"] == 2
    clock.advance(2.5)
    assert _password(server, password="wrong").status_code == 400
    assert _password(server).json()["expires"] == 4
    clock.advance(4.5)
    assert _password(server).status_code == 200
    assert _password(server, password="wrong").status_code == 400  # a success resets the count
    assert _password(server).json()["expires"] == 2


def test_throttle_is_per_username(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(backoff_base=2.0)
    _password(server, password="wrong")
    other = _password(server, username="someone.else@example.org", password="wrong")
    assert other.status_code == 400
    assert other.json()["error"] == "invalid_grant"


# -- refresh -----------------------------------------------------------------------------------
def test_refresh_gives_a_new_working_pair(sandbox: SandboxServer) -> None:
    old = _tokens(sandbox)
    response = _refresh(sandbox, old["refresh_token"])
    assert response.status_code == 200
    new = response.json()
    assert new["token_type"] == "Bearer"
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] != old["refresh_token"]
    assert new["scope"] == old["scope"]
    assert _me(sandbox, new["access_token"]) == 200


def test_refresh_kills_the_old_access_token(sandbox: SandboxServer) -> None:
    old = _tokens(sandbox)
    assert _me(sandbox, old["access_token"]) == 200
    assert _refresh(sandbox, old["refresh_token"]).status_code == 200
    assert _me(sandbox, old["access_token"]) == 401


def test_refresh_token_reuse_fails(sandbox: SandboxServer) -> None:
    old = _tokens(sandbox)
    assert _refresh(sandbox, old["refresh_token"]).status_code == 200
    again = _refresh(sandbox, old["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_refresh_with_an_unknown_token_fails(sandbox: SandboxServer) -> None:
    response = _refresh(sandbox, "not-a-refresh-token")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# -- authorization code + PKCE, through the UI origin -------------------------------------------
def test_authorize_without_a_session_shows_the_login_form(
        sandbox: SandboxServer, http: requests.Session) -> None:
    page = _authorize(http, sandbox, _params(sandbox, _redirect_uri(), "s1"))
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    form = _Page(page.text).forms["login"]
    assert form["method"].lower() == "post"
    assert "canvas" in _Page(page.text).links


def test_authorization_code_with_pkce_end_to_end(sandbox: SandboxServer, http: requests.Session) -> None:
    verifier, challenge = _pkce()
    redirect_uri = _redirect_uri(49152)
    consent = _consent_page(http, sandbox, _params(sandbox, redirect_uri, "state-123", challenge))
    answer = _decide(http, sandbox, consent, "allow")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(redirect_uri + "?")
    query = _query(location)
    assert set(query) == {"code", "state", "scope"}
    assert query["state"] == "state-123"
    assert query["scope"] == "r:profile r:backpack"
    response = _exchange(sandbox, query["code"], redirect_uri, verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "r:profile r:backpack"
    assert body["refresh_token"]
    assert _me(sandbox, body["access_token"]) == 200
    listed = requests.get(sandbox.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                          headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200


def test_wrong_password_on_the_login_form(sandbox: SandboxServer, http: requests.Session) -> None:
    page = _authorize(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    answer = _login(http, sandbox, page, password="wrong")
    assert answer.status_code == 200
    assert "Location" not in answer.headers
    assert "login" in _Page(answer.text).forms
    again = _authorize(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    assert "consent" not in _Page(again.text).forms


def test_wrong_code_verifier(sandbox: SandboxServer, http: requests.Session) -> None:
    _, challenge = _pkce()
    code = _get_code(http, sandbox, _params(sandbox, _redirect_uri(), "s", challenge))
    response = _exchange(sandbox, code, _redirect_uri(), _pkce()[0])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_missing_code_verifier(sandbox: SandboxServer, http: requests.Session) -> None:
    _, challenge = _pkce()
    code = _get_code(http, sandbox, _params(sandbox, _redirect_uri(), "s", challenge))
    response = _exchange(sandbox, code, _redirect_uri(), None)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "invalid_grant")


def test_a_code_works_only_once(sandbox: SandboxServer, http: requests.Session) -> None:
    verifier, challenge = _pkce()
    code = _get_code(http, sandbox, _params(sandbox, _redirect_uri(), "s", challenge))
    assert _exchange(sandbox, code, _redirect_uri(), verifier).status_code == 200
    again = _exchange(sandbox, code, _redirect_uri(), verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_wrong_redirect_uri_at_the_exchange(sandbox: SandboxServer, http: requests.Session) -> None:
    verifier, challenge = _pkce()
    code = _get_code(http, sandbox, _params(sandbox, _redirect_uri(50000), "s", challenge))
    response = _exchange(sandbox, code, _redirect_uri(50001), verifier)
    assert response.status_code == 400
    assert "access_token" not in response.json()


def test_unknown_client_at_the_exchange(sandbox: SandboxServer, http: requests.Session) -> None:
    verifier, challenge = _pkce()
    code = _get_code(http, sandbox, _params(sandbox, _redirect_uri(), "s", challenge))
    response = _exchange(sandbox, code, _redirect_uri(), verifier, client_id="no-such-client")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid client_id"}


def test_code_of_another_client(sandbox: SandboxServer, http: requests.Session) -> None:
    verifier, challenge = _pkce()
    code = _get_code(http, sandbox, _params(sandbox, _redirect_uri(), "s", challenge))
    response = _exchange(sandbox, code, _redirect_uri(), verifier, client_id="public")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_expires(private_sandbox: Callable[..., SandboxServer], http: requests.Session) -> None:
    clock = FakeClock()
    server = private_sandbox(clock=clock)
    verifier, challenge = _pkce()
    code = _get_code(http, server, _params(server, _redirect_uri(), "s", challenge))
    clock.advance(600)
    response = _exchange(server, code, _redirect_uri(), verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_deny_redirects_with_access_denied(sandbox: SandboxServer, http: requests.Session) -> None:
    consent = _consent_page(http, sandbox, _params(sandbox, _redirect_uri(), "deny-state"))
    answer = _decide(http, sandbox, consent, "deny")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(_redirect_uri() + "?")
    assert _query(location) == {"error": "access_denied", "state": "deny-state"}


@pytest.mark.parametrize("redirect_uri", BAD_REDIRECTS)
def test_unregistered_redirect_uri_gets_an_error_page(sandbox: SandboxServer, http: requests.Session,
                                                      redirect_uri: str) -> None:
    page = _authorize(http, sandbox, _params(sandbox, redirect_uri, "s"))
    _no_redirect(page)
    assert "login" not in _Page(page.text).forms


def test_unregistered_redirect_uri_for_a_signed_in_user(
        sandbox: SandboxServer, http: requests.Session) -> None:
    _consent_page(http, sandbox, _params(sandbox, _redirect_uri(), "s"))  # signs in
    _no_redirect(_authorize(http, sandbox, _params(sandbox, "http://evil.example/callback", "s")))


def test_tampered_redirect_uri_in_the_consent_form(sandbox: SandboxServer, http: requests.Session) -> None:
    consent = _consent_page(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    for decision in ("allow", "deny"):
        _no_redirect(_decide(http, sandbox, consent, decision, redirect_uri="http://evil.example/callback"))


def test_unknown_client_at_authorize(sandbox: SandboxServer, http: requests.Session) -> None:
    params = _params(sandbox, _redirect_uri(), "s", client_id="no-such-client")
    _no_redirect(_authorize(http, sandbox, params))


def test_missing_client_at_authorize(sandbox: SandboxServer, http: requests.Session) -> None:
    params = _params(sandbox, _redirect_uri(), "s")
    del params["client_id"]
    _no_redirect(_authorize(http, sandbox, params))


@pytest.mark.parametrize("port", [None, 1024, 49152, 53682, 65535])
def test_any_port_on_127_0_0_1_is_accepted(sandbox: SandboxServer, http: requests.Session,
                                           port: int | None) -> None:
    redirect_uri = _redirect_uri(port)
    consent = _consent_page(http, sandbox, _params(sandbox, redirect_uri, "p"))
    answer = _decide(http, sandbox, consent, "allow")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(redirect_uri + "?")
    assert "code" in _query(answer.headers["Location"])


def test_extra_query_parameters_of_the_redirect_uri_are_kept(sandbox: SandboxServer,
                                                             http: requests.Session) -> None:
    redirect_uri = _redirect_uri() + "?app=backpack"
    consent = _consent_page(http, sandbox, _params(sandbox, redirect_uri, "q"))
    answer = _decide(http, sandbox, consent, "allow")
    assert answer.status_code == 302
    query = _query(answer.headers["Location"])
    assert query["app"] == "backpack"
    assert query["state"] == "q"
    assert "code" in query


@pytest.mark.parametrize("state", ODD_STATES)
def test_state_is_echoed_exactly_on_allow(sandbox: SandboxServer, http: requests.Session, state: str) -> None:
    answer = _decide(http, sandbox, _consent_page(http, sandbox, _params(sandbox, _redirect_uri(), state)),
                     "allow")
    assert _query(answer.headers["Location"])["state"] == state


@pytest.mark.parametrize("state", ODD_STATES)
def test_state_is_echoed_exactly_on_deny(sandbox: SandboxServer, http: requests.Session, state: str) -> None:
    answer = _decide(http, sandbox, _consent_page(http, sandbox, _params(sandbox, _redirect_uri(), state)),
                     "deny")
    assert _query(answer.headers["Location"])["state"] == state


def test_scopes_the_client_may_not_have_are_dropped(sandbox: SandboxServer, http: requests.Session) -> None:
    verifier, challenge = _pkce()
    params = _params(sandbox, _redirect_uri(), "s", challenge, scope="r:backpack rw:issuer")
    answer = _decide(http, sandbox, _consent_page(http, sandbox, params), "allow")
    query = _query(answer.headers["Location"])
    assert query["scope"] == "r:backpack"
    token = _exchange(sandbox, query["code"], _redirect_uri(), verifier).json()
    assert token["scope"] == "r:backpack"


def test_consent_without_a_session_is_refused(sandbox: SandboxServer, http: requests.Session) -> None:
    consent = _consent_page(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    with requests.Session() as stranger:
        _no_redirect(_decide(stranger, sandbox, consent, "allow"))


# -- HTML escaping -------------------------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"


def _assert_escaped(response: requests.Response) -> None:
    assert "<script" not in response.text.lower(), response.text


def test_script_in_state_is_escaped_on_every_page(sandbox: SandboxServer, http: requests.Session) -> None:
    state = f'"><{SCRIPT}'
    params = _params(sandbox, _redirect_uri(), state)
    page = _authorize(http, sandbox, params)
    _assert_escaped(page)
    _assert_escaped(_login(http, sandbox, page, password="wrong"))
    consent = _consent_page(http, sandbox, params)
    _assert_escaped(consent)
    assert _Page(consent.text).forms["consent"]["fields"]["state"] == state


def test_script_in_client_id_is_escaped(sandbox: SandboxServer, http: requests.Session) -> None:
    _assert_escaped(_authorize(http, sandbox, _params(sandbox, _redirect_uri(), "s", client_id=SCRIPT)))


def test_script_in_redirect_uri_is_escaped(sandbox: SandboxServer, http: requests.Session) -> None:
    uri = _redirect_uri() + "?x=" + SCRIPT
    page = _authorize(http, sandbox, _params(sandbox, uri, "s"))
    _assert_escaped(page)
    _assert_escaped(_consent_page(http, sandbox, _params(sandbox, uri, "s")))


def test_script_in_the_login_email_is_escaped(sandbox: SandboxServer, http: requests.Session) -> None:
    page = _authorize(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    form = _Page(page.text).forms["login"]
    answer = http.post(urljoin(sandbox.info["ui"] + "/", form["action"]), timeout=TIMEOUT,
                       data={**form["fields"], "email": SCRIPT, "password": "x"}, allow_redirects=False)
    _assert_escaped(answer)


def test_script_in_the_canvas_state_is_escaped(sandbox: SandboxServer, http: requests.Session) -> None:
    start = _canvas_start(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    url = start.headers["Location"]
    query = _query(url) | {"state": SCRIPT}
    page = http.get(url.split("?")[0] + "?" + urlencode(query), timeout=TIMEOUT, allow_redirects=False)
    assert page.status_code == 200
    _assert_escaped(page)
    form = _Page(page.text).forms["login"]
    failed = http.post(urljoin(sandbox.info["canvas"] + "/", form["action"]), timeout=TIMEOUT,
                       data={**form["fields"], "username": "x", "password": "y"}, allow_redirects=False)
    _assert_escaped(failed)


# -- the "Sign in with Canvas" hop ---------------------------------------------------------------
def _canvas_start(session: requests.Session, server: SandboxServer,
                  params: dict[str, str]) -> requests.Response:
    page = _authorize(session, server, params)
    link = _Page(page.text).links["canvas"]
    start = session.get(urljoin(server.info["ui"] + "/", link), timeout=TIMEOUT, allow_redirects=False)
    assert start.status_code in (302, 303)
    assert start.headers["Location"].startswith(server.info["canvas"] + "/login/oauth2/auth?")
    return start


def _canvas_login_page(session: requests.Session, server: SandboxServer,
                       params: dict[str, str]) -> requests.Response:
    start = _canvas_start(session, server, params)
    page = session.get(start.headers["Location"], timeout=TIMEOUT, allow_redirects=False)
    assert page.status_code == 200
    return page


def test_sign_in_with_canvas_end_to_end(sandbox: SandboxServer, http: requests.Session) -> None:
    verifier, challenge = _pkce()
    params = _params(sandbox, _redirect_uri(), "via-canvas", challenge)
    page = _canvas_login_page(http, sandbox, params)
    form = _Page(page.text).forms["login"]
    posted = http.post(urljoin(sandbox.info["canvas"] + "/", form["action"]), timeout=TIMEOUT,
                       allow_redirects=False, data={**form["fields"], "username": sandbox.info["username"],
                                                    "password": sandbox.info["password"]})
    assert posted.status_code in (302, 303)
    assert posted.headers["Location"].startswith(sandbox.info["ui"] + "/")
    back = http.get(posted.headers["Location"], timeout=TIMEOUT, allow_redirects=False)
    assert back.status_code in (302, 303)
    consent = http.get(urljoin(sandbox.info["ui"] + "/", back.headers["Location"]), timeout=TIMEOUT,
                       allow_redirects=False)
    answer = _decide(http, sandbox, consent, "allow")
    assert answer.status_code == 302
    query = _query(answer.headers["Location"])
    assert query["state"] == "via-canvas"
    token = _exchange(sandbox, query["code"], _redirect_uri(), verifier)
    assert token.status_code == 200
    assert _me(sandbox, token.json()["access_token"]) == 200


def test_canvas_wrong_password_stays_on_canvas(sandbox: SandboxServer, http: requests.Session) -> None:
    page = _canvas_login_page(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    form = _Page(page.text).forms["login"]
    posted = http.post(urljoin(sandbox.info["canvas"] + "/", form["action"]), timeout=TIMEOUT,
                       allow_redirects=False, data={**form["fields"], "username": sandbox.info["username"],
                                                    "password": "wrong"})
    assert posted.status_code == 200
    assert "Location" not in posted.headers
    assert "login" in _Page(posted.text).forms


def test_canvas_cancel_gives_a_clear_error_page(sandbox: SandboxServer, http: requests.Session) -> None:
    page = _canvas_login_page(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    cancel = _Page(page.text).links["cancel"]
    assert cancel.startswith(sandbox.info["ui"] + "/")
    answer = http.get(cancel, timeout=TIMEOUT, allow_redirects=False)
    assert "Location" not in answer.headers
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["Content-Type"].startswith("text/html")
    assert 'role="alert"' in answer.text
    assert "cancel" in answer.text.lower()
    again = _authorize(http, sandbox, _params(sandbox, _redirect_uri(), "s"))
    assert "consent" not in _Page(again.text).forms  # still signed out


# -- revocation (RFC 7009) -----------------------------------------------------------------------
def _revoke(server: SandboxServer, path: str = "/o/revoke_token/", **form: str) -> requests.Response:
    return requests.post(server.info["api"] + path, data=form, timeout=TIMEOUT)


def test_revoking_the_access_token(sandbox: SandboxServer) -> None:
    tokens = _tokens(sandbox)
    assert _revoke(sandbox, token=tokens["access_token"], client_id="public").status_code == 200
    assert _me(sandbox, tokens["access_token"]) == 401


def test_revoking_the_refresh_token_kills_both(sandbox: SandboxServer) -> None:
    tokens = _tokens(sandbox)
    assert _revoke(sandbox, token=tokens["refresh_token"], client_id="public").status_code == 200
    refreshed = _refresh(sandbox, tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert _me(sandbox, tokens["access_token"]) == 401


def test_revoking_an_unknown_token_is_200(sandbox: SandboxServer) -> None:
    assert _revoke(sandbox, token="no-such-token", client_id="public").status_code == 200


def test_revoke_without_the_trailing_slash_is_404(sandbox: SandboxServer) -> None:
    tokens = _tokens(sandbox)
    answer = _revoke(sandbox, "/o/revoke_token", token=tokens["access_token"], client_id="public")
    assert answer.status_code == 404
    assert _me(sandbox, tokens["access_token"]) == 200


def test_revoke_without_client_id_is_401(sandbox: SandboxServer) -> None:
    tokens = _tokens(sandbox)
    assert _revoke(sandbox, token=tokens["access_token"]).status_code == 401
    assert _me(sandbox, tokens["access_token"]) == 200


# -- expiry --------------------------------------------------------------------------------------
def test_expires_in_reports_the_configured_lifetime(private_sandbox: Callable[..., SandboxServer]) -> None:
    assert _tokens(private_sandbox(token_lifetime=100.0))["expires_in"] == 100


def test_an_expired_token_is_401(private_sandbox: Callable[..., SandboxServer]) -> None:
    clock = FakeClock()
    server = private_sandbox(clock=clock, token_lifetime=100.0)
    access = _tokens(server)["access_token"]
    clock.advance(101)
    response = requests.get(server.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == 'Bearer realm="api"'


def test_an_expired_token_is_401_in_real_time(private_sandbox: Callable[..., SandboxServer]) -> None:
    server = private_sandbox(token_lifetime=1.0)
    access = _tokens(server)["access_token"]
    time.sleep(1.3)
    assert _me(server, access) == 401


def test_refresh_still_works_after_the_access_token_expired(
        private_sandbox: Callable[..., SandboxServer]) -> None:
    clock = FakeClock()
    server = private_sandbox(clock=clock, token_lifetime=100.0)
    tokens = _tokens(server)
    clock.advance(1000)
    refreshed = _refresh(server, tokens["refresh_token"])
    assert refreshed.status_code == 200
    assert _me(server, refreshed.json()["access_token"]) == 200


def test_sliding_expiry_extends_a_token_used_after_half_its_life(
        private_sandbox: Callable[..., SandboxServer]) -> None:
    clock = FakeClock()
    server = private_sandbox(clock=clock, token_lifetime=100.0)
    access = _tokens(server)["access_token"]
    clock.advance(60)  # 40 s left: less than half
    assert _me(server, access) == 200  # extended to now + 100
    clock.advance(60)  # 120 s after issue: dead without the slide
    assert _me(server, access) == 200
    clock.advance(101)
    assert _me(server, access) == 401


def test_a_token_used_before_half_its_life_is_not_extended(
        private_sandbox: Callable[..., SandboxServer]) -> None:
    clock = FakeClock()
    server = private_sandbox(clock=clock, token_lifetime=100.0)
    access = _tokens(server)["access_token"]
    clock.advance(30)  # 70 s left: more than half
    assert _me(server, access) == 200
    clock.advance(71)  # 101 s after issue
    assert _me(server, access) == 401
