"""The cache's files: private permissions, atomic creation, setting a damaged cache aside.

File rules from SECURITY.md: the data directory is 0700 and the database with its -wal/-shm
sidecars 0600, checked after creation and after every commit (T1); a new cache is built in a
private temporary file, fsynced, then linked into place and the directory fsynced, so
``cache.sqlite3`` is either absent or complete (T9); a damaged cache is renamed, never deleted.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backpack_desktop.domain.errors import CacheError, CacheNotFoundError
from backpack_desktop.services import cache_format as fmt
from backpack_desktop.services.keys import KeySource, Protection

DB_NAME = "cache.sqlite3"
SIDECARS = ("-wal", "-shm")
_BUSY_TIMEOUT_S = 5.0
_STALE_TEMP_S = 600.0


def set_aside(data_dir: Path) -> Path:
    """Rename a damaged cache (with its -wal/-shm) to ``cache.sqlite3.damaged-<UTC time>``.

    Never deletes: the user may still want it. The store must be closed first.
    """
    path = Path(data_dir) / DB_NAME
    if not path.exists():
        raise CacheNotFoundError("There is no cache to set aside")
    target = _aside_name(path)
    _move_sidecars(path, target)
    os.replace(path, target)
    _fsync_dir(path.parent)
    return target


def _aside_name(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target, n = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while any(Path(f"{target}{s}").exists() for s in ("", *SIDECARS)):
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    return target


def _move_sidecars(path: Path, target: Path) -> None:
    # Sidecars first: a -wal left next to a new cache.sqlite3 would be replayed into it.
    for suffix in SIDECARS:
        if Path(f"{path}{suffix}").exists():
            os.replace(f"{path}{suffix}", f"{target}{suffix}")


def connect(target: str) -> sqlite3.Connection:
    """Open SQLite in autocommit mode (we issue BEGIN/COMMIT) with the cache's safety settings."""
    conn = sqlite3.connect(target, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        # Connection settings only: nothing here writes to the file.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA secure_delete=ON")  # freed pages are zeroed, not left readable
        conn.execute("PRAGMA journal_size_limit=67108864")  # a big sync's WAL shrinks afterwards
    except BaseException:
        conn.close()
        raise
    return conn


def initialise(
    conn: sqlite3.Connection, key_id: str, protection: Protection, kek: bytes
) -> tuple[fmt.Header, AESGCM]:
    """Write the schema and a new header (with a fresh DEK) into an empty database."""
    header, aead = fmt.new_header(key_id, protection, kek)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in fmt.SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO header VALUES (1, ?, ?)", header.row())
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return header, aead


def create_file(path: Path, keys: KeySource) -> tuple[fmt.Header, AESGCM] | None:
    """Build a new cache in a private temp file and link it into place; None if we lost a race."""
    _remove_stale_temps(path)
    key_id = secrets.token_hex(16)
    kek, protection = keys.create(key_id)  # the only place a key is ever created
    tmp = path.with_name(f"{path.name}.new-{key_id[:12]}")
    made: tuple[fmt.Header, AESGCM] | None = None
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        conn = connect(str(tmp))
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            made = initialise(conn, key_id, protection, kek)
        finally:
            conn.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        _move_sidecars(path, _aside_name(path))
        try:
            os.link(tmp, path)  # unlike a rename, never replaces a cache created meanwhile
        except FileExistsError:
            made = None
        except OSError:  # a file system without hard links: rename, with a small race window
            if path.exists():
                made = None
            else:
                os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        for leftover in (tmp, *(Path(f"{tmp}{s}") for s in SIDECARS)):
            leftover.unlink(missing_ok=True)
        if made is None:
            with contextlib.suppress(CacheError):  # best effort; never hide the real error
                keys.delete(key_id)
    return made


def _remove_stale_temps(path: Path) -> None:
    # Left by a crash during creation; they hold only a header. Young ones may be another
    # process's creation in progress, so they are left alone.
    for stale in path.parent.glob(f"{path.name}.new-*"):
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > _STALE_TEMP_S:
                stale.unlink()


def private_dir(path: Path) -> None:
    """Create the data directory 0700, or tighten it if it is ours and open to others."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if os.name == "posix" and info.st_uid == os.geteuid() and info.st_mode & 0o077:
        os.chmod(path, 0o700)


def private_files(path: Path) -> None:
    """Make the database and its sidecars 0600 and check it took (POSIX; ACLs on Windows: todo)."""
    if os.name != "posix":
        return
    for name in (str(path), *(f"{path}{s}" for s in SIDECARS)):
        try:
            if stat.S_IMODE(os.stat(name).st_mode) & 0o077:
                os.chmod(name, 0o600)
                if stat.S_IMODE(os.stat(name).st_mode) & 0o077:
                    raise CacheError(f"The cache file {name} cannot be made private")
        except FileNotFoundError:
            continue


def _fsync_dir(path: Path) -> None:
    if os.name == "posix":  # Windows cannot open a directory; NTFS journals the rename itself
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
