"""QR codes of share links (segno), as PNG or SVG bytes, large enough to scan from a screen.

Error correction "M" survives a scuffed print or a glare on a screen; the quiet zone is the
four modules the standard asks for. Nothing here knows about Qt: the window shows the PNG,
``share --qr`` writes either format.
"""

from __future__ import annotations

import io
from typing import Literal

import segno

QrFormat = Literal["png", "svg"]
SCALE = 8  # pixels per module: a version-5 code is about 300 px, comfortable for a phone camera


def qr_code(text: str, fmt: QrFormat = "png", scale: int = SCALE) -> bytes:
    """The QR code of ``text`` as PNG or SVG bytes (dark on white)."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    if fmt == "svg":
        code.save(out, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True, title="Badge link")
    else:
        code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
