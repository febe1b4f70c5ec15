"""Key sources with fake keyring backends: SECURITY.md tests 11-16 (the real daemon is in
tests/integration/test_cache_keyring.py).

The fakes are in-memory ``KeyringBackend`` subclasses whose class path is made to match a real
backend's (the allow-list works on class paths), installed with ``keyring.set_keyring`` and
restored afterwards. They are removed from keyring's class registry so that no later backend
auto-detection in this test session can pick them.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from backpack_desktop import APP_ID
from backpack_desktop.domain.errors import (
    CacheError,
    InsecureKeyringError,
    KeyMissingError,
    KeyProtectionChangedError,
    KeyUnavailableError,
    WrongKeyError,
)
from backpack_desktop.services import keyring_access
from backpack_desktop.services.cache import DB_NAME, CacheStore
from backpack_desktop.services.keys import (
    NO_SECURE_KEYRING,
    KdfParams,
    KeyringKeySource,
    PassphraseKeySource,
    default_key_source,
)


class MemoryKeyring(KeyringBackend):
    """An in-memory backend that counts calls and can be told to misbehave."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.writes = 0
        self.fail_next_get = 0
        self.block: threading.Event | None = None

    def get_password(self, service: str, username: str) -> str | None:
        if self.block is not None:
            self.block.wait()
        if self.fail_next_get:
            self.fail_next_get -= 1
            raise keyring.errors.KeyringLocked("locked")
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.block is not None:
            self.block.wait()
        self.writes += 1
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


def posing_as(module: str, name: str) -> type[MemoryKeyring]:
    cls = type(name, (MemoryKeyring,), {"__module__": module, "__qualname__": name})
    KeyringBackend._classes.discard(cls)  # never auto-detected by keyring itself
    return cls


SecretServiceFake = posing_as("keyring.backends.SecretService", "Keyring")
KWalletFake = posing_as("keyring.backends.kwallet", "DBusKeyring")
PlaintextFake = posing_as("keyrings.alt.file", "PlaintextKeyring")  # keyrings.alt is not installed
EncryptedFileFake = posing_as("keyrings.alt.file", "EncryptedKeyring")


@pytest.fixture
def use_keyring() -> Iterator[Any]:
    original = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(original)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def digest(data_dir: Path) -> str:
    return hashlib.sha256((data_dir / DB_NAME).read_bytes()).hexdigest()


def make_cache(data_dir: Path) -> None:
    with CacheStore.open(data_dir, KeyringKeySource()) as store:
        txn = store.begin()
        txn.put("award", "a1", b"payload")
        txn.commit(["award"])


def test_keyring_round_trip(use_keyring: Any, data_dir: Path) -> None:
    backend = use_keyring(SecretServiceFake())
    make_cache(data_dir)
    ((service, entry), value), = backend.entries.items()
    assert service == APP_ID and entry.startswith("cache-key:")
    assert len(base64.b64decode(value)) == 32 and len(value) == 44  # test 16: tiny keyring entry
    with CacheStore.open(data_dir, KeyringKeySource(), create=False) as store:
        assert store.get("award", "a1") == b"payload"
        assert store.protection == {"method": "keyring", "service": APP_ID,
                                    "backend": "keyring.backends.SecretService.Keyring"}
        assert entry == f"cache-key:{store._header.key_id}"
    assert backend.writes == 1


@pytest.mark.parametrize("make", [fail.Keyring, null.Keyring, PlaintextFake, EncryptedFileFake])
def test_insecure_backends_are_refused(use_keyring: Any, data_dir: Path, make: Any) -> None:
    """Test 11: never silently used; the error names the backend class."""
    backend = use_keyring(make())
    with pytest.raises(InsecureKeyringError) as info:
        CacheStore.open(data_dir, KeyringKeySource())
    cls = type(backend)
    assert f"{cls.__module__}.{cls.__qualname__}" in str(info.value)
    assert not (data_dir / DB_NAME).exists()
    assert getattr(backend, "writes", 0) == 0
    with pytest.raises(InsecureKeyringError) as info:
        default_key_source(None)
    assert str(info.value) == NO_SECURE_KEYRING


