"""Printing certificates from the window: names, preview, printer, progress.

The PDF is made off the GUI thread (``services/certificates``) and previewed as it is; Print
opens the platform print dialog to choose any local printer and then sends that same PDF to
the chosen queue as one job (``services/printing``), or writes it where "Print to file" points.
A recipient known only by a hashed address is asked for by name first, and the certificate
says the name was entered at printing.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLocale, QObject, QRect, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QDialog, QInputDialog, QLineEdit, QWidget

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.ui import messages
from backpack_desktop.ui.account import AccountController
from backpack_desktop.ui.file_actions import FileActions
from backpack_desktop.ui.settings import CERTIFICATE_TEMPLATE, PAGE_SIZE, Settings

if TYPE_CHECKING:  # QtPrintSupport and QtPdf load at the first print, not at start-up
    from PySide6.QtPrintSupport import QPrinter

    from backpack_desktop.services.printing import PrintJob
    from backpack_desktop.ui.certificate_preview import CertificatePreview


@dataclass(frozen=True)
class PrintChoice:
    """Where the learner chose to print: a queue, or a file ("Print to file")."""

    printer: str = ""
    file: str = ""
    device: QPrinter | None = None  # the configured QPrinter, for systems without a print spooler CLI


def choose_printer(parent: QWidget | None) -> PrintChoice | None:
    """The platform print dialog; None when cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        return PrintChoice(file=printer.outputFileName())
    return PrintChoice(printer=printer.printerName(), device=printer)


def ask_name(parent: QWidget | None, award: Award) -> str | None:
    """The name to print for a hashed recipient; None when cancelled."""
    text, ok = QInputDialog.getText(
        parent,
        "Name to print",
        f"The issuer of “{award.name[:120]}” shared only a fingerprint of the recipient's address.\n"
        "Type the name to print; the certificate will say it was entered when printing.",
        QLineEdit.EchoMode.Normal,
    )
    return text.strip() if ok else None


