"""The kiosk station's configuration (TOML), checked completely before any window opens.

An event organiser writes it once; a mistake must be a clear one-line error at start, not a
station that misbehaves in front of visitors. Example::

    server = "us"                     # a region key (us, eu, au, ca, sg, …) or "sandbox" in demo
    # api = "https://api.badgr.io"    # or a custom server: api and ui together
    # ui = "https://badgr.io"
    printer = "Front-desk"            # a CUPS queue; "" for the system default
    idle_timeout = 120                # seconds without input before everything is wiped (30-3600)
    template = "classic"              # certificate template
    admin_pin = "scrypt$16384$8$1$<salt hex>$<hash hex>"   # from: backpack-desktop kiosk-pin

The PIN is stored only as an scrypt hash (the standard library's, memory-hard), so reading the
file does not reveal it; a wrong PIN costs the same time as a right one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backpack_desktop.domain.errors import UserFacingError

MIN_IDLE, MAX_IDLE, DEFAULT_IDLE = 30, 3600, 120
WARNING_SECONDS = 30
KNOWN_KEYS = {"server", "api", "ui", "printer", "idle_timeout", "template", "admin_pin", "oauth_client_id"}
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class KioskConfigError(UserFacingError):
    """The kiosk configuration is missing, unreadable or wrong."""


@dataclass(frozen=True)
class KioskConfig:
    """A validated kiosk configuration."""

    server: str = "sandbox"
    api: str = ""
    ui: str = ""
    oauth_client_id: str = ""
    printer: str = ""
    idle_timeout: int = DEFAULT_IDLE
    template: str = "classic"
    admin_pin: str = ""

    def pin_matches(self, pin: str) -> bool:
        """Whether ``pin`` is the administrator PIN (constant-time; False when none is set)."""
        return bool(self.admin_pin) and verify_pin(pin, self.admin_pin)


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The stored form of ``pin``: ``scrypt$n$r$p$salt$hash`` (hex)."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise KioskConfigError("The administrator PIN must be 4 to 12 digits.")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Check ``pin`` against a stored hash (malformed hashes never match)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or int(n) > 2**20:
            return False
        candidate = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32, maxmem=2**27
        )
        return hmac.compare_digest(candidate, bytes.fromhex(digest))
    except (ValueError, TypeError):
        return False


def load_config(path: str | None, templates: tuple[str, ...] = ("classic", "modern")) -> KioskConfig:
    """Read and check the configuration; without a file, the demo sandbox station (no PIN: Esc quits)."""
    if path is None:
        return KioskConfig()
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise KioskConfigError(f"The kiosk configuration {path} cannot be read: {exc.strerror}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise KioskConfigError(f"The kiosk configuration {path} is not valid TOML: {exc}.") from None
    return check_config(raw, templates)


def check_config(raw: dict[str, Any], templates: tuple[str, ...]) -> KioskConfig:
    """Validate a parsed configuration."""
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise KioskConfigError(f"Unknown setting in the kiosk configuration: {unknown[0]}.")
    values = {key: raw[key] for key in KNOWN_KEYS if key in raw}
    for key in ("server", "api", "ui", "printer", "template", "admin_pin", "oauth_client_id"):
        if key in values and not isinstance(values[key], str):
            raise KioskConfigError(f"The kiosk setting {key} must be text.")
    idle = values.get("idle_timeout", DEFAULT_IDLE)
    if not isinstance(idle, int) or isinstance(idle, bool) or not MIN_IDLE <= idle <= MAX_IDLE:
        raise KioskConfigError(
            f"idle_timeout must be a whole number of seconds from {MIN_IDLE} to {MAX_IDLE}."
        )
    if values.get("template", "classic") not in templates:
        raise KioskConfigError(f"template must be one of: {', '.join(templates)}.")
    if bool(values.get("api")) != bool(values.get("ui")):
        raise KioskConfigError("A custom server needs both api and ui addresses.")
    pin = values.get("admin_pin", "")
    if pin and not pin.startswith("scrypt$"):
        raise KioskConfigError(
            "admin_pin must be a hash made by 'backpack-desktop kiosk-pin', never the PIN itself."
        )
    if not pin:
        raise KioskConfigError("admin_pin is required: without it anyone could leave kiosk mode.")
    return KioskConfig(**values)
