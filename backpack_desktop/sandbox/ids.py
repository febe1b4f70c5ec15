"""Deterministic identifiers in Badgr's formats, drawn from a seeded generator."""

from __future__ import annotations

import base64
import random


def entity_id(rng: random.Random) -> str:
    """A 22-character URL-safe base64 id, like Badgr's ``entityId``."""
    return base64.urlsafe_b64encode(rng.randbytes(16)).decode("ascii").rstrip("=")


def hex_id(rng: random.Random) -> str:
    """A 24-hex-digit id, like the hosted service's ``id``."""
    return rng.randbytes(12).hex()


def salt(rng: random.Random) -> str:
    """A 32-hex-digit recipient salt (Badgr uses ``uuid4().hex``)."""
    return rng.randbytes(16).hex()


def token(rng: random.Random, length: int = 30) -> str:
    """An opaque token of ``length`` alphanumeric characters (django-oauth-toolkit style)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(length))
