"""The two certificate designs, drawn on a reportlab canvas in plain text and vector shapes.

"classic": serif type, a thin double border, the text centred beside a large badge image.
"modern": sans type, a coloured band on the left holding the badge, the text left-aligned.
Both rely on dark-on-white type and keep colour to borders and the band (darkened to a
relative luminance of ~0.2), so a greyscale print loses nothing. The footer (award id,
printing date, verification URL and QR code) and the EXPIRED/REVOKED marks are shared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from backpack_desktop.services.certificates.images import (
    DEFAULT_ACCENT,
    CertificateImage,
    draw_image,
    draw_stamp,
)
from backpack_desktop.services.certificates.layout import PageContent
from backpack_desktop.services.certificates.text import Align, draw_text, fit, wrap

RGB = tuple[float, float, float]
INK: RGB = (0.10, 0.10, 0.10)
MUTED: RGB = (0.36, 0.36, 0.36)
NAVY: RGB = (0.13, 0.20, 0.33)
ALERT: RGB = (0.72, 0.06, 0.06)  # prints as a dark grey: the word carries the meaning, not the hue
WHITE: RGB = (1.0, 1.0, 1.0)
FOOTER = 96.0  # height kept free at the bottom for the QR code, URL, award id and date
QR_SIZE = 80.0


@dataclass(frozen=True)
class Page:
    """One page to draw: the canvas and its size, the strings and the decoded images."""

    canvas: Any
    width: float
    height: float
    content: PageContent
    badge: CertificateImage | None
    issuer: CertificateImage | None
    qr: CertificateImage | None


class _Flow:
    """Lays out a column top-down, then draws it shifted down to sit in its free space.

    Nothing is placed below ``floor``: a text block gets only the lines that still fit.
    """

    def __init__(self, page: Page, x: float, y: float, room: float, floor: float, align: Align) -> None:
        self.canvas, self.x, self.y, self.room, self.floor, self.align = page.canvas, x, y, room, floor, align
        self._ops: list[Callable[[float], None]] = []

    def lines(self, lines: list[str], size: float, role: str, colour: RGB = INK) -> None:
        for line in lines:
            self._ops.append(partial(self._line, line, self.y - size * 0.95, size, role, colour))
            self.y -= size * 1.3

    def _line(self, line: str, baseline: float, size: float, role: str, colour: RGB, shift: float) -> None:
        self.canvas.setFillColorRGB(*colour)
        draw_text(self.canvas, self.x, baseline - shift, line, size, self.align, role)

    def text(self, text: str, size: float, role: str, colour: RGB = INK, max_lines: int = 1) -> None:
        fits = int((self.y - self.floor) // (size * 1.3))
        if text and fits > 0:
            self.lines(wrap(text, role, size, self.room, min(max_lines, fits)), size, role, colour)

    def fitted(self, text: str, sizes: tuple[float, float], role: str, colour: RGB = INK) -> None:
        """One line at the largest size that fits; an absurdly long name gets up to 3 lines."""
        fits = int((self.y - self.floor) // (sizes[1] * 1.3))
        size, lines = fit(text, role, sizes, self.room, max(1, min(3, fits)))
        self.lines(lines, size, role, colour)

    def image(self, image: CertificateImage | None, size: float, pad: float = 0) -> None:
        """A square image, on a white rounded panel ``pad`` wide when asked (for the band)."""
        left, bottom = self.x - size / 2, self.y - size
        self._ops.append(partial(self._image, image, left, bottom, size, pad))
        self.y = bottom

    def _image(
        self, image: CertificateImage | None, x: float, y: float, size: float, pad: float, shift: float
    ) -> None:
        if pad:
            self.canvas.setFillColorRGB(*WHITE)
            self.canvas.roundRect(
                x - pad, y - shift - pad, size + 2 * pad, size + 2 * pad, pad * 1.2, stroke=0, fill=1
            )
        draw_image(self.canvas, image, x, y - shift, size)

    def gap(self, points: float) -> None:
        self.y -= points

    def draw(self, centring: float = 0.4) -> None:
        """Draw, lowered by ``centring`` of the space left above the floor (0.5 centres)."""
        shift = max(0.0, self.y - self.floor) * centring
        for op in self._ops:
            op(shift)


def _body(flow: _Flow, c: PageContent, serif: bool, accent: RGB) -> None:
    """The centre of the certificate, shared by both designs (only the type differs)."""
    regular, strong = ("serif", "serif-bold") if serif else ("sans", "bold")
    flow.text("CERTIFICATE OF ACHIEVEMENT", 12, strong, accent)
    flow.gap(14)
    flow.text("This certifies that", 11, regular, MUTED)
    flow.gap(6)
    flow.fitted(c.name, (34, 16), strong, INK if c.name_known else MUTED)
    for note in c.notes:
        flow.text(note, 8.5, regular, MUTED, 2)
    flow.gap(8)
    flow.text("has earned", 11, regular, MUTED)
    flow.gap(4)
    flow.fitted(c.badge_name, (22, 13), strong, accent)
    flow.gap(6)
    flow.text(c.description, 10, regular, INK, 4)
    flow.gap(6)
    flow.text("  \u00b7  ".join(d for d in (c.issued, c.expires) if d), 10, strong, INK)
    flow.gap(6)
    if c.criteria:
        flow.text(f"Criteria: {c.criteria}", 8.5, regular, MUTED, 3)


def _footer(page: Page, left: float, right: float, bottom: float, align_left: bool = True) -> None:
    """Award id and printing date bottom left; the URL and its QR code bottom right."""
    canvas, c = page.canvas, page.content
    canvas.setFillColorRGB(*MUTED)
    draw_text(canvas, left, bottom + 12, c.award_id, 7.5, "left")
    draw_text(canvas, left, bottom + 1, c.printed, 7.5, "left")
    text_right = right - QR_SIZE - 10
    if page.qr is not None:
        draw_image(canvas, page.qr, right - QR_SIZE + 4, bottom - 4, QR_SIZE)
    room = text_right - left - 170
    lines = wrap(c.url or "This badge has no public web address.", "sans", 8.5, room, 2)
    y = bottom + 6 + 11 * len(lines)
    draw_text(canvas, text_right, y + 4, "Verify this badge at", 8, "right")
    canvas.setFillColorRGB(*INK)
    for line in lines:
        y -= 11
        draw_text(canvas, text_right, y, line, 8.5, "right")


def _banner(page: Page, left: float, right: float, top: float) -> float:
    """A solid strip naming the status, readable in any print and by ``pdftotext``.

    Returns its height (one or two lines: a revocation reason can be long).
    """
    canvas, c = page.canvas, page.content
    lines = wrap(f"{c.mark} \u2014 {c.mark_detail}", "bold", 9, right - left - 16, 2)
    height = 8 + 11 * len(lines)
    canvas.setFillColorRGB(*ALERT)
    canvas.rect(left, top - height, right - left, height, stroke=0, fill=1)
    canvas.setFillColorRGB(*WHITE)
    for row, line in enumerate(lines):
        draw_text(canvas, (left + right) / 2, top - 12.5 - 11 * row, line, 9, "centre", "bold")
    return height


def _diagonal(page: Page) -> None:
    """The big pale EXPIRED/REVOKED stamp across the page, drawn first, under the text."""
    w, h, word = page.width, page.height, page.content.mark
    # The framed word spans 6 units per letter plus its frame; keep it to 60% of the diagonal
    # so its corners stay inside the page border.
    unit = 0.6 * math.hypot(w, h) / (6 * len(word) + 2.4)
    draw_stamp(page.canvas, word, w / 2, h / 2, 6 * unit, math.degrees(math.atan2(h, w)))


def classic(page: Page) -> None:
    """Serif, centred, thin double border, badge on the left."""
    canvas, w, h, c = page.canvas, page.width, page.height, page.content
    canvas.setStrokeColorRGB(*NAVY)
    canvas.setLineWidth(1.6)
    canvas.rect(20, 20, w - 40, h - 40)
    canvas.setLineWidth(0.6)
    canvas.rect(26, 26, w - 52, h - 52)
    if c.mark:
        _diagonal(page)
    left, right, bottom, top = 58.0, w - 58, 48.0, h - 54
    if c.mark:
        top -= _banner(page, left, right, top + 14) - 2
    column = (right - left) * 0.3
    side = _Flow(page, left + column / 2, top, column - 10, bottom + 30, "centre")
    side.image(page.badge, min(column - 16, top - bottom - FOOTER - 90, 210))
    _issuer(side, page, "serif", INK)
    side.draw()
    text_left = left + column + 18
    flow = _Flow(page, (text_left + right) / 2, top, right - text_left, bottom + FOOTER - 6, "centre")
    _body(flow, c, True, NAVY)
    flow.draw()
    _footer(page, left, right, bottom)


def modern(page: Page) -> None:
    """Sans, a coloured band on the left holding the badge, text left-aligned."""
    canvas, w, h, c = page.canvas, page.width, page.height, page.content
    accent = page.badge.accent if page.badge is not None else DEFAULT_ACCENT
    band = round(w * 0.3)
    canvas.setFillColorRGB(*accent)
    canvas.rect(0, 0, band, h, stroke=0, fill=1)
    if c.mark:
        _diagonal(page)
    side = _Flow(page, band / 2, h - 60, band - 40, 40, "centre")
    side.image(page.badge, min(band - 76, h * 0.38), pad=10)
    side.gap(8)
    _issuer(side, page, "bold", WHITE, pad=4)
    side.draw()
    left, right, bottom, top = band + 44.0, w - 44, 44.0, h - 50
    if c.mark:
        top -= _banner(page, left, right, top + 12) + 2
    flow = _Flow(page, left, top, right - left, bottom + FOOTER - 6, "left")
    _body(flow, c, False, accent)
    flow.draw()
    _footer(page, left, right, bottom)


def _issuer(flow: _Flow, page: Page, role: str, colour: RGB, pad: float = 0) -> None:
    """The issuer's image, "Issued by" and the issuer's name, centred under the badge.

    ``pad`` puts the image on a white panel: a dark logo on a transparent background would
    vanish on the modern design's band.
    """
    flow.gap(18)
    flow.image(page.issuer, 44, pad)
    flow.gap(10 + pad)
    flow.text("Issued by", 8.5, role, colour if pad else MUTED)
    flow.text(page.content.issuer_name, 10, role, colour, 5)


TEMPLATE_FUNCTIONS: dict[str, Callable[[Page], None]] = {"classic": classic, "modern": modern}
