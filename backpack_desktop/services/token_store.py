"""Remembering a sign-in: the tokens in the OS keyring, large ones in the encrypted cache.

One keyring entry per account, ``(APP_ID, "tokens:<account key>")``, where the account key is
a hash of the API base and the user's id: the entry name never shows an e-mail address. Its
value is a short JSON record ``{"v", "client_id", "scope", "refresh_token", "access_token"}``.

Decision: the access token is stored too. A restored session can then call the API at once
instead of rotating the refresh token at every start (each rotation is a chance for the T16
race), and the refresh token beside it is the stronger secret anyway. Restored tokens have no
known expiry (:meth:`Tokens.restored`): the first 401 refreshes them.

Size (SECURITY.md T6, test 16): Windows Credential Locker refuses entries above 2,560 bytes
of UTF-16. A record longer than :data:`MAX_KEYRING_CHARS` goes into the encrypted cache as a
``secret`` record instead, and the keyring holds only a marker pointing there.

Failures are typed and never destructive: an insecure keyring raises InsecureKeyringError
(the caller keeps the tokens in memory only: "not remembered on this device"); a keyring that
fails or hangs raises KeyUnavailableError, and nothing is deleted because of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from keyring.backend import KeyringBackend

from backpack_desktop import APP_ID
from backpack_desktop.domain.errors import (
    CacheError,
    CacheIntegrityError,
    InsecureKeyringError,
    SecretTooLargeError,
)
from backpack_desktop.services import keyring_access as vault
from backpack_desktop.services.auth import Tokens
from backpack_desktop.services.cache import CacheStore

log = logging.getLogger(__name__)

#: Longest record kept in the keyring itself (2,560 bytes of UTF-16 leave room for 1,280).
MAX_KEYRING_CHARS = 1000
SECRET_KIND = "secret"  # noqa: S105 - a cache record kind, not a secret
FORMAT = 1
TOO_LARGE = "This sign-in is too large for the keyring and there is no offline copy to hold it"

Location = Literal["keyring", "cache"]


def account_key(api_base: str, user: str | None) -> str:
    """A stable, non-identifying name for one account on one server (user id, not e-mail)."""
    text = f"{api_base.rstrip('/').lower()}\n{user or ''}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, repr=False)
class SavedSignIn:
    """A sign-in read back from storage.

    Attributes:
        tokens: the restored tokens (expiry unknown: a 401 triggers the refresh).
        client_id: the OAuth client they were issued to (needed to refresh and to revoke).
    """

    tokens: Tokens
    client_id: str

    def __repr__(self) -> str:
        return f"SavedSignIn(client_id={self.client_id!r}, tokens={self.tokens!r})"


class TokenStore:
    """The remembered sign-in of one account. Not thread-safe: one owner (the token manager).

    Attributes:
        account: the account key (:func:`account_key`).
        entry: the keyring user name, ``tokens:<account>``.
    """

    def __init__(self, account: str, cache: CacheStore | None = None, *, service: str = APP_ID) -> None:
        self.account = account
        self.entry = f"tokens:{account}"
        self._cache = cache
        self._service = service

    def save(self, tokens: Tokens, client_id: str = "public") -> Location:
        """Remember ``tokens`` (call it from ``TokenManager.on_change``); return where they went.

        Raises:
            InsecureKeyringError: no secure keyring; keep the tokens in memory only.
            SecretTooLargeError: too large for the keyring, and no cache was given.
            KeyUnavailableError: the keyring failed or did not answer; nothing was changed.
            CacheError: the cache could not be written (another update holds it).
        """
        backend = vault.secure_backend()
        record = json.dumps(_record(tokens, client_id), separators=(",", ":"))
        if len(record) <= MAX_KEYRING_CHARS:
            vault.write_secret(backend, self._service, self.entry, record)
            try:
                self._drop_cache_copy()  # only after the keyring holds the new one
            except CacheError:
                # Unreachable now (no marker points at it) and its tokens were rotated away.
                log.debug("an old cache copy of the sign-in stays until the next save")
            return "keyring"
        if self._cache is None:
            raise SecretTooLargeError(TOO_LARGE)
        self._put_cache_copy(record.encode("utf-8"))
        marker = json.dumps({"v": FORMAT, "in": "cache"}, separators=(",", ":"))
        vault.write_secret(backend, self._service, self.entry, marker)
        return "cache"

    def load(self) -> Tokens | None:
        """The remembered tokens, or None when there are none (see :meth:`load_sign_in`)."""
        saved = self.load_sign_in()
        return saved.tokens if saved is not None else None

    def load_sign_in(self) -> SavedSignIn | None:
        """The remembered sign-in, or None when nothing (usable) is stored.

        Raises:
            InsecureKeyringError: no secure keyring, so nothing can have been stored.
            KeyUnavailableError: the keyring cannot answer now: retry, never treat as "none".
        """
        raw = vault.read_secret(vault.secure_backend(), self._service, self.entry)
        if raw is None:
            return None
        record = _parse(raw)
        if record is not None and record.get("in") == "cache":
            record = self._cache_copy()
        return _sign_in(record) if record is not None else None

    def wipe(self) -> None:
        """Forget the sign-in: the keyring entry and any cache copy. Missing ones are fine.

        Raises:
            KeyUnavailableError: the keyring could not delete the entry; try again.
            CacheError: the cache copy could not be removed.
        """
        backend: KeyringBackend | None
        try:
            backend = vault.secure_backend()
        except InsecureKeyringError:
            backend = None  # nothing was ever written through an insecure keyring
        if backend is not None:
            vault.delete_secret(backend, self._service, self.entry)
        self._drop_cache_copy()

    # -- the cache copy ------------------------------------------------------------------------
    def _put_cache_copy(self, data: bytes) -> None:
        assert self._cache is not None
        txn = self._cache.begin()
        try:
            txn.put(SECRET_KIND, self.entry, data)
            txn.commit(())  # no kind listed: every other record stays as it is
        except BaseException:
            txn.abort()
            raise

    def _cache_copy(self) -> dict[str, Any] | None:
        if self._cache is None:
            log.warning("the sign-in is kept in the offline copy, which was not opened")
            return None
        try:
            data = self._cache.get(SECRET_KIND, self.entry)
        except CacheIntegrityError:
            return None  # a damaged record cannot be used; signing in again replaces it
        return _parse(data.decode("utf-8", "replace")) if data is not None else None

    def _drop_cache_copy(self) -> None:
        cache = self._cache
        if cache is None or self.entry not in cache.ids(SECRET_KIND):
            return
        txn = cache.begin()
        try:
            for other in cache.ids(SECRET_KIND):
                if other != self.entry:
                    txn.keep(SECRET_KIND, other)
            txn.commit((SECRET_KIND,))  # the secret records become exactly the kept ones
        except BaseException:
            txn.abort()
            raise


def _record(tokens: Tokens, client_id: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "v": FORMAT,
        "client_id": client_id,
        "scope": tokens.scope,
        "access_token": tokens.access_token,
    }
    if tokens.refresh_token:
        record["refresh_token"] = tokens.refresh_token
    return record


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict) or value.get("v") != FORMAT:
        log.debug("a stored sign-in has an unknown format; it is ignored")
        return None
    return value


def _sign_in(record: dict[str, Any]) -> SavedSignIn | None:
    access, refresh = record.get("access_token"), record.get("refresh_token")
    scope, client_id = record.get("scope", ""), record.get("client_id")
    if not isinstance(access, str) or not access or not isinstance(client_id, str):
        return None
    tokens = Tokens.restored(
        access,
        refresh if isinstance(refresh, str) and refresh else None,
        scope if isinstance(scope, str) else "",
    )
    return SavedSignIn(tokens, client_id)
