"""The authorization-code flow with PKCE: request, authorize URL, callback gate and code exchange.

Shared by both ways of signing in: the embedded browser (the UI catches the navigation to the
redirect URI and hands the URL to the gate) and the system browser (``services/loopback.py``
receives it). The rules come from RFC 7636, RFC 8252 and SECURITY.md T12/T13:

* every attempt has a fresh random ``state``, PKCE ``code_verifier`` (S256 only) and ``nonce``;
* one :class:`CallbackGate` per attempt accepts exactly one callback, on the exact redirect
  URI, carrying that attempt's ``state`` (compared in constant time). Anything else is
  :class:`CallbackRejectedError` and never reaches the token endpoint, so an injected code
  (login CSRF) is dropped before it can bind someone else's account;
* the code is worth nothing without the verifier, which never leaves this process except in
  the token request itself (never in a URL, a log line or a repr).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from backpack_desktop.domain.errors import AuthError, CallbackRejectedError, SignInCancelledError
from backpack_desktop.services.auth import TOKEN_PATH, Tokens
from backpack_desktop.services.http import ApiClient

log = logging.getLogger(__name__)

DEFAULT_SCOPE = "r:profile r:backpack"
AUTHORIZE_PATH = "/auth/oauth2/authorize"
#: RFC 7636 section 4.1: the characters a code verifier may use.
PKCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
VERIFIER_LENGTH = 64
MAX_ERROR_CODE = 40
DECLINED = "You declined the request in the browser, so you are not signed in."
NOT_OURS = "This sign-in response does not belong to the sign-in in progress; it was ignored."
ALREADY_DONE = "This sign-in was already completed; the repeated response was ignored."
NO_CODE = "The sign-in page returned without an authorization code. Please try again."
CODE_REFUSED = "The sign-in could not be completed because the server refused the code. Please try again."

Clock = Callable[[], float]


def code_challenge(verifier: str) -> str:
    """The S256 challenge of ``verifier``: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True, repr=False)
class AuthRequest:
    """One sign-in attempt. Never reuse it: a new attempt needs a new request.

    Attributes:
        state: 32 random bytes, base64url; binds the callback to this attempt (T13).
        code_verifier: 64 characters from the RFC 7636 alphabet; proves the code is ours (T12).
        redirect_uri: where the browser comes back, exactly as sent (port included).
        scope: the scopes asked for, space separated.
        nonce: random; sent when ``openid`` is asked for, and checked in the ID token.
    """

    state: str
    code_verifier: str
    redirect_uri: str
    scope: str = DEFAULT_SCOPE
    nonce: str = ""

    @classmethod
    def new(cls, redirect_uri: str, scope: str = DEFAULT_SCOPE) -> AuthRequest:
        """A fresh attempt with its own random state, verifier and nonce."""
        verifier = "".join(secrets.choice(PKCE_ALPHABET) for _ in range(VERIFIER_LENGTH))
        return cls(secrets.token_urlsafe(32), verifier, redirect_uri, scope, secrets.token_urlsafe(32))

    @property
    def code_challenge(self) -> str:
        """The S256 challenge sent in the authorize URL."""
        return code_challenge(self.code_verifier)

    def __repr__(self) -> str:
        return f"AuthRequest(redirect_uri={self.redirect_uri!r}, scope={self.scope!r}, <secrets redacted>)"

    __str__ = __repr__


def authorize_url(ui_base: str, client_id: str, request: AuthRequest) -> str:
    """The browser URL that starts the sign-in: ``<ui>/auth/oauth2/authorize?…`` with PKCE S256.

    The ``nonce`` is added only when ``openid`` is among the scopes (it is an OpenID Connect
    parameter); the verifier itself never appears in any URL.
    """
    params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", request.redirect_uri),
        ("scope", request.scope),
        ("state", request.state),
        ("code_challenge", request.code_challenge),
        ("code_challenge_method", "S256"),
    ]
    if request.nonce and "openid" in request.scope.split():
        params.append(("nonce", request.nonce))
    return f"{ui_base.rstrip('/')}{AUTHORIZE_PATH}?{urlencode(params)}"


