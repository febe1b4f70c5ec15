"""Where the key that unlocks the offline cache lives (SECURITY.md decision 1, T2-T6).

The cache encrypts every record under a random data key (DEK) and stores the DEK only wrapped by
a key-encryption key (KEK). A :class:`KeySource` produces that KEK and describes, for the cache
header, how it is protected:

* :class:`KeyringKeySource`: a random 32-byte KEK in the OS keyring. Only backends that really
  are secret stores are used; a plaintext, null or failing backend raises
  :class:`InsecureKeyringError` instead of being used silently (T2). The keyring holds only the
  short KEK, never a large blob (T6: Windows limits entries to 2,560 bytes).
* :class:`PassphraseKeySource`: Argon2id over a passphrase, for machines without a secure
  keyring. The parameters and salt go into the (authenticated) cache header.
* :class:`EphemeralKeySource`: a KEK held only in memory, for kiosk mode and in-memory stores.

Errors are typed so a caller never mistakes "the keyring cannot answer now"
(:class:`KeyUnavailableError`, retry later) for "the key is gone" (:class:`KeyMissingError`): a
transient failure read as "no key" would mint a new key and orphan the cache (T3). Only the
creation of a brand-new cache ever creates a key. The keyring rules themselves (backend
allow-list, time-bounded calls) are in ``services/keyring_access.py``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from keyring.backend import KeyringBackend

from backpack_desktop import APP_ID
from backpack_desktop.domain.errors import (
    CacheIntegrityError,
    InsecureKeyringError,
    KeyMissingError,
    KeyProtectionChangedError,
    WrongKeyError,
)
from backpack_desktop.services import keyring_access as vault

KEK_BYTES = 32
NO_SECURE_KEYRING = (
    "No secure keyring is available on this machine; protect the cache with a passphrase (--passphrase-stdin)"
)

#: A JSON-ready description of how a KEK is protected, stored in the cache header.
Protection = dict[str, Any]


class KeySource(ABC):
    """Produces the key-encryption key of one cache and says how it is protected.

    Attributes:
        method: The protection method recorded in the cache header.
    """

    method: str = ""

    def __init__(self) -> None:
        self._last_key_id: str | None = None

    @abstractmethod
    def create(self, key_id: str) -> tuple[bytes, Protection]:
        """Make the KEK for a brand-new cache; the only call that may create a key."""

    @abstractmethod
    def unlock(self, key_id: str, protection: Protection) -> bytes:
        """Return the KEK of an existing cache whose header records ``protection``.

        Raises:
            KeyProtectionChangedError: the cache was protected another way (or keyring backend).
            KeyUnavailableError: the key store cannot answer now; retry, never re-create.
            KeyMissingError: the key store no longer holds this cache's key.
        """

    def delete(self, key_id: str | None = None) -> None:  # noqa: B027 - optional to override
        """Forget the stored key (default: the last one created or unlocked), e.g. at sign-out.

        Sources with nothing stored (a passphrase) have nothing to forget.
        """

    def describe(self) -> str:
        """A short phrase for messages, e.g. "a passphrase"."""
        return self.method

    def _expect(self, key_id: str, protection: Protection) -> None:
        # A cache locked one way and opened another must fail loudly, never be re-keyed (T4).
        if protection.get("method") != self.method:
            raise KeyProtectionChangedError(
                f"This cache is protected by {_describe(protection)}, not by {self.describe()}; "
                "open it the same way or sync again into a new cache"
            )
        self._last_key_id = key_id


def _describe(protection: Protection) -> str:
    method = protection.get("method")
    if method == "keyring":
        return f"the keyring backend {protection.get('backend')}"
    return {"passphrase": "a passphrase", "ephemeral": "a key held only in memory"}.get(
        str(method), "an unknown method"
    )


class KeyringKeySource(KeySource):
    """A random KEK in the OS keyring under ``(service, "cache-key:<key_id>")``.

    Only the 32-byte KEK goes to the keyring (T6: Windows caps an entry at 2,560 bytes). The
    backend's class path is recorded in the header; a different one later is refused (T4).
    Keyring calls are bounded in time (``keyring_access.KEYRING_TIMEOUT_S``).
    """

    method = "keyring"

    def __init__(self, service: str = APP_ID) -> None:
        super().__init__()
        self.service = service

    def backend(self) -> KeyringBackend:
        """The secure keyring backend in use; raises InsecureKeyringError if there is none."""
        return vault.secure_backend()

    def create(self, key_id: str) -> tuple[bytes, Protection]:
        """Store a fresh random KEK (read back to prove the store kept it)."""
        backend = self.backend()
        kek = secrets.token_bytes(KEK_BYTES)
        vault.write_secret(backend, self.service, _entry(key_id), base64.b64encode(kek).decode())
        self._last_key_id = key_id
        return kek, {"method": self.method, "backend": vault.backend_path(backend), "service": self.service}

    def unlock(self, key_id: str, protection: Protection) -> bytes:
        """Fetch the KEK; never creates one, whatever goes wrong."""
        self._expect(key_id, protection)
        backend = self.backend()
        now = (vault.backend_path(backend), self.service)
        if now != (protection.get("backend"), protection.get("service")):
            raise KeyProtectionChangedError(
                f"This cache's key is in {_describe(protection)}, but the keyring in use now is "
                f"{now[0]}; switch back or sync again into a new cache"
            )
        value = vault.read_secret(backend, self.service, _entry(key_id))
        if value is None:
            raise KeyMissingError(
                "The keyring no longer holds this cache's key; the cache will be set aside and synced again"
            )
        try:
            kek = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            kek = b""
        if len(kek) != KEK_BYTES:
            raise WrongKeyError("The key in the keyring does not open this cache")
        return kek

    def delete(self, key_id: str | None = None) -> None:
        """Remove the keyring entry; one that is already gone is not an error."""
        key_id = key_id or self._last_key_id
        if key_id is not None:
            vault.delete_secret(self.backend(), self.service, _entry(key_id))

    def describe(self) -> str:
        """Name the keyring, which is what the user can check or switch."""
        return "the OS keyring"


def _entry(key_id: str) -> str:
    return f"cache-key:{key_id}"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The defaults exceed OWASP's minimum (19 MiB, t=2); tests pass cheap ones."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4


# Bounds on parameters read from a header, so a tampered header cannot ask for terabytes.
_MAX_MEMORY_KIB, _MAX_ITERATIONS, _MAX_LANES = 4 * 1024 * 1024, 64, 64


class PassphraseKeySource(KeySource):
    """A KEK derived from a passphrase with Argon2id; the salt and cost live in the header."""

    method = "passphrase"

    def __init__(self, passphrase: str, params: KdfParams | None = None) -> None:
        super().__init__()
        # NFC so the same passphrase typed through different input methods gives the same key.
        self._secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        self.params = params or KdfParams()

    def create(self, key_id: str) -> tuple[bytes, Protection]:
        """Derive a KEK under a fresh random salt."""
        salt = secrets.token_bytes(16)
        self._last_key_id = key_id
        return self._derive(salt, self.params), {
            "method": self.method,
            "kdf": "argon2id",
            "salt": base64.b64encode(salt).decode("ascii"),
            "memory_kib": self.params.memory_kib,
            "iterations": self.params.iterations,
            "lanes": self.params.lanes,
        }

    def unlock(self, key_id: str, protection: Protection) -> bytes:
        """Derive the KEK with the header's salt and cost; a wrong passphrase fails at unwrap."""
        self._expect(key_id, protection)
        salt, params = _read_kdf(protection)
        return self._derive(salt, params)

    def describe(self) -> str:
        """Say "a passphrase" in messages."""
        return "a passphrase"

    def _derive(self, salt: bytes, params: KdfParams) -> bytes:
        kdf = Argon2id(
            salt=salt,
            length=KEK_BYTES,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
        )
        return kdf.derive(self._secret)