def test_chainer_is_used_only_over_secure_backends(use_keyring: Any, data_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, plain = SecretServiceFake(), KWalletFake(), PlaintextFake()
    use_keyring(chainer.ChainerBackend())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [first, plain])
    with pytest.raises(InsecureKeyringError, match="keyrings.alt.file.PlaintextKeyring"):
        CacheStore.open(data_dir, KeyringKeySource())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    with pytest.raises(InsecureKeyringError):
        CacheStore.open(data_dir, KeyringKeySource())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [first, second])
    with CacheStore.open(data_dir, KeyringKeySource()) as store:
        assert store.protection["backend"] == "keyring.backends.SecretService.Keyring"
    assert first.writes == 1 and second.writes == 0 and plain.writes == 0


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_insecure_backend_from_the_environment(backend: str, tmp_path: Path) -> None:
    """Test 11 with PYTHON_KEYRING_BACKEND, in a fresh interpreter so keyring reads it."""
    code = ("from backpack_desktop.services.keys import default_key_source\n"
            "from backpack_desktop.domain.errors import InsecureKeyringError\n"
            "try:\n    default_key_source(None)\nexcept InsecureKeyringError as e:\n    print(e)\n")
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": backend, "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    assert proc.stdout.strip() == NO_SECURE_KEYRING


def test_transient_failure_never_makes_a_new_key(use_keyring: Any, data_dir: Path) -> None:
    """Test 13: a keyring that fails once; no new key, header untouched, next open works."""
    backend = use_keyring(SecretServiceFake())
    make_cache(data_dir)
    entries, before = dict(backend.entries), digest(data_dir)
    backend.fail_next_get = 1
    with pytest.raises(KeyUnavailableError):
        CacheStore.open(data_dir, KeyringKeySource())  # create=True: still must not re-key
    assert backend.entries == entries and backend.writes == 1 and digest(data_dir) == before
    with CacheStore.open(data_dir, KeyringKeySource()) as store:
        assert store.get("award", "a1") == b"payload"


@pytest.mark.parametrize("value", [base64.b64encode(os.urandom(32)).decode(), "not base64!", "AAAA"])
def test_keyring_value_that_does_not_unwrap(use_keyring: Any, data_dir: Path, value: str) -> None:
    backend = use_keyring(SecretServiceFake())
    make_cache(data_dir)
    (key,) = backend.entries
    backend.entries[key] = value
    before = digest(data_dir)
    with pytest.raises(WrongKeyError):
        CacheStore.open(data_dir, KeyringKeySource())
    assert backend.entries == {key: value} and digest(data_dir) == before


def test_missing_entry_is_reported_not_replaced(use_keyring: Any, data_dir: Path) -> None:
    backend = use_keyring(SecretServiceFake())
    make_cache(data_dir)
    backend.entries.clear()
    before = digest(data_dir)
    with pytest.raises(KeyMissingError):
        CacheStore.open(data_dir, KeyringKeySource())
    assert backend.entries == {} and backend.writes == 1 and digest(data_dir) == before


