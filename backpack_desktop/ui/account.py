"""The signed-in account as the window sees it: tokens, syncs and sign-out, all off the GUI thread.

The controller owns no widgets. It turns user intents (signed in, sync, cancel, sign out) into
service calls run by :class:`TaskManager`, and reports back with signals carrying dataclasses.
The cache is opened inside each task (SQLite connections stay with the work that uses them);
in session-only mode (demo, or no secure keyring) an in-memory store is used instead and
tokens are kept in memory only, which the window says. Worker callables only read state that
was fixed before they started; every change of the controller's state happens on the GUI
thread, in the callbacks.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from backpack_desktop.domain.errors import (
    AuthError,
    CacheIntegrityError,
    CacheNotFoundError,
    InsecureKeyringError,
    KeyMissingError,
    UserFacingError,
)
from backpack_desktop.services import keys, paths, signout
from backpack_desktop.services.auth import TokenManager, Tokens
from backpack_desktop.services.backpack import Backpack, cached_image, load_backpack
from backpack_desktop.services.cache import DB_NAME, CacheStore, set_aside
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.regions import Region
from backpack_desktop.services.sync import SyncEngine, SyncResult
from backpack_desktop.services.token_store import SavedSignIn, TokenStore, account_key
from backpack_desktop.ui.images import decode_thumbnail
from backpack_desktop.ui.tasks import Task, TaskManager

T = TypeVar("T")


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
        failed(BaseException): loading the offline copy or signing out failed.
        notice(str): something the user should know that is not an error.
    """

    changed = Signal(object)
    sync_progress = Signal(object)
    sync_finished = Signal(object)
    sync_failed = Signal(object)
    failed = Signal(object)
    notice = Signal(str)

    def __init__(
        self,
        tasks: TaskManager,
        data_dir: Path | None,
        key_source: Callable[[], keys.KeySource] = lambda: keys.default_key_source(
            os.environ.get(paths.PASSPHRASE_ENV) or None  # as on the command line, for keyring-less desktops
        ),
        parent: QObject | None = None,
    ) -> None:
        """``data_dir`` None means session-only: an in-memory cache, nothing on disk (demo, kiosk)."""
        super().__init__(parent)
        self._tasks = tasks
        self._key_source: keys.KeySource | None = None
        if data_dir is not None:
            try:
                self._key_source = key_source()
            except InsecureKeyringError:
                data_dir = None  # nothing may persist without a safe key: session-only
        self._data_dir = data_dir
        self._session_store: CacheStore | None = CacheStore.ephemeral() if data_dir is None else None
        self._region: Region | None = None
        self._manager: TokenManager | None = None
        self._token_store: TokenStore | None = None
        self._signed_in_as: str | None = None
        self._client_id = "public"
        self._remembered = False
        self._backpack: Backpack | None = None
        self._sync_task: Task[_Synced] | None = None
        self._epoch = 0  # bumped by wipe(): results of work started before it are dropped

    @property
    def view(self) -> AccountView:
        """The current state."""
        return AccountView(
            self._region,
            self._manager is not None,
            self._remembered,
            self._backpack,
            self._data_dir is None,
            self._signed_in_as,
        )

    @property
    def syncing(self) -> bool:
        """Whether a sync is running."""
        return self._sync_task is not None

    # -- the cache (called inside tasks) -----------------------------------------------------
    def _open(self, create: bool = True) -> CacheStore:
        """The store; with ``create``, a damaged one is set aside (kept) and a new one begun."""
        if self._session_store is not None:
            return self._session_store
        assert self._data_dir is not None and self._key_source is not None
        try:
            return CacheStore.open(self._data_dir, self._key_source, create=create)
        except (CacheIntegrityError, KeyMissingError) as exc:
            if not create:
                raise
            kept = set_aside(self._data_dir)
            self.notice.emit(
                f"The offline copy could not be read ({exc}). It was kept as {kept.name}; "
                "a new one is being built."
            )
            return CacheStore.open(self._data_dir, self._key_source)

    def _close(self, store: CacheStore) -> None:
        if store is not self._session_store:
            store.close()

    # -- loading ---------------------------------------------------------------------------
    def load(self, region: Region | None) -> None:
        """Show the offline copy (if any) for ``region`` without touching the network."""
        self._region = region
        if self._data_dir is not None and not (self._data_dir / DB_NAME).exists():
            self.changed.emit(self.view)
            return

        def work(_cancel: threading.Event) -> _Loaded:
            store = self._open(create=False)
            try:
                backpack = load_backpack(store)
                if region is None or backpack.sync is None or backpack.sync.server != region.api:
                    return _Loaded(backpack)
                token_store = TokenStore(account_key(region.api, backpack.sync.user_id))
                try:
                    return _Loaded(backpack, token_store.load_sign_in(), token_store)
                except UserFacingError:  # no secure keyring, or it cannot answer now: offline
                    return _Loaded(backpack)
            finally:
                self._close(store)

        self._tasks.run("load", work, self._on_loaded, self.failed.emit)

    def _on_loaded(self, loaded: _Loaded) -> None:
        self._backpack = loaded.backpack
        if loaded.saved is not None and self._region is not None:
            self._token_store, self._client_id = loaded.token_store, loaded.saved.client_id
            self._replace_manager(self._token_manager(self._region, loaded.saved.tokens))
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

    def _replace_manager(self, manager: TokenManager | None) -> None:
        old, self._manager = self._manager, manager
        if old is not None and old is not manager and self._sync_task is None:
            old.close()

    def _persist(self, tokens: Tokens) -> None:
        """Store a rotated refresh token before it is used (called on the refreshing thread)."""
        store = self._token_store
        if store is not None:
            store.save(tokens, self._client_id)

    def _on_tokens_cleared(self) -> None:
        """The server refused the refresh token (invalid_grant): forget it here too."""
        store = self._token_store
        if store is not None:
            store.wipe()

    # -- other work on the cache -------------------------------------------------------------
    def with_cache(
        self,
        name: str,
        work: Callable[[CacheStore, threading.Event], T],
        on_done: Callable[[T], None],
        on_failed: Callable[[BaseException], None] | None = None,
        reload: bool = False,
    ) -> None:
        """Run ``work(store, cancel)`` off the GUI thread on the open cache (created if needed).

        With ``reload`` the offline copy is read again afterwards and ``changed`` is emitted
        (imports and removals change the list).
        """

        def task(cancel: threading.Event) -> tuple[T, Backpack | None]:
            store = self._open()
            try:
                result = work(store, cancel)
                return result, load_backpack(store) if reload else None
            finally:
                self._close(store)

        epoch = self._epoch

        def done(pair: tuple[T, Backpack | None]) -> None:
            result, backpack = pair
            if epoch != self._epoch:
                return  # wiped meanwhile (kiosk): nothing of the old session comes back
            if backpack is not None:
                self._backpack = backpack
                self.changed.emit(self.view)
            on_done(result)

        self._tasks.run(name, task, done, on_failed or self.failed.emit)

    # -- images ----------------------------------------------------------------------------
    def read_images(
        self,
        wanted: dict[str, tuple[str, ...]],
        size: int,
        on_done: Callable[[dict[str, QImage]], None],
        sizes: dict[str, int] | None = None,
    ) -> None:
        """Decode cached images off the GUI thread: ``{key: (url, fallback url, …)}`` → QImage.

        The first URL with a usable cached image wins (an award's baked image, else its badge
        class's artwork). Missing, refused or broken images are simply absent from the result.
        Images are ``size`` pixels, or ``sizes[key]`` where given.
        """
        sizes = sizes or {}
        if self._data_dir is not None and not (self._data_dir / DB_NAME).exists():
            return

        def work(cancel: threading.Event) -> dict[str, QImage]:
            store = self._open(create=False)
            found: dict[str, QImage] = {}
            try:
                for key, urls in wanted.items():
                    if cancel.is_set():
                        break
                    image = _first_image(store, urls, sizes.get(key, size))
                    if image is not None:
                        found[key] = image
            finally:
                self._close(store)
            return found

        self._tasks.run("images", work, on_done, lambda _exc: None)  # no picture is not an error

    # -- sign-in ---------------------------------------------------------------------------
    def signed_in(self, region: Region, tokens: Tokens, client_id: str, who: str | None = None) -> None:
        """Adopt fresh tokens (``who`` from a validated ID token), then run the first sync."""
        self._region, self._client_id, self._signed_in_as = region, client_id, who
        self._token_store = None
        self._replace_manager(self._token_manager(region, tokens))
        self.changed.emit(self.view)
        self.sync()

    # -- sync ------------------------------------------------------------------------------
    def sync(self) -> None:
        """Start a sync (no-op while one runs)."""
        if self._sync_task is not None or self._manager is None or self._region is None:
            return
        region, manager, client_id, session = (
            self._region,
            self._manager,
            self._client_id,
            self._data_dir is None,
        )

        def work(cancel: threading.Event) -> _Synced:
            store = self._open()
            try:
                with ApiClient(region.api, manager) as client, ImageFetcher(region.api) as images:
                    engine = SyncEngine(
                        client, images, store, progress=self.sync_progress.emit, cancel=cancel
                    )
                    result = engine.run()
                backpack = load_backpack(store)
            finally:
                self._close(store)
            user = backpack.sync.user_id if backpack.sync else None
            return _Synced(result, backpack, None if session else _remember(region, manager, client_id, user))

        epoch = self._epoch
        self._sync_task = self._tasks.run(
            "sync", work, partial(self._on_sync_done, epoch=epoch), partial(self._on_sync_failed, epoch=epoch)
        )

    def cancel_sync(self) -> None:
        """Stop the running sync; the previous offline copy stays."""
        if self._sync_task is not None:
            self._sync_task.request_cancel()

    def _on_sync_done(self, synced: _Synced, epoch: int = 0) -> None:
        if epoch != self._epoch:
            return  # the visitor was wiped while this sync ran: drop what it fetched
        self._sync_task = None
        self._backpack = synced.backpack
        if synced.token_store is not None:
            self._token_store, self._remembered = synced.token_store, True
        self.changed.emit(self.view)
        self.sync_finished.emit(synced.result)

    def _on_sync_failed(self, exc: BaseException, epoch: int = 0) -> None:
        if epoch != self._epoch:
            return
        self._sync_task = None
        if isinstance(exc, AuthError):  # the session ended (invalid_grant): sign in again
            self._replace_manager(None)
            self._remembered, self._signed_in_as = False, None
            self.changed.emit(self.view)
        self.sync_failed.emit(exc)

    # -- kiosk -----------------------------------------------------------------------------
    def wipe(self) -> None:
        """Forget the signed-in visitor now: tokens, badges, the in-memory cache (kiosk).

        Work still running for them is cancelled and its results are dropped when they come;
        their token is revoked in the background, best effort.
        """
        self.cancel_sync()
        self._epoch += 1
        region, manager, client_id = self._region, self._manager, self._client_id
        self._sync_task = None
        self._replace_manager(None)  # closes its connections; the tokens were kept above
        self._token_store, self._remembered, self._signed_in_as = None, False, None
        self._backpack = None
        if self._data_dir is None:
            self._session_store = CacheStore.ephemeral()
        self.changed.emit(self.view)
        if region is not None and manager is not None:
            tokens = manager.tokens

            def revoke(_cancel: threading.Event) -> bool:
                return signout.sign_out(region.api, tokens, None, client_id=client_id)

            self._tasks.run("revoke", revoke, _ignore, _ignore)

    # -- sign-out --------------------------------------------------------------------------
    def sign_out(self, delete_copy: bool, on_done: Callable[[bool], None]) -> None:
        """Revoke (bounded) and wipe the sign-in; delete the offline copy only when asked."""
        self.cancel_sync()
        region, manager, client_id = self._region, self._manager, self._client_id
        sync = self._backpack.sync if self._backpack else None
        self._manager, self._token_store, self._remembered, self._signed_in_as = None, None, False, None

        def work(_cancel: threading.Event) -> bool:
            tokens = manager.tokens if manager else None
            try:
                store: CacheStore | None = self._open(create=False)
            except CacheNotFoundError:
                store = None
            try:
                user = sync.user_id if sync else None
                remembered = TokenStore(account_key(region.api, user)) if region and self._data_dir else None
                revoked = (
                    signout.sign_out(region.api, tokens, remembered, client_id=client_id)
                    if region is not None
                    else False
                )
                if delete_copy and store is not None:
                    signout.delete_offline_copy(store)
                    store = None
            finally:
                if store is not None:
                    self._close(store)
            return revoked

        def done(revoked: bool) -> None:
            if delete_copy:
                self._backpack = None
                if self._data_dir is None:
                    self._session_store = CacheStore.ephemeral()
            self.changed.emit(self.view)
            on_done(revoked)

        self.changed.emit(self.view)
        self._tasks.run("sign-out", work, done, self.failed.emit)


def _first_image(store: CacheStore, urls: tuple[str, ...], size: int) -> QImage | None:
    for url in urls:
        try:
            cached = cached_image(store, url)
        except UserFacingError:
            continue  # a damaged record: try the next source
        if cached is not None:
            image = decode_thumbnail(cached[1], cached[0], size)
            if image is not None:
                return image
    return None


@dataclass(frozen=True)
class _Synced:
    result: SyncResult
    backpack: Backpack
    token_store: TokenStore | None


def _remember(region: Region, manager: TokenManager, client_id: str, user: str | None) -> TokenStore | None:
    """Keep the sign-in in the keyring under the account the sync named (in the sync task).

    The store gets no cache: the task's cache closes when it ends, and a sign-in too large for
    the keyring is then simply not remembered (InsecureKeyringError's subclass says so).
    """
    tokens = manager.tokens
    if tokens is None:
        return None
    store = TokenStore(account_key(region.api, user))
    try:
        store.save(tokens, client_id)
    except UserFacingError:
        return None
    return store


def _ignore(_value: object) -> None:
    """A result nobody waits for (a background revocation after a kiosk wipe)."""