def _read_kdf(protection: Protection) -> tuple[bytes, KdfParams]:
    values = [protection.get(k) for k in ("memory_kib", "iterations", "lanes")]
    try:
        salt = base64.b64decode(str(protection.get("salt")), validate=True)
    except (binascii.Error, ValueError):
        salt = b""
    ok = protection.get("kdf") == "argon2id" and 16 <= len(salt) <= 64
    ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if ok and len(ints) == 3:
        memory, iterations, lanes = ints
        if (
            1 <= lanes <= _MAX_LANES
            and 1 <= iterations <= _MAX_ITERATIONS
            and 8 * lanes <= memory <= _MAX_MEMORY_KIB
        ):
            return salt, KdfParams(memory, iterations, lanes)
    raise CacheIntegrityError("The cache header holds impossible key-derivation settings")


class EphemeralKeySource(KeySource):
    """A KEK that exists only in this process: nothing survives a restart (kiosk mode, T26)."""

    method = "ephemeral"

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, bytes] = {}

    def create(self, key_id: str) -> tuple[bytes, Protection]:
        """Make a random KEK and keep it in memory."""
        self._keys[key_id] = kek = secrets.token_bytes(KEK_BYTES)
        self._last_key_id = key_id
        return kek, {"method": self.method}

    def unlock(self, key_id: str, protection: Protection) -> bytes:
        """Return the in-memory KEK, which a new process never has."""
        self._expect(key_id, protection)
        try:
            return self._keys[key_id]
        except KeyError:
            raise KeyMissingError("This cache's key lived only in the memory of an earlier session") from None

    def delete(self, key_id: str | None = None) -> None:
        """Drop the in-memory KEK."""
        self._keys.pop(key_id or self._last_key_id or "", None)

    def describe(self) -> str:
        """Say "a key held only in memory" in messages."""
        return "a key held only in memory"


def default_key_source(passphrase: str | None) -> KeySource:
    """Choose how to protect the cache: an explicit passphrase, else a secure keyring.

    A passphrase the user typed wins over the keyring: had it been ignored whenever a keyring
    exists, a cache created on a desktop could not be opened in a headless session later.

    Raises:
        InsecureKeyringError: no passphrase and no secure keyring (never a plaintext fallback).
        KeyUnavailableError: the keyring did not answer in time.
    """
    if passphrase is not None:
        return PassphraseKeySource(passphrase)
    source = KeyringKeySource()
    try:
        source.backend()
    except InsecureKeyringError:
        raise InsecureKeyringError(NO_SECURE_KEYRING) from None
    return source
