"""The encrypted cache's format (version 1): header, unlocking, record sealing, migrations.

Kept apart from the store in ``services/cache.py`` so the format, which later versions must
still read, is in one place. ``cache.py`` documents which damage gives which error.

The header is one row: a canonical JSON ``body`` and ``checksum = SHA-256(body)``. The body
holds the magic string, the format version, a random ``key_id``, the key protection
(``services/keys.py``), the DEK wrapped by the KEK (AES-256-GCM, associated data = the
key-independent fields magic, version, key_id and protection, so parameters cannot be edited
without re-wrapping), a key-check value (AES-256-GCM under the DEK of a constant, associated
data ``key-check|key_id|generation``) and the generation counter, bumped by every commit. The
checksum needs no key, so damage is told apart from a wrong key before any key is asked for.

Records are sealed with AES-256-GCM under the DEK with a fresh 12-byte nonce; the associated
data frames kind, id, format version and key_id with length prefixes, so a ciphertext moved to
another row, or copied in from another cache, fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backpack_desktop.domain.errors import (
    CacheIntegrityError,
    UnsupportedCacheVersionError,
    WrongKeyError,
)

if TYPE_CHECKING:
    from backpack_desktop.services.keys import KeySource

MAGIC = "backpack-desktop-cache"
FORMAT_VERSION = 1
NONCE_BYTES = 12
DEK_BYTES = 32
_KEY_CHECK = b"backpack-desktop cache key check"
HEADER_DAMAGED = "The cache header is damaged or was tampered with"

SCHEMA = (
    "CREATE TABLE header (id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL, checksum BLOB NOT NULL)",
    "CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, nonce BLOB NOT NULL,"
    " ciphertext BLOB NOT NULL, PRIMARY KEY (kind, id))",
    # Rows with a NULL nonce mark records kept unchanged by the pending transaction.
    "CREATE TABLE staging (kind TEXT NOT NULL, id TEXT NOT NULL, nonce BLOB, ciphertext BLOB,"
    " PRIMARY KEY (kind, id))",
)

Migration = Callable[[sqlite3.Connection, dict[str, Any], bytes], dict[str, Any]]
#: Upgrades from format version N (the key) to N+1, run in one transaction when an older cache
#: opens. Each gets the KEK, re-seals the records (their associated data names the version)
#: and returns the header fields of version N+1. Version 1 is the first format: none yet.
MIGRATIONS: dict[int, Migration] = {}


@dataclass(frozen=True)
class Sealed:
    """One AES-GCM output: the nonce and the ciphertext with its 16-byte tag appended."""

    nonce: bytes
    ciphertext: bytes

    def to_json(self) -> dict[str, str]:
        """Base64 both parts for the JSON header."""
        return {"nonce": _b64(self.nonce), "ciphertext": _b64(self.ciphertext)}


@dataclass(frozen=True)
class Header:
    """The parsed, checksum-verified header of a version-1 cache."""

    key_id: str
    protection: dict[str, Any]
    wrapped_dek: Sealed
    key_check: Sealed
    generation: int

    def body(self) -> bytes:
        """The canonical JSON body (sorted keys, no spaces) that the checksum covers."""
        return _canonical(
            {
                "magic": MAGIC,
                "format_version": FORMAT_VERSION,
                "key_id": self.key_id,
                "protection": self.protection,
                "wrapped_dek": self.wrapped_dek.to_json(),
                "key_check": self.key_check.to_json(),
                "generation": self.generation,
            }
        )

    def row(self) -> tuple[bytes, bytes]:
        """``(body, checksum)`` as stored in the header table."""
        body = self.body()
        return body, hashlib.sha256(body).digest()


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _wrap_aad(key_id: str, protection: dict[str, Any]) -> bytes:
    fields = {"magic": MAGIC, "format_version": FORMAT_VERSION, "key_id": key_id, "protection": protection}
    return b"wrap|" + _canonical(fields)


def _key_check_aad(key_id: str, generation: int) -> bytes:
    # The generation is bound here, so bumping or rolling it back needs the DEK.
    return f"key-check|{key_id}|{generation}".encode()


def seal(aead: AESGCM, plaintext: bytes, aad: bytes) -> Sealed:
    """Encrypt under a fresh random nonce (never reused: 96 random bits per message)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return Sealed(nonce, aead.encrypt(nonce, plaintext, aad))


def record_aad(kind: str, record_id: str, key_id: str, version: int = FORMAT_VERSION) -> bytes:
    """Associated data binding a record to its kind, id, the format version and the cache key.

    ``version`` is for migrations, which read records sealed under an older version.
    """
    out = bytearray(b"record")
    for part in (kind, record_id, str(version), key_id):
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def new_header(key_id: str, protection: dict[str, Any], kek: bytes) -> tuple[Header, AESGCM]:
    """Make a random DEK, wrap it under ``kek`` and return the generation-0 header."""
    dek = AESGCM.generate_key(bit_length=DEK_BYTES * 8)
    aead = AESGCM(dek)
    wrapped = seal(AESGCM(kek), dek, _wrap_aad(key_id, protection))
    check = seal(aead, _KEY_CHECK, _key_check_aad(key_id, 0))
    return Header(key_id, protection, wrapped, check, 0), aead


def next_generation(header: Header, aead: AESGCM) -> Header:
    """The header after one more commit, with its key check re-sealed for the new generation."""
    generation = header.generation + 1
    check = seal(aead, _KEY_CHECK, _key_check_aad(header.key_id, generation))
    return replace(header, generation=generation, key_check=check)


