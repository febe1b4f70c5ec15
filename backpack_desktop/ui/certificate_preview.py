"""The print preview: the certificate PDF itself, shown by QtPdf, with template and paper choice.

What is previewed is exactly what is printed or saved: the same PDF bytes. Changing the
template or the paper asks the controller for a new PDF (made off the GUI thread); Print
opens the platform print dialog, Save as PDF the save dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop.ui.widgets import plain_label

PAGE_CHOICES = (("", "Paper: automatic"), ("A4", "A4"), ("Letter", "US Letter"))


class CertificatePreview(QDialog):
    """Shows a certificate PDF and the choices that change it.

    Signals:
        options_changed(str, str): the template or the paper changed (template, page size).
        print_requested(): the learner pressed Print.
        save_requested(): the learner pressed Save as PDF.
    """

    options_changed = Signal(str, str)
    print_requested = Signal()
    save_requested = Signal()

    def __init__(
        self,
        templates: tuple[str, ...],
        template: str,
        page_size: str,
        count: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Print certificate" if count == 1 else f"Print {count} certificates")
        self.resize(980, 760)
        self.pdf: bytes = b""
        self._buffer: QBuffer | None = None
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.setAccessibleName("Certificate preview")
        self.template = QComboBox()
        self.template.setAccessibleName("Certificate template")
        for name in templates:
            self.template.addItem(name.capitalize(), name)
        self.template.setCurrentIndex(max(0, self.template.findData(template)))
        self.paper = QComboBox()
        self.paper.setAccessibleName("Paper size")
        for value, label in PAGE_CHOICES:
            self.paper.addItem(label, value)
        self.paper.setCurrentIndex(max(0, self.paper.findData(page_size)))
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.status = plain_label()
        self.print_button = QPushButton("Print…")
        self.print_button.setDefault(True)
        self.save_button = QPushButton("Save as PDF…")
        close = QPushButton("Close")
        bar = QHBoxLayout()
        widgets: tuple[QWidget, ...] = (
            QLabel("Template:"),
            self.template,
            self.paper,
            self.progress,
            self.status,
        )
        for widget in widgets:
            bar.addWidget(widget)
        bar.addStretch(1)
        for button in (self.save_button, self.print_button, close):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.template.currentIndexChanged.connect(self._on_option_changed)
        self.paper.currentIndexChanged.connect(self._on_option_changed)
        self.print_button.clicked.connect(self.print_requested)
        self.save_button.clicked.connect(self.save_requested)
        close.clicked.connect(self.reject)
        self.set_busy(True)

    @property
    def chosen_template(self) -> str:
        """The template in the chooser."""
        return str(self.template.currentData())

    @property
    def chosen_page_size(self) -> str:
        """The paper: empty for automatic, "A4" or "Letter"."""
        return str(self.paper.currentData())

    def set_busy(self, busy: bool, done: int = 0, total: int = 0) -> None:
        """Show progress while a PDF is being made; the actions wait for it."""
        self.progress.setVisible(busy)
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        self.print_button.setEnabled(not busy and bool(self.pdf))
        self.save_button.setEnabled(not busy and bool(self.pdf))
        if busy:
            self.status.setText("Making the certificates…")

    def show_pdf(self, pdf: bytes) -> None:
        """Preview ``pdf`` (kept, so Print and Save use exactly these bytes)."""
        self.pdf = pdf
        old = self._buffer
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(buffer)
        self._buffer = buffer
        if old is not None:
            old.deleteLater()
        pages = self.document.pageCount()
        self.status.setText(f"{pages} page{'s' if pages != 1 else ''}")
        self.set_busy(False)

    def _on_option_changed(self, _index: int) -> None:
        self.set_busy(True)
        self.options_changed.emit(self.chosen_template, self.chosen_page_size)
