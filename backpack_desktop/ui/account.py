"""The signed-in account as the window sees it: tokens, syncs and sign-out, all off the GUI thread.

The controller owns no widgets. It turns user intents (signed in, sync, cancel, sign out) into
service calls run by :class:`TaskManager`, and reports back with signals carrying dataclasses.
The cache is opened inside each task (SQLite connections stay with the work that uses them);
in session-only mode (no secure keyring) an in-memory store is used instead and tokens are
kept in memory only, which the window shows as "not remembered on this device".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from backpack_desktop.domain.errors import (
    AuthError,
    CacheNotFoundError,
    InsecureKeyringError,
    UserFacingError,
)
from backpack_desktop.services import keys, signout
from backpack_desktop.services.auth import TokenManager, Tokens
from backpack_desktop.services.backpack import Backpack, load_backpack
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.regions import Region
from backpack_desktop.services.sync import SyncEngine, SyncResult
from backpack_desktop.services.token_store import SavedSignIn, TokenStore, account_key
from backpack_desktop.ui.tasks import Task, TaskManager


@dataclass(frozen=True)
class AccountView:
    """What the window shows about the account."""

    region: Region | None
    signed_in: bool
    remembered: bool
    backpack: Backpack | None
    session_only: bool = False  # in-memory cache: nothing is written to this computer
    signed_in_as: str | None = None  # from a validated ID token, before the profile is synced


@dataclass(frozen=True)
class _Loaded:
    backpack: Backpack | None
    saved: SavedSignIn | None = None
    token_store: TokenStore | None = None


class AccountController(QObject):
    """Sign-in state, syncing and sign-out for one account.

    Signals:
        changed(AccountView): the account or the offline copy changed.
        sync_progress(SyncProgress): emitted from the sync task; delivered queued.
        sync_finished(SyncResult): a sync committed.
        sync_failed(BaseException): a sync failed or was cancelled; the old copy is intact.
    """

    changed = Signal(object)
    sync_progress = Signal(object)
    sync_finished = Signal(object)
    sync_failed = Signal(object)

    def __init__(
        self,
        tasks: TaskManager,
        data_dir: Path | None,
        key_source: Callable[[], keys.KeySource] = lambda: keys.default_key_source(None),
        parent: QObject | None = None,
    ) -> None:
        """``data_dir`` None means session-only: an in-memory cache, nothing on disk (demo, kiosk)."""
        super().__init__(parent)
        self._tasks, self._key_source = tasks, key_source
        self._data_dir = data_dir
        self._session_store: CacheStore | None = CacheStore.ephemeral() if data_dir is None else None
        self._region: Region | None = None
        self._manager: TokenManager | None = None
        self._token_store: TokenStore | None = None
        self._signed_in_as: str | None = None
        self._client_id = "public"
        self._remembered = False
        self._backpack: Backpack | None = None
        self._sync_task: Task[tuple[SyncResult, Backpack, bool]] | None = None

    @property
    def view(self) -> AccountView:
        """The current state."""
        return AccountView(
            self._region,
            self._manager is not None,
            self._remembered,
            self._backpack,
            self._session_store is not None,
            self._signed_in_as,
        )

    @property
    def syncing(self) -> bool:
        """Whether a sync is running."""
        return self._sync_task is not None

    def _open(self) -> CacheStore:
        if self._data_dir is None and self._session_store is None:
            self._session_store = CacheStore.ephemeral()  # a fresh one after "delete badges"
        if self._session_store is not None:
            return self._session_store
        assert self._data_dir is not None
        try:
            return CacheStore.open(self._data_dir, self._key_source())
        except InsecureKeyringError:
            self._session_store = CacheStore.ephemeral()  # nothing may persist without a safe key
            return self._session_store

    def _close(self, store: CacheStore) -> None:
        if store is not self._session_store:
            store.close()

    # -- loading ---------------------------------------------------------------------------
    def load(self, region: Region | None) -> None:
        """Show the offline copy (if any) for ``region`` without touching the network."""
        self._region = region

        def work(_cancel: threading.Event) -> _Loaded:
            if self._data_dir is not None and not (self._data_dir / "cache.sqlite3").exists():
                return _Loaded(None)
            store = self._open()
            try:
                backpack = load_backpack(store)
                if region is None or backpack.sync is None or backpack.sync.server != region.api:
                    return _Loaded(backpack)
                token_store = TokenStore(account_key(region.api, backpack.sync.user_id), store)
                try:
                    return _Loaded(backpack, token_store.load_sign_in(), token_store)
                except UserFacingError:  # no secure keyring, or it cannot answer now: offline
                    return _Loaded(backpack)
            finally:
                self._close(store)

        self._tasks.run("load", work, self._on_loaded)

    def _on_loaded(self, loaded: _Loaded) -> None:
        self._backpack = loaded.backpack
        if loaded.saved is not None and self._region is not None:
            self._token_store, self._client_id = loaded.token_store, loaded.saved.client_id
            self._manager = self._token_manager(self._region, loaded.saved.tokens)
            self._remembered = True
        self.changed.emit(self.view)

    def _token_manager(self, region: Region, tokens: Tokens) -> TokenManager:
        return TokenManager(
            region.api,
            tokens,
            client_id=self._client_id,
            on_change=self._persist,
            on_clear=self._on_tokens_cleared,
        )

    def _persist(self, tokens: Tokens) -> None:
        """Store a rotated refresh token before it is used (called on the refreshing thread)."""
        if self._token_store is not None:
            self._token_store.save(tokens, self._client_id)

    def _on_tokens_cleared(self) -> None:
        """The server refused the refresh token (invalid_grant): the user must sign in again."""
        if self._token_store is not None:
            self._token_store.wipe()

    # -- sign-in ---------------------------------------------------------------------------
    def signed_in(self, region: Region, tokens: Tokens, client_id: str, who: str | None = None) -> None:
        """Adopt fresh tokens (``who`` from a validated ID token), then run the first sync."""
        self._region, self._client_id, self._signed_in_as = region, client_id, who
        self._token_store = None
        self._manager = self._token_manager(region, tokens)
        self.changed.emit(self.view)
        self.sync()

    def _remember(self, store: CacheStore, manager: TokenManager, profile_id: str | None) -> bool:
        """Keep the sign-in in the keyring (once the user id is known from the first sync)."""
        tokens = manager.tokens
        if tokens is None or self._session_store is not None or self._region is None:
            return False
        token_store = TokenStore(account_key(self._region.api, profile_id), store)
        try:
            token_store.save(tokens, self._client_id)
        except InsecureKeyringError:
            return False
        self._token_store = token_store
        return True

    # -- sync ------------------------------------------------------------------------------
    def sync(self) -> None:
        """Start a sync (no-op while one runs)."""
        if self._sync_task is not None or self._manager is None or self._region is None:
            return
        region, manager = self._region, self._manager

        def work(cancel: threading.Event) -> tuple[SyncResult, Backpack, bool]:
            store = self._open()
            try:
                with ApiClient(region.api, manager) as client:
                    engine = SyncEngine(
                        client,
                        ImageFetcher(region.api),
                        store,
                        progress=self.sync_progress.emit,
                        cancel=cancel,
                    )
                    result = engine.run()
                backpack = load_backpack(store)
                user = backpack.sync.user_id if backpack.sync else None
                return result, backpack, self._remember(store, manager, user)
            finally:
                self._close(store)

        self._sync_task = self._tasks.run("sync", work, self._on_sync_done, self._on_sync_failed)

    def cancel_sync(self) -> None:
        """Stop the running sync; the previous offline copy stays."""
        if self._sync_task is not None:
            self._sync_task.request_cancel()

    def _on_sync_done(self, outcome: tuple[SyncResult, Backpack, bool]) -> None:
        self._sync_task = None
        result, self._backpack, self._remembered = outcome
        self.changed.emit(self.view)
        self.sync_finished.emit(result)

    def _on_sync_failed(self, exc: BaseException) -> None:
        self._sync_task = None
        if isinstance(exc, AuthError):  # the session ended (invalid_grant): sign in again
            self._manager, self._remembered, self._signed_in_as = None, False, None
            self.changed.emit(self.view)
        self.sync_failed.emit(exc)

    # -- sign-out --------------------------------------------------------------------------
    def sign_out(self, delete_copy: bool, on_done: Callable[[bool], None]) -> None:
        """Revoke (bounded) and wipe the sign-in; delete the offline copy only when asked."""
        self.cancel_sync()
        region, manager, client_id = self._region, self._manager, self._client_id
        self._manager, self._remembered, self._signed_in_as = None, False, None

        def work(_cancel: threading.Event) -> bool:
            tokens = manager.tokens if manager else None
            revoked = False
            try:
                store = self._open()
            except CacheNotFoundError:
                store = None
            try:
                user = self._backpack.sync.user_id if self._backpack and self._backpack.sync else None
                token_store = TokenStore(account_key(region.api, user), store) if region and store else None
                if region is not None:
                    revoked = signout.sign_out(region.api, tokens, token_store, client_id=client_id)
                if delete_copy and store is not None:
                    signout.delete_offline_copy(store)
                    store = None
            finally:
                if store is not None:
                    self._close(store)
            return revoked

        def done(revoked: bool) -> None:
            if delete_copy:
                self._backpack, self._session_store = None, None
            self.changed.emit(self.view)
            on_done(revoked)

        self._tasks.run("sign-out", work, done)
