"""A private temporary folder for a kiosk run, swept after a crash and emptied at every wipe.

Everything the process writes to a temporary file (Qt, Python, libraries honouring TMPDIR)
lands in ``<system temp>/backpack-kiosk-<uid>-<pid>`` (mode 0700). A station that was killed
leaves such a folder behind; the next start removes every one whose process is gone before the
first screen appears (SECURITY.md test 40).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "backpack-kiosk-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True


def sweep_residue(base: Path | None = None) -> list[Path]:
    """Remove the private folders of kiosk runs that are no longer running; return them."""
    base = Path(base or tempfile.gettempdir())
    removed = []
    uid = os.getuid() if hasattr(os, "getuid") else 0
    for folder in base.glob(f"{PREFIX}{uid}-*"):
        try:
            pid = int(folder.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def claim_private_temp(base: Path | None = None) -> Path:
    """Create this run's folder and make it the process's temporary directory."""
    base = Path(base or tempfile.gettempdir())
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = base / f"{PREFIX}{uid}-{os.getpid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = str(folder)
    return folder


def empty(folder: Path) -> None:
    """Delete everything inside ``folder`` (the wipe between visitors), keeping the folder."""
    for entry in Path(folder).iterdir():
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
