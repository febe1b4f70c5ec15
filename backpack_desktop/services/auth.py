"""OAuth tokens: the password grant and a single-flight refreshing :class:`TokenManager`.

Badgr rotates refresh tokens: a refresh kills the old refresh token and the old access token at
once (canvas-credentials-api.md a.2). Two refreshes racing with the same refresh token would
therefore sign the user out, so refreshing is single-flight under a lock, the new pair is
handed to ``on_change`` (which persists it) before anyone uses it, and the refresh POST is never
retried blindly: if the reply was lost, the old refresh token is kept and the next attempt
learns from the server whether it still works (SECURITY.md T16, tests 22-23).

Expiry is tracked on the monotonic clock from ``expires_in``; the wall clock is never read,
so a wrong or jumping device clock cannot expire a session early or keep a dead one (T30).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from backpack_desktop.domain.errors import AuthError, MalformedDataError, NetworkError, ServerError
from backpack_desktop.services.http import ApiClient, HttpConfig

log = logging.getLogger(__name__)

TOKEN_PATH = "/o/token"  # noqa: S105 - an endpoint path, not a secret
EARLY = 0.8  # refresh once 80 % of the lifetime has passed
EARLY_RETRY_PAUSE = 30.0  # after a failed early refresh, keep using the token this long
SESSION_ENDED = "Your session has ended. Please sign in again."
BAD_CREDENTIALS = "The e-mail address or password is incorrect."
BAD_REPLY = "The server's sign-in reply does not have the expected format."

Clock = Callable[[], float]


@dataclass(frozen=True, repr=False)
class Tokens:
    """An access token with its refresh token. The repr never shows either secret.

    Attributes:
        access_token: the bearer token.
        refresh_token: the rotating refresh token, or None when the server issued none.
        expires_at: when the access token expires, on the ``time.monotonic()`` clock.
        scope: the granted scopes, space separated.
        refresh_at: when to refresh early (80 % of the lifetime); None means at ``expires_at``.
    """

    access_token: str
    refresh_token: str | None
    expires_at: float
    scope: str
    refresh_at: float | None = None

    def __repr__(self) -> str:
        refresh = "None" if self.refresh_token is None else "'<redacted>'"
        return (
            f"Tokens(access_token='<redacted>', refresh_token={refresh}, "
            f"expires_at={self.expires_at!r}, scope={self.scope!r})"
        )

    __str__ = __repr__

    def refresh_due(self, now: float) -> bool:
        """True once the early-refresh point has passed."""
        return now >= (self.refresh_at if self.refresh_at is not None else self.expires_at)

    @classmethod
    def from_response(
        cls, body: Mapping[str, Any], now: float, previous_refresh: str | None = None
    ) -> Tokens:
        """Build from a token-endpoint reply; ``now`` is ``time.monotonic()``.

        A reply without ``refresh_token`` keeps ``previous_refresh`` (servers may decline to
        rotate). Without ``expires_in`` the token is used until the server rejects it.

        Raises:
            MalformedDataError: no access token, or a token type other than Bearer.
        """
        access = body.get("access_token")
        token_type = body.get("token_type", "Bearer")
        if not isinstance(access, str) or not access or str(token_type).lower() != "bearer":
            raise MalformedDataError(BAD_REPLY)
        refresh = body.get("refresh_token")
        lifetime = body.get("expires_in")
        if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool) and lifetime >= 0:
            expires_at, refresh_at = now + lifetime, now + EARLY * lifetime
        else:
            expires_at = refresh_at = math.inf
        scope = body.get("scope")
        return cls(
            access,
            refresh if isinstance(refresh, str) and refresh else previous_refresh,
            expires_at,
            scope if isinstance(scope, str) else "",
            refresh_at,
        )

    @classmethod
    def restored(cls, access_token: str, refresh_token: str | None, scope: str = "") -> Tokens:
        """Tokens loaded from storage: the old monotonic times mean nothing, so rely on 401."""
        return cls(access_token, refresh_token, math.inf, scope)


def password_grant(
    client: ApiClient,
    username: str,
    password: str,
    *,
    client_id: str = "public",
    scope: str | None = None,
    clock: Clock = time.monotonic,
) -> Tokens:
    """Sign in with e-mail and password (the command line's sign-in).

    Raises:
        AuthError: wrong credentials or a refused client or scope.
        RetryLaterError: the server's login back-off is active; ``retry_after`` says how long.
        NetworkError, ServerError: as for any call.
    """
    form = {"grant_type": "password", "username": username, "password": password, "client_id": client_id}
    if scope:
        form["scope"] = scope
    body = client.post_form(TOKEN_PATH, form, messages={"invalid_grant": BAD_CREDENTIALS})
    return Tokens.from_response(body, clock())


class TokenManager:
    """Holds the current tokens and refreshes them, once, for all threads (a ``TokenSource``).

    Attributes:
        client_id: the OAuth client the tokens belong to (sent with each refresh).
    """

    def __init__(
        self,
        api_base_url: str,
        tokens: Tokens | None,
        *,
        config: HttpConfig | None = None,
        client_id: str = "public",
        on_change: Callable[[Tokens], None] | None = None,
        on_clear: Callable[[], None] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._client = ApiClient(api_base_url, config=config)
        self._tokens = tokens
        self._on_change = on_change
        self._on_clear = on_clear
        self._clock = clock
        self._lock = threading.Lock()
        self._early_paused_until = -math.inf

    @property
    def tokens(self) -> Tokens | None:
        """The current tokens, or None when signed out."""
        return self._tokens

    def access_token(self) -> str | None:
        """The token to send; refreshed first when 80 % of its lifetime has passed.

        A failed early refresh (network, server) is not an error yet: the token may still be
        valid, and the server will say so with a 401 if it is not.
        """
        tokens = self._tokens
        if tokens is None:
            return None
        now = self._clock()
        if tokens.refresh_token and tokens.refresh_due(now) and now >= self._early_paused_until:
            try:
                return self.refresh(tokens.access_token)
            except (NetworkError, ServerError):
                log.debug("early token refresh failed; keeping the current token for now")
                self._early_paused_until = now + EARLY_RETRY_PAUSE
                current = self._tokens
                return current.access_token if current is not None else None
        return tokens.access_token

    def refresh(self, stale: str) -> str:
        """Replace ``stale`` unless another thread already did; return the current token.

        Raises:
            AuthError: no refresh token, or the server refused it (tokens are then cleared).
            NetworkError, ServerError: the refresh did not complete; the old tokens are kept.
        """
        with self._lock:
            current = self._tokens
            if current is None:
                raise AuthError(SESSION_ENDED)
            if current.access_token != stale:
                return current.access_token  # someone refreshed while we waited for the lock
            if not current.refresh_token:
                self._drop()
                raise AuthError(SESSION_ENDED)
            form = {
                "grant_type": "refresh_token",
                "refresh_token": current.refresh_token,
                "client_id": self.client_id,
            }
            try:
                body = self._client.post_form(TOKEN_PATH, form, messages={"invalid_grant": SESSION_ENDED})
            except AuthError:
                self._drop()
                raise
            fresh = Tokens.from_response(body, self._clock(), previous_refresh=current.refresh_token)
            self._tokens = fresh
            self._early_paused_until = -math.inf
            if self._on_change is not None:
                try:
                    self._on_change(fresh)  # persist before any caller can use the new pair
                except Exception as exc:  # noqa: BLE001 - the new pair is valid; only saving it failed
                    # The server already rotated: failing the call would strand the user with
                    # no usable token at all. The stored copy is now stale, so the next start
                    # will ask to sign in again; say so in the log, without any secret.
                    log.warning("the refreshed sign-in could not be saved (%s)", type(exc).__name__)
            return fresh.access_token

    def clear(self) -> None:
        """Forget the tokens (sign-out; revoking them on the server is the caller's job)."""
        with self._lock:
            self._tokens = None

    def _drop(self) -> None:
        self._tokens = None
        if self._on_clear is not None:
            self._on_clear()

    def close(self) -> None:
        """Close the token endpoint's connections."""
        self._client.close()
