"""Baking and reading back a badge PNG (issue: badge files).

* ``bake_png_ms``: median time to bake a 2 KB assertion into a 256 px demo badge PNG that
  already carries one (the old chunk is replaced, never doubled).
* ``extract_png_ms``: median time to read the assertion back out of the baked PNG.

The image is drawn by the sandbox's own artwork code, so nothing depends on the network.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

ROUNDS = 200


def _median_ms(action: Callable[[], object], rounds: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def baking(quick: bool) -> Iterator[dict[str, Any]]:
    from backpack_desktop.domain.baking import bake_png, unbake_png
    from backpack_desktop.sandbox.artwork import design_for, render_png

    image = render_png(design_for("bench"), 256)
    assertion = json.dumps(
        {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "pad": "x" * 2000}
    )
    baked = bake_png(image, assertion)
    rounds = 20 if quick else ROUNDS
    bake = _median_ms(lambda: bake_png(baked, assertion), rounds)
    extract = _median_ms(lambda: unbake_png(baked), rounds)
    extra = {"image_bytes": len(image), "payload_bytes": len(assertion)}
    yield {"bench": "bake_png_ms", "value": bake, "unit": "ms", "n": rounds, **extra}
    yield {"bench": "extract_png_ms", "value": extract, "unit": "ms", "n": rounds, **extra}


BENCHMARKS = {"baking": baking}
