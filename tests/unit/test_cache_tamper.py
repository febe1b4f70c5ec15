"""SECURITY.md tests 1-4 and 12: tampering, swaps, wrong keys, and which error each gives.

Bytes are flipped in the database file itself (not through SQLite), the way an attacker or a
failing disk would change them; SQLite stores blobs verbatim, so each flip lands exactly in the
region under test. After every failed open or load the file must be byte-identical.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from backpack_desktop.domain.errors import (
    CacheError,
    CacheIntegrityError,
    KeyProtectionChangedError,
    WrongKeyError,
)
from backpack_desktop.services.cache import DB_NAME, CacheStore
from backpack_desktop.services.keys import KdfParams, PassphraseKeySource

CHEAP = KdfParams(memory_kib=8, iterations=1, lanes=1)
PASSPHRASE = "correct horse battery staple"
RECORDS = {f"a{i:02d}": json.dumps({"name": f"Badge number {i}", "n": i}).encode() for i in range(20)}


def keys(passphrase: str = PASSPHRASE) -> PassphraseKeySource:
    return PassphraseKeySource(passphrase, CHEAP)


def build(data_dir: Path, records: dict[str, bytes] = RECORDS) -> None:
    with CacheStore.open(data_dir, keys()) as store:
        txn = store.begin()
        for record_id, data in records.items():
            txn.put("award", record_id, data)
        txn.commit(["award"])


class Cache:
    """A closed cache file plus helpers to damage it and to check it was not modified."""

    def __init__(self, data_dir: Path) -> None:
        self.dir, self.path = data_dir, data_dir / DB_NAME
        self.pristine = self.path.read_bytes()

    def rows(self) -> tuple[tuple[bytes, bytes], dict[str, tuple[bytes, bytes]]]:
        uri = f"file:{self.path}?immutable=1"  # reads without creating -wal/-shm
        with closing(sqlite3.connect(uri, uri=True)) as db:
            header = db.execute("SELECT body, checksum FROM header").fetchone()
            records = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, nonce, ciphertext FROM records")}
        return header, records

    def offset_of(self, blob: bytes) -> int:
        assert self.pristine.count(blob) == 1, "region must occur exactly once in the file"
        return self.pristine.index(blob)

    def flipped(self, offset: int) -> Iterator[None]:
        data = bytearray(self.pristine)
        data[offset] ^= 0x5A
        self.path.write_bytes(bytes(data))
        digest = hashlib.sha256(data).hexdigest()
        yield
        assert hashlib.sha256(self.path.read_bytes()).hexdigest() == digest, "a failed load wrote"
        assert sorted(p.name for p in self.dir.iterdir()) == [DB_NAME]
        self.path.write_bytes(self.pristine)

    def edit_header(self, change: Any) -> None:
        """Rewrite the header body through SQLite and recompute its checksum."""
        with closing(sqlite3.connect(self.path)) as db, db:
            body = json.loads(db.execute("SELECT body FROM header").fetchone()[0])
            change(body)
            raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
            db.execute("UPDATE header SET body = ?, checksum = ?", (raw, hashlib.sha256(raw).digest()))

    def digest(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pristine_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("pristine") / "data"
    build(data_dir)
    return data_dir


@pytest.fixture
def cache(pristine_dir: Path, tmp_path: Path) -> Cache:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / DB_NAME).write_bytes((pristine_dir / DB_NAME).read_bytes())
    (data_dir / DB_NAME).chmod(0o600)
    return Cache(data_dir)


def expect_open_error(cache: Cache, error: type[CacheError], passphrase: str = PASSPHRASE) -> None:
    with pytest.raises(error) as info:
        CacheStore.open(cache.dir, keys(passphrase), create=False)
    assert type(info.value) is error
    if isinstance(info.value, CacheIntegrityError):
        assert info.value.kind is None and info.value.record_id is None  # the whole store


def test_every_header_byte_and_the_checksum(cache: Cache) -> None:
    """Test 1(a) and 1(c): any flipped byte in the body (incl. the key check) or checksum."""
    (body, checksum), _ = cache.rows()
    start, check_start = cache.offset_of(body), cache.offset_of(checksum)
    offsets = [*range(start, start + len(body)), *range(check_start, check_start + len(checksum))]
    for offset in offsets:
        for _ in cache.flipped(offset):
            expect_open_error(cache, CacheIntegrityError)


def test_key_check_region_is_inside_the_checked_body(cache: Cache) -> None:
    (body, _), _ = cache.rows()
    key_check = json.loads(body)["key_check"]["ciphertext"].encode()
    start = cache.offset_of(key_check)
    for offset in range(start, start + len(key_check)):
        for _ in cache.flipped(offset):
            expect_open_error(cache, CacheIntegrityError)


def test_every_record_region(cache: Cache) -> None:
    """Test 1(b) and 2: nonce, ciphertext and tag of each record; the others still load."""
    _, rows = cache.rows()
    rng = random.Random(1)  # noqa: S311 - reproducible choice of offsets
    parsed: list[str] = []
    for record_id, (nonce, ciphertext) in sorted(rows.items()):
        n, c = cache.offset_of(nonce), cache.offset_of(ciphertext)
        regions = {"nonce": (n, 12), "ciphertext": (c, len(ciphertext) - 16),
                   "tag": (c + len(ciphertext) - 16, 16)}
        for start, length in regions.values():
            for _ in cache.flipped(start + rng.randrange(length)):
                with CacheStore.open(cache.dir, keys(), create=False) as store:
                    good, bad = store.load("award")
                    parsed.extend(json.loads(v)["name"] for v in good.values())
                    assert [(e.kind, e.record_id) for e in bad] == [("award", record_id)]
                    assert good == {k: v for k, v in RECORDS.items() if k != record_id}
                    with pytest.raises(CacheIntegrityError) as info:
                        store.get("award", record_id)
                    assert info.value.record_id == record_id
    # Authenticate before use: the parser only ever saw authentic records.
    assert len(parsed) == 20 * 3 * 19
    assert set(parsed) == {json.loads(v)["name"] for v in RECORDS.values()}


def test_record_swapped_between_rows_is_rejected(cache: Cache) -> None:
    """Test 3: A's sealed bytes in B's row (and in another kind) fail authentication."""
    with closing(sqlite3.connect(cache.path)) as db, db:
        a = db.execute("SELECT nonce, ciphertext FROM records WHERE id = 'a01'").fetchone()
        db.execute("UPDATE records SET nonce = ?, ciphertext = ? WHERE id = 'a02'", a)
        db.execute("INSERT INTO records VALUES ('issuer', 'a01', ?, ?)", a)
    with CacheStore.open(cache.dir, keys(), create=False) as store:
        good, bad = store.load("award")
        assert [e.record_id for e in bad] == ["a02"] and good["a01"] == RECORDS["a01"]
        issuers, bad = store.load("issuer")
        assert issuers == {} and [(e.kind, e.record_id) for e in bad] == [("issuer", "a01")]


def test_record_copied_from_another_cache_with_the_same_passphrase(cache: Cache, tmp_path: Path) -> None:
    """Test 3: same passphrase, same kind and id, other cache: a different key, so rejected."""
    other = tmp_path / "other"
    build(other, {"a01": b'{"name": "Forged badge"}'})
    with closing(sqlite3.connect(other / DB_NAME)) as db:
        row = db.execute("SELECT nonce, ciphertext FROM records WHERE id = 'a01'").fetchone()
    with closing(sqlite3.connect(cache.path)) as db, db:
        db.execute("UPDATE records SET nonce = ?, ciphertext = ? WHERE id = 'a01'", row)
    with CacheStore.open(cache.dir, keys(), create=False) as store:
        good, bad = store.load("award")
        assert [e.record_id for e in bad] == ["a01"] and len(good) == 19
        assert b"Forged" not in b"".join(good.values())


def test_wrong_passphrase_is_not_corruption(cache: Cache) -> None:
    """Test 4: wrong key gives WrongKeyError (no store, no records) and leaves the file alone."""
    before = cache.digest()
    expect_open_error(cache, WrongKeyError, passphrase="wrong horse")
    expect_open_error(cache, WrongKeyError, passphrase="")
    assert cache.digest() == before
    with CacheStore.open(cache.dir, keys(), create=False) as store:
        assert len(store.load("award")[0]) == 20


def _set(path: str, value: Any) -> Any:
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        target[last] = value(target[last]) if callable(value) else value
    return change


def _flip_b64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(("edit", "error"), [
    # Test 12: KDF parameters changed without re-wrapping: rejected, like a wrong key.
    (_set("protection.memory_kib", 16), WrongKeyError),
    (_set("protection.iterations", 2), WrongKeyError),
    (_set("protection.salt", _flip_b64), WrongKeyError),
    (_set("wrapped_dek.ciphertext", _flip_b64), WrongKeyError),
    (_set("wrapped_dek.nonce", _flip_b64), WrongKeyError),
    (_set("key_id", "0" * 32), WrongKeyError),
    # The DEK unwraps, so the key is right: an edited key check or generation is damage.
    (_set("key_check.ciphertext", _flip_b64), CacheIntegrityError),
    (_set("generation", 7), CacheIntegrityError),
    (_set("generation", 0), CacheIntegrityError),
    (_set("protection.memory_kib", 2**40), CacheIntegrityError),  # no terabyte KDF on demand
    (_set("magic", "something-else"), CacheIntegrityError),
    (_set("wrapped_dek", "not an object"), CacheIntegrityError),
    (_set("protection.method", "keyring"), KeyProtectionChangedError),
])
def test_header_edited_with_a_recomputed_checksum(cache: Cache, edit: Any, error: type[CacheError]) -> None:
    cache.edit_header(edit)
    before = cache.digest()
    expect_open_error(cache, error)
    assert cache.digest() == before


def test_missing_header_row_is_damage(cache: Cache) -> None:
    with closing(sqlite3.connect(cache.path)) as db, db:
        db.execute("DELETE FROM header")
    expect_open_error(cache, CacheIntegrityError)
