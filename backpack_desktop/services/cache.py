"""The encrypted offline cache: a generic store of ``(kind, id) -> bytes`` records.

It knows nothing about badges: the sync decides kinds and payloads. Every record is sealed
with AES-256-GCM under a random data key (format: ``cache_format.py``; files and permissions:
``cache_files.py``; key protection: ``keys.py``). The file is SQLite in WAL mode with
``synchronous=FULL``; the data directory is 0700 and the files 0600, checked at creation, at
open and after each commit (SECURITY.md T1, T7-T11).

Which damage gives which error (SECURITY.md tests 1-4 and 12-14):

* any byte of the header body or checksum changed (this includes the key check, the wrapped
  DEK and the KDF parameters), no header row, not an SQLite file: ``CacheIntegrityError`` for
  the whole store, raised from the key-independent checksum before any key is asked for;
* wrong passphrase, or a keyring value that does not unwrap the DEK: ``WrongKeyError`` and no
  records. A header edited *with* its checksum recomputed (KDF parameters, key id, protection,
  wrapped DEK) gives the same error: without a key the two cannot be told apart;
* the DEK unwraps (so the key is right) but the key check or the generation it binds was
  edited with the checksum recomputed, or the header asks for impossible KDF costs:
  ``CacheIntegrityError``;
* a newer ``format_version``: ``UnsupportedCacheVersionError``;
* a byte of a record's nonce, ciphertext or tag changed, a ciphertext moved to another row or
  copied in from another cache: ``CacheIntegrityError`` naming kind and id from ``get()``;
  ``load()`` reports it and still returns the other records;
* another protection method or keyring backend than the header records:
  ``KeyProtectionChangedError``; no entry in the keyring: ``KeyMissingError``; the keyring
  failing or hanging: ``KeyUnavailableError``.

A failed open writes nothing: the header is verified first and the connection closed.

Transactions: ``begin()`` takes SQLite's write lock (BEGIN IMMEDIATE) and keeps one
transaction open until ``commit()`` or ``abort()``. Puts go to a staging table inside it
(SQLite spills to the WAL, so 10,000 images never sit in memory), reads keep seeing the live
records, and a crash rolls everything back: the file holds the old state or the new.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backpack_desktop.domain.errors import CacheError, CacheIntegrityError, CacheNotFoundError
from backpack_desktop.services import cache_format as fmt
from backpack_desktop.services.cache_files import (
    DB_NAME,
    connect,
    create_file,
    initialise,
    private_dir,
    private_files,
    set_aside,
)
from backpack_desktop.services.keys import EphemeralKeySource, KeySource, Protection

__all__ = ["DB_NAME", "CacheStore", "CacheTransaction", "set_aside"]


class CacheStore:
    """An open cache. Thread-safe: calls are serialised, as ``ui/tasks.py`` may use any thread.

    Attributes:
        path: The database file, or None for an in-memory store.
        keys: The key source that unlocked it (``keys.delete()`` forgets the key).
    """

    def __init__(
        self, conn: sqlite3.Connection, header: fmt.Header, aead: AESGCM, keys: KeySource, path: Path | None
    ) -> None:
        self.path, self.keys = path, keys
        self._conn: sqlite3.Connection | None = conn
        self._header, self._aead = header, aead
        self._lock = threading.RLock()
        self._txn: CacheTransaction | None = None

    @classmethod
    def open(cls, data_dir: Path, keys: KeySource, *, create: bool = True) -> CacheStore:
        """Open the cache in ``data_dir``; create it (and a key) only if there is no file."""
        path = Path(data_dir) / DB_NAME
        try:
            private_dir(Path(data_dir))
            made = None
            if not path.exists():
                if not create:
                    raise CacheNotFoundError("There is no offline copy yet; sync first")
                made = create_file(path, keys)
            private_files(path)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"The cache in {data_dir} cannot be created or opened: {exc}") from exc
        try:
            conn = connect(str(path))
        except sqlite3.Error as exc:
            raise _open_error(exc) from exc
        try:
            header, aead = made or fmt.unlock_store(conn, keys)
            if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
                raise CacheError("The cache folder does not support SQLite write-ahead logging")
            _discard_staging(conn)
            private_files(path)
        except sqlite3.Error as exc:
            conn.close()
            raise _open_error(exc) from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, header, aead, keys, path)

    @classmethod
    def ephemeral(cls) -> CacheStore:
        """An in-memory store with the same interface; nothing touches the disk (kiosk mode)."""
        keys, key_id = EphemeralKeySource(), secrets.token_hex(16)
        kek, protection = keys.create(key_id)
        conn = connect(":memory:")
        return cls(conn, *initialise(conn, key_id, protection, kek), keys, None)

    @property
    def generation(self) -> int:
        """How many commits the cache has seen (authenticated by the key check)."""
        return self._header.generation

    @property
    def protection(self) -> Protection:
        """How the key is protected, as recorded in the header (for a status line)."""
        return dict(self._header.protection)

    def get(self, kind: str, record_id: str) -> bytes | None:
        """One record's plaintext, None if absent; CacheIntegrityError if it fails to verify."""
        with self._lock:
            row = (
                self._db()
                .execute("SELECT nonce, ciphertext FROM records WHERE kind = ? AND id = ?", (kind, record_id))
                .fetchone()
            )
        return None if row is None else self._open_record(kind, record_id, row[0], row[1])

    def ids(self, kind: str) -> list[str]:
        """The ids of the live records of ``kind``, sorted."""
        with self._lock:
            rows = self._db().execute("SELECT id FROM records WHERE kind = ? ORDER BY id", (kind,))
            return [row[0] for row in rows]

    def load(self, kind: str) -> tuple[dict[str, bytes], list[CacheIntegrityError]]:
        """Every record of ``kind``: the authentic ones, and an error for each damaged one."""
        with self._lock:
            rows = (
                self._db()
                .execute("SELECT id, nonce, ciphertext FROM records WHERE kind = ?", (kind,))
                .fetchall()
            )
        good: dict[str, bytes] = {}
        bad: list[CacheIntegrityError] = []
        for record_id, nonce, ciphertext in rows:
            try:
                good[record_id] = self._open_record(kind, record_id, nonce, ciphertext)
            except CacheIntegrityError as exc:
                bad.append(exc)
        return good, bad

    def begin(self) -> CacheTransaction:
        """Start building a new state aside; one transaction at a time."""
        with self._lock:
            if self._txn is not None and self._txn.active:
                raise CacheError("Another update of the cache is still in progress")
            db = self._db()
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise CacheError("The cache is busy: another copy of the app is updating it") from exc
            try:
                _discard_staging(db)
                self._header = fmt.reread_header(db, self._header, self._aead)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._txn = CacheTransaction(self)
            return self._txn

    def close(self) -> None:
        """Abort any pending transaction and close the file (SQLite then folds in the WAL)."""
        with self._lock:
            if self._txn is not None:
                self._txn.abort()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> CacheStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CacheError("The cache is closed")
        return self._conn

    def _seal(self, kind: str, record_id: str, data: bytes) -> fmt.Sealed:
        return fmt.seal(self._aead, bytes(data), fmt.record_aad(kind, record_id, self._header.key_id))

    def _open_record(self, kind: str, record_id: str, nonce: object, ciphertext: object) -> bytes:
        # AES-GCM checks the tag before releasing any plaintext: nothing unauthenticated escapes.
        try:
            if not (isinstance(nonce, bytes) and isinstance(ciphertext, bytes)):
                raise TypeError("not a sealed record")
            if len(nonce) != fmt.NONCE_BYTES:
                raise ValueError("bad nonce")
            aad = fmt.record_aad(kind, record_id, self._header.key_id)
            return self._aead.decrypt(nonce, ciphertext, aad)
        except (InvalidTag, ValueError, TypeError):
            raise CacheIntegrityError(
                f"The cached {kind} record {record_id!r} is damaged or was tampered with",
                kind,
                record_id,
            ) from None


