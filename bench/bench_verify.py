"""Verifying the shared Open Badges test files offline (issue: verification engine).

* ``verify_offline_ms``: median time to verify one badge file (decoding included), over every
  badge in ../shared/testdata/open-badges, with a MapResolver serving the 1EdTech ob20 assets
  at example.org and the JSON-LD contexts from the data set's README table. Nothing touches
  the network. One untimed pass warms up; ``--quick`` times a single pass.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "open-badges"
BADGES = (
    "dcpv/ob20/simple.jwt",
    "dcpv/ob20/simple-not-revoked.jwt",
    "dcpv/ob20/simple-revoked.jwt",
    "dcpv/ob20/basic-assertion.json",
    "dcpv/ob20/simple-badge.png",
    "dcpv/ob30/simple-jwt.png",
    "dcpv/ob30/simple-jwt_v1.svg",
    "dcpv/ob30/simple.jwt",
    "dcpv/ob30/simple-err-expired.json",
    "dcpv/ob30/complete.json",
    "bakery/baked_heart.png",
    "bakery/baked_example.svg",
)
REPEATS = 5
_CONTEXT_ROW = re.compile(r"^\| `(https://[^`]+)` \| `(dcpv/contexts/[^`]+)` \|", re.MULTILINE)


def _resolvers() -> tuple[Any, Any]:
    from backpack_desktop.domain.verify import MapResolver

    assets = SHARED / "dcpv" / "ob20" / "assets"
    web = MapResolver(
        {
            f"{host}/": assets
            for host in ("https://example.org", "https://www.example.org", "http://example.org")
        }
    )
    rows = _CONTEXT_ROW.findall((SHARED / "README.md").read_text(encoding="utf-8"))
    return web, MapResolver({url: SHARED / path for url, path in rows})


def verify_offline(quick: bool) -> Iterator[dict[str, Any]]:
    from backpack_desktop.domain.badgefile import read_badge_file
    from backpack_desktop.domain.verify import verify

    web, contexts = _resolvers()
    files = [(SHARED / name).read_bytes() for name in BADGES]
    now = datetime(2025, 6, 1, tzinfo=UTC)
    times: list[float] = []
    for repeat in range(1 + (1 if quick else REPEATS)):  # the first pass is the warm-up
        for data in files:
            start = time.perf_counter()
            verify(read_badge_file(data), resolver=web, now=now, context_resolver=contexts)
            if repeat:
                times.append((time.perf_counter() - start) * 1000)
    yield {
        "bench": "verify_offline_ms",
        "value": round(statistics.median(times), 2),
        "unit": "ms",
        "n": len(files),
    }


BENCHMARKS = {"verify_offline": verify_offline}