def test_hanging_keyring_is_abandoned(use_keyring: Any, data_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Test 15: blocked calls give up after KEYRING_TIMEOUT_S, on open and on create."""
    assert keyring_access.KEYRING_TIMEOUT_S == 5.0
    monkeypatch.setattr(keyring_access, "KEYRING_TIMEOUT_S", 0.3)
    backend = use_keyring(SecretServiceFake())
    make_cache(data_dir)
    before, release = digest(data_dir), threading.Event()
    backend.block = release
    try:
        started = time.monotonic()
        with pytest.raises(KeyUnavailableError, match="did not answer in time"):
            CacheStore.open(data_dir, KeyringKeySource())
        assert time.monotonic() - started < 2.0
        assert digest(data_dir) == before
        fresh = data_dir.parent / "fresh"
        with pytest.raises(KeyUnavailableError):
            CacheStore.open(fresh, KeyringKeySource())
        assert not (fresh / DB_NAME).exists()
    finally:
        backend.block = None
        release.set()
    with CacheStore.open(data_dir, KeyringKeySource()) as store:
        assert store.get("award", "a1") == b"payload"


def test_failed_write_or_dropped_write_creates_nothing(use_keyring: Any, data_dir: Path) -> None:
    class Dropping(SecretServiceFake):  # type: ignore[misc, valid-type]
        def set_password(self, service: str, username: str, password: str) -> None:
            self.writes += 1  # accepted, then lost

    Dropping.__module__, Dropping.__qualname__ = "keyring.backends.SecretService", "Keyring"
    KeyringBackend._classes.discard(Dropping)
    use_keyring(Dropping())
    with pytest.raises(KeyUnavailableError, match="did not keep"):
        CacheStore.open(data_dir, KeyringKeySource())
    assert not (data_dir / DB_NAME).exists()


def test_backend_change_is_refused_untouched(use_keyring: Any, data_dir: Path) -> None:
    """Test 14: created under SecretService, reopened under KWallet: typed error, file intact."""
    use_keyring(SecretServiceFake())
    make_cache(data_dir)
    before = digest(data_dir)
    kwallet = use_keyring(KWalletFake())
    with pytest.raises(KeyProtectionChangedError) as info:
        CacheStore.open(data_dir, KeyringKeySource())
    assert isinstance(info.value, CacheError)
    assert "keyring.backends.SecretService.Keyring" in str(info.value)
    assert "keyring.backends.kwallet.DBusKeyring" in str(info.value)
    assert kwallet.writes == 0 and digest(data_dir) == before
    with pytest.raises(KeyProtectionChangedError, match="keyring"):
        CacheStore.open(data_dir, PassphraseKeySource("x", KdfParams(8, 1, 1)))
    assert digest(data_dir) == before


def test_passphrase_cache_is_not_opened_through_the_keyring(use_keyring: Any, data_dir: Path) -> None:
    backend = use_keyring(SecretServiceFake())
    CacheStore.open(data_dir, PassphraseKeySource("pw", KdfParams(8, 1, 1))).close()
    with pytest.raises(KeyProtectionChangedError, match="passphrase"):
        CacheStore.open(data_dir, KeyringKeySource())
    assert backend.writes == 0


def test_delete_removes_the_entry(use_keyring: Any, data_dir: Path) -> None:
    backend = use_keyring(SecretServiceFake())
    store = CacheStore.open(data_dir, KeyringKeySource())
    store.close()
    assert len(backend.entries) == 1
    store.keys.delete()
    store.keys.delete()  # already gone: fine
    assert backend.entries == {}
    with pytest.raises(KeyMissingError):
        CacheStore.open(data_dir, KeyringKeySource())


def test_default_key_source(use_keyring: Any) -> None:
    use_keyring(SecretServiceFake())
    assert isinstance(default_key_source(None), KeyringKeySource)
    assert isinstance(default_key_source("typed by the user"), PassphraseKeySource)
    use_keyring(fail.Keyring())
    assert isinstance(default_key_source("pw"), PassphraseKeySource)


def test_default_kdf_meets_owasp_minimum_and_is_stored(data_dir: Path) -> None:
    """Test 12 (parameters part): defaults >= 19 MiB and t >= 2, read back from the header."""
    source = PassphraseKeySource("pw")
    assert source.params.memory_kib >= 19 * 1024 and source.params.iterations >= 2
    with CacheStore.open(data_dir, source) as store:
        protection = store.protection
    assert protection["kdf"] == "argon2id" and len(base64.b64decode(protection["salt"])) == 16
    assert (protection["memory_kib"], protection["iterations"], protection["lanes"]) == (65536, 3, 4)
    with CacheStore.open(data_dir, PassphraseKeySource("pw", KdfParams(8, 1, 1))) as store:
        assert store.protection == protection  # the header's parameters win over the caller's
