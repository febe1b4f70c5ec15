"""Badge and issuer images for certificates, decoded safely from cached bytes.

An issuer controls these bytes, so they are checked before any pixel is decoded: at most
:data:`MAX_BYTES` of input, an allowed format, and at most :data:`MAX_PIXELS` according to the
header (a 100 kB PNG can claim gigapixels). Anything that fails, in any way, becomes ``None``
and the certificate draws a placeholder: a bad image never stops a print run.

reportlab receives the decoded Pillow image, never a path or URL, so it cannot open a file or
fetch anything named by badge data (CVE-2020-28463), and never parses the untrusted bytes itself.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageChops, ImageStat
from reportlab.lib.utils import ImageReader

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1024  # pixels kept: a badge prints at most ~8 cm wide, so more only bloats the PDF
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
DEFAULT_ACCENT = (0.11, 0.30, 0.37)  # a dark teal that prints as a dark grey


@dataclass(frozen=True)
class CertificateImage:
    """A decoded image ready to draw.

    Attributes:
        reader: the reportlab ImageReader (shared, so repeated images are embedded once).
        accent: the image's average colour darkened for a band or border that stays dark
            when printed in greyscale.
        aspect: width divided by height.
    """

    reader: Any
    accent: tuple[float, float, float]
    aspect: float


def decode(data: bytes | None) -> Image.Image | None:
    """The first frame of ``data`` as an RGB or RGBA Pillow image, or None if unusable."""
    if not data or len(data) > MAX_BYTES:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=FORMATS)
            if opened.width * opened.height > MAX_PIXELS or min(opened.size) < 1:
                return None  # decided from the header alone, before any pixel is decompressed
            opened.seek(0)
            opened.load()
            image = opened.convert("RGBA" if _has_alpha(opened) else "RGB")
    except Exception:  # a truncated, hostile or unsupported file: the placeholder is drawn
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _on_white(image: Image.Image) -> Image.Image:
    """Composite a transparent image over white (every image sits on white on the page).

    A soft mask in the PDF is transparency, and print filters then rasterise the whole page
    (see :func:`draw_stamp`).
    """
    if image.mode != "RGBA":
        return image
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    return flat


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def accent_colour(image: Image.Image) -> tuple[float, float, float]:
    """The average colour of the opaque pixels, darkened to a relative luminance of ~0.2."""
    red, green, blue, alpha = image.convert("RGBA").resize((24, 24)).split()
    weight = ImageStat.Stat(alpha).sum[0]
    if weight == 0:
        return DEFAULT_ACCENT
    # multiply() gives channel * alpha / 255, so these sums over the alpha sum are 0..1 values.
    rgb = [ImageStat.Stat(ImageChops.multiply(c, alpha)).sum[0] / weight for c in (red, green, blue)]
    luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    if luminance < 0.02:
        return DEFAULT_ACCENT
    scale = min(1.0, 0.2 / luminance)
    return (rgb[0] * scale, rgb[1] * scale, rgb[2] * scale)


class ImageCache:
    """Decoded images by their bytes, for one print run: 100 certificates of one badge decode it once."""

    def __init__(self) -> None:
        self._items: dict[bytes, CertificateImage | None] = {}

    def get(self, data: bytes | None) -> CertificateImage | None:
        """The drawable image for ``data``, or None for the placeholder."""
        if not data:
            return None
        if data not in self._items:
            image = decode(data)
            self._items[data] = (
                None
                if image is None
                else CertificateImage(
                    ImageReader(_on_white(image)), accent_colour(image), image.width / image.height
                )
            )
        return self._items[data]


def draw_image(canvas: Any, image: CertificateImage | None, x: float, y: float, size: float) -> None:
    """Draw ``image`` fitted and centred in the square at (x, y), or a neutral placeholder."""
    if image is not None:
        canvas.drawImage(image.reader, x, y, size, size, mask="auto", preserveAspectRatio=True, anchor="c")
        return
    # A medal outline: recognisable as "a badge goes here" and light on toner in greyscale.
    cx, cy, r = x + size / 2, y + size / 2, size * 0.42
    canvas.saveState()
    canvas.setStrokeGray(0.55)
    canvas.setFillGray(0.93)
    canvas.setLineWidth(max(0.8, size / 90))
    canvas.circle(cx, cy, r, stroke=1, fill=1)
    canvas.circle(cx, cy, r * 0.78, stroke=1, fill=0)
    points = [_star_point(cx, cy, r * (0.5 if i % 2 == 0 else 0.22), i) for i in range(10)]
    path = canvas.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.setFillGray(0.7)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _star_point(cx: float, cy: float, radius: float, i: int) -> tuple[float, float]:
    angle = math.pi / 2 + i * math.pi / 5
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


# Stroke letters on a 4 x 6 grid for the EXPIRED / REVOKED stamp. The stamp is drawn as vector
# paths rather than text so that text extraction (pdftotext, screen readers) is not littered
# with the stamp's letters across other lines; the banner states the status as real text.
_LETTERS: dict[str, tuple[tuple[tuple[float, float], ...], ...]] = {
    "D": (((0, 0), (0, 6), (2.4, 6), (4, 4.4), (4, 1.6), (2.4, 0), (0, 0)),),
    "E": (((4, 6), (0, 6), (0, 0), (4, 0)), ((0, 3), (3.2, 3))),
    "I": (((2, 0), (2, 6)), ((0.8, 6), (3.2, 6)), ((0.8, 0), (3.2, 0))),
    "K": (((0, 0), (0, 6)), ((4, 6), (0, 2.2)), ((1.4, 3.5), (4, 0))),
    "O": (((1.2, 0), (0, 1.2), (0, 4.8), (1.2, 6), (2.8, 6), (4, 4.8), (4, 1.2), (2.8, 0), (1.2, 0)),),
    "P": (((0, 0), (0, 6), (3, 6), (4, 5), (4, 4), (3, 3), (0, 3)),),
    "R": (((0, 0), (0, 6), (3, 6), (4, 5), (4, 4), (3, 3), (0, 3)), ((2, 3), (4, 0))),
    "V": (((0, 6), (2, 0), (4, 6)),),
    "X": (((0, 6), (4, 0)), ((0, 0), (4, 6))),
}


def draw_stamp(canvas: Any, word: str, cx: float, cy: float, height: float, angle: float) -> None:
    """A pale framed ``word`` (EXPIRED or REVOKED) centred at (cx, cy), rotated.

    Opaque and drawn before the text: PDF transparency makes print filters (CUPS turns the PDF
    into PostScript, which has none) flatten the whole page to a bitmap, and the printed text
    is lost to search and screen readers.
    """
    unit = height / 6
    advance = 6 * unit
    total = advance * len(word) - 2 * unit
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.rotate(angle)
    canvas.setStrokeColorRGB(0.95, 0.78, 0.78)  # the old 30 % red over white, made opaque
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    canvas.setLineWidth(unit * 0.9)
    path = canvas.beginPath()
    for index, letter in enumerate(word):
        for stroke in _LETTERS.get(letter, ()):
            points = [(-total / 2 + index * advance + x * unit, -height / 2 + y * unit) for x, y in stroke]
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
    canvas.drawPath(path, stroke=1, fill=0)
    margin = unit * 2.2
    canvas.setLineWidth(unit * 0.45)
    canvas.roundRect(-total / 2 - margin, -height / 2 - margin, total + 2 * margin, height + 2 * margin, unit)
    canvas.restoreState()
