"""Printing from the window: multi-selection, the QtPdf preview, templates, Save as PDF, CUPS.

The platform print and save dialogs cannot be driven offscreen, so the printer choice, the
save path and the typed name come from stand-ins (the only ones); the PDF, the preview, the
print job through the real CUPS queue and the printed file are all real.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel
from ui_helpers import sign_in_and_sync

from backpack_desktop import app
from backpack_desktop.ui.printing import PrintChoice
from backpack_desktop.ui.settings import CERTIFICATE_TEMPLATE

WAIT = 60_000
SPOOL = Path(os.environ.get("CUPS_PDF_OUT", "/tmp/backpack-cups-pdf"))


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def select_rows(session: app.AppSession, rows: list[int]) -> None:
    view = session.window.backpack
    selection = view.list.selectionModel()
    view.list.setCurrentIndex(view.proxy.index(rows[0], 0))
    for row in rows[1:]:
        selection.select(view.proxy.index(row, 0), QItemSelectionModel.SelectionFlag.Select)


def test_a_batch_previews_saves_and_prints_through_cups(qtbot, demo, tmp_path: Path) -> None:
    sign_in_and_sync(qtbot, demo)
    select_rows(demo, [0, 1, 2])
    awards = demo.window.backpack.selected_awards()
    assert len(awards) == 3
    printer = demo.window.printer
    demo.window.print_action.trigger()
    preview = printer.preview
    assert preview is not None
    qtbot.waitUntil(lambda: bool(preview.pdf), timeout=WAIT)
    assert preview.document.pageCount() == 3  # one certificate a page, rendered by QtPdf
    first = preview.pdf

    preview.template.setCurrentIndex(preview.template.findData("modern"))
    qtbot.waitUntil(lambda: preview.pdf != first and preview.print_button.isEnabled(), timeout=WAIT)
    assert demo.window._settings.get(CERTIFICATE_TEMPLATE) == "modern"  # noqa: SLF001 - remembered

    saved = tmp_path / "certs.pdf"
    demo.window.files._ask_save = lambda *_a: str(saved)  # noqa: SLF001 - the dialog's answer
    preview.save_button.click()
    assert saved.read_bytes() == preview.pdf

    printer._choose = lambda _parent: PrintChoice(printer="BackpackPDF")  # noqa: SLF001
    before = time.time()
    with qtbot.waitSignal(printer.finished, timeout=WAIT) as sent:
        preview.print_button.click()
    assert sent.args[0].startswith("Sent to BackpackPDF")  # said only once CUPS completed it
    printed = sorted(
        (p for p in SPOOL.rglob("*.pdf") if p.stat().st_mtime >= before - 1), key=os.path.getmtime
    )
    assert printed and len(PdfReader(str(printed[-1])).pages) == 3
    text = text_of(printed[-1])
    assert "Alex Rivera" in text
    preview.close()


def test_a_hashed_recipient_is_asked_for_and_marked(qtbot, demo, tmp_path: Path) -> None:
    from dataclasses import replace

    sign_in_and_sync(qtbot, demo)
    award = demo.window.backpack.model.badges()[0]
    hashed = replace(
        award,
        recipient=replace(award.recipient, hashed=True, plaintext=None, identity="sha256$00"),
        recipient_name=None,
    )
    asked: list[str] = []
    printer = demo.window.printer
    printer._name_for = lambda _parent, a: asked.append(a.entity_id) or "Ada Example"  # noqa: SLF001
    printer.print_awards([hashed])
    assert asked == [award.entity_id]
    preview = printer.preview
    assert preview is not None
    qtbot.waitUntil(lambda: bool(preview.pdf), timeout=WAIT)
    out = tmp_path / "one.pdf"
    out.write_bytes(preview.pdf)
    text = " ".join(text_of(out).split())
    assert "Ada Example" in text and "entered" in text.lower()
    preview.close()


def test_without_lp_the_pages_are_painted_for_the_driver(qtbot, demo, tmp_path: Path) -> None:
    """The Windows path (no lp): QtPdf renders each page onto the QPrinter the dialog set up.

    Here the QPrinter writes a PDF file, so what the driver would receive can be counted.
    """
    from PySide6.QtPrintSupport import QPrinter

    sign_in_and_sync(qtbot, demo)
    select_rows(demo, [0, 1])
    printer = demo.window.printer
    demo.window.print_action.trigger()
    preview = printer.preview
    qtbot.waitUntil(lambda: bool(preview.pdf), timeout=WAIT)
    device = QPrinter(QPrinter.PrinterMode.HighResolution)
    device.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "driver.pdf"
    device.setOutputFileName(str(out))
    with qtbot.waitSignal(printer.finished, timeout=WAIT):
        printer._paint(device)  # noqa: SLF001 - the fallback, exercised directly
    assert len(PdfReader(str(out)).pages) == 2
    preview.close()