class CallbackGate:
    """Accepts exactly one callback for one pending :class:`AuthRequest`. Thread-safe.

    A rejected callback (wrong place, missing or wrong state, or any callback after the one
    that was accepted) raises :class:`CallbackRejectedError` and leaves a still-pending gate
    open for the real callback, so a stray request cannot end the user's sign-in.

    Attributes:
        request: the attempt this gate belongs to.
    """

    def __init__(self, request: AuthRequest) -> None:
        self.request = request
        self._lock = threading.Lock()
        self._used = False

    @property
    def done(self) -> bool:
        """True once a callback with the right state was accepted (whatever it said)."""
        return self._used

    def accept(self, url: str) -> str:
        """Check one callback URL and return its authorization code.

        Raises:
            CallbackRejectedError: not this attempt's callback, or a repeated one.
            SignInCancelledError: the user pressed Deny (``error=access_denied``).
            AuthError: another ``error`` from the server, or no code.
        """
        if not self._same_endpoint(url):
            raise self._reject("a foreign redirect target")
        params = _query(url)
        states = params.get("state", [])
        if len(states) != 1 or not hmac.compare_digest(states[0].encode(), self.request.state.encode()):
            raise self._reject("a missing or wrong state")
        with self._lock:
            if self._used:
                raise CallbackRejectedError(ALREADY_DONE)
            self._used = True
        errors = params.get("error", [])
        if errors:
            if errors[0] == "access_denied":
                raise SignInCancelledError(DECLINED)
            raise AuthError(f"The sign-in server refused the request ({_safe_code(errors[0])}).")
        codes = params.get("code", [])
        if len(codes) != 1 or not codes[0]:
            raise AuthError(NO_CODE)
        return codes[0]

    def _same_endpoint(self, url: str) -> bool:
        got, want = urlsplit(url), urlsplit(self.request.redirect_uri)
        try:
            got_port, want_port = got.port, want.port
        except ValueError:
            return False
        if (got.scheme.lower(), got.hostname, got.path) != (want.scheme.lower(), want.hostname, want.path):
            return False
        return want_port is None or got_port == want_port

    @staticmethod
    def _reject(why: str) -> CallbackRejectedError:
        log.debug("sign-in callback ignored: %s", why)
        return CallbackRejectedError(NOT_OURS)


def _query(url: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    return params


def _safe_code(code: str) -> str:
    """An OAuth error code fit to quote: RFC 6749 allows only printable ASCII; we allow less."""
    cleaned = re.sub(r"[^A-Za-z0-9_.:-]", "?", code)[:MAX_ERROR_CODE]
    return cleaned or "unknown error"


def request_tokens(client: ApiClient, client_id: str, request: AuthRequest, code: str) -> dict[str, Any]:
    """POST the code and verifier to ``/o/token`` once; return the raw token response.

    The raw body is for callers that also need ``id_token`` (OpenID Connect); most want
    :func:`exchange_code`.

    Raises:
        AuthError: the server refused the code or the verifier (wrong, reused or expired).
        RetryLaterError, NetworkError, ServerError: as for any call; never retried.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": request.redirect_uri,
        "client_id": client_id,
        "code_verifier": request.code_verifier,
    }
    return client.post_form(
        TOKEN_PATH, form, messages={"invalid_grant": CODE_REFUSED, "invalid_request": CODE_REFUSED}
    )


def exchange_code(
    client: ApiClient, client_id: str, request: AuthRequest, code: str, *, clock: Clock = time.monotonic
) -> Tokens:
    """Trade an accepted code for tokens (see :func:`request_tokens` for the errors)."""
    return Tokens.from_response(request_tokens(client, client_id, request, code), clock())
