"""``python -m backpack_desktop sandbox`` as a real subprocess: its first line, signals and errors."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from backpack_desktop.sandbox import SandboxConfig, SandboxServer

TIMEOUT = 10
START_TIMEOUT = 30
INFO_KEYS = {"api", "ui", "canvas", "client_id", "redirect_uri", "username", "password"}
ALL_FLAGS = {"include_expired": "1", "include_revoked": "1", "include_pending": "1"}
BASE = [sys.executable, "-m", "backpack_desktop", "sandbox"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}


class Running:
    """A sandbox subprocess and the first line it printed."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen([*BASE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=_env())
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()),  # type: ignore[union-attr]
                         daemon=True).start()
        try:
            self.first_line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            pytest.fail("the sandbox printed nothing within 30 s")

    @property
    def info(self) -> dict[str, Any]:
        return json.loads(self.first_line)  # type: ignore[no-any-return]

    def signal(self, signum: int) -> tuple[int, str]:
        """Send ``signum``; return the exit code and stderr (fails after 10 s)."""
        self.proc.send_signal(signum)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"the sandbox did not exit within 10 s of signal {signum}")
        return self.proc.returncode, err

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=10)


@contextmanager
def running(*args: str) -> Iterator[Running]:
    proc = Running(["--port", "0", *args])
    try:
        yield proc
    finally:
        proc.stop()


def _token(info: dict[str, Any]) -> str:
    response = requests.post(info["api"] + "/o/token", timeout=TIMEOUT,
                             data={"username": info["username"], "password": info["password"]})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _awards(info: dict[str, Any]) -> list[dict[str, Any]]:
    response = requests.get(info["api"] + "/v2/backpack/assertions", params=ALL_FLAGS, timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {_token(info)}"})
    assert response.status_code == 200
    return response.json()["result"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def demo() -> Iterator[Running]:
    with running() as proc:
        yield proc


def test_first_line_is_one_json_object(demo: Running) -> None:
    assert demo.first_line.endswith("\n")
    assert demo.first_line.count("\n") == 1
    info = json.loads(demo.first_line)
    assert isinstance(info, dict)
    assert set(info) == INFO_KEYS


def test_first_line_values(demo: Running) -> None:
    info = demo.info
    for origin in ("api", "ui", "canvas"):
        assert info[origin].startswith("http://127.0.0.1:")
    assert len({info["api"], info["ui"], info["canvas"]}) == 3
    assert info["client_id"] == "backpack-desktop"
    assert info["redirect_uri"] == "http://127.0.0.1/callback"
    assert "@" in info["username"]
    assert isinstance(info["password"], str) and len(info["password"]) >= 8


def test_the_api_answers(demo: Running) -> None:
    assert len(_awards(demo.info)) >= 12


@pytest.mark.parametrize("origin", ["ui", "canvas"])
def test_the_browser_origins_answer(demo: Running, origin: str) -> None:
    response = requests.get(demo.info[origin] + "/", timeout=TIMEOUT)
    assert response.status_code < 500


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_it_with_exit_0(signum: int) -> None:
    with running() as proc:
        assert _token(proc.info)
        code, err = proc.signal(signum)
    assert code == 0
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [
    ["--badges", "0"],
    ["--badges", "100001"],
    ["--badges", "many"],
    ["--host", "0.0.0.0"],
    ["--host", "example.org"],
    ["--port", "70000"],
    ["--faults", "bogus"],
    ["--faults", "error:code=404"],
])
def test_bad_options_fail_with_one_line(args: list[str]) -> None:
    result = subprocess.run([*BASE, "--port", "0", *args], capture_output=True, text=True, timeout=30,
                            env=_env())
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "example.org", "10.0.0.1"])
def test_a_bad_host_is_named_in_the_error(host: str) -> None:
    """The one line tells the user what was wrong (a UserFacingError), not "unexpected error"."""
    result = subprocess.run([*BASE, "--port", "0", "--host", host], capture_output=True, text=True,
                            timeout=30, env=_env())
    assert result.returncode != 0
    assert host in result.stderr, result.stderr


def test_generated_badges() -> None:
    with running("--badges", "50", "--seed", "2") as proc:
        awards = _awards(proc.info)
    assert len(awards) == 50
    with SandboxServer(SandboxConfig(badges=50, seed=2)) as same:
        assert [a["entityId"] for a in awards] == [a["entityId"] for a in _awards(same.info)]


def test_faults_option() -> None:
    with running("--faults", "error:code=502,count=1") as proc:
        first = requests.get(proc.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT)
        second = requests.get(proc.info["api"] + "/v2/backpack/assertions", timeout=TIMEOUT)
    assert (first.status_code, second.status_code) == (502, 401)


def test_token_lifetime_option() -> None:
    with running("--token-lifetime", "120") as proc:
        response = requests.post(proc.info["api"] + "/o/token", timeout=TIMEOUT,
                                 data={"username": proc.info["username"], "password": proc.info["password"]})
    assert response.json()["expires_in"] == 120
