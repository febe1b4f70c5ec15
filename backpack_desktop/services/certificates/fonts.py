r"""Certificate fonts: system TrueType files found at run time, registered with reportlab once.

reportlab embeds (and subsets) only TrueType-outline fonts, cannot read CFF-flavoured OpenType
(most Noto CJK files), and has no glyph fallback of its own. So each *role* (sans, bold, serif,
serif-bold, cjk) is filled from the first file that loads and has the glyphs the role is for,
and :mod:`.text` splits every string into runs by which registered font has each character.

Search order for each role:

1. Linux and BSD locations of the preferred files: DejaVu Sans, Sans Bold, Serif and Serif Bold
   (Latin, Greek, Cyrillic; the sans faces also Arabic and Hebrew) under
   ``/usr/share/fonts/truetype/dejavu`` (Debian, Ubuntu), ``/usr/share/fonts/dejavu`` (Fedora),
   ``/usr/share/fonts/TTF`` (Arch); for CJK Droid Sans Fallback, then WenQuanYi Zen Hei
   (``wqy-zenhei.ttc``, face 0).
2. ``fc-match -f '%{file}' <family>`` when fontconfig is installed (any Unix).
3. macOS: ``/Library/Fonts`` and ``~/Library/Fonts`` (DejaVu installed by the user), then
   ``/System/Library/Fonts/Supplemental/Arial Unicode.ttf`` (Latin to CJK and Arabic in one
   file), Arial and Times New Roman.
4. Windows: ``%WINDIR%\Fonts`` and ``%LOCALAPPDATA%\Microsoft\Windows\Fonts`` (DejaVu
   installed by the user), then Arial, Times New Roman and Microsoft YaHei (``msyh.ttc``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from backpack_desktop.domain.errors import UserFacingError

NO_FONTS = (
    "No usable font was found for printing certificates; install the DejaVu fonts "
    "(the fonts-dejavu-core package on Debian and Ubuntu) and try again."
)
ROLES = ("sans", "bold", "serif", "serif-bold", "cjk")
_PROBE = {"cjk": "\u4e00"}  # a role's file must have this glyph (fc-match returns *some* font)
_UNIX_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")
_MAC_DIRS = ("/Library/Fonts", "~/Library/Fonts", "/System/Library/Fonts/Supplemental")
_WIN_DIRS = (
    os.path.join(os.environ.get("WINDIR", "C:\\Windows"), "Fonts"),
    os.path.join(os.environ.get("LOCALAPPDATA", "~"), "Microsoft", "Windows", "Fonts"),
)
# role -> (preferred files, fontconfig families, macOS/Windows system files)
_WANTED: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "sans": (("DejaVuSans.ttf",), ("DejaVu Sans",), ("Arial Unicode.ttf", "Arial.ttf", "arial.ttf")),
    "bold": (("DejaVuSans-Bold.ttf",), ("DejaVu Sans:bold",), ("Arial Bold.ttf", "arialbd.ttf")),
    "serif": (("DejaVuSerif.ttf",), ("DejaVu Serif",), ("Times New Roman.ttf", "times.ttf")),
    "serif-bold": (
        ("DejaVuSerif-Bold.ttf",),
        ("DejaVu Serif:bold",),
        ("Times New Roman Bold.ttf", "timesbd.ttf"),
    ),
    "cjk": (
        (
            "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
            "/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
            "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
            "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
        ),
        ("Droid Sans Fallback", "WenQuanYi Zen Hei"),
        ("Arial Unicode.ttf", "msyh.ttc", "simsun.ttc"),
    ),
}


class CertificateError(UserFacingError):
    """Certificates cannot be made here (for example, no usable font is installed)."""


@dataclass(frozen=True)
class FontSet:
    """The registered fonts and their character maps.

    Attributes:
        names: role -> registered reportlab font name; a role with no file of its own borrows
            the closest one found (serif falls back to sans, bold to regular).
        cmaps: registered font name -> the font's code point to glyph map, used to pick the
            font for each character.
    """

    names: Mapping[str, str]
    cmaps: Mapping[str, Mapping[int, int]]

    def chain(self, role: str) -> tuple[str, ...]:
        """The fonts to try, in order, for text drawn in ``role``."""
        order = [self.names[role], self.names["bold" if "bold" in role else "sans"], self.names["sans"]]
        if "cjk" in self.names:
            order.append(self.names["cjk"])
        return tuple(dict.fromkeys(order))


def _candidates(role: str) -> list[tuple[str, int]]:
    """Every (path, face index) worth trying for ``role``, best first."""
    files, families, system = _WANTED[role]
    paths = [f if os.path.isabs(f) else os.path.join(d, f) for f in files for d in (*_UNIX_DIRS, *_MAC_DIRS)]
    paths += [os.path.join(d, f) for f in files if not os.path.isabs(f) for d in _WIN_DIRS]
    paths += [_fc_match(family) for family in families]
    paths += [os.path.join(d, f) for f in system for d in (*_MAC_DIRS, *_WIN_DIRS)]
    seen = dict.fromkeys(os.path.expanduser(p) for p in paths if p)
    return [(p, 0) for p in seen]


def _fc_match(family: str) -> str:
    """The file fontconfig picks for ``family`` ("" without fontconfig or on error)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return ""
    try:
        done = subprocess.run([exe, "-f", "%{file}", family], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _load(role: str) -> TTFont | None:
    """The first candidate for ``role`` that reportlab can read and that has the role's glyphs."""
    for path, index in _candidates(role):
        if not Path(path).is_file():
            continue
        try:
            font = TTFont(f"Backpack-{role}", path, subfontIndex=index)
        except Exception:  # noqa: S112 - CFF outlines, damaged files: try the next candidate
            continue
        probe = _PROBE.get(role, "A")
        if ord(probe) in font.face.charToGlyph:
            return font
    return None


_lock = threading.Lock()
_cached: FontSet | None = None


def font_set() -> FontSet:
    """Find and register the certificate fonts (once per process; thread-safe).

    Raises:
        CertificateError: no usable font for Latin text exists on this computer.
    """
    global _cached
    with _lock:
        if _cached is None:
            _cached = _register()
        return _cached


def _register() -> FontSet:
    loaded = {role: font for role in ROLES if (font := _load(role)) is not None}
    base = next((loaded[r] for r in ("sans", "serif", "bold", "serif-bold") if r in loaded), None)
    if base is None:
        raise CertificateError(NO_FONTS)
    for font in loaded.values():
        pdfmetrics.registerFont(font)
    fallback = {"sans": base, "serif": loaded.get("sans", base), "bold": loaded.get("sans", base)}
    fallback["serif-bold"] = loaded.get("bold", fallback["serif"])
    names = {role: loaded.get(role, fallback.get(role)) for role in ROLES}
    return FontSet(
        names={role: font.fontName for role, font in names.items() if font is not None},
        cmaps={font.fontName: font.face.charToGlyph for font in loaded.values()},
    )
