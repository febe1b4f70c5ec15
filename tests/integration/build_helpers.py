"""Building the wheel or sdist from a copy of the working tree, and running commands for it.

Shared by test_wheel.py and test_packaging.py (a module of its own: conftest is not importable).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

SKIP_COPY = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".mypy_cache", ".ruff_cache", ".test-home",
)  # fmt: skip


def run(cmd: list[str | Path], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` with no stdin; fail the test with its output unless it succeeds."""
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=timeout,
    )  # fmt: skip
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def build(repo_root: Path, tmp: Path, kind: Literal["wheel", "sdist"]) -> Path:
    """Build one distribution from a clean copy of the working tree (uncommitted files included)."""
    src = tmp / "src"
    shutil.copytree(repo_root, src, ignore=SKIP_COPY)
    outdir = tmp / "dist"
    command: list[str | Path] = [sys.executable, "-m", "build", f"--{kind}", "--outdir", outdir, src]
    proc = subprocess.run(
        [str(c) for c in command], cwd=tmp, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    if proc.returncode != 0:
        # The isolated build fetches setuptools from the index; without one, use this venv's.
        run([*command[:3], "--no-isolation", "--skip-dependency-check", *command[3:]], tmp, 300)
    found = list(outdir.glob("backpack_desktop-*.whl" if kind == "wheel" else "backpack_desktop-*.tar.gz"))
    assert len(found) == 1, found
    return found[0]
