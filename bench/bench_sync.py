"""Sync and cache figures (issue 3), against a sandbox running in its own process.

* ``download_1k_s``: the award, badge class and issuer images plus the backpack list, fetched
  sequentially with plain requests: the floor a sync is compared with (target: sync <= 2x).
* ``sync_1k_s``: a full sync of 1,000 awards with images into a new encrypted cache.
* ``resync_1k_s``: the same sync again with nothing changed.
* ``sync_10k_rss_mb``: peak resident memory of a process syncing 10,000 awards.
* ``cache_open_10k_s``: open that cache (Argon2id at the default cost included) and decrypt and
  parse all 10,000 awards.

The sandbox renders each image once; a warm-up pass fills its cache so every timed run fetches
the same ready bytes. ``--quick`` uses 200 and 2,000 awards and says so in ``n``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
PARAMS = [
    ("expand", "badgeclass"),
    ("expand", "issuer"),
    ("include_expired", "1"),
    ("include_revoked", "1"),
    ("include_pending", "1"),
]
PASSPHRASE = "benchmark passphrase"

SYNC_CHILD = """
import json, resource, sys, time
from pathlib import Path
from backpack_desktop.services.auth import TokenManager, password_grant
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.keys import PassphraseKeySource
from backpack_desktop.services.sync import SyncEngine
info, data_dir = json.loads(sys.argv[1]), Path(sys.argv[2])
api = info["api"]
with ApiClient(api) as login:
    tokens = password_grant(login, info["username"], info["password"])
keys = PassphraseKeySource(sys.argv[3])
start = time.perf_counter()
with ApiClient(api, TokenManager(api, tokens)) as client, CacheStore.open(data_dir, keys) as store:
    result = SyncEngine(client, ImageFetcher(api), store).run()
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss, "awards": result.awards}))
"""


@contextmanager
def sandbox(badges: int) -> Iterator[dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "backpack_desktop", "sandbox", "--badges", str(badges)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def plain_download(info: dict[str, str]) -> tuple[float, int]:
    """Fetch the list and every image sequentially with plain requests; return seconds and bytes."""
    start = time.perf_counter()
    with requests.Session() as session:
        token = session.post(
            info["api"] + "/o/token",
            data={"username": info["username"], "password": info["password"]},
            timeout=30,
        ).json()["access_token"]
        items = session.get(
            info["api"] + "/v2/backpack/assertions",
            params=PARAMS,
            timeout=120,
            headers={"Authorization": f"Bearer {token}"},
        ).json()["result"]
        urls = dict.fromkeys(
            u
            for a in items
            for u in (a["image"], a["badgeclass"]["image"], a["badgeclass"]["issuer"]["image"])
        )
        total = sum(len(session.get(u, timeout=30).content) for u in urls)
    return time.perf_counter() - start, total


def child_sync(info: dict[str, str], data_dir: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", SYNC_CHILD, json.dumps(info), str(data_dir), PASSPHRASE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def sync_1k(quick: bool) -> Iterator[dict[str, Any]]:
    count = 200 if quick else 1000
    with sandbox(count) as info, tempfile.TemporaryDirectory() as tmp:
        plain_download(info)  # warm-up: the sandbox draws and bakes each image once
        seconds, size = plain_download(info)
        yield {"bench": "download_1k_s", "value": round(seconds, 3), "unit": "s", "n": count, "bytes": size}
        first = child_sync(info, Path(tmp))
        yield {"bench": "sync_1k_s", "value": round(first["seconds"], 3), "unit": "s", "n": first["awards"]}
        again = child_sync(info, Path(tmp))
        yield {"bench": "resync_1k_s", "value": round(again["seconds"], 3), "unit": "s", "n": again["awards"]}


OPEN_CHILD = """
import sys, time
from pathlib import Path
from backpack_desktop.services.backpack import load_backpack
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.keys import PassphraseKeySource
start = time.perf_counter()
with CacheStore.open(Path(sys.argv[1]), PassphraseKeySource(sys.argv[2]), create=False) as store:
    opened = time.perf_counter()
    backpack = load_backpack(store)
end = time.perf_counter()
print(end - start, opened - start, len(backpack.awards))
"""


def sync_10k(quick: bool) -> Iterator[dict[str, Any]]:
    count = 2000 if quick else 10_000
    with sandbox(count) as info, tempfile.TemporaryDirectory() as tmp:
        plain_download(info)
        result = child_sync(info, Path(tmp))
        yield {
            "bench": "sync_10k_rss_mb",
            "value": round(result["rss_mb"], 1),
            "unit": "MB",
            "n": result["awards"],
            "sync_s": round(result["seconds"], 2),
        }
        runs = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, "-c", OPEN_CHILD, tmp, PASSPHRASE],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            )
            seconds, unlock, awards = out.stdout.split()
            runs.append((float(seconds), float(unlock)))
        total, unlock_s = sorted(runs)[1]
        # The passphrase path pays Argon2id (64 MiB, t=3) to unlock; the keyring path does not.
        yield {
            "bench": "cache_open_10k_s",
            "value": round(total, 3),
            "unit": "s",
            "n": int(awards),
            "unlock_s": round(unlock_s, 3),
            "kdf": "argon2id 64 MiB t=3 p=4",
        }


BENCHMARKS = {"sync_1k": sync_1k, "sync_10k": sync_10k}

if __name__ == "__main__":  # quick manual run: python bench/bench_sync.py
    os.environ.setdefault("PYTHONPATH", str(REPO_ROOT))
    for figure in sync_1k(quick=True):
        print(json.dumps(figure))
