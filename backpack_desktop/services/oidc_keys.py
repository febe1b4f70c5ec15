"""The server's signing keys (JWKS) and the app's single-use nonces, for ID-token validation.

Split from ``oidc.py`` because both hold state across sign-ins, while validation is a pure
function of a token and these two objects.

The JWKS is refetched at most once per minute when a token names an unknown ``kid``: often
enough to follow a key rotation, rarely enough that a stream of bad tokens cannot make the app
hammer the server (SECURITY.md test 25). Nonces (OpenID Connect Core 1.0 section 15.5.2) tie an
ID token to one sign-in request; each can be consumed once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from backpack_desktop.domain.errors import IdTokenError

#: The only signature algorithms accepted, whatever a token's header says.
ALGORITHMS = ("RS256", "ES256")
JWKS_REFETCH_INTERVAL = 60.0
NONCE_LIFETIME = 600.0
_KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}
_DEFAULT_ALGORITHM = {"RSA": "RS256", "EC": "ES256"}

Clock = Callable[[], float]


class JwksCache:
    """The server's signing keys by ``kid``, refetched at most once per ``min_interval``.

    Only RSA (RS256) and P-256 (ES256) signature keys are kept; anything else in the set,
    a symmetric ``oct`` key above all, is ignored. Thread-safe: a refetch happens under the lock,
    so concurrent validations wait for one fetch instead of making several.
    """

    def __init__(
        self,
        fetch: Callable[[], Mapping[str, Any]],
        *,
        min_interval: float = JWKS_REFETCH_INTERVAL,
        clock: Clock = time.monotonic,
    ) -> None:
        self._fetch, self._min_interval, self._clock = fetch, min_interval, clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.fetches = 0  # how many times the JWKS was requested (tests count refetches)

    def key(self, kid: str) -> jwt.PyJWK:
        """The key named ``kid``, fetching or refetching the JWKS when allowed.

        Raises:
            IdTokenError: no such key, even after a permitted refetch; or an unreadable JWKS.
            NetworkError, ServerError: from ``fetch``.
        """
        with self._lock:
            key = self._keys.get(kid)
            if key is None and self._may_fetch():
                self._refresh()
                key = self._keys.get(kid)
        if key is None:
            raise IdTokenError("The ID token was signed with a key the server does not publish.", "kid")
        return key

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._min_interval

    def _refresh(self) -> None:
        previous, self._fetched_at = self._fetched_at, self._clock()
        self.fetches += 1
        try:
            self._keys = _parse_jwks(self._fetch())
        except Exception:
            # With no keys at all, a failed first fetch must not block the next try for a minute.
            if not self._keys:
                self._fetched_at = previous
            raise


def _parse_jwks(doc: object) -> dict[str, jwt.PyJWK]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("keys"), list):
        raise IdTokenError("The server's signing keys could not be read.", "jwks")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in doc["keys"]:
        key = _signing_key(entry)
        if key is not None:
            keys.setdefault(entry["kid"], key)
    return keys


def _signing_key(entry: object) -> jwt.PyJWK | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
        return None
    kty, use = entry.get("kty"), entry.get("use", "sig")
    algorithm = entry.get("alg") or _DEFAULT_ALGORITHM.get(str(kty))
    if use != "sig" or not isinstance(algorithm, str) or _KEY_TYPES.get(algorithm) != kty:
        return None
    if kty == "EC" and entry.get("crv") != "P-256":
        return None
    try:
        return jwt.PyJWK(entry, algorithm)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None


class NonceRegistry:
    """Single-use nonces for sign-in requests (OpenID Connect Core 1.0 section 15.5.2).

    A nonce lives for ``lifetime`` seconds (monotonic clock) and at most ``limit`` are pending;
    the oldest is dropped first, since an abandoned sign-in never consumes its nonce.
    """

    def __init__(
        self, *, lifetime: float = NONCE_LIFETIME, limit: int = 32, clock: Clock = time.monotonic
    ) -> None:
        self._lifetime, self._limit, self._clock = lifetime, limit, clock
        self._pending: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def issue(self) -> str:
        """A new random nonce to put in the authorization (or password-grant) request."""
        nonce = secrets.token_urlsafe(32)
        with self._lock:
            self._pending[nonce] = self._clock() + self._lifetime
            while len(self._pending) > self._limit:
                self._pending.popitem(last=False)
        return nonce

    def consume(self, nonce: str) -> bool:
        """Use ``nonce`` up; True only the first time, and only for a live nonce we issued."""
        with self._lock:
            expires = self._pending.pop(nonce, None)
        return expires is not None and self._clock() < expires
