"""Where the app keeps its files: platformdirs, overridable by --data-dir or the environment."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "BACKPACK_DESKTOP_DATA_DIR"
#: Where a cache passphrase may come from when no secure keyring exists (or --passphrase-stdin).
PASSPHRASE_ENV = "BACKPACK_DESKTOP_PASSPHRASE"  # noqa: S105 - a variable name
APP_DIR_NAME = "BackpackDesktop"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``override``, else ``$BACKPACK_DESKTOP_DATA_DIR``, else the platform's."""
    if override:
        return Path(override).expanduser()
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
