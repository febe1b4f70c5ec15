"""Window figures (issue 5): start-up with 10,000 cached awards, and its memory.

* ``startup_10k_s``: process start to the Backpack view showing all 10,000 awards (opening
  and decrypting the cache included; thumbnails arrive later and are not waited for).
* ``startup_bare_qt_s``: process start to a bare PySide6 window shown, the floor to compare with.
* ``window_10k_rss_mb``: peak resident memory of the first process once populated.

The cache is written directly through the cache layer (no images) with a cheap passphrase KDF,
so the figure is about the window, not about Argon2id. Each child measures from its own
process start time (/proc/self/stat), so interpreter and import time are included.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

SINCE_START = """
import os, time
def since_start():
    ticks = os.sysconf("SC_CLK_TCK")
    start = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]) / ticks
    uptime = float(open("/proc/uptime").read().split()[0])
    return uptime - start
"""

WINDOW_CHILD = (
    SINCE_START
    + """
import os, resource, sys, json
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from backpack_desktop import app
application = app.create_application()
settings = QSettings(sys.argv[2], QSettings.Format.IniFormat)
session = app.build(demo=False, settings_store=settings)
session.window.show()
expected = int(sys.argv[1])
while session.window.backpack.model.rowCount() < expected:
    application.processEvents()
    time.sleep(0.002)
application.processEvents()
elapsed = since_start()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "rss_mb": rss}))
session.close()
"""
)

BARE_CHILD = (
    SINCE_START
    + """
import os, json
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication, QMainWindow
application = QApplication([])
window = QMainWindow()
window.show()
application.processEvents()
print(json.dumps({"seconds": since_start()}))
"""
)


def make_cache(data_dir: Path, count: int) -> None:
    """Write ``count`` generated awards into an encrypted cache, as a sync would."""
    from datetime import UTC, datetime

    from backpack_desktop.sandbox.dataset import anchor_day, generate
    from backpack_desktop.sandbox.serializers import Urls, award_json, user_json
    from backpack_desktop.services import backpack as layout
    from backpack_desktop.services.cache import CacheStore
    from backpack_desktop.services.keys import KdfParams, PassphraseKeySource

    data = generate(count, 5, "pw", anchor_day())
    urls = Urls("https://api.example.org", "https://example.org")
    keys = PassphraseKeySource("bench", KdfParams(memory_kib=1024, iterations=1, lanes=1))
    with CacheStore.open(data_dir, keys) as store:
        tx = store.begin()
        for record in data.awards:
            item = layout.normalize(award_json(record, urls, True, True))
            tx.put("award", item.entity_id, layout.dumps(item.award))
            tx.put("badgeclass", item.badgeclass["id"], layout.dumps(item.badgeclass))
            tx.put("issuer", item.issuer["id"], layout.dumps(item.issuer))
        tx.put("profile", "self", layout.dumps(user_json(data.user)))
        meta = {
            "server": urls.api,
            "synced_at": datetime.now(UTC).isoformat(),
            "user_id": data.user.entity_id,
        }
        tx.put("meta", "sync", layout.dumps(meta))
        tx.commit(layout.KINDS)


def run_child(script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=env,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def window_10k(quick: bool) -> Iterator[dict[str, Any]]:
    count, runs = (2000, 1) if quick else (10_000, 3)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        make_cache(data_dir, count)
        env = {
            **os.environ,
            "BACKPACK_DESKTOP_DATA_DIR": str(data_dir),
            "BACKPACK_DESKTOP_PASSPHRASE": "bench",
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": tmp,
        }
        results = [
            run_child(WINDOW_CHILD, str(count), str(Path(tmp) / "settings.ini"), env=env) for _ in range(runs)
        ]
    bare = [run_child(BARE_CHILD)["seconds"] for _ in range(runs)]
    yield {
        "bench": "startup_10k_s",
        "value": round(statistics.median(r["seconds"] for r in results), 3),
        "unit": "s",
        "n": count,
    }
    yield {"bench": "startup_bare_qt_s", "value": round(statistics.median(bare), 3), "unit": "s", "n": runs}
    yield {
        "bench": "window_10k_rss_mb",
        "value": round(max(r["rss_mb"] for r in results), 1),
        "unit": "MB",
        "n": count,
    }


BENCHMARKS = {"window_10k": window_10k}
