"""SECURITY.md test 5 for the cache: SIGKILL a committing process at seeded random moments.

A child process commits generation after generation (each one a different number of records,
every record stamped with its generation, and a ``meta`` record naming it). The parent kills
it at 25 seeded random moments. After each kill the cache must reopen, pass SQLite's
``integrity_check``, authenticate every record and hold exactly one committed generation,
the one its header names: never a mix. No staging rows survive the reopen.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from backpack_desktop.services.cache import DB_NAME, CacheStore
from backpack_desktop.services.keys import KdfParams, PassphraseKeySource

SEED = 20240605
KILLS = 25
CHILD = r"""
import sys
from pathlib import Path
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.keys import KdfParams, PassphraseKeySource

store = CacheStore.open(Path(sys.argv[1]), PassphraseKeySource("crash", KdfParams(8, 1, 1)))
print("ready", flush=True)
while True:
    gen = store.generation + 1
    txn = store.begin()
    for i in range(50 + (gen * 37) % 150):
        txn.put("award", f"a{i:04d}", f"gen={gen};i={i};".encode() * 20)
    txn.put("meta", "gen", str(gen).encode())
    txn.commit(["award", "meta"])
"""


def expected_count(gen: int) -> int:
    return 0 if gen == 0 else 50 + (gen * 37) % 150


def check(data_dir: Path) -> int:
    path = data_dir / DB_NAME
    with closing(sqlite3.connect(path)) as raw:  # SQLite's own crash recovery runs here
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with CacheStore.open(data_dir, PassphraseKeySource("crash", KdfParams(8, 1, 1)), create=False) as store:
        assert store._db().execute("SELECT count(*) FROM staging").fetchone() == (0,)
        gen = store.generation
        awards, bad = store.load("award")
        assert bad == []
        assert len(awards) == expected_count(gen)
        assert {v.split(b";")[0] for v in awards.values()} <= {f"gen={gen}".encode()}
        assert store.get("meta", "gen") == (str(gen).encode() if gen else None)
    return gen


@pytest.mark.timeout(120)
def test_sigkill_at_random_moments_leaves_old_or_new(tmp_path: Path) -> None:
    rng = random.Random(SEED)  # noqa: S311 - reproducible kill moments
    data_dir = tmp_path / "data"
    CacheStore.open(data_dir, PassphraseKeySource("crash", KdfParams(8, 1, 1))).close()
    started, generations, delays = time.monotonic(), [0], []
    for _ in range(KILLS):
        delay = rng.uniform(0.0, 0.15)
        delays.append(round(delay, 4))
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir)],
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None and child.stdout.readline() == "ready\n"
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=10)
            if child.stdout is not None:
                child.stdout.close()
        assert child.returncode == -signal.SIGKILL, "the child died on its own"
        gen = check(data_dir)
        assert gen >= generations[-1], f"went back in time (seed {SEED}, delays {delays})"
        generations.append(gen)
        assert sorted(p.name for p in data_dir.iterdir()) == [DB_NAME]  # no temp files left
    assert generations[-1] >= 10, f"too few commits to mean anything: {generations}"
    assert time.monotonic() - started < 60
