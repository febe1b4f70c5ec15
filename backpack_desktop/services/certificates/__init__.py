"""Certificate PDFs for awards (reportlab, no Qt).

The public API lives here; the modules split the work: :mod:`.fonts` finds and registers
system fonts, :mod:`.text` draws plain text (font runs, right-to-left shaping, wrapping),
:mod:`.images` decodes badge images safely, :mod:`.layout` decides what each page says,
:mod:`.templates` draws the two designs and :mod:`.render` makes the PDF.
"""

from __future__ import annotations

from backpack_desktop.services.certificates.fonts import CertificateError
from backpack_desktop.services.certificates.layout import (
    CertificateInput,
    PageSize,
    default_page_size,
    recipient_name,
)
from backpack_desktop.services.certificates.render import TEMPLATES, render_certificates

__all__ = [
    "TEMPLATES",
    "CertificateError",
    "CertificateInput",
    "PageSize",
    "default_page_size",
    "recipient_name",
    "render_certificates",
]
