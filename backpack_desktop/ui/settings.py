"""Typed preferences over QSettings, one declared property per preference.

Modelled on Electrum's ``ConfigVar``; nothing else in the app calls ``QSettings.value()``.

QSettings returns strings for everything on some platforms; each :class:`Preference` converts
back to its declared type and falls back to the default on garbage, so a hand-edited settings
file can never crash the app. Window state (geometry) is kept apart from preferences.
No secret ever goes here: tokens and keys live in the keyring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Preference(Generic[T]):
    """One preference: its key, type and default."""

    key: str
    default: T

    def read(self, store: QSettings) -> T:
        """The stored value converted to the default's type, or the default."""
        value = store.value(self.key, self.default)
        kind = type(self.default)
        try:
            if kind is bool and isinstance(value, str):
                return value.lower() in ("1", "true", "yes")  # type: ignore[return-value]
            if kind is dict and isinstance(value, str):
                loaded = json.loads(value)
                return loaded if isinstance(loaded, dict) else self.default  # type: ignore[return-value]
            return kind(value)  # type: ignore[call-arg]
        except (TypeError, ValueError):
            return self.default

    def write(self, store: QSettings, value: T) -> None:
        """Store ``value``."""
        store.setValue(self.key, json.dumps(value) if isinstance(value, dict) else value)


REGION = Preference("account/region", "")
CUSTOM_API = Preference("account/custom_api", "")
CUSTOM_UI = Preference("account/custom_ui", "")
# Per-region OAuth client registrations {"us": {"client_id": …, "redirect_uri": …}}: hosted
# Canvas Credentials registers a client for an app on request, so this is configuration.
OAUTH_CLIENTS: Preference[dict[str, Any]] = Preference("account/oauth_clients", {})
USE_SYSTEM_BROWSER = Preference("account/use_system_browser", False)
# Single-sign-on pages (https://login.example.edu, …) the embedded sign-in may visit besides
# the server's own hosts, as a JSON object {"hosts": [...]} (QSettings has no typed lists).
SSO_HOSTS: Preference[dict[str, Any]] = Preference("account/sso_hosts", {})
GRID_VIEW = Preference("view/grid", True)
CERTIFICATE_TEMPLATE = Preference("print/template", "classic")
# "" follows the locale (Letter in the US and its neighbours, A4 elsewhere); "A4" or "Letter".
PAGE_SIZE = Preference("print/page_size", "")


class Settings:
    """The app's preferences and window state.

    Attributes:
        store: the QSettings behind it (injected, so tests use a temporary file).
    """

    def __init__(self, store: QSettings) -> None:
        self.store = store

    def get(self, preference: Preference[T]) -> T:
        """Read a preference."""
        return preference.read(self.store)

    def set(self, preference: Preference[T], value: T) -> None:
        """Write a preference (persisted by QSettings)."""
        preference.write(self.store, value)

    def state(self, name: str) -> QByteArray | None:
        """Saved window state ``name`` (geometry, splitter): state, not a preference."""
        value = self.store.value(f"state/{name}")
        return value if isinstance(value, QByteArray) else None

    def save_state(self, name: str, value: QByteArray) -> None:
        """Remember window state ``name``."""
        self.store.setValue(f"state/{name}", value)
