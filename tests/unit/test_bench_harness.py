"""The benchmark harness runs and speaks its line-per-figure JSON (see bench/README.md).

Only the format is checked: figures on a shared machine are too noisy to assert on.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

REQUIRED: dict[str, type | tuple[type, ...]] = {
    "bench": str, "value": (int, float), "unit": str, "n": int,
}


def run_bench(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/run.py", *args],
        cwd=repo_root, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


def test_quick_run_prints_json_lines(repo_root: Path) -> None:
    proc = run_bench(repo_root, "--quick", "cli_version_startup")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines, proc.stderr
    for line in lines:
        record = json.loads(line)
        for key, kind in REQUIRED.items():
            assert isinstance(record.get(key), kind), (key, line)
            assert not isinstance(record[key], bool), (key, line)
        assert record["unit"] in ("ms", "s", "MB"), line
        assert math.isfinite(record["value"]) and record["value"] > 0, line
        assert record["n"] >= 1, line
    assert json.loads(lines[0])["bench"] == "cli_version_startup"


def test_unknown_name_exits_2_and_lists_names(repo_root: Path) -> None:
    proc = run_bench(repo_root, "--quick", "no_such_benchmark")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "cli_version_startup" in proc.stderr