class CacheTransaction:
    """A new state being built aside; ``commit()`` makes it live, ``abort()`` drops it.

    Attributes:
        active: False once committed or aborted; further calls raise CacheError.
    """

    def __init__(self, store: CacheStore) -> None:
        self._store = store
        self.active = True

    def put(self, kind: str, record_id: str, data: bytes) -> None:
        """Encrypt and stage one record (written to the WAL, not held in memory)."""
        sealed = self._store._seal(kind, record_id, data)
        self._run(
            "INSERT OR REPLACE INTO staging VALUES (?, ?, ?, ?)",
            (kind, record_id, sealed.nonce, sealed.ciphertext),
        )

    def keep(self, kind: str, record_id: str) -> bool:
        """Keep the live record unchanged; False (nothing kept) if it is absent or damaged."""
        try:
            present = self._store.get(kind, record_id) is not None
        except CacheIntegrityError:
            present = False  # keeping damage would only hide it: the caller fetches it again
        if present:
            self._run("INSERT OR REPLACE INTO staging VALUES (?, ?, NULL, NULL)", (kind, record_id))
        return present

    def commit(self, kinds: Iterable[str]) -> None:
        """Make the staged state live in ONE SQLite transaction and bump the generation.

        For each kind in ``kinds`` the live records become exactly those put or kept; staged
        records of other kinds are added or replaced, and their other records stay.
        """
        if isinstance(kinds, str):
            raise TypeError("commit() takes a collection of kinds, not one string")
        store = self._store
        with store._lock:
            header = fmt.next_generation(store._header, store._aead)
            for kind in dict.fromkeys(kinds):
                self._run(
                    "DELETE FROM records WHERE kind = ? AND id NOT IN "
                    "(SELECT id FROM staging WHERE kind = ?)",
                    (kind, kind),
                )
            self._run(
                "INSERT OR REPLACE INTO records (kind, id, nonce, ciphertext) "
                "SELECT kind, id, nonce, ciphertext FROM staging WHERE nonce IS NOT NULL"
            )
            self._run("DELETE FROM staging")
            self._run("UPDATE header SET body = ?, checksum = ? WHERE id = 1", header.row())
            self._run("COMMIT")
            self.active = False
            store._header = header
        if store.path is not None:
            private_files(store.path)

    def abort(self) -> None:
        """Drop everything staged; the live state is untouched. Safe to call more than once."""
        with self._store._lock:
            if self.active:
                self.active = False
                db = self._store._conn
                if db is not None and db.in_transaction:
                    db.execute("ROLLBACK")

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> None:
        with self._store._lock:
            if not self.active:
                raise CacheError("This cache update has already ended")
            try:
                self._store._db().execute(sql, params)
            except sqlite3.Error as exc:
                self.abort()  # SQLite may have rolled back already (disk full): end it cleanly
                raise CacheError(f"The cache could not be saved: {exc}") from exc


def _discard_staging(conn: sqlite3.Connection) -> None:
    # Only write when there is something to drop, so opening a clean file never changes it.
    if conn.execute("SELECT 1 FROM staging LIMIT 1").fetchone() is not None:
        conn.execute("DELETE FROM staging")


def _open_error(exc: sqlite3.Error) -> CacheError:
    if fmt.is_damage(exc):
        return CacheIntegrityError("The cache file is damaged: it is not a readable cache")
    return CacheError(f"The cache could not be opened: {exc}")
