"""The remembered sign-in: keyring record, the large-token path (SECURITY.md test 16), failures.

Fake in-memory keyrings pose as the Secret Service backend (the allow-list works on class
paths), installed with ``keyring.set_keyring`` and restored afterwards. The cache is the real
encrypted store, in memory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from backpack_desktop import APP_ID
from backpack_desktop.domain.errors import InsecureKeyringError, KeyUnavailableError, SecretTooLargeError
from backpack_desktop.services.auth import Tokens
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.token_store import SECRET_KIND, TokenStore, account_key

WINDOWS_LIMIT = 2560  # bytes of UTF-16, Windows Credential Locker


class MemoryKeyring(KeyringBackend):
    """In memory; rejects values above ``limit`` bytes of UTF-16, like Credential Locker."""

    priority = 1

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.limit = limit
        self.fail_next_get = 0

    def get_password(self, service: str, username: str) -> str | None:
        if self.fail_next_get:
            self.fail_next_get -= 1
            raise keyring.errors.KeyringLocked("locked")
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.limit is not None and len(password.encode("utf-16-le")) > self.limit:
            raise keyring.errors.PasswordSetError("value too large")
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
PlaintextFake = posing_as("keyrings.alt.file", "PlaintextKeyring")


@pytest.fixture
def use_keyring() -> Iterator[Any]:
    original = keyring.get_keyring()

    def install(backend: KeyringBackend) -> Any:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(original)


@pytest.fixture
def cache() -> Iterator[CacheStore]:
    with CacheStore.ephemeral() as store:
        yield store


def tokens(size: int = 22) -> Tokens:
    return Tokens("a" * size, "r" * size, 123.0, "r:profile r:backpack", 100.0)


def test_account_key_hides_the_user() -> None:
    key = account_key("https://api.badgr.io/", "learner@example.org")
    assert "learner" not in key and "example" not in key and len(key) == 32
    assert key == account_key("https://API.badgr.io", "learner@example.org")
    assert key != account_key("https://api.eu.badgr.io", "learner@example.org")


def test_round_trip_through_the_keyring(use_keyring: Any, cache: CacheStore) -> None:
    backend = use_keyring(SecretServiceFake())
    store = TokenStore(account_key("https://api.badgr.io", "u1"), cache)
    assert store.load() is None
    assert store.save(tokens(), client_id="backpack-desktop") == "keyring"
    (service, entry), value = next(iter(backend.entries.items()))
    assert (service, entry) == (APP_ID, f"tokens:{store.account}")
    assert len(value) <= 1000 and json.loads(value)["refresh_token"] == "r" * 22
    saved = store.load_sign_in()
    assert saved is not None and saved.client_id == "backpack-desktop"
    assert (saved.tokens.access_token, saved.tokens.refresh_token) == ("a" * 22, "r" * 22)
    assert saved.tokens.scope == "r:profile r:backpack"
    assert saved.tokens.expires_at == math.inf  # a restored token is refreshed on its first 401
    assert "a" * 22 not in repr(saved) and cache.ids(SECRET_KIND) == []
    store.wipe()
    assert backend.entries == {} and store.load() is None
    store.wipe()  # wiping twice is fine


def test_large_tokens_go_to_the_encrypted_cache(use_keyring: Any, cache: CacheStore) -> None:
    """SECURITY.md test 16: a 5 KB token set against a keyring capped at 2,560 bytes."""
    backend = use_keyring(SecretServiceFake(limit=WINDOWS_LIMIT))
    big = tokens(2500)
    store = TokenStore(account_key("https://api.badgr.io", "u1"), cache)
    assert store.save(big) == "cache"
    marker = backend.entries[(APP_ID, store.entry)]
    assert len(marker.encode("utf-16-le")) < 100 and "a" * 50 not in marker
    assert cache.ids(SECRET_KIND) == [store.entry]
    loaded = TokenStore(store.account, cache).load()
    assert loaded is not None and (loaded.access_token, loaded.refresh_token) == ("a" * 2500, "r" * 2500)
    # Rotation to a small pair moves it back to the keyring and drops the cache copy.
    assert store.save(tokens()) == "keyring"
    assert cache.ids(SECRET_KIND) == []
    assert store.save(big) == "cache"
    store.wipe()
    assert backend.entries == {} and cache.ids(SECRET_KIND) == []


def test_wipe_keeps_other_accounts(use_keyring: Any, cache: CacheStore) -> None:
    use_keyring(SecretServiceFake())
    mine, other = (TokenStore(account_key("https://api.badgr.io", u), cache) for u in ("u1", "u2"))
    mine.save(tokens(2500))
    other.save(tokens(2400))
    mine.wipe()
    assert cache.ids(SECRET_KIND) == [other.entry]
    assert other.load() is not None


def test_large_tokens_without_a_cache(use_keyring: Any) -> None:
    use_keyring(SecretServiceFake(limit=WINDOWS_LIMIT))
    with pytest.raises(SecretTooLargeError) as caught:
        TokenStore("acct").save(tokens(2500))
    assert isinstance(caught.value, InsecureKeyringError)  # callers: "not remembered on this device"


def test_insecure_keyring_is_refused(use_keyring: Any, cache: CacheStore) -> None:
    backend = use_keyring(PlaintextFake())
    store = TokenStore("acct", cache)
    with pytest.raises(InsecureKeyringError):
        store.save(tokens())
    with pytest.raises(InsecureKeyringError):
        store.load()
    store.wipe()  # nothing could have been written there: not an error
    assert backend.entries == {}


def test_transient_keyring_failure_deletes_nothing(use_keyring: Any, cache: CacheStore) -> None:
    backend = use_keyring(SecretServiceFake())
    store = TokenStore("acct", cache)
    store.save(tokens())
    before = dict(backend.entries)
    backend.fail_next_get = 1
    with pytest.raises(KeyUnavailableError):
        store.load()
    assert backend.entries == before
    assert store.load() is not None


@pytest.mark.parametrize("value", ["not json", "[]", '{"v": 99}', '{"v": 1, "client_id": "x"}',
                                   '{"v": 1, "in": "cache"}'])
def test_unreadable_entries_read_as_signed_out(use_keyring: Any, cache: CacheStore, value: str) -> None:
    backend = use_keyring(SecretServiceFake())
    store = TokenStore("acct", cache)
    backend.entries[(APP_ID, store.entry)] = value
    assert store.load() is None
    assert (APP_ID, store.entry) in backend.entries  # left alone until a save or a wipe
