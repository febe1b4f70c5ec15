"""The cache key in the real Secret Service (gnome-keyring), as ``scripts/test`` starts it.

``scripts/test`` runs pytest inside ``dbus-run-session`` with an unlocked gnome-keyring and
``PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring``. Each test uses its own
keyring service name and removes its entries afterwards.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from backpack_desktop.domain.errors import KeyMissingError
from backpack_desktop.services.cache import DB_NAME, CacheStore
from backpack_desktop.services.keys import KeyringKeySource, default_key_source

pytestmark = pytest.mark.skipif(
    not os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
    reason="no D-Bus session: run through scripts/test, which starts gnome-keyring",
)
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


@pytest.fixture
def source() -> Iterator[KeyringKeySource]:
    keys = KeyringKeySource(service=f"io.github.backpackdesktop.test-{uuid.uuid4().hex}")
    yield keys
    keys.delete()


def test_the_real_keyring_is_the_secure_default() -> None:
    backend = keyring.get_keyring()
    assert f"{type(backend).__module__}.{type(backend).__qualname__}" == SECRET_SERVICE
    assert isinstance(default_key_source(None), KeyringKeySource)


def test_round_trip_through_gnome_keyring(source: KeyringKeySource, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with CacheStore.open(data_dir, source) as store:
        txn = store.begin()
        txn.put("award", "a1", b"kept under the Secret Service")
        txn.commit(["award"])
        key_id = store._header.key_id
        assert store.protection == {"method": "keyring", "backend": SECRET_SERVICE,
                                    "service": source.service}
    entry = keyring.get_password(source.service, f"cache-key:{key_id}")
    assert entry is not None and len(entry) == 44
    reopened = KeyringKeySource(service=source.service)
    with CacheStore.open(data_dir, reopened, create=False) as store:
        assert store.get("award", "a1") == b"kept under the Secret Service"
    # The key is not lying around in plaintext in our files or the keyring's own files.
    roots = [data_dir, Path(os.environ.get("XDG_DATA_HOME", tmp_path))]
    for root in roots:
        for path in (p for p in root.rglob("*") if p.is_file()):
            assert entry.encode() not in path.read_bytes(), path


def test_deleted_entry_is_missing_not_recreated(source: KeyringKeySource, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    CacheStore.open(data_dir, source).close()
    source.delete()
    before = hashlib.sha256((data_dir / DB_NAME).read_bytes()).hexdigest()
    fresh = KeyringKeySource(service=source.service)
    with pytest.raises(KeyMissingError):
        CacheStore.open(data_dir, fresh)
    assert hashlib.sha256((data_dir / DB_NAME).read_bytes()).hexdigest() == before
    key_id = source._last_key_id
    assert keyring.get_password(source.service, f"cache-key:{key_id}") is None
