"""Syntax highlighting for pretty-printed JSON, with colours derived from the palette.

Colours are chosen per theme so each one has at least 4.5:1 contrast on the editor's base colour
(WCAG AA), in light and dark palettes alike; weight and slant carry the structure as well, so a
greyscale print or a colour-blind reader still tells keys from values.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QPalette, QSyntaxHighlighter, QTextCharFormat, QTextDocument

_TOKENS = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<literal>\b(?:true|false|null)\b)|(?P<punctuation>[{}\[\],:])"
)
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


def _contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours."""
    lum = [
        sum(
            w * (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
            for w, v in zip((0.2126, 0.7152, 0.0722), (c.redF(), c.greenF(), c.blueF()), strict=True)
        )
        for c in (a, b)
    ]
    return (max(lum) + 0.05) / (min(lum) + 0.05)


def _tint(hue: int, palette: QPalette) -> QColor:
    """A colour of ``hue`` with at least 4.5:1 contrast on the palette's base colour."""
    base = palette.color(QPalette.ColorRole.Base)
    step = 0.04 if base.lightnessF() < 0.5 else -0.04
    lightness = 0.72 if step > 0 else 0.33
    while _contrast(QColor.fromHslF(hue / 360, 0.7, lightness), base) < 4.5 and 0.05 < lightness < 0.95:
        lightness += step
    return QColor.fromHslF(hue / 360, 0.7, lightness)


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON keys, strings, numbers, literals and punctuation from the palette.

    Weight and slant differ as well as colour (keys bold, literals bold italic, punctuation
    muted), so the structure still shows in greyscale. Pretty-printed JSON never breaks a line
    inside a string, so each line is highlighted on its own.
    """

    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_palette(palette)

    def set_palette(self, palette: QPalette) -> None:
        """Derive the formats from ``palette`` (call again, then rehighlight, when it changes)."""
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        bold, normal = QFont.Weight.Bold, QFont.Weight.Normal
        styles = {
            "key": (_tint(212, palette), bold, False),
            "string": (_tint(128, palette), normal, False),
            "number": (_tint(28, palette), normal, False),
            "literal": (_tint(285, palette), bold, True),
            "punctuation": (muted, normal, False),
        }
        for name, (colour, weight, italic) in styles.items():
            fmt = QTextCharFormat()
            fmt.setForeground(colour)
            fmt.setFontWeight(weight)
            fmt.setFontItalic(italic)
            self._formats[name] = fmt

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        """Format one line of pretty-printed JSON."""
        wide = _NON_BMP.search(text) is not None
        for match in _TOKENS.finditer(text):
            if match.lastgroup == "colon":  # a key: the string, then its colon
                spans = [("key", *match.span("string")), ("punctuation", match.end() - 1, match.end())]
            else:
                spans = [(match.lastgroup or "", *match.span())]
            for kind, start, end in spans:
                if wide:  # Qt counts UTF-16 units; Python counts code points
                    start, end = _units(text, start), _units(text, end)
                self.setFormat(start, end - start, self._formats[kind])


def _units(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le", "surrogatepass")) // 2
