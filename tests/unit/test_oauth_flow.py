"""PKCE, the authorize URL and the callback gate (SECURITY.md tests 17 and 18), without a network.

Every rejected callback is fed through :func:`complete`, which would exchange an accepted code
at the token endpoint; the ApiClient points at a closed port and its ``requests_made`` counter
proves that no rejection ever got that far.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from backpack_desktop.domain.errors import AuthError, CallbackRejectedError, SignInCancelledError
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.oauth_flow import (
    DEFAULT_SCOPE,
    PKCE_ALPHABET,
    AuthRequest,
    CallbackGate,
    authorize_url,
    code_challenge,
    exchange_code,
)

REDIRECT = "http://127.0.0.1:53682/callback"


@pytest.fixture
def client() -> Iterator[ApiClient]:
    with ApiClient("http://127.0.0.1:9") as api:  # the discard port: nothing listens there
        yield api


def complete(gate: CallbackGate, url: str, client: ApiClient) -> object:
    """What the app does with a callback: check it, then exchange the code."""
    code = gate.accept(url)
    return exchange_code(client, "backpack-desktop", gate.request, code)


def callback(request: AuthRequest, base: str = REDIRECT, **params: str) -> str:
    return f"{base}?{urlencode(params)}"


# -- PKCE (RFC 7636) ---------------------------------------------------------------------------
def test_rfc7636_appendix_b_vector() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    request = AuthRequest("s", verifier, REDIRECT)
    assert request.code_challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_alphabet_is_the_rfc_one() -> None:
    assert set(PKCE_ALPHABET) == set(string.ascii_letters + string.digits + "-._~")


def test_every_request_is_fresh() -> None:
    requests = [AuthRequest.new(REDIRECT) for _ in range(50)]
    for request in requests:
        assert len(request.code_verifier) == 64
        assert set(request.code_verifier) <= set(PKCE_ALPHABET)
        assert len(request.state) == 43  # 32 random bytes, base64url without padding
        assert request.nonce and request.scope == DEFAULT_SCOPE == "r:profile r:backpack"
    for field in ("state", "code_verifier", "nonce"):
        assert len({getattr(r, field) for r in requests}) == 50


def test_repr_hides_the_secrets() -> None:
    request = AuthRequest.new(REDIRECT)
    for text in (repr(request), str(request)):
        for secret in (request.state, request.code_verifier, request.nonce):
            assert secret not in text


# -- the authorize URL -------------------------------------------------------------------------
def test_authorize_url() -> None:
    request = AuthRequest.new(REDIRECT)
    url = authorize_url("https://eu.badgr.com/", "my-client", request)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "eu.badgr.com", "/auth/oauth2/authorize")
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    assert query == {
        "response_type": "code",
        "client_id": "my-client",
        "redirect_uri": REDIRECT,
        "scope": "r:profile r:backpack",
        "state": request.state,
        "code_challenge": request.code_challenge,
        "code_challenge_method": "S256",
    }
    assert request.code_verifier not in url


def test_nonce_only_for_openid() -> None:
    request = AuthRequest.new(REDIRECT, "r:profile r:backpack openid")
    query = parse_qs(urlsplit(authorize_url("https://badgr.com", "c", request)).query)
    assert query["nonce"] == [request.nonce]
    assert query["scope"] == ["r:profile r:backpack openid"]


# -- the callback gate -------------------------------------------------------------------------
def test_the_right_callback_gives_the_code(client: ApiClient) -> None:
    request = AuthRequest.new(REDIRECT)
    gate = CallbackGate(request)
    assert not gate.done
    url = callback(request, code="the-code", state=request.state, scope="r:profile")
    assert gate.accept(url) == "the-code"
    assert gate.done


def _rejections(request: AuthRequest, earlier: AuthRequest) -> dict[str, str]:
    good = {"code": "c0de", "state": request.state}
    return {
        "missing state": callback(request, code="c0de"),
        "empty state": callback(request, code="c0de", state=""),
        "wrong state": callback(request, code="c0de", state=request.state[:-1] + "x"),
        "earlier attempt's state": callback(request, code="c0de", state=earlier.state),
        "state twice": f"{callback(request, **good)}&state={request.state}",
        "foreign host": callback(request, "http://127.0.0.2:53682/callback", **good),
        "localhost": callback(request, "http://localhost:53682/callback", **good),
        "other path": callback(request, "http://127.0.0.1:53682/callback/x", **good),
        "other port": callback(request, "http://127.0.0.1:1/callback", **good),
        "https": callback(request, "https://127.0.0.1:53682/callback", **good),
        "foreign site": callback(request, "https://evil.example/callback", **good),
        "bad port": f"http://127.0.0.1:99999999/callback?{urlencode(good)}",
        "error without state": callback(request, error="access_denied"),
    }


@pytest.mark.parametrize("case", list(_rejections(AuthRequest.new(REDIRECT), AuthRequest.new(REDIRECT))))
def test_rejected_callbacks_never_reach_the_token_endpoint(case: str, client: ApiClient) -> None:
    request, earlier = AuthRequest.new(REDIRECT), AuthRequest.new(REDIRECT)
    gate = CallbackGate(request)
    with pytest.raises(CallbackRejectedError):
        complete(gate, _rejections(request, earlier)[case], client)
    assert client.requests_made == 0
    assert not gate.done  # the real callback can still come
    assert gate.accept(callback(request, code="real", state=request.state)) == "real"


def test_a_second_callback_is_rejected(client: ApiClient) -> None:
    request = AuthRequest.new(REDIRECT)
    gate = CallbackGate(request)
    url = callback(request, code="once", state=request.state)
    assert gate.accept(url) == "once"
    for again in (url, callback(request, code="other", state=request.state)):
        with pytest.raises(CallbackRejectedError, match="already completed"):
            complete(gate, again, client)
    assert client.requests_made == 0


def test_deny_is_a_clear_cancellation(client: ApiClient) -> None:
    request = AuthRequest.new(REDIRECT)
    gate = CallbackGate(request)
    with pytest.raises(SignInCancelledError, match="You declined the request in the browser"):
        complete(gate, callback(request, error="access_denied", state=request.state), client)
    assert client.requests_made == 0 and gate.done
    with pytest.raises(CallbackRejectedError):  # and the attempt is over
        gate.accept(callback(request, code="late", state=request.state))


def test_other_errors_name_the_code_safely(client: ApiClient) -> None:
    request = AuthRequest.new(REDIRECT)
    with pytest.raises(AuthError, match=r"\(invalid_scope\)") as caught:
        complete(CallbackGate(request), callback(request, error="invalid_scope", state=request.state), client)
    assert not isinstance(caught.value, (SignInCancelledError, CallbackRejectedError))
    hostile = "<script>alert(1)</script>" + "x" * 500
    with pytest.raises(AuthError) as caught:
        CallbackGate(request).accept(callback(request, error=hostile, state=request.state))
    message = str(caught.value)
    assert "<" not in message and len(message) < 120
    assert client.requests_made == 0


@pytest.mark.parametrize("extra", [{}, {"code": ""}], ids=["no code", "empty code"])
def test_missing_code(extra: dict[str, str], client: ApiClient) -> None:
    request = AuthRequest.new(REDIRECT)
    with pytest.raises(AuthError, match="without an authorization code"):
        complete(CallbackGate(request), callback(request, state=request.state, **extra), client)
    assert client.requests_made == 0


def test_redirect_without_port_accepts_any_port() -> None:
    request = AuthRequest.new("http://127.0.0.1/callback")
    assert CallbackGate(request).accept(
        callback(request, "http://127.0.0.1:40000/callback", code="c", state=request.state)
    ) == "c"
