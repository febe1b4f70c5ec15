"""Plain-text drawing for certificates: font runs, right-to-left shaping, measuring, wrapping.

Issuer-controlled strings are drawn only with the canvas text object (``textOut``), never
through reportlab's Paragraph markup, so ``<font>``, ``<img>`` or ``<a>`` in a badge name stays
literal text and CVE-2023-33733 / CVE-2020-28463 have nothing to parse.

Arabic and Hebrew: reportlab draws glyphs in the order it is given and knows no shaping. Each
*line* is therefore reshaped (``arabic-reshaper`` picks the joined presentation forms) and put
in visual order (``python-bidi``) just before drawing; wrapping and measuring work on the
logical text, so a line break never reorders words across lines. Poppler's ``pdftotext`` reads
such a line back in logical order (as presentation forms; NFKC gives the base letters).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

import arabic_reshaper  # type: ignore[import-untyped]
from bidi import get_display  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth

from backpack_desktop.services.certificates.fonts import font_set

Align = Literal["left", "centre", "right"]
ELLIPSIS = "\u2026"
MAX_CHARS = 4000  # more than any page can show: a 10k-character description is cut before wrapping
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """``text`` with control characters removed and every run of whitespace made one space."""
    return _SPACES.sub(" ", _CONTROLS.sub("", text[:MAX_CHARS])).strip()


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _shaped(text: str) -> str:
    """Arabic joined forms, still in logical order (what measuring needs)."""
    if any(unicodedata.bidirectional(ch) == "AL" for ch in text):
        return str(arabic_reshaper.reshape(text))
    return text


def visual(line: str) -> str:
    """One line as it must be drawn: shaped, and in visual order when it holds RTL text."""
    return str(get_display(_shaped(line))) if _has_rtl(line) else line


def runs(text: str, role: str) -> list[tuple[str, str]]:
    """Split ``text`` into (font name, substring) runs by which font of the role has the glyphs.

    Spaces stay in the current run, so "王小明 Smith" is two runs rather than three. A
    character no font has goes to the role's own font (it prints as an empty box).
    """
    fonts = font_set()
    chain = fonts.chain(role)
    out: list[tuple[str, str]] = []
    current, start = chain[0], 0
    for i, ch in enumerate(text):
        code = ord(ch)
        if ch == " " and code in fonts.cmaps.get(current, {}):
            continue
        font = next((f for f in chain if code in fonts.cmaps.get(f, {})), chain[0])
        if font != current:
            if i > start:
                out.append((current, text[start:i]))
            current, start = font, i
    if len(text) > start:
        out.append((current, text[start:]))
    return out


def width(text: str, role: str, size: float) -> float:
    """The drawn width of one logical line of ``text``."""
    return float(sum(stringWidth(part, font, size) for font, part in runs(_shaped(text), role)))


def draw_text(
    canvas: Any, x: float, y: float, text: str, size: float, align: Align = "left", role: str = "sans"
) -> float:
    """Draw one line of plain text at baseline ``y``; ``x`` is its left, centre or right end.

    Returns the drawn width. Markup in ``text`` is never interpreted.
    """
    parts = runs(visual(text), role)
    total = float(sum(stringWidth(part, font, size) for font, part in parts))
    left = x - total / 2 if align == "centre" else x - total if align == "right" else x
    obj = canvas.beginText(left, y)
    for font, part in parts:
        obj.setFont(font, size)
        obj.textOut(part)
    canvas.drawText(obj)
    return total


def _longest_prefix(word: str, role: str, size: float, room: float) -> int:
    """How many leading characters of ``word`` fit in ``room`` (at least one)."""
    low, high = 1, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if width(word[:mid], role, size) <= room:
            low = mid
        else:
            high = mid - 1
    return low


def _ellipsize(line: str, role: str, size: float, room: float) -> str:
    """``line`` cut so that it and an ellipsis fit in ``room``, between words when it can."""
    while " " in line and width(line + ELLIPSIS, role, size) > room:
        line = line.rsplit(" ", 1)[0].rstrip()
    if width(line + ELLIPSIS, role, size) <= room:
        return line + ELLIPSIS
    keep = _longest_prefix(line + ELLIPSIS, role, size, room)
    return line[: max(0, keep - 1)].rstrip() + ELLIPSIS


def wrap(text: str, role: str, size: float, room: float, max_lines: int) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines no wider than ``room``.

    Words longer than a line (a URL, a Chinese sentence without spaces) are broken between
    characters. When the text does not fit, the last line ends with an ellipsis.
    """
    words = one_line(text).split(" ")
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if width(candidate, role, size) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        while word and width(word, role, size) > room and len(lines) < max_lines:
            cut = _longest_prefix(word, role, size, room)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
        if len(lines) >= max_lines:
            rest = " ".join([current, *words[index + 1 :]]).strip()
            if rest:
                lines[max_lines - 1 :] = [_ellipsize(lines[max_lines - 1], role, size, room)]
            return lines[:max_lines]
    if current:
        lines.append(current)
    return [line for line in lines if line]


def fit(
    text: str, role: str, sizes: tuple[float, float], room: float, max_lines: int
) -> tuple[float, list[str]]:
    """The largest size from ``sizes`` (largest, smallest) at which ``text`` fits on one line.

    Below the smallest size the text wraps onto ``max_lines`` lines (then an ellipsis).
    """
    largest, smallest = sizes
    size = largest
    while size > smallest and width(one_line(text), role, size) > room:
        size = max(smallest, size - 2)
    return size, wrap(text, role, size, room, max_lines)
