"""The encrypted cache as a record store: round trip, transactions, files, versions.

Pure-file tests with a cheap Argon2id (KeePassXC's fastKdf idea); SECURITY.md tests 8-10.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest

from backpack_desktop.domain.errors import (
    CacheError,
    CacheIntegrityError,
    CacheNotFoundError,
    KeyMissingError,
    KeyProtectionChangedError,
    UnsupportedCacheVersionError,
)
from backpack_desktop.services import cache_format
from backpack_desktop.services.cache import DB_NAME, CacheStore, set_aside
from backpack_desktop.services.keys import EphemeralKeySource, KdfParams, PassphraseKeySource

CHEAP = KdfParams(memory_kib=8, iterations=1, lanes=1)
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "cache-v1"
FIXTURE_PASSPHRASE = "fixture passphrase v1"
FIXTURE_RECORDS = {("award", "a1"): b'{"name": "First"}', ("award", "a2"): b'{"name": "Second"}',
                   ("image", "https://example.test/i.png"): b"\x89PNG fixture"}


def keys(passphrase: str = "correct horse") -> PassphraseKeySource:
    return PassphraseKeySource(passphrase, CHEAP)


def open_store(data_dir: Path, passphrase: str = "correct horse", **kw: bool) -> CacheStore:
    return CacheStore.open(data_dir, keys(passphrase), **kw)


def fill(store: CacheStore, records: dict[tuple[str, str], bytes], kinds: list[str]) -> None:
    txn = store.begin()
    for (kind, record_id), data in records.items():
        txn.put(kind, record_id, data)
    txn.commit(kinds)


def snapshot(store: CacheStore, *kinds: str) -> dict[tuple[str, str], bytes]:
    out = {}
    for kind in kinds:
        good, bad = store.load(kind)
        assert bad == []
        out.update({(kind, k): v for k, v in good.items()})
    return out


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_round_trip_and_reopen(data_dir: Path) -> None:
    records = {("award", "a1"): b"one", ("award", "a2"): b"\x00two", ("issuer", "i1"): b""}
    with open_store(data_dir) as store:
        assert store.generation == 0
        fill(store, records, ["award", "issuer"])
        assert store.generation == 1
        assert store.get("award", "a2") == b"\x00two"
        assert store.get("award", "missing") is None
        assert store.ids("award") == ["a1", "a2"]
    with open_store(data_dir, create=False) as store:
        assert snapshot(store, "award", "issuer") == records
        assert store.generation == 1
        assert store.protection["method"] == "passphrase"


def test_open_without_create_refuses_missing_cache(data_dir: Path) -> None:
    with pytest.raises(CacheNotFoundError):
        open_store(data_dir, create=False)
    assert not (data_dir / DB_NAME).exists()


def test_commit_replaces_exactly_the_given_kinds(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        fill(store, {("award", "a1"): b"1", ("award", "a2"): b"2", ("image", "x"): b"X",
                     ("image", "y"): b"Y"}, ["award", "image"])
        txn = store.begin()
        txn.put("award", "a3", b"3")
        txn.put("profile", "self", b"me")  # a kind not listed is merged, not replaced
        txn.commit(["award"])
        assert snapshot(store, "award", "image", "profile") == {
            ("award", "a3"): b"3", ("image", "x"): b"X", ("image", "y"): b"Y",
            ("profile", "self"): b"me"}
        store.begin().commit(["image"])  # an empty new state for a listed kind empties it
        assert store.ids("image") == [] and store.ids("award") == ["a3"]


def test_keep_keeps_and_reports_missing(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        fill(store, {("image", "x"): b"X", ("image", "y"): b"Y", ("image", "z"): b"Z"}, ["image"])
        before = store._db().execute("SELECT nonce, ciphertext FROM records WHERE id = 'x'").fetchone()
        txn = store.begin()
        assert txn.keep("image", "x") is True
        assert txn.keep("image", "nope") is False
        txn.put("image", "y", b"Y2")
        txn.commit(["image"])
        assert snapshot(store, "image") == {("image", "x"): b"X", ("image", "y"): b"Y2"}
        after = store._db().execute("SELECT nonce, ciphertext FROM records WHERE id = 'x'").fetchone()
        assert after == before  # kept unchanged, not re-encrypted


def test_keep_refuses_a_damaged_record(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        fill(store, {("image", "x"): b"X"}, ["image"])
        store._db().execute("UPDATE records SET ciphertext = zeroblob(17) WHERE id = 'x'")
        txn = store.begin()
        assert txn.keep("image", "x") is False
        txn.abort()


def test_abort_leaves_the_file_byte_identical(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        fill(store, {("award", "a1"): b"1"}, ["award"])
    digest = tree_digest(data_dir)
    with open_store(data_dir, create=False) as store:
        txn = store.begin()
        txn.put("award", "a1", b"changed")
        txn.put("award", "a2", b"new")
        assert store.get("award", "a1") == b"1"  # readers see the live state meanwhile
        txn.abort()
        txn.abort()  # idempotent
        assert snapshot(store, "award") == {("award", "a1"): b"1"}
        assert store.generation == 1
        with pytest.raises(CacheError):
            txn.put("award", "a3", b"late")
    assert tree_digest(data_dir) == digest


def test_one_transaction_at_a_time_and_closed_store(data_dir: Path) -> None:
    store = open_store(data_dir)
    txn = store.begin()
    with pytest.raises(CacheError):
        store.begin()
    store.close()
    assert not txn.active
    with pytest.raises(CacheError):
        store.get("award", "a1")
    with open_store(data_dir) as store, pytest.raises(TypeError):
        store.begin().commit("award")


def test_crash_leftover_staging_is_discarded_on_open(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        fill(store, {("award", "a1"): b"1"}, ["award"])
    with closing(sqlite3.connect(data_dir / DB_NAME)) as raw, raw:
        raw.execute("INSERT INTO staging VALUES ('award', 'ghost', NULL, NULL)")
    with open_store(data_dir) as store:
        assert store._db().execute("SELECT count(*) FROM staging").fetchone() == (0,)
        store.begin().commit(["award"])
        assert store.ids("award") == []  # the ghost did not count as kept


OLD = {("award", f"a{i}"): b"old" * 100 for i in range(20)}


def test_disk_full_during_sync_keeps_the_old_state(data_dir: Path) -> None:
    """SECURITY test 8: SQLITE_FULL at every point of a sync; the old state always survives."""
    with open_store(data_dir) as store:
        fill(store, OLD, ["award"])
        db = store._db()
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        failed_in = {"put": 0, "commit": 0}
        for limit in range(pages, pages + 60):
            db.execute(f"PRAGMA max_page_count = {limit}")  # SQLite's own "disk full"
            txn, step = store.begin(), "put"
            try:
                for i in range(30):
                    txn.put("award", f"a{i}", os.urandom(1500))
                step = "commit"
                txn.commit(["award"])
            except CacheError as exc:
                assert isinstance(exc.__cause__, sqlite3.OperationalError)
                failed_in[step] += 1
                txn.abort()  # what the sync does; a no-op by now
                assert snapshot(store, "award") == OLD and store.generation == 1
            else:
                break
        assert failed_in["put"] >= 3 and failed_in["commit"] >= 1, failed_in
        assert store.generation == 2 and len(store.ids("award")) == 30


def test_disk_full_leaves_the_file_byte_identical(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        fill(store, OLD, ["award"])
    before = tree_digest(data_dir)
    with open_store(data_dir) as store:
        store._db().execute("PRAGMA max_page_count = 1")
        txn = store.begin()
        with pytest.raises(CacheError):
            for i in range(30):
                txn.put("award", f"a{i}", os.urandom(1500))
        txn.abort()
    assert tree_digest(data_dir) == before
    with open_store(data_dir) as store:
        assert snapshot(store, "award") == OLD


def test_permissions_after_creation_and_commit(data_dir: Path) -> None:
    old = os.umask(0o022)
    try:
        store = open_store(data_dir)
    finally:
        os.umask(old)
    path = data_dir / DB_NAME

    def check() -> None:
        assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
        files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        assert path in files and len(files) == 3  # WAL mode: the sidecars exist while open
        for p in files:
            assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, p

    check()
    fill(store, {("award", "a1"): b"1"}, ["award"])
    check()
    store.close()
    os.chmod(path, 0o644)
    with open_store(data_dir):
        check()  # a loosened file is tightened on open
    assert sorted(os.listdir(data_dir)) == [DB_NAME]  # no temp files left behind


def test_stale_creation_temps_are_removed(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    old, young = data_dir / f"{DB_NAME}.new-0ld", data_dir / f"{DB_NAME}.new-y0ung"
    old.write_bytes(b"left by a crash")
    young.write_bytes(b"another process, creating right now")
    os.utime(old, (1, 1))
    open_store(data_dir).close()
    assert not old.exists() and young.exists()


def test_no_plaintext_canary_on_disk(data_dir: Path) -> None:
    canary = "Zq7-canary-badge-title-\u00e9\u00e8"
    with open_store(data_dir) as store:
        txn = store.begin()
        for i in range(50):
            txn.put("award", f"a{i}", json.dumps({"name": f"{canary} {i}"}).encode())
        txn.commit(["award"])
        txn = store.begin()
        txn.put("award", "a0", canary.encode("utf-16"))
        txn.commit(["award"])
        files = list(data_dir.rglob("*"))
        assert files
        for p in files:
            blob = p.read_bytes()
            for needle in (canary.encode(), canary.encode("utf-16-le"), canary.encode("latin-1")):
                assert needle not in blob, p


def test_ephemeral_store_has_the_same_interface() -> None:
    with CacheStore.ephemeral() as store:
        assert store.path is None
        fill(store, {("award", "a1"): b"1"}, ["award"])
        txn = store.begin()
        txn.put("award", "a2", b"2")
        txn.abort()
        assert snapshot(store, "award") == {("award", "a1"): b"1"}
        assert store.protection == {"method": "ephemeral"}


def test_ephemeral_key_does_not_survive_the_process(data_dir: Path) -> None:
    CacheStore.open(data_dir, EphemeralKeySource()).close()
    with pytest.raises(KeyMissingError):
        CacheStore.open(data_dir, EphemeralKeySource())
    with pytest.raises(KeyProtectionChangedError):
        open_store(data_dir)


def test_set_aside_renames_with_sidecars_and_never_deletes(data_dir: Path) -> None:
    store = open_store(data_dir)
    fill(store, {("award", "a1"): b"1"}, ["award"])
    store.close()
    digest = hashlib.sha256((data_dir / DB_NAME).read_bytes()).hexdigest()
    (data_dir / f"{DB_NAME}-wal").write_bytes(b"stray wal")
    first = set_aside(data_dir)
    assert first.name.startswith(f"{DB_NAME}.damaged-") and first.name.endswith("Z")
    assert hashlib.sha256(first.read_bytes()).hexdigest() == digest
    assert Path(f"{first}-wal").read_bytes() == b"stray wal"
    assert not (data_dir / DB_NAME).exists() and not (data_dir / f"{DB_NAME}-wal").exists()
    open_store(data_dir).close()  # a fresh cache, untouched by the old WAL
    second = set_aside(data_dir)
    assert second != first and first.exists()
    with pytest.raises(CacheNotFoundError):
        set_aside(data_dir)


def _rewrite_header(path: Path, **changes: object) -> None:
    with closing(sqlite3.connect(path)) as raw, raw:
        body = json.loads(raw.execute("SELECT body FROM header").fetchone()[0])
        body.update(changes)
        new = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        raw.execute("UPDATE header SET body = ?, checksum = ?", (new, hashlib.sha256(new).digest()))


def test_newer_format_is_refused_untouched(data_dir: Path) -> None:
    open_store(data_dir).close()
    _rewrite_header(data_dir / DB_NAME, format_version=2)
    digest = tree_digest(data_dir)
    with pytest.raises(UnsupportedCacheVersionError):
        open_store(data_dir)
    assert tree_digest(data_dir) == digest


def test_older_format_without_migration_is_refused(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(data_dir).close()
    monkeypatch.setattr(cache_format, "FORMAT_VERSION", 2)
    with pytest.raises(UnsupportedCacheVersionError):
        open_store(data_dir)


def test_garbage_file_is_damage(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    (data_dir / DB_NAME).write_bytes(b"this is not sqlite" * 300)
    with pytest.raises(CacheIntegrityError):
        open_store(data_dir)


def _build_fixture(target: Path) -> None:
    with CacheStore.open(target, PassphraseKeySource(FIXTURE_PASSPHRASE, CHEAP)) as store:
        fill(store, FIXTURE_RECORDS, ["award", "image"])


def test_version_1_fixture_still_opens(tmp_path: Path) -> None:
    """A cache written by format version 1 (committed file) must stay readable."""
    shutil.copytree(FIXTURE, tmp_path / "data")
    with CacheStore.open(tmp_path / "data", PassphraseKeySource(FIXTURE_PASSPHRASE), create=False) as s:
        assert snapshot(s, "award", "image") == FIXTURE_RECORDS
        assert s.generation == 1


if __name__ == "__main__":  # regenerate: .venv/bin/python tests/unit/test_cache_store.py
    shutil.rmtree(FIXTURE, ignore_errors=True)
    _build_fixture(FIXTURE)
    print(f"wrote {FIXTURE / DB_NAME}")
