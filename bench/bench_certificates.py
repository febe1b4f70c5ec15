"""Certificate PDFs (services/certificates): one page, and a 100-page batch.

* ``certificate_ms``: median time to render a one-page classic certificate (badge and issuer
  image, QR code), each a separate PDF, after one warm-up render (fonts are registered once
  per process, so the first render of a session also pays ~0.1 s to load the CJK font).
* ``certificate_batch_100_s``: one PDF of 100 certificates of distinct awards that share a
  badge image, as an adviser printing for a class would.

Awards are synthetic (the test fixtures' shape); images come from the sandbox's artwork.
``--quick`` renders 3 single pages and a 10-page batch.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

REPEATS = 20


def _items(count: int) -> list[Any]:
    from backpack_desktop.domain.models import parse_award
    from backpack_desktop.sandbox.artwork import design_for, render_png
    from backpack_desktop.services.certificates import CertificateInput

    badge, issuer = render_png(design_for("x"), 256), render_png(design_for("issuer"), 128)
    items = []
    for i in range(count):
        raw = {
            "entityId": f"Award{i:05d}",
            "openBadgeId": f"https://api.badgr.io/public/assertions/Award{i:05d}",
            "issuedOn": "2026-03-05T10:00:00Z",
            "expires": "2030-01-01T00:00:00Z",
            "recipient": {"identity": f"learner{i}@example.org", "hashed": False, "type": "email"},
            "extensions:recipientProfile": {"name": f"Learner Number {i}"},
            "badgeclass": {
                "id": "https://api.badgr.io/public/badges/B1",
                "name": "Data Analysis Foundations",
                "description": "Cleans, explores and summarises tabular data; chooses charts; "
                "explains findings to a non-specialist audience. " * 3,
                "criteria": {"narrative": "Complete all six modules and pass the final project."},
                "issuer": {"id": "https://api.badgr.io/public/issuers/I1", "name": "Example University"},
            },
        }
        items.append(CertificateInput(parse_award(raw), badge, issuer))
    return items


def certificates(quick: bool) -> Iterator[dict[str, Any]]:
    from backpack_desktop.services.certificates import render_certificates

    printed = datetime(2026, 4, 1, tzinfo=UTC)
    repeats, batch = (3, 10) if quick else (REPEATS, 100)
    items = _items(max(repeats, batch))
    render_certificates(items[:1], printed_at=printed)  # warm-up: fonts, imports
    times = []
    for item in items[:repeats]:
        start = time.perf_counter()
        render_certificates([item], printed_at=printed)
        times.append((time.perf_counter() - start) * 1000)
    yield {"bench": "certificate_ms", "value": round(statistics.median(times), 2), "unit": "ms", "n": repeats}
    start = time.perf_counter()
    render_certificates(items[:batch], printed_at=printed)
    yield {
        "bench": "certificate_batch_100_s",
        "value": round(time.perf_counter() - start, 3),
        "unit": "s",
        "n": batch,
    }


BENCHMARKS = {"certificates": certificates}
