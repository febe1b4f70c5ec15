"""Start-up time of the command line, with the bare interpreter as a baseline.

``--version`` must not import Qt (the CLI promises a fast start on machines without a display),
so its cost over ``python -c pass`` is the price of importing the CLI itself.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def _median_ms(cmd: list[str], runs: int) -> float:
    """Median wall time of ``cmd`` in milliseconds, after one untimed warm-up run."""

    def once() -> float:
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
        return (time.perf_counter() - start) * 1000

    once()
    return statistics.median(once() for _ in range(runs))


def cli_version_startup(quick: bool) -> Iterator[dict[str, Any]]:
    runs = 2 if quick else 5
    ms = _median_ms([sys.executable, "-m", "backpack_desktop", "--version"], runs)
    yield {"bench": "cli_version_startup", "value": round(ms, 1), "unit": "ms", "n": runs}


def baseline_python_startup(quick: bool) -> Iterator[dict[str, Any]]:
    runs = 2 if quick else 5
    ms = _median_ms([sys.executable, "-c", "pass"], runs)
    yield {"bench": "baseline_python_startup", "value": round(ms, 1), "unit": "ms", "n": runs}


BENCHMARKS = {
    "cli_version_startup": cli_version_startup,
    "baseline_python_startup": baseline_python_startup,
}
