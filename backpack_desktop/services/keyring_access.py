"""Guarded access to the OS keyring: only secure backends, every call bounded in time.

Two rules from SECURITY.md live here so that every secret the app keeps in the keyring (the
cache key now, tokens later) follows them:

* T2, no silent downgrade: only backends that really are OS secret stores are used. The
  ``keyrings.alt`` file backends, ``null``, ``fail`` and unknown third-party backends raise
  :class:`InsecureKeyringError` naming the backend class, instead of being used.
* T3/T5, a failing or hanging keyring is "unavailable", never "empty": any exception from a
  backend, or no answer within :data:`KEYRING_TIMEOUT_S`, raises :class:`KeyUnavailableError`.
  A caller that read such a failure as "no key" would mint a new key and orphan the data.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from backpack_desktop.domain.errors import InsecureKeyringError, KeyUnavailableError

#: Seconds a single keyring call may take. Read at each call, so tests can lower it.
KEYRING_TIMEOUT_S = 5.0
#: Keyring backends that keep secrets in a real OS secret store, by class path.
SECURE_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
    }
)
_ADVICE = "protect the cache with a passphrase (--passphrase-stdin)"
_T = TypeVar("_T")


def backend_path(backend: object) -> str:
    """The dotted class path that identifies a keyring backend in headers and messages."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def vet_backend(backend: KeyringBackend) -> KeyringBackend:
    """Return the secure backend to use for ``backend``, or raise InsecureKeyringError.

    A chainer is accepted only when every backend it wraps is secure; its first
    (highest-priority) backend is then used directly, so headers name a real store.
    """
    if isinstance(backend, ChainerBackend):
        wrapped: list[KeyringBackend] = list(backend.backends)
        if wrapped and all(backend_path(b) in SECURE_BACKENDS for b in wrapped):
            return wrapped[0]
        names = ", ".join(backend_path(b) for b in wrapped) or "nothing"
        raise InsecureKeyringError(
            f"The keyring backend {backend_path(backend)} chains insecure stores ({names}); {_ADVICE}"
        )
    if backend_path(backend) not in SECURE_BACKENDS:
        raise InsecureKeyringError(
            f"The keyring backend {backend_path(backend)} does not store secrets securely; {_ADVICE}"
        )
    return backend


def bounded(call: Callable[[], _T], what: str) -> _T:
    """Run one keyring call with a time limit; any failure becomes KeyUnavailableError.

    A service starts a thread here, against the usual rule, because a locked keyring can show
    an unlock prompt that never returns (T5) and the caller must get an answer in
    KEYRING_TIMEOUT_S. The thread is a daemon so an abandoned call cannot keep the app alive;
    if it finishes late its result is dropped.
    """
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # reported to the caller below
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="keyring-call", daemon=True).start()
    if not done.wait(KEYRING_TIMEOUT_S):
        raise KeyUnavailableError(f"The keyring did not answer in time ({what}); try again")
    if "error" in outcome:
        # Only the class name: a backend's message could quote what it was handling.
        name = type(outcome["error"]).__name__
        raise KeyUnavailableError(f"The keyring could not {what} ({name}); try again") from outcome["error"]
    value: _T = outcome["value"]
    return value


def secure_backend() -> KeyringBackend:
    """The keyring backend in use, if it is secure; raises InsecureKeyringError otherwise."""
    return vet_backend(bounded(keyring.get_keyring, "be found"))


def read_secret(backend: KeyringBackend, service: str, name: str) -> str | None:
    """The stored value, or None when the entry does not exist."""
    value: str | None = bounded(lambda: backend.get_password(service, name), "read a key")
    return value


def write_secret(backend: KeyringBackend, service: str, name: str, value: str) -> None:
    """Store a value, then read it back: a store that silently drops writes fails now."""
    bounded(lambda: backend.set_password(service, name, value), "store a key")
    if read_secret(backend, service, name) != value:
        raise KeyUnavailableError("The keyring did not keep the new key; try again")


def delete_secret(backend: KeyringBackend, service: str, name: str) -> None:
    """Remove an entry; one that is already gone is not an error."""

    def remove() -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            backend.delete_password(service, name)

    bounded(remove, "delete a key")
