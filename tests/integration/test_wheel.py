"""The wheel is complete: built from a copy of the source, installed into a fresh venv, it runs
the command line and serves the demo backpack from its packaged resources.

Slow (about a minute with a warm pip cache): it builds a wheel and installs PySide6 into a new
venv. Dependencies come from PyPI or the machine's pip cache / local index.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_helpers import build, run

from backpack_desktop import __version__

pytestmark = pytest.mark.slow

PACKAGED = (
    "backpack_desktop/resources/icons/app.svg",
    "backpack_desktop/resources/sandbox/demo.json",
)
SANDBOX_KEYS = {"api", "ui", "canvas", "client_id", "redirect_uri", "username", "password"}




@pytest.fixture(scope="module")
def wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a clean copy of the working tree (uncommitted files included)."""
    return build(repo_root, tmp_path_factory.mktemp("wheel"), "wheel")


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel (and its dependencies) installed."""
    tmp = tmp_path_factory.mktemp("venv")
    env_dir = tmp / "venv"
    run([sys.executable, "-m", "venv", env_dir], tmp, 120)
    run([env_dir / "bin" / "python", "-m", "pip", "install", "-q",
          "--disable-pip-version-check", wheel], tmp, 600)
    return env_dir


def test_wheel_contains_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in PACKAGED if name not in names]
    assert not missing, f"not in {wheel.name}: {missing}"


def test_installed_cli_runs(venv: Path, tmp_path: Path) -> None:
    # cwd is a scratch directory, so the checkout cannot shadow the installed package.
    proc = run([venv / "bin" / "backpack-desktop", "--version"], tmp_path, 60)
    assert proc.stdout.strip() == f"backpack-desktop {__version__}"
    proc = run([venv / "bin" / "python", "-m", "backpack_desktop", "--help"], tmp_path, 60)
    assert "sandbox" in proc.stdout


@pytest.fixture
def sandbox(venv: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """The installed ``backpack-desktop sandbox --port 0`` and its first stdout line (JSON)."""
    stderr = (tmp_path / "sandbox.stderr").open("w+")
    proc = subprocess.Popen(
        [str(venv / "bin" / "backpack-desktop"), "sandbox", "--port", "0"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:  # keep reading so a chatty server never blocks on a full pipe
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=drain, daemon=True).start()
    try:
        try:
            first = lines.get(timeout=30)
        except queue.Empty:
            first = ""
        if not first:
            stderr.seek(0)
            pytest.fail(f"sandbox printed no first line; stderr:\n{stderr.read()}")
        yield proc, json.loads(first)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        stderr.close()


def _json(request: urllib.request.Request) -> dict[str, object]:
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        data: dict[str, object] = json.load(response)
    return data


def test_installed_sandbox_serves_the_demo_backpack(
    sandbox: tuple[subprocess.Popen[str], dict[str, str]],
) -> None:
    proc, info = sandbox
    assert info.keys() >= SANDBOX_KEYS, info
    api = info["api"].rstrip("/")
    assert api.startswith(("http://127.0.0.1:", "http://localhost:")), api

    form = urllib.parse.urlencode({
        "grant_type": "password", "username": info["username"], "password": info["password"],
        "client_id": "public",
    }).encode()
    token = _json(urllib.request.Request(f"{api}/o/token", data=form, method="POST"))
    assert isinstance(token.get("access_token"), str), token

    query = "include_expired=1&include_revoked=1&include_pending=1"
    envelope = _json(urllib.request.Request(
        f"{api}/v2/backpack/assertions?{query}",
        headers={"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"},
    ))
    status = envelope.get("status")
    assert isinstance(status, dict) and status.get("success") is True, envelope.get("status")
    result = envelope.get("result")
    assert isinstance(result, list), envelope
    assert len(result) >= 12, f"only {len(result)} awards"

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
