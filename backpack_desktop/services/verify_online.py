"""Verification with the network when there is one: the resolvers the pure verifier is given.

``domain/verify`` never connects; it asks a resolver. Here are the app's resolvers:

* :class:`HttpResolver` fetches hosted assertions, keys, issuers and revocation lists with the
  same URL policy as images (https to public addresses only; loopback only when the app's own
  server is a sandbox on this computer), no credentials, and a size cap.
* :class:`ContextCache` serves JSON-LD contexts: from the encrypted cache when kept there,
  otherwise fetched over https once and kept, so later checks of a 3.0 credential work offline.
  Without a cache it only fetches.

``verify_file`` puts them together; with ``online=False`` nothing is fetched at all (contexts
already kept still count, they are part of the offline copy).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backpack_desktop.domain.assertion import open_badges_assertion
from backpack_desktop.domain.badgefile import BadgeFile, read_payload
from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award
from backpack_desktop.domain.verify import OfflineResolver, Resolver, Unavailable, Verification, verify
from backpack_desktop.services.backpack import dumps, load_profile, load_sync_info
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.imports_store import imported_file
from backpack_desktop.services.transport import HttpConfig

CONTEXT_KIND = "jsonld-context"
#: A base for the URL policy that is not loopback: every fetch must be https to a public host.
PUBLIC_ONLY = "https://public.invalid"
CONFIG = HttpConfig(connect_timeout=5.0, read_timeout=10.0, deadline=20.0, retries=1)


class HttpResolver:
    """Fetches documents over the network under the image URL policy (SECURITY.md T24)."""

    def __init__(self, server: str | None = None, config: HttpConfig = CONFIG) -> None:
        self._fetcher = ImageFetcher(server or PUBLIC_ONLY, config)

    def fetch(self, url: str) -> bytes:
        """The document at ``url``.

        Raises:
            Unavailable: refused by the policy, offline, an error status, or not JSON.
        """
        try:
            return self._fetcher.fetch_document(url)
        except UserFacingError as exc:
            raise Unavailable(url, str(exc)) from None

    def close(self) -> None:
        """Close the pooled connections."""
        self._fetcher.close()


class ContextCache:
    """JSON-LD contexts from the encrypted cache, else fetched (https only) and kept."""

    def __init__(self, store: CacheStore | None, online: Resolver | None) -> None:
        self._store, self._online = store, online

    def fetch(self, url: str) -> bytes:
        """The context document at ``url``.

        Raises:
            Unavailable: not kept and not fetchable now.
        """
        if self._store is not None:
            kept = self._store.get(CONTEXT_KIND, url)
            if kept is not None:
                return kept
        if self._online is None or not url.startswith("https://"):
            raise Unavailable(url, "context unavailable")
        data = self._online.fetch(url)
        if self._store is not None:
            self._keep(url, data)
        return data

    def _keep(self, url: str, data: bytes) -> None:
        assert self._store is not None
        transaction = self._store.begin()
        try:
            transaction.put(CONTEXT_KIND, url, data)
            transaction.commit(())
        except BaseException:
            transaction.abort()
            raise


def verify_file(
    badge: BadgeFile,
    now: datetime,
    *,
    emails: Sequence[str] = (),
    store: CacheStore | None = None,
    server: str | None = None,
    online: bool = True,
) -> Verification:
    """Verify ``badge``; ``server`` (the synced server) allows loopback when it is a sandbox."""
    http = HttpResolver(server) if online else None
    try:
        resolver: Resolver = http if http is not None else OfflineResolver()
        contexts = ContextCache(store, http)
        return verify(badge, resolver=resolver, now=now, emails=emails, context_resolver=contexts)
    finally:
        if http is not None:
            http.close()


# -- the app's view of an award's verification ------------------------------------------------
VERIFICATION_KIND = "verification"


def badge_file_for(store: CacheStore, award: Award) -> BadgeFile:
    """What to verify for ``award``: an imported file as it came, a synced award's assertion."""
    if award.origin == "imported":
        found = imported_file(store, award.entity_id)
        if found is None:
            raise UserFacingError("This imported badge is no longer in the offline copy.")
        return found.badge
    return read_payload(json.dumps(open_badges_assertion(award)), "json")


@dataclass(frozen=True)
class AwardCheck:
    """A verification of one award, and the last one made online (kept in the cache)."""

    entity_id: str
    result: Verification
    last_online: dict[str, Any] | None


def check_award(store: CacheStore, award: Award, now: datetime, online: bool) -> AwardCheck:
    """Verify ``award`` (online: also remember the result, so offline can say when it was checked)."""
    backpack_sync = load_sync_info(store)
    profile = load_profile(store)
    result = verify_file(
        badge_file_for(store, award),
        now,
        emails=profile.emails if profile else (),
        store=store,
        server=backpack_sync.server if backpack_sync else None,
        online=online,
    )
    if online:
        _remember(store, award.entity_id, result)
    kept = store.get(VERIFICATION_KIND, award.entity_id)
    return AwardCheck(award.entity_id, result, json.loads(kept) if kept else None)


def _remember(store: CacheStore, entity_id: str, result: Verification) -> None:
    transaction = store.begin()
    try:
        transaction.put(VERIFICATION_KIND, entity_id, dumps(result.to_json()))
        transaction.commit(())
    except BaseException:
        transaction.abort()
        raise
