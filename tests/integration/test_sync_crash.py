"""Crash safety of a sync (SECURITY.md tests 5 and 7, issue 3).

A child process syncs into a cache while the parent kills it with SIGKILL at seeded random
moments. After every kill the cache must pass SQLite's integrity check and hold exactly the
state before that sync or the state after it: never a mix.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from backpack_desktop.services.backpack import load_backpack
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.keys import KdfParams, PassphraseKeySource

KILLS = 25
SEED = 20261204

CHILD = """
import sys
from backpack_desktop.services.auth import TokenManager, password_grant
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.keys import KdfParams, PassphraseKeySource
from backpack_desktop.services.sync import SyncEngine
api, user, password, data_dir = sys.argv[1:5]
keys = PassphraseKeySource("crash test", KdfParams(memory_kib=1024, iterations=1, lanes=1))
with ApiClient(api) as login:
    tokens = password_grant(login, user, password)
from pathlib import Path
client = ApiClient(api, TokenManager(api, tokens))
with client, CacheStore.open(Path(data_dir), keys) as store:
    SyncEngine(client, ImageFetcher(api), store).run()
print("done", flush=True)
"""


def _state(data_dir: Path) -> frozenset[str]:
    connection = sqlite3.connect(data_dir / "cache.sqlite3")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()
    keys = PassphraseKeySource("crash test", KdfParams(memory_kib=1024, iterations=1, lanes=1))
    with CacheStore.open(data_dir, keys, create=False) as store:
        backpack = load_backpack(store)
    assert backpack.problems == ()
    return frozenset(a.entity_id for a in backpack.awards)


def _sync(server, data_dir: Path) -> subprocess.Popen[str]:
    info = server.info
    return subprocess.Popen([sys.executable, "-c", CHILD, info["api"], info["username"], info["password"],
                             str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_during_sync_leaves_old_or_new_state(make_sandbox, tmp_path: Path) -> None:
    servers = [make_sandbox(seed=31, badges=80), make_sandbox(seed=32, badges=80)]
    states = [frozenset(a.entity_id for a in s.data.awards if a.acceptance != "Rejected") for s in servers]
    assert states[0] != states[1]
    started = time.monotonic()
    first = _sync(servers[0], tmp_path)
    assert first.wait(timeout=120) == 0, first.communicate()[1]
    full_run = time.monotonic() - started
    current = _state(tmp_path)
    assert current == states[0]

    rng = random.Random(SEED)
    outcomes = {"old": 0, "new": 0}
    for kill in range(KILLS):
        target = states[(kill + 1) % 2]
        child = _sync(servers[(kill + 1) % 2], tmp_path)
        time.sleep(rng.uniform(0.0, full_run * 1.2))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        after = _state(tmp_path)
        assert after in (current, target), f"kill {kill}: a mix of old and new state"
        outcomes["new" if after == target and after != current else "old"] += 1
        current = after
    assert not list(tmp_path.glob("*.tmp"))
    # the seeded moments must have hit both outcomes, or the test proved nothing
    assert outcomes["old"] and outcomes["new"], outcomes
