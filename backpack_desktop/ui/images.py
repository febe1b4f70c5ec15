"""Decoding badge images safely, off the GUI thread (SECURITY.md T20-T21).

Badge images come from issuers, so they are hostile until proven otherwise: a byte cap, a
format allow-list, a pixel cap checked from the header before any pixel is decoded, and Qt's
allocation limit as a second fence. SVG is drawn by QtSvg's static renderer (no scripts, no
external references, never the web engine). Only QImage is used here: unlike QPixmap it may be
created on any thread, so ``ui/tasks.py`` workers call these functions and the GUI thread turns
the results into pixmaps.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QPainter
from PySide6.QtSvg import QSvgRenderer

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: far above any badge, far below a decompression bomb
ALLOCATION_LIMIT_MB = 256
RASTER_TYPES = {"image/png": b"png", "image/jpeg": b"jpeg", "image/gif": b"gif", "image/webp": b"webp"}


def decode_thumbnail(data: bytes, content_type: str, size: int) -> QImage | None:
    """A ``size`` x ``size`` (aspect kept) image, or None when the data is refused or broken."""
    if not data or len(data) > MAX_BYTES:
        return None
    if content_type == "image/svg+xml":
        return _svg(data, size)
    fmt = RASTER_TYPES.get(content_type)
    return _raster(data, fmt, size) if fmt else None


def _raster(data: bytes, fmt: bytes, size: int) -> QImage | None:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, QByteArray(fmt))
    reader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    declared = reader.size()  # from the header: no pixels decoded yet
    if not declared.isValid() or declared.width() * declared.height() > MAX_PIXELS:
        return None
    reader.setScaledSize(declared.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


def _svg(data: bytes, size: int) -> QImage | None:
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        return None
    target = renderer.defaultSize().scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio)
    if target.isEmpty():
        target = QSize(size, size)
    image = QImage(target, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image
