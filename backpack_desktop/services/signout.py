"""Signing out: revoke the tokens at the server, briefly, then forget them here regardless.

RFC 7009 revocation at ``POST /o/revoke_token/`` (trailing slash and ``client_id`` required,
canvas-credentials-api.md a.2), refresh token first because it is the long-lived one, then the
access token. Each POST is sent once, never retried (SECURITY.md T16, T28), and both together
stay within ``timeout`` seconds: a sign-out must not hang on a dead network. The local wipe
happens whatever the network did (T17): an unreachable server can only leave tokens alive
there, never here. Deleting the offline copy is a separate, explicit choice of the user.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from backpack_desktop.domain.errors import CacheIntegrityError, InsecureKeyringError, UnsafeUrlError
from backpack_desktop.services import urlpolicy
from backpack_desktop.services.auth import Tokens
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.cache_files import SIDECARS
from backpack_desktop.services.token_store import TokenStore, account_key
from backpack_desktop.services.transport import HttpConfig, build_session

log = logging.getLogger(__name__)

REVOKE_PATH = "/o/revoke_token/"  # noqa: S105 - an endpoint path, not a secret
DEFAULT_TIMEOUT = 3.0


def revoke_tokens(api_base: str, tokens: Tokens, *, client_id: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Ask the server to revoke the refresh and the access token; True if it confirmed both.

    Never raises for network trouble: revocation is best effort by nature, and the caller
    wipes the local copy either way.
    """
    try:
        url = urlpolicy.check_api_base(api_base) + REVOKE_PATH
    except UnsafeUrlError:
        return False
    pairs = [(tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")]
    deadline = time.monotonic() + timeout
    config = HttpConfig(retries=0)
    session = build_session(config, config.user_agent)
    confirmed = True
    try:
        for value, hint in pairs:
            if value:
                confirmed = _revoke_one(session, url, value, hint, client_id, deadline) and confirmed
    finally:
        session.close()
    return confirmed


def _revoke_one(
    session: requests.Session, url: str, token: str, hint: str, client_id: str, deadline: float
) -> bool:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    form = {"token": token, "token_type_hint": hint, "client_id": client_id}
    try:
        # Half the time left for connecting and half for the answer: together within the budget.
        with session.post(
            url, data=form, timeout=(remaining / 2, remaining / 2), allow_redirects=False, stream=True
        ) as response:
            status = response.status_code
    except requests.RequestException as exc:
        log.debug("token revocation did not reach the server (%s)", type(exc).__name__)
        return False
    log.debug("token revocation answered HTTP %s", status)
    return status == 200


def sign_out(
    api_base: str,
    tokens: Tokens | None,
    store: TokenStore | None,
    *,
    client_id: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> bool:
    """Revoke ``tokens`` (bounded by ``timeout``), then wipe ``store``; True if revoked.

    Args:
        api_base: the API base URL the tokens belong to.
        tokens: the tokens to revoke, or None when only the local copy is to go.
        store: the remembered sign-in to wipe, or None when nothing was remembered.
        client_id: the OAuth client the tokens were issued to.
        timeout: seconds for all revocation requests together.

    Raises:
        KeyUnavailableError: the keyring entry could not be deleted now (after revoking).
        CacheError: the cache copy of the sign-in could not be deleted.
    """
    reached = False
    try:
        if tokens is not None:
            reached = revoke_tokens(api_base, tokens, client_id=client_id, timeout=timeout)
    finally:
        if store is not None:
            store.wipe()
    return reached


@dataclass(frozen=True)
class SignOutOutcome:
    """What :func:`sign_out_cached_account` did.

    Attributes:
        server: the API base the offline copy came from, or None when it records none.
        had_sign_in: True when a remembered sign-in was found (and wiped).
        revoked: True when the server confirmed the revocation.
    """

    server: str | None
    had_sign_in: bool
    revoked: bool


def cached_account(cache: CacheStore) -> tuple[str, str | None] | None:
    """The server and user id the offline copy was last synced from, or None if unreadable."""
    try:
        data = cache.get("meta", "sync")
        meta = json.loads(data) if data else None
    except (CacheIntegrityError, ValueError):
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("server"), str):
        return None
    user = meta.get("user_id")
    return meta["server"], str(user) if user is not None else None


def sign_out_cached_account(cache: CacheStore, *, timeout: float = DEFAULT_TIMEOUT) -> SignOutOutcome:
    """Sign out the account the offline copy belongs to (the command line's ``signout``).

    Its remembered sign-in is revoked and wiped; with none remembered (or no secure keyring,
    so nothing could be) there is nothing to do. The offline copy itself stays.

    Raises:
        KeyUnavailableError: the keyring cannot answer now; nothing was wiped, try again.
        CacheError: the cache copy of the sign-in could not be deleted.
    """
    account = cached_account(cache)
    if account is None:
        return SignOutOutcome(None, False, False)
    server, user = account
    store = TokenStore(account_key(server, user), cache)
    try:
        saved = store.load_sign_in()
    except InsecureKeyringError:
        return SignOutOutcome(server, False, False)
    # Wiped even when nothing usable was read: an unreadable entry is no use to anyone.
    client_id = saved.client_id if saved is not None else "public"
    revoked = sign_out(server, saved.tokens if saved else None, store, client_id=client_id, timeout=timeout)
    return SignOutOutcome(server, saved is not None, revoked)


def delete_offline_copy(cache: CacheStore) -> None:
    """Close ``cache``, delete its files, then forget its key (the user asked for this).

    Raises:
        OSError: a file could not be deleted.
        KeyUnavailableError: the keyring could not delete the cache key now.
    """
    path, keys = cache.path, cache.keys
    cache.close()
    if path is not None:
        for file in (Path(f"{path}{suffix}") for suffix in SIDECARS):
            file.unlink(missing_ok=True)
        Path(path).unlink(missing_ok=True)
    keys.delete()
