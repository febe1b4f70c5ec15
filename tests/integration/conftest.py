"""Fixtures for integration tests: real sandbox servers on 127.0.0.1 (random ports)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from sync_helpers import CHEAP, run_sync

from backpack_desktop.sandbox import SandboxConfig, SandboxServer
from backpack_desktop.services.keys import PassphraseKeySource


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One shared demo sandbox. Tests must not mutate it (use ``make_sandbox`` for that)."""
    with SandboxServer(SandboxConfig(seed=7)) as server:
        yield server


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SandboxServer]]:
    """Start private sandboxes with any SandboxConfig fields; all are stopped after the test."""
    started: list[SandboxServer] = []

    def factory(**fields: object) -> SandboxServer:
        server = SandboxServer(SandboxConfig(**fields)).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


def password_token(server: SandboxServer, **extra: str) -> dict[str, object]:
    """Run the password grant against ``server`` and return the token response body."""
    form = {
        "grant_type": "password",
        "username": server.info["username"],
        "password": server.info["password"],
        **extra,
    }
    response = requests.post(server.info["api"] + "/o/token", data=form, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A plain requests session (redirects followed unless a test says otherwise)."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment for a command-line subprocess: a private TMPDIR and a cache passphrase."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return {**os.environ, "TMPDIR": str(scratch), "BACKPACK_DESKTOP_PASSPHRASE": "a long test passphrase"}


@pytest.fixture
def keys() -> PassphraseKeySource:
    return PassphraseKeySource("correct horse battery staple", CHEAP)


@pytest.fixture
def synced(
    make_sandbox: Callable[..., SandboxServer], tmp_path: Path, keys: PassphraseKeySource
) -> Iterator[tuple[SandboxServer, Path]]:
    server = make_sandbox(seed=11)
    run_sync(server, tmp_path, keys)
    yield server, tmp_path
