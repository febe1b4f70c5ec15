"""The value widgets of the detail pane: plain text, links with an Open button, lists of links.

Each widget is built once and updated in place when the selection changes. Buttons report
through bound methods and the widget's own signal, never through lambdas, so nothing outlives
the widget it belongs to.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from backpack_desktop.domain.links import check_link
from backpack_desktop.ui.widgets import plain_label

OPEN_TIP = "Open in your web browser (the full address is shown first)"
REFUSED_TIP = "Only secure (https) links can be opened"


class LinkField(QWidget):
    """A link shown as selectable plain text, with an "Open…" button when it may open.

    Signals:
        open_requested(str): the learner asked to open the link.
    """

    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, kiosk: bool = False) -> None:
        super().__init__(parent)
        self.kiosk = kiosk  # the address is shown, but a kiosk never opens a browser
        self.text = plain_label(selectable=True)
        self.text.setWordWrap(True)
        self.button = QToolButton()
        self.button.setText("Open…")
        self.button.clicked.connect(self._on_button_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.url = ""

    def set_url(self, url: str, caption: str = "") -> None:
        """Show ``url`` (after ``caption`` when given); the button only for an openable link."""
        self.url = url
        self.text.setText(f"{caption}\n{url}" if caption and url else caption or url)
        allowed = bool(url) and check_link(url).allowed
        self.button.setVisible(bool(url) and not self.kiosk)
        self.button.setEnabled(allowed)
        self.button.setToolTip(OPEN_TIP if allowed else REFUSED_TIP)
        self.button.setAccessibleName(f"Open {url[:200]}")

    def _on_button_clicked(self) -> None:
        self.open_requested.emit(self.url)


class LinkList(QWidget):
    """Several captioned links (evidence, alignments); rebuilt when the award changes.

    Signals:
        open_requested(str): a link in the list was asked to open.
    """

    open_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, kiosk: bool = False) -> None:
        super().__init__(parent)
        self.kiosk = kiosk
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.items: list[LinkField] = []

    def set_items(self, items: list[tuple[str, str]]) -> None:
        """Show ``(caption, url)`` pairs."""
        while len(self.items) > len(items):
            self.items.pop().deleteLater()
        while len(self.items) < len(items):
            field = LinkField(kiosk=self.kiosk)
            field.open_requested.connect(self.open_requested)
            self._layout.addWidget(field)
            self.items.append(field)
        for field, (caption, url) in zip(self.items, items, strict=True):
            field.set_url(url, caption)


def picture_label(name: str) -> QLabel:
    """An image label with an accessible name (its pixmap is set later)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # it never shows text, but says so
    label.setAccessibleName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
