"""OpenID Connect against the sandbox over real HTTP (issue 4 item 6; SECURITY.md T18).

The sandbox publishes discovery and a JWKS and issues an ``id_token`` for scope ``openid`` on
the password grant and the authorization-code flow. Tokens are checked with the app's own
validator, keys fetched through the app's own ApiClient from the discovered ``jwks_uri``.
The browser flow is walked without JavaScript, as in test_sandbox_oauth.py.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests

from backpack_desktop.domain.errors import IdTokenError, MalformedDataError
from backpack_desktop.sandbox import SandboxServer
from backpack_desktop.services.http import ApiClient, HttpConfig
from backpack_desktop.services.oidc import (
    IdentityClaims,
    JwksCache,
    NonceRegistry,
    OidcConfig,
    discover,
    validate_id_token,
)

TIMEOUT = 10
FAST = HttpConfig(retries=0, deadline=15)
REDIRECT_URI = "http://127.0.0.1:53682/callback"


class _Forms(HTMLParser):
    """The forms of a page by id: action, hidden/named inputs and the named buttons."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self._current: dict[str, Any] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "fields": {}, "buttons": {}}
            self.forms[a.get("id", "")] = self._current
        elif self._current is not None and tag == "input" and a.get("name"):
            self._current["fields"][a["name"]] = a.get("value", "")
        elif self._current is not None and tag == "button" and a.get("name"):
            self._current["buttons"][a.get("value", "")] = a["name"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[ApiClient]:
    with ApiClient(sandbox.info["api"], config=FAST) as api:
        yield api


@pytest.fixture
def config(client: ApiClient) -> OidcConfig:
    return discover(client)


@pytest.fixture
def jwks(client: ApiClient, config: OidcConfig) -> JwksCache:
    return JwksCache(lambda: client.get_json(config.jwks_uri))


def _password_grant(server: SandboxServer, **extra: str) -> dict[str, Any]:
    form = {"grant_type": "password", "client_id": server.info["client_id"],
            "username": server.info["username"], "password": server.info["password"], **extra}
    response = requests.post(server.info["api"] + "/o/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _validate(token: str, server: SandboxServer, config: OidcConfig, jwks: JwksCache,
              nonces: NonceRegistry, client_id: str | None = None) -> IdentityClaims:
    return validate_id_token(token, issuer=config.issuer, client_id=client_id or server.info["client_id"],
                             jwks=jwks, nonces=nonces)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _browser_code(server: SandboxServer, scope: str, nonce: str | None, challenge: str) -> tuple[str, str]:
    """Log in and allow through the UI's HTML forms; return the code and the consent page."""
    ui = server.info["ui"] + "/"
    params = {"response_type": "code", "client_id": server.info["client_id"], "redirect_uri": REDIRECT_URI,
              "scope": scope, "state": "st-1", "code_challenge": challenge, "code_challenge_method": "S256"}
    if nonce is not None:
        params["nonce"] = nonce
    with requests.Session() as browser:
        page = browser.get(urljoin(ui, "auth/oauth2/authorize"), params=params, timeout=TIMEOUT)
        login = _Forms(page.text).forms["login"]
        data = {**login["fields"], "email": server.info["username"], "password": server.info["password"]}
        consent = browser.post(urljoin(ui, login["action"]), data=data, timeout=TIMEOUT)
        form = _Forms(consent.text).forms["consent"]
        answer = browser.post(urljoin(ui, form["action"]), timeout=TIMEOUT, allow_redirects=False,
                              data={**form["fields"], form["buttons"]["allow"]: "allow"})
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["st-1"]
    return query["code"][0], consent.text


def _exchange(server: SandboxServer, code: str, verifier: str) -> dict[str, Any]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": server.info["client_id"], "code_verifier": verifier}
    response = requests.post(server.info["api"] + "/o/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


# -- discovery and keys ------------------------------------------------------------------------
def test_the_discovery_document(sandbox: SandboxServer, config: OidcConfig) -> None:
    api, ui = sandbox.info["api"], sandbox.info["ui"]
    assert config == OidcConfig(
        issuer=api, jwks_uri=f"{api}/o/jwks", authorization_endpoint=f"{ui}/auth/oauth2/authorize",
        token_endpoint=f"{api}/o/token", revocation_endpoint=f"{api}/o/revoke_token/",
        scopes_supported=config.scopes_supported)
    assert "openid" in config.scopes_supported and "r:backpack" in config.scopes_supported
    raw = requests.get(api + "/.well-known/openid-configuration", timeout=TIMEOUT)
    assert raw.headers["Content-Type"].startswith("application/json")
    body = raw.json()
    assert body["id_token_signing_alg_values_supported"] == ["RS256"]
    assert body["response_types_supported"] == ["code"]
    assert "S256" in body["code_challenge_methods_supported"]


def test_the_jwks(sandbox: SandboxServer, config: OidcConfig) -> None:
    keys = requests.get(config.jwks_uri, timeout=TIMEOUT).json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert {"kid", "kty", "n", "e", "alg", "use"} <= set(key)
    assert (key["kty"], key["alg"], key["use"], key["e"]) == ("RSA", "RS256", "sig", "AQAB")
    assert "d" not in key and "p" not in key  # public parts only
    assert requests.get(config.jwks_uri, timeout=TIMEOUT).json()["keys"] == keys  # stable per run


def test_discovery_from_another_issuer_is_refused(sandbox: SandboxServer) -> None:
    # The same server reached under another name must not vouch for tokens: issuers compare exactly.
    other = sandbox.info["api"].replace("127.0.0.1", "localhost")
    with ApiClient(other, config=FAST) as api, pytest.raises(MalformedDataError, match="different server"):
        discover(api)


# -- password grant ------------------------------------------------------------------------------
def test_password_grant_with_openid_gives_a_valid_id_token(
        sandbox: SandboxServer, config: OidcConfig, jwks: JwksCache) -> None:
    nonces = NonceRegistry()
    body = _password_grant(sandbox, scope="openid r:profile r:backpack", nonce=nonces.issue())
    assert body["scope"] == "openid r:profile r:backpack"
    identity = _validate(body["id_token"], sandbox, config, jwks, nonces)
    user = sandbox.data.user
    name = f"{user.first_name} {user.last_name}"
    assert identity == IdentityClaims(user.entity_id, name, user.primary_email)
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300
    assert claims["aud"] == claims["azp"] == sandbox.info["client_id"]
    assert claims["iss"] == sandbox.info["api"]
    assert abs(claims["iat"] - time.time()) < 30 and claims["auth_time"] <= claims["iat"]
    header = jwt.get_unverified_header(body["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == requests.get(config.jwks_uri, timeout=TIMEOUT).json()["keys"][0]["kid"]
    assert requests.get(sandbox.info["api"] + "/v2/users/self", timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {body['access_token']}"}).status_code == 200


def test_an_id_token_is_accepted_once(sandbox: SandboxServer, config: OidcConfig, jwks: JwksCache) -> None:
    nonces = NonceRegistry()
    token = _password_grant(sandbox, scope="openid r:profile", nonce=nonces.issue())["id_token"]
    assert _validate(token, sandbox, config, jwks, nonces)
    with pytest.raises(IdTokenError) as info:
        _validate(token, sandbox, config, jwks, nonces)
    assert info.value.reason == "nonce"


def test_an_id_token_for_another_client_is_refused(
        sandbox: SandboxServer, config: OidcConfig, jwks: JwksCache) -> None:
    nonces = NonceRegistry()
    token = _password_grant(sandbox, client_id="public", scope="openid rw:backpack",
                            nonce=nonces.issue())["id_token"]
    assert _validate(token, sandbox, config, jwks, nonces, client_id="public")
    token = _password_grant(sandbox, client_id="public", scope="openid", nonce=nonces.issue())["id_token"]
    with pytest.raises(IdTokenError) as info:
        _validate(token, sandbox, config, jwks, nonces)
    assert info.value.reason == "audience"


@pytest.mark.parametrize("extra", [{}, {"scope": "r:profile r:backpack"}, {"nonce": "n-1"}])
def test_without_openid_there_is_no_id_token(sandbox: SandboxServer, extra: dict[str, str]) -> None:
    body = _password_grant(sandbox, **extra)
    assert "id_token" not in body
    assert "openid" not in body["scope"].split()
    assert list(body) == ["access_token", "expires_in", "token_type", "scope", "refresh_token"]


def test_a_refresh_keeps_openid_but_issues_no_new_id_token(sandbox: SandboxServer) -> None:
    body = _password_grant(sandbox, scope="openid r:profile", nonce="n-2")
    response = requests.post(sandbox.info["api"] + "/o/token", timeout=TIMEOUT,
                             data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"],
                                   "client_id": sandbox.info["client_id"]})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "openid r:profile"
    assert "id_token" not in response.json()


# -- authorization code through the UI's HTML ----------------------------------------------------
def test_authorization_code_flow_carries_the_nonce_into_the_id_token(
        sandbox: SandboxServer, config: OidcConfig, jwks: JwksCache) -> None:
    nonces = NonceRegistry()
    nonce = nonces.issue()
    verifier, challenge = _pkce()
    before = int(time.time())
    code, consent = _browser_code(sandbox, "openid r:profile r:backpack", nonce, challenge)
    assert "Confirm who you are" in consent
    body = _exchange(sandbox, code, verifier)
    assert body["scope"] == "openid r:profile r:backpack"
    claims = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert claims["nonce"] == nonce
    assert before <= claims["auth_time"] <= claims["iat"]
    identity = _validate(body["id_token"], sandbox, config, jwks, nonces)
    assert identity.subject == sandbox.data.user.entity_id


def test_authorization_code_flow_without_a_nonce_gives_a_token_our_validator_refuses(
        sandbox: SandboxServer, config: OidcConfig, jwks: JwksCache) -> None:
    verifier, challenge = _pkce()
    code, _ = _browser_code(sandbox, "openid r:profile", None, challenge)
    token = _exchange(sandbox, code, verifier)["id_token"]
    assert "nonce" not in jwt.decode(token, options={"verify_signature": False})
    with pytest.raises(IdTokenError) as info:
        _validate(token, sandbox, config, jwks, NonceRegistry())
    assert info.value.reason == "nonce-missing"


def test_authorization_code_flow_without_openid_has_no_id_token(sandbox: SandboxServer) -> None:
    verifier, challenge = _pkce()
    code, consent = _browser_code(sandbox, "r:profile r:backpack", "ignored-nonce", challenge)
    assert "Confirm who you are" not in consent
    body = _exchange(sandbox, code, verifier)
    assert "id_token" not in body
    assert body["scope"] == "r:profile r:backpack"
