"""The in-process sync the integration tests share (a module of its own: conftest is not importable)."""

from __future__ import annotations

from pathlib import Path

from backpack_desktop.sandbox import SandboxServer
from backpack_desktop.services.auth import TokenManager, password_grant
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.keys import KdfParams, PassphraseKeySource
from backpack_desktop.services.sync import SyncEngine, SyncResult
from backpack_desktop.services.transport import HttpConfig

CHEAP = KdfParams(memory_kib=1024, iterations=1, lanes=1)
FAST = HttpConfig(
    connect_timeout=2,
    read_timeout=2,
    deadline=8,
    retries=2,
    backoff_factor=0.05,
    backoff_jitter=0.0,
    retry_after_cap=1.5,
)


def run_sync(
    server: SandboxServer,
    data_dir: Path,
    keys: PassphraseKeySource,
    config: HttpConfig = FAST,
    **engine: object,
) -> SyncResult:
    api = server.info["api"]
    with ApiClient(api, config=config) as login:
        tokens = password_grant(login, server.info["username"], server.info["password"])
    manager = TokenManager(api, tokens, config=config)
    with ApiClient(api, manager, config=config) as client, CacheStore.open(data_dir, keys) as store:
        return SyncEngine(client, ImageFetcher(api, config), store, **engine).run()  # type: ignore[arg-type]
