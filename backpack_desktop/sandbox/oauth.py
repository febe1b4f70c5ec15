"""The sandbox's OAuth 2 authority: clients, grants, tokens, codes and login throttling.

Behaviour follows badgr-server on django-oauth-toolkit (canvas-credentials-api.md a.2):
password, refresh_token (rotation: the old refresh AND access token die) and authorization_code
(PKCE S256, single-use codes, 60 s lifetime) grants; sliding access-token expiry; RFC 7009
revocation; an exponential per-username back-off after failed logins. One difference is chosen
on purpose: loopback redirect URIs match on any port (RFC 8252 section 7.3, as newer
django-oauth-toolkit releases do) so the system-browser sign-in can use a random port.

OpenID Connect is a sandbox extra (``oidc.py``): a grant whose scopes include ``openid`` also
returns an ``id_token``. ``openid`` is never among a client's default scopes, so a request that
does not ask for it gets exactly the answer the real server gives.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from backpack_desktop.sandbox.oidc import OPENID, IdTokenIssuer
from backpack_desktop.sandbox.records import UserRecord

ALL_SCOPES = ("r:profile", "rw:profile", "r:backpack", "rw:backpack", "rw:issuer")
PUBLIC_SCOPES = "rw:profile rw:issuer rw:backpack"
CODE_LIFETIME = 60.0
BACKOFF_MAX = 3600.0


class OAuthError(Exception):
    """A token-endpoint error: HTTP status and the JSON body django-oauth-toolkit sends."""

    def __init__(
        self, status: int, error: str, description: str | None = None, extra: dict[str, object] | None = None
    ) -> None:
        super().__init__(error)
        self.status = status
        # Key order as django-oauth-toolkit emits it (recorded throttle example).
        self.body: dict[str, object] = {"error_description": description} if description else {}
        self.body["error"] = error
        self.body.update(extra or {})


@dataclass(frozen=True)
class Client:
    """A registered OAuth application."""

    client_id: str
    name: str
    allowed_scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()
    secret: str | None = None
    issue_refresh_token: bool = True


@dataclass
class Token:
    """An access token with its paired refresh token."""

    access: str
    refresh: str | None
    scopes: tuple[str, ...]
    client_id: str
    expires_at: float


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    method: str
    expires_at: float
    nonce: str | None = None
    auth_time: float | None = None  # wall clock, for the ID token


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0


@dataclass
class TokenAuthority:
    """Issues and checks tokens for the one sandbox user. Thread-safe."""

    user: UserRecord
    clients: dict[str, Client]
    token_lifetime: float = 86400.0
    backoff_base: float = 2.0
    clock: Callable[[], float] = time.monotonic
    id_tokens: IdTokenIssuer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, Token] = field(default_factory=dict)
    _refresh: dict[str, Token] = field(default_factory=dict)
    _codes: dict[str, _Code] = field(default_factory=dict)
    _failures: dict[tuple[str, str], _Failures] = field(default_factory=dict)

    # -- grants ---------------------------------------------------------------------------
    def password_grant(self, form: dict[str, str], client: Client, ip: str) -> dict[str, object]:
        """``grant_type=password`` (the default when absent)."""
        username = form.get("username", "").strip().lower()
        self._check_throttle(username, ip)
        ok = username == self.user.primary_email.lower() and hmac.compare_digest(
            form.get("password", "").encode(), self.user.password.encode()
        )
        if not ok:
            self._record_failure(username, ip)
            raise OAuthError(400, "invalid_grant", "Invalid credentials given.")
        with self._lock:
            self._failures.pop((username, ip), None)
        # ``nonce`` is a sandbox extension: the password grant has no authorization request to
        # carry one, and the app's validator insists on a nonce for every ID token.
        return self._issue(client, self._scopes(form.get("scope"), client), form.get("nonce") or None)

    def refresh_grant(self, form: dict[str, str], client: Client) -> dict[str, object]:
        """``grant_type=refresh_token`` with rotation (no new ID token: it would have no nonce)."""
        with self._lock:
            old = self._refresh.pop(form.get("refresh_token", ""), None)
            if old is None or old.client_id != client.client_id:
                raise OAuthError(400, "invalid_grant")
            self._tokens.pop(old.access, None)  # rotation kills the old access token too
        return self._issue(client, old.scopes, with_id_token=False)

    def code_grant(self, form: dict[str, str], client: Client) -> dict[str, object]:
        """``grant_type=authorization_code`` with optional PKCE."""
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)  # single use, even on failure
        if code is None or code.client_id != client.client_id or code.expires_at < self.clock():
            raise OAuthError(400, "invalid_grant")
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(400, "invalid_request", "Mismatching redirect URI.")
        if code.challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                raise OAuthError(400, "invalid_request", "Code verifier required.")
            if not hmac.compare_digest(_s256(verifier), code.challenge):
                raise OAuthError(400, "invalid_grant")
        return self._issue(client, code.scopes, code.nonce, code.auth_time)

    # -- authorization codes (the UI origin calls these) ----------------------------------
    def create_code(
        self,
        client: Client,
        redirect_uri: str,
        scope: str | None,
        challenge: str | None,
        method: str,
        *,
        nonce: str | None = None,
        auth_time: float | None = None,
    ) -> tuple[str, tuple[str, ...]]:
        """Mint a code after consent; return it with the granted scopes (and keep the ID-token data)."""
        if challenge is not None and method != "S256":
            raise OAuthError(400, "invalid_request", "Transform algorithm not supported.")
        scopes = self._scopes(scope, client, drop_unknown=True)
        value = secrets.token_urlsafe(24)
        with self._lock:
            expires = self.clock() + CODE_LIFETIME
            code = _Code(client.client_id, redirect_uri, scopes, challenge, method, expires, nonce, auth_time)
            self._codes[value] = code
        return value, scopes

    def redirect_allowed(self, client: Client, redirect_uri: str) -> bool:
        """Exact match of scheme, host, port and path; any port for a loopback IP literal."""
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or target.fragment:
            return False
        for registered in map(urlsplit, client.redirect_uris):
            same = (target.scheme, target.hostname, target.path) == (
                registered.scheme,
                registered.hostname,
                registered.path,
            )
            loopback = registered.hostname in ("127.0.0.1", "::1") and registered.port is None
            if same and (loopback or target.port == registered.port):
                return True
        return False

    # -- bearer tokens --------------------------------------------------------------------
    def authenticate(self, access: str) -> Token | None:
        """Return the live token (sliding its expiry) or None."""
        now = self.clock()
        with self._lock:
            token = self._tokens.get(access)
            if token is None or token.expires_at <= now:
                return None
            if token.expires_at - now < self.token_lifetime / 2:
                token.expires_at = now + self.token_lifetime
            return token

    def revoke(self, value: str) -> None:
        """RFC 7009: revoking either token of a pair kills both; unknown tokens are ignored."""
        with self._lock:
            token = self._tokens.pop(value, None) or self._refresh.pop(value, None)
            if token is not None:
                self._tokens.pop(token.access, None)
                if token.refresh:
                    self._refresh.pop(token.refresh, None)

    # -- helpers --------------------------------------------------------------------------
    def _issue(
        self,
        client: Client,
        scopes: tuple[str, ...],
        nonce: str | None = None,
        auth_time: float | None = None,
        with_id_token: bool = True,
    ) -> dict[str, object]:
        refresh = secrets.token_urlsafe(22) if client.issue_refresh_token else None
        token = Token(
            secrets.token_urlsafe(22), refresh, scopes, client.client_id, self.clock() + self.token_lifetime
        )
        with self._lock:
            self._tokens[token.access] = token
            if refresh:
                self._refresh[refresh] = token
        body: dict[str, object] = {
            "access_token": token.access,
            "expires_in": int(self.token_lifetime),
            "token_type": "Bearer",
            "scope": " ".join(scopes),
        }
        if refresh:
            body["refresh_token"] = refresh
        if with_id_token and OPENID in scopes and self.id_tokens is not None:
            body["id_token"] = self.id_tokens.issue(self.user, client.client_id, nonce, auth_time)
        return body

    def _scopes(self, requested: str | None, client: Client, drop_unknown: bool = False) -> tuple[str, ...]:
        if not requested:
            return default_scopes(client)
        wanted = tuple(dict.fromkeys(requested.split()))
        if drop_unknown:  # the authorize flow silently drops scopes the client may not have
            return tuple(s for s in wanted if s in client.allowed_scopes)
        if any(s not in client.allowed_scopes for s in wanted):
            raise OAuthError(400, "invalid scope requested")
        return wanted

    def _check_throttle(self, username: str, ip: str) -> None:
        with self._lock:
            state = self._failures.get((username, ip))
            remaining = state.blocked_until - self.clock() if state else 0.0
        if remaining > 0:
            raise OAuthError(
                429,
                "login attempts throttled",
                "Too many login attempts. Please wait and try again.",
                {"expires": max(1, round(remaining))},
            )

    def _record_failure(self, username: str, ip: str) -> None:
        with self._lock:
            state = self._failures.setdefault((username, ip), _Failures())
            state.count += 1
            delay = min(BACKOFF_MAX, self.backoff_base**state.count)
            state.blocked_until = self.clock() + delay


def default_scopes(client: Client) -> tuple[str, ...]:
    """The scopes granted when none are asked for: all the client may have except ``openid``."""
    return tuple(s for s in client.allowed_scopes if s != OPENID)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authenticate_client(form: dict[str, str], basic: str | None, clients: dict[str, Client]) -> Client:
    """Find the client from HTTP Basic or the body; ``public`` when none is given (as Badgr)."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if basic:
        try:
            client_id, _, secret = base64.b64decode(basic).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(400, "invalid_client") from None
    client = clients.get(client_id or "public")
    if client is None:
        raise OAuthError(400, "invalid client_id")
    if client.secret is not None and not hmac.compare_digest((secret or "").encode(), client.secret.encode()):
        raise OAuthError(400, "invalid client_secret")
    return client