class CertificatePrinter(QObject):
    """Prints the certificates of one or more badges.

    Signals:
        finished(str): a sentence for the status bar when a job was sent or a file saved.
        progressed(int, int, int): (generation, pages done, pages) from the rendering task.
    """

    finished = Signal(str)
    progressed = Signal(int, int, int)

    def __init__(
        self,
        account: AccountController,
        settings: Settings | None,
        files: FileActions,
        parent_widget: Callable[[], QWidget | None],
        choose: Callable[[QWidget | None], PrintChoice | None] = choose_printer,
        name_for: Callable[[QWidget | None, Award], str | None] = ask_name,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._account, self._settings, self._files = account, settings, files
        self._parent, self._choose, self._name_for = parent_widget, choose, name_for
        self.preview: CertificatePreview | None = None
        self._awards: list[Award] = []
        self._names: dict[str, str] = {}
        self._generation = 0
        self.progressed.connect(self._on_progressed)

    def print_awards(self, awards: Sequence[Award]) -> None:
        """Ask for missing names, then open the preview and make the PDF."""
        from backpack_desktop.services.certificates import TEMPLATES
        from backpack_desktop.ui.certificate_preview import CertificatePreview

        names: dict[str, str] = {}
        for award in awards:
            if award.recipient.hashed and not award.recipient_name and not award.recipient.plaintext:
                name = self._name_for(self._parent(), award)
                if name is None:
                    return
                if name:
                    names[award.entity_id] = name
        self._awards, self._names = list(awards), names
        template = self._settings.get(CERTIFICATE_TEMPLATE) if self._settings else TEMPLATES[0]
        page = self._settings.get(PAGE_SIZE) if self._settings else ""
        preview = CertificatePreview(TEMPLATES, template, page, len(awards), self._parent())
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.options_changed.connect(self._on_preview_options_changed)
        preview.print_requested.connect(self._on_preview_print_requested)
        preview.save_requested.connect(self._on_preview_save_requested)
        preview.destroyed.connect(self._on_preview_destroyed)
        self.preview = preview
        preview.open()
        self._render()

    # -- the PDF -----------------------------------------------------------------------------
    def _render(self) -> None:
        from backpack_desktop.services.certificate_inputs import certificate_inputs
        from backpack_desktop.services.certificates import default_page_size, render_certificates

        if self.preview is None:
            return
        self._generation += 1
        generation, awards, names = self._generation, list(self._awards), dict(self._names)
        template = self.preview.chosen_template
        chosen = self.preview.chosen_page_size
        page = default_page_size(QLocale().name())
        if chosen == "A4":
            page = "A4"
        elif chosen == "Letter":
            page = "Letter"

        def work(store: CacheStore, cancel: threading.Event) -> tuple[int, bytes]:
            items = certificate_inputs(store, awards, names)

            def report(done: int, total: int) -> None:
                self.progressed.emit(generation, done, total)  # queued to the GUI thread

            pdf = render_certificates(
                items, template=template, page_size=page, on_progress=report, cancel=cancel
            )
            return generation, pdf

        self._account.with_cache("certificates", work, self._on_rendered, self._on_failed)

    def _on_progressed(self, generation: int, done: int, total: int) -> None:
        if self.preview is not None and generation == self._generation:
            self.preview.set_busy(True, done, total)

    def _on_rendered(self, result: tuple[int, bytes]) -> None:
        generation, pdf = result
        if self.preview is None or generation != self._generation:
            return  # an older choice, or the preview was closed
        self.preview.show_pdf(pdf)

    def _on_preview_options_changed(self, template: str, page_size: str) -> None:
        if self._settings is not None:
            self._settings.set(CERTIFICATE_TEMPLATE, template)
            self._settings.set(PAGE_SIZE, page_size)
        self._render()

    def _on_preview_destroyed(self) -> None:
        self.preview = None

    # -- out ---------------------------------------------------------------------------------
    def _file_name(self) -> str:
        from backpack_desktop.services.files import safe_file_name

        first = self._awards[0].name if len(self._awards) == 1 else "badge certificates"
        return safe_file_name(first, ".pdf")

    def _on_preview_save_requested(self) -> None:
        if self.preview is not None and self.preview.pdf:
            self._files.save_bytes(self.preview.pdf, self._file_name(), "Save certificate", "", "PDF (*.pdf)")

    def _on_preview_print_requested(self) -> None:
        if self.preview is None or not self.preview.pdf:
            return
        choice = self._choose(self.preview)
        if choice is None:
            return
        pdf, pages = self.preview.pdf, len(self._awards)
        if choice.file:
            from pathlib import Path

            from backpack_desktop.services.files import write_atomically

            write_atomically(Path(choice.file), pdf)
            self.finished.emit(f"Saved {Path(choice.file).name}")
            return
        if shutil.which("lp") is None and choice.device is not None:
            self._paint(choice.device)  # Windows: no lp; Qt draws the pages for the driver
            return
        self._account.with_cache(
            "print", lambda _store, _cancel: _send(pdf, choice.printer, pages), self._on_sent, self._on_failed
        )

    def _paint(self, printer: QPrinter) -> None:
        """Draw the previewed PDF's pages (rendered by QtPdf at the printer's resolution)."""
        assert self.preview is not None
        document = self.preview.document
        painter = QPainter()
        if not painter.begin(printer):
            messages.show_error(self._parent(), UserFacingError("The printer could not be started."))
            return
        try:
            for page in range(document.pageCount()):
                if page:
                    printer.newPage()
                target = painter.viewport()
                size = document.pagePointSize(page).scaled(
                    target.size().toSizeF(), Qt.AspectRatioMode.KeepAspectRatio
                )
                image = document.render(page, size.toSize())
                painter.drawImage(QRect(target.topLeft(), size.toSize()), image)
                self.preview.set_busy(True, page + 1, document.pageCount())
                QCoreApplication.processEvents()
        finally:
            painter.end()
            self.preview.set_busy(False)
        self.finished.emit(f"Sent to {printer.printerName()}")

    def _on_sent(self, job: PrintJob) -> None:
        self.finished.emit(f"Sent to {job.printer} (job {job.job_id})")

    def _on_failed(self, exc: BaseException) -> None:
        if self.preview is not None:
            self.preview.set_busy(False)
        messages.show_error(self._parent(), exc)


def _send(pdf: bytes, printer: str, pages: int) -> PrintJob:
    from backpack_desktop.services.printing import print_and_wait

    return print_and_wait(pdf, printer or None, f"{pages} badge certificate{'s' if pages != 1 else ''}")
