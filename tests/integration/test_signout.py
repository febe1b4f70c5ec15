"""Sign-out (SECURITY.md test 24): revoke at the sandbox within 3 s, wipe locally regardless.

Most tests install an in-memory keyring posing as the Secret Service (``keyring.set_keyring``,
restored afterwards); the ones marked ``secret_service`` use the real gnome-keyring that
``scripts/test`` starts under ``dbus-run-session``. The command-line test runs the real
``backpack-desktop sync`` and ``signout`` in subprocesses.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
import requests
from keyring.backend import KeyringBackend

from backpack_desktop import APP_ID
from backpack_desktop.sandbox import SandboxServer
from backpack_desktop.services.auth import Tokens, password_grant
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.keys import KdfParams, PassphraseKeySource
from backpack_desktop.services.signout import delete_offline_copy, sign_out
from backpack_desktop.services.token_store import TokenStore, account_key

TIMEOUT = 10
secret_service = pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
    reason="no D-Bus session: run through scripts/test, which starts gnome-keyring",
)


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


SecretServiceFake = type("Keyring", (MemoryKeyring,),
                         {"__module__": "keyring.backends.SecretService", "__qualname__": "Keyring"})
KeyringBackend._classes.discard(SecretServiceFake)  # never auto-detected by keyring itself


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    original = keyring.get_keyring()
    backend = SecretServiceFake()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(original)


def sign_in(server: SandboxServer) -> Tokens:
    with ApiClient(server.info["api"]) as client:
        return password_grant(client, server.info["username"], server.info["password"])


def refresh_error(server: SandboxServer, refresh: str) -> str | None:
    form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "public"}
    answer = requests.post(server.info["api"] + "/o/token", timeout=TIMEOUT, data=form)
    return None if answer.status_code == 200 else answer.json().get("error")


def me_status(server: SandboxServer, access: str) -> int:
    return requests.get(server.info["api"] + "/v2/users/self", timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {access}"}).status_code


def test_server_up_revokes_both_tokens(make_sandbox: Any, memory_keyring: MemoryKeyring) -> None:
    server = make_sandbox(seed=5)
    tokens = sign_in(server)
    assert tokens.refresh_token and me_status(server, tokens.access_token) == 200
    with CacheStore.ephemeral() as cache:
        store = TokenStore(account_key(server.info["api"], "u"), cache)
        store.save(tokens)
        server.reset_hits()
        started = time.monotonic()
        assert sign_out(server.info["api"], tokens, store, client_id="public") is True
        assert time.monotonic() - started < 3
        assert store.load() is None
    assert server.hits("/o/revoke_token/") == 2  # the refresh token, then the access token
    assert memory_keyring.entries == {}
    assert refresh_error(server, tokens.refresh_token) == "invalid_grant"
    assert me_status(server, tokens.access_token) == 401


def test_server_down_still_wipes_at_once(make_sandbox: Any, memory_keyring: MemoryKeyring) -> None:
    server = make_sandbox(seed=6)
    tokens = sign_in(server)
    store = TokenStore("acct")
    store.save(tokens)
    api = server.info["api"]
    server.stop()
    started = time.monotonic()
    assert sign_out(api, tokens, store, client_id="public") is False
    assert time.monotonic() - started < 3
    assert memory_keyring.entries == {}


def test_a_silent_server_cannot_stretch_the_sign_out(memory_keyring: MemoryKeyring) -> None:
    """A server that accepts the connection and never answers: the whole sign-out stays in budget."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections queue up in the backlog; nobody reads them
        api = f"http://127.0.0.1:{silent.getsockname()[1]}"
        store = TokenStore("acct")
        tokens = Tokens("a" * 30, "r" * 30, 1.0, "")
        store.save(tokens)
        started = time.monotonic()
        assert sign_out(api, tokens, store, client_id="public", timeout=1.0) is False
        assert time.monotonic() - started < 1.8
    assert memory_keyring.entries == {}


def test_nothing_remembered_is_fine(make_sandbox: Any) -> None:
    server = make_sandbox(seed=8)
    tokens = sign_in(server)
    assert sign_out(server.info["api"], tokens, None, client_id="public") is True
    assert refresh_error(server, str(tokens.refresh_token)) == "invalid_grant"
    assert sign_out(server.info["api"], None, None, client_id="public") is False


def test_delete_offline_copy(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    cache = CacheStore.open(data_dir, PassphraseKeySource("pw", KdfParams(8 * 1024, 1, 1)))
    txn = cache.begin()
    txn.put("award", "a1", b"x")
    txn.commit(["award"])
    assert any(data_dir.iterdir())
    delete_offline_copy(cache)
    assert not any(p.name.startswith("cache.sqlite3") for p in data_dir.iterdir())


@secret_service
def test_real_secret_service_entries_are_gone(make_sandbox: Any) -> None:
    server = make_sandbox(seed=9)
    tokens = sign_in(server)
    service = f"io.github.backpackdesktop.test-{uuid.uuid4().hex}"
    store = TokenStore(account_key(server.info["api"], "u"), service=service)
    assert store.save(tokens) == "keyring"
    assert keyring.get_password(service, store.entry) is not None
    assert sign_out(server.info["api"], tokens, store, client_id="public") is True
    assert keyring.get_password(service, store.entry) is None
    assert refresh_error(server, str(tokens.refresh_token)) == "invalid_grant"


# -- the command line ------------------------------------------------------------------------
def cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "backpack_desktop", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@secret_service
def test_cli_sync_then_signout_revokes(make_sandbox: Any, tmp_path: Path) -> None:
    server = make_sandbox(seed=11)
    data_dir = str(tmp_path / "data")
    env = {**os.environ, "BACKPACK_DESKTOP_PASSPHRASE": "a long test passphrase"}
    synced = cli("sync", "--server", server.info["api"], "--username", server.info["username"],
                 "--password-stdin", "--data-dir", data_dir, env=env, stdin=server.info["password"] + "\n")
    assert synced.returncode == 0, synced.stderr
    assert "not remembered" not in synced.stderr
    entry = f"tokens:{account_key(server.info['api'], server.data.user.entity_id)}"
    stored = json.loads(str(keyring.get_password(APP_ID, entry)))
    assert stored["client_id"] == "public" and stored["refresh_token"]
    assert me_status(server, stored["access_token"]) == 200

    done = cli("signout", "--data-dir", data_dir, env=env)
    assert done.returncode == 0, done.stderr
    assert "revoked" in done.stderr and "kept" in done.stderr
    assert keyring.get_password(APP_ID, entry) is None
    assert refresh_error(server, stored["refresh_token"]) == "invalid_grant"
    assert me_status(server, stored["access_token"]) == 401
    assert (tmp_path / "data" / "cache.sqlite3").exists()  # the offline copy stays by default

    again = cli("signout", "--delete-cache", "--data-dir", data_dir, env=env)
    assert again.returncode == 0, again.stderr
    assert "No stored sign-in" in again.stderr and "deleted" in again.stderr
    assert not (tmp_path / "data" / "cache.sqlite3").exists()
