"""Runtime files shipped inside the wheel, read through :mod:`importlib.resources`.

This package is the one place that knows where runtime files live, so code works the same from
a source checkout, an installed wheel and a PyInstaller bundle (compare qutebrowser
``utils/resources.py``). Paths are ``/``-separated and relative to this package.
"""

from __future__ import annotations

from importlib import resources as _res
from importlib.resources.abc import Traversable

__all__ = ["read_bytes", "read_text", "exists", "traversable"]


def traversable(name: str) -> Traversable:
    """Return the resource ``name`` as a Traversable, rejecting paths that leave the package.

    Raises:
        ValueError: ``name`` is absolute or contains ``..``.
    """
    parts = name.split("/")
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"bad resource name: {name!r}")
    node = _res.files(__name__)
    for part in parts:
        node = node.joinpath(part)
    return node


def read_bytes(name: str) -> bytes:
    """Return the bytes of resource ``name`` (for example ``"icons/app.svg"``)."""
    return traversable(name).read_bytes()


def read_text(name: str) -> str:
    """Return resource ``name`` decoded as UTF-8."""
    return traversable(name).read_text(encoding="utf-8")


def exists(name: str) -> bool:
    """Tell whether resource ``name`` is shipped."""
    return traversable(name).is_file()
