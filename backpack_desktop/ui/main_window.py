"""The main window. For now it says where the app is connected; the Backpack view comes later.

Issuer-supplied text never reaches this window yet; the labels here hold our own strings and
server URLs, still set as plain text so nothing can be interpreted as markup.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop import APP_NAME, __version__
from backpack_desktop.domain.connection import ServerEndpoints


def _plain_label(text: str, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class MainWindow(QMainWindow):
    """The application window.

    Attributes:
        endpoints: the deployment the window is connected to, or None before sign-in.
    """

    def __init__(self, endpoints: ServerEndpoints | None, icon: QIcon, username: str | None = None) -> None:
        super().__init__()
        self.endpoints = endpoints
        self._icon = icon
        self._username = username
        self.setWindowTitle(f"{APP_NAME} — Demo" if endpoints and endpoints.demo else APP_NAME)
        self.setWindowIcon(icon)
        self.resize(960, 640)
        self._build_menus()
        self._build_ui()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)

    def _build_ui(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.addStretch(1)
        card = QFrame()
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(640)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.addLayout(self._build_heading())
        layout.addSpacing(12)
        layout.addWidget(self._build_status())
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.setCentralWidget(central)
        self.statusBar().showMessage(self._status_line())

    def _build_heading(self) -> QHBoxLayout:
        heading = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(self._icon.pixmap(QSize(64, 64)))
        heading.addWidget(logo)
        title = _plain_label(APP_NAME)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        subtitle = _plain_label("Your Canvas Credentials badges, offline.")
        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(subtitle)
        heading.addLayout(text, 1)
        return heading

    def _build_status(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        if self.endpoints is None:
            form.addRow(
                _plain_label(
                    "Not connected. Start with --demo to open the built-in Canvas Credentials sandbox; "
                    "signing in to a real account is not available in this version yet."
                )
            )
            return box
        self.connection_label = _plain_label(
            f"Connected to the {self.endpoints.label}" + (" (demo mode)" if self.endpoints.demo else "")
        )
        form.addRow(self.connection_label)
        form.addRow(_plain_label("API server:"), _plain_label(self.endpoints.api, selectable=True))
        form.addRow(_plain_label("Sign-in page:"), _plain_label(self.endpoints.ui, selectable=True))
        if self.endpoints.canvas:
            form.addRow(_plain_label("Canvas LMS:"), _plain_label(self.endpoints.canvas, selectable=True))
        if self._username:
            form.addRow(_plain_label("Demo account:"), _plain_label(self._username, selectable=True))
        form.addRow(_plain_label("Signing in and browsing badges are not available in this version yet."))
        return box

    def _status_line(self) -> str:
        if self.endpoints is None:
            return "Not connected"
        return f"{self.endpoints.label}: {self.endpoints.api}"

    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"{APP_NAME} {__version__}\nAn offline badge wallet for Canvas Credentials.",
        )
