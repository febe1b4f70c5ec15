"""Files the user saves: a safe suggested name, and an all-or-nothing write.

Badge names come from issuers, so a name suggested for a file must not be able to climb out of
the chosen folder (``../``), name a device (``CON``, ``NUL``), hide itself (a leading dot),
disguise its type with a right-to-left override, or exceed the file system's name limit.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path

DEFAULT_STEM = "badge"
#: Bytes of UTF-8 for the whole name; most file systems allow 255, and some tools add a suffix.
MAX_NAME_BYTES = 200
MAX_STEM_CHARS = 120

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")}
)
# Path separators and the characters Windows refuses in names; replaced by a space.
_FORBIDDEN = frozenset('/\\<>:"|?*')
_SPACES = re.compile(r"\s+")


def _clean_char(char: str) -> str:
    if char in _FORBIDDEN:
        return " "
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp"):  # NUL, newlines, tabs and other controls
        return " "
    if category in ("Cf", "Cs", "Cn"):  # bidi overrides, zero-width marks, lone surrogates
        return ""
    return char


def _truncate(text: str, max_bytes: int) -> str:
    """Cut ``text`` to at most ``max_bytes`` of UTF-8 without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def safe_file_name(name: str, suffix: str) -> str:
    """A file name built from untrusted ``name`` that is safe on Windows, macOS and Linux.

    Separators and reserved characters become spaces, controls and invisible formatting
    characters go, whitespace runs collapse, leading and trailing dots and spaces are removed
    and the stem is cut to :data:`MAX_STEM_CHARS` characters (and the whole name to
    :data:`MAX_NAME_BYTES` bytes). An empty result becomes ``"badge"``; a Windows device name
    gets a leading underscore.

    Args:
        name: the text to build the name from, typically a badge name.
        suffix: the extension including its dot, for example ``".json"``.

    Returns:
        A single path component: ``stem + suffix``.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(_clean_char(c) for c in text)
    text = _SPACES.sub(" ", text).strip(" .")
    text = _truncate(text[:MAX_STEM_CHARS], MAX_NAME_BYTES - len(suffix.encode("utf-8")))
    text = text.strip(" .") or DEFAULT_STEM
    if text.split(".", 1)[0].strip().upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    return text + suffix


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it holds either the old content or all of the new.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over ``path`` with :func:`os.replace`; the folder is then synced so the rename
    survives a crash. A file that is replaced keeps its permission bits; a new one is private to
    the user (0600), as the award JSON may hold the learner's e-mail address. If ``path`` is a
    symbolic link, the link itself is replaced.

    Args:
        path: where to write; its folder must exist.
        data: the complete new content.

    Raises:
        OSError: the file could not be written, or ``path`` is not a regular file (a device such
            as /dev/null, a folder, a pipe: renaming over it would destroy it); the temporary
            file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise IsADirectoryError(errno.EINVAL, "not a regular file", str(path))
    folder = path.parent
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name[:40]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if os.name == "posix":
                with contextlib.suppress(FileNotFoundError):
                    os.fchmod(handle.fileno(), stat.S_IMODE(os.stat(path).st_mode))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_dir(folder)


def write_new_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` only if nothing is there, not even a dangling symlink.

    Written completely to a temporary file first, then hard-linked into place: the link fails
    if the name exists (a file, a folder, a planted symlink), so nothing is ever replaced or
    followed, and the file appears whole or not at all.

    Raises:
        FileExistsError: something already has that name.
        OSError: the file could not be written.
    """
    path = Path(path)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temp_name, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
    _fsync_dir(path.parent)


def save_unique(folder: Path, file_name: str, data: bytes) -> Path:
    """Save into ``folder`` under ``file_name``, or ``name (2).ext`` … if that is taken."""
    stem, suffix = os.path.splitext(file_name)
    for n in range(1, 1000):
        candidate = Path(folder) / (file_name if n == 1 else f"{stem} ({n}){suffix}")
        try:
            write_new_file(candidate, data)
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(errno.EEXIST, "no free file name", str(folder))


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory for fsync; NTFS journals renames
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
