"""Certificates as PDF bytes: one landscape page per award, in one of :data:`TEMPLATES`.

Synchronous and blocking like every service; the caller runs it on a worker thread and may
pass ``on_progress`` and a ``cancel`` event. Nothing here imports Qt: the CLI writes the
bytes to a file and the UI hands them to QPdfDocument for preview and printing.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import reportlab.rl_config
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.pdfgen.canvas import Canvas

from backpack_desktop.domain.errors import CancelledError
from backpack_desktop.services.certificates.fonts import font_set
from backpack_desktop.services.certificates.images import ImageCache
from backpack_desktop.services.certificates.layout import CertificateInput, PageSize, page_content
from backpack_desktop.services.certificates.templates import TEMPLATE_FUNCTIONS, Page
from backpack_desktop.services.share_qr import qr_code

TEMPLATES: tuple[str, ...] = ("classic", "modern")
CANCELLED = "Making the certificates was cancelled."
_SIZES = {"A4": landscape(A4), "Letter": landscape(letter)}


def harden_reportlab() -> None:
    """Forbid reportlab every URL scheme and host (defence in depth, SECURITY.md T25).

    Certificates never use reportlab markup or give it a URL or path, but should a future
    change do so by mistake, reportlab's own fetcher (the CVE-2020-28463 SSRF) refuses it.
    """
    reportlab.rl_config.trustedHosts = None  # reportlab's "no host is trusted"
    reportlab.rl_config.trustedSchemes = []


def render_certificates(
    items: Sequence[CertificateInput],
    *,
    template: str = "classic",
    page_size: PageSize = "A4",
    printed_at: datetime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> bytes:
    """A PDF with one landscape certificate page per item, in ``items`` order.

    Args:
        items: the awards to print, with their cached images and name choices.
        template: one of :data:`TEMPLATES`.
        page_size: "A4" or "Letter" (see ``default_page_size``).
        printed_at: the printing time shown on the page and used for the EXPIRED mark
            (default: now).
        on_progress: called with (pages done, total) after each page.
        cancel: checked before each page and before the file is written.

    Raises:
        ValueError: an unknown template or page size.
        CancelledError: ``cancel`` was set.
        CertificateError: no usable font is installed.
    """
    draw = TEMPLATE_FUNCTIONS.get(template)
    if draw is None:
        raise ValueError(f"unknown certificate template {template!r}; choose from {', '.join(TEMPLATES)}")
    if page_size not in _SIZES:
        raise ValueError(f"unknown page size {page_size!r}; choose A4 or Letter")
    harden_reportlab()
    fonts = font_set()  # fail before the first page when no font is usable
    printed_at = printed_at or datetime.now(UTC)
    width, height = _SIZES[page_size]
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1, initialFontName=fonts.names["sans"])
    canvas.setTitle("Badge certificate" if len(items) == 1 else "Badge certificates")
    canvas.setCreator("Backpack Desktop")
    images = ImageCache()
    for done, item in enumerate(items, start=1):
        _check(cancel)
        content = page_content(item, printed_at)
        qr = images.get(qr_code(content.url, "png")) if content.url else None
        draw(
            Page(
                canvas,
                width,
                height,
                content,
                images.get(item.badge_image),
                images.get(item.issuer_image),
                qr,
            )
        )
        canvas.showPage()
        if on_progress is not None:
            on_progress(done, len(items))
    _check(cancel)
    canvas.save()
    return out.getvalue()


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise CancelledError(CANCELLED)