def verify_header(body: object, checksum: object) -> dict[str, Any]:
    """Check the checksum, magic and version of a stored header and return its raw fields.

    Raises:
        CacheIntegrityError: the checksum does not match or the body is not a cache header.
        UnsupportedCacheVersionError: a newer version of the app wrote the cache.
    """
    if not isinstance(body, bytes) or not isinstance(checksum, bytes):
        raise CacheIntegrityError(HEADER_DAMAGED)
    if not hmac.compare_digest(hashlib.sha256(body).digest(), checksum):
        raise CacheIntegrityError(HEADER_DAMAGED)
    try:
        raw = json.loads(body)
    except ValueError:
        raise CacheIntegrityError(HEADER_DAMAGED) from None
    if not isinstance(raw, dict) or raw.get("magic") != MAGIC:
        raise CacheIntegrityError(HEADER_DAMAGED)
    version = raw.get("format_version")
    if type(version) is not int or version < 1:
        raise CacheIntegrityError(HEADER_DAMAGED)
    if version > FORMAT_VERSION:
        raise UnsupportedCacheVersionError(
            f"This cache was written by a newer version of Backpack Desktop (format {version}); "
            "update the app or sync again into a new cache"
        )
    return raw


def parse_header(raw: dict[str, Any]) -> Header:
    """Build a Header from verified version-1 fields; a wrong shape is damage."""
    try:
        key_id, protection, generation = raw["key_id"], raw["protection"], raw["generation"]
        wrapped, check = _unsealed(raw["wrapped_dek"]), _unsealed(raw["key_check"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise CacheIntegrityError(HEADER_DAMAGED) from None
    if not (isinstance(key_id, str) and key_id and isinstance(protection, dict)):
        raise CacheIntegrityError(HEADER_DAMAGED)
    if type(generation) is not int or generation < 0:
        raise CacheIntegrityError(HEADER_DAMAGED)
    return Header(key_id, protection, wrapped, check, generation)


def _unsealed(value: Any) -> Sealed:
    nonce = base64.b64decode(value["nonce"], validate=True)
    ciphertext = base64.b64decode(value["ciphertext"], validate=True)
    if len(nonce) != NONCE_BYTES:
        raise ValueError("bad nonce length")
    return Sealed(nonce, ciphertext)


def unlock(header: Header, kek: bytes) -> AESGCM:
    """Unwrap the DEK and verify the key check.

    Raises:
        WrongKeyError: the KEK does not unwrap the DEK (wrong passphrase or keyring entry).
        CacheIntegrityError: the DEK unwrapped, so the key is right, yet the key check fails:
            the header was edited and its checksum recomputed.
    """
    try:
        dek = AESGCM(kek).decrypt(
            header.wrapped_dek.nonce,
            header.wrapped_dek.ciphertext,
            _wrap_aad(header.key_id, header.protection),
        )
    except (InvalidTag, ValueError):
        raise WrongKeyError("The passphrase or keyring key does not open this cache") from None
    if len(dek) != DEK_BYTES:
        raise CacheIntegrityError(HEADER_DAMAGED)
    aead = AESGCM(dek)
    check_key(header, aead)
    return aead


def check_key(header: Header, aead: AESGCM) -> None:
    """Verify the key check, which also authenticates the generation; raise on mismatch."""
    try:
        plain = aead.decrypt(
            header.key_check.nonce,
            header.key_check.ciphertext,
            _key_check_aad(header.key_id, header.generation),
        )
    except InvalidTag:
        raise CacheIntegrityError(HEADER_DAMAGED) from None
    if not hmac.compare_digest(plain, _KEY_CHECK):
        raise CacheIntegrityError(HEADER_DAMAGED)


def migrate(conn: sqlite3.Connection, raw: dict[str, Any], kek: bytes) -> dict[str, Any]:
    """Bring an older cache up to FORMAT_VERSION in one transaction, or refuse it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        while raw["format_version"] < FORMAT_VERSION:
            step = MIGRATIONS.get(raw["format_version"])
            if step is None:
                raise UnsupportedCacheVersionError(
                    "This cache uses an old format this version cannot read; sync again"
                )
            raw = step(conn, raw, kek)
        conn.execute("UPDATE header SET body = ?, checksum = ? WHERE id = 1", parse_header(raw).row())
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return raw


def is_damage(exc: sqlite3.Error) -> bool:
    """True for SQLite's "not a database" and "malformed" errors, as opposed to busy or I/O."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def unlock_store(conn: sqlite3.Connection, keys: KeySource) -> tuple[Header, AESGCM]:
    """Read, verify and unlock the header of an open database (see cache.py for the errors)."""
    try:
        row = conn.execute("SELECT body, checksum FROM header WHERE id = 1").fetchone()
    except sqlite3.Error as exc:
        if is_damage(exc) or "no such table" in str(exc):
            raise CacheIntegrityError("The cache file is damaged: it is not a readable cache") from None
        raise
    if row is None:
        raise CacheIntegrityError(HEADER_DAMAGED)
    raw = verify_header(row[0], row[1])
    if raw["format_version"] < FORMAT_VERSION:
        kek = keys.unlock(str(raw.get("key_id")), dict(raw.get("protection") or {}))
        raw = migrate(conn, raw, kek)
    header = parse_header(raw)
    return header, unlock(header, keys.unlock(header.key_id, header.protection))


def reread_header(db: sqlite3.Connection, known: Header, aead: AESGCM) -> Header:
    """Re-read the header inside a transaction: another process may have committed since."""
    row = db.execute("SELECT body, checksum FROM header WHERE id = 1").fetchone()
    header = parse_header(verify_header(*(row or (None, None))))
    if header.key_id != known.key_id:
        raise CacheIntegrityError(HEADER_DAMAGED)
    check_key(header, aead)
    return header
