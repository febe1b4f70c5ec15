"""The share tray: Link · Social · E-mail · QR code · Embed · File, built from the cached award.

Everything is computed offline by ``domain/share``. Nothing opens by itself: a social network
or the e-mail program is reached only through the app's link opener, after the learner has
seen the whole address. A revoked or expired badge says so at the top before anything is
shared; an Open Badges 3.0 badge notes that it may have to be made public on the server first.
In kiosk mode only the link text and the QR code are offered.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award
from backpack_desktop.domain.share import public_url, share
from backpack_desktop.domain.status import Status, describe
from backpack_desktop.services.share_qr import qr_code
from backpack_desktop.ui.links import LinkOpener
from backpack_desktop.ui.widgets import plain_label

SOCIAL = (
    ("linkedin", "Share on LinkedIn"),
    ("linkedin-profile", "Add to LinkedIn profile"),
    ("twitter", "Post on X (Twitter)"),
    ("facebook", "Share on Facebook"),
    ("pinterest", "Pin on Pinterest"),
)
IDENTIFIER_TIP = "Adds your address to the link, so whoever opens it can check the badge was awarded to you."


class ShareDialog(QDialog):
    """Share one badge.

    Signals:
        save_file_requested(Award): the File tab's "Save badge file…" (the download code).
        qr_save_requested(bytes, str): save the QR code (bytes, "png" or "svg").
    """

    save_file_requested = Signal(object)
    qr_save_requested = Signal(bytes, str)

    def __init__(
        self, award: Award, links: LinkOpener, kiosk: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.award, self._links, self._kiosk = award, links, kiosk
        self.setWindowTitle("Share badge")
        self.resize(560, 520)
        self.tabs = QTabWidget()
        layout = QVBoxLayout(self)
        for warning in _warnings(award):
            banner = plain_label(warning)
            banner.setStyleSheet("background: #fff3cd; color: #3d2e00; padding: 6px; border-radius: 4px;")
            layout.addWidget(banner)
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._build_link_tab()
        if not kiosk:
            self._build_social_tab()
            self._build_email_tab()
        self._build_qr_tab()
        if not kiosk:
            self._build_embed_tab()
            self._build_file_tab()
        self._refresh()

    # -- tabs --------------------------------------------------------------------------------
    def _build_link_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setAccessibleName("Badge link")
        self.copy_link = QPushButton("Copy link")
        self.copy_link.clicked.connect(self._on_copy_link_clicked)
        self.identifier = QCheckBox("Include recipient identifier")
        self.identifier.setToolTip(IDENTIFIER_TIP)
        self.identifier.toggled.connect(self._refresh)
        try:
            public_url(self.award, include_identifier=True)
        except UserFacingError as exc:
            self.identifier.setEnabled(False)
            self.identifier.setToolTip(str(exc))
        row = QHBoxLayout()
        row.addWidget(self.link, 1)
        row.addWidget(self.copy_link)
        layout.addLayout(row)
        layout.addWidget(self.identifier)
        layout.addWidget(plain_label(IDENTIFIER_TIP))
        layout.addStretch(1)
        self.tabs.addTab(page, "Link")

    def _build_social_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(plain_label("Opens in your web browser after you have seen the address."))
        self.social: dict[str, QPushButton] = {}
        for provider, label in SOCIAL:
            button = QPushButton(label)
            button.setProperty("provider", provider)
            button.clicked.connect(self._on_social_clicked)
            layout.addWidget(button)
            self.social[provider] = button
        layout.addStretch(1)
        self.tabs.addTab(page, "Social")

    def _build_email_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(plain_label("Writes an e-mail naming the badge, the issuer and the link."))
        self.email = QPushButton("Open e-mail program…")
        self.email.clicked.connect(self._on_email_clicked)
        layout.addWidget(self.email)
        layout.addStretch(1)
        self.tabs.addTab(page, "E-mail")

    def _build_qr_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.qr = QLabel()
        self.qr.setTextFormat(Qt.TextFormat.PlainText)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setAccessibleName("QR code of the badge link")
        layout.addWidget(self.qr, 1)
        self.qr_link = plain_label(selectable=True)
        self.qr_link.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.qr_link)
        if not self._kiosk:
            row = QHBoxLayout()
            for fmt in ("png", "svg"):
                button = QPushButton(f"Save as {fmt.upper()}…")
                button.setProperty("format", fmt)
                button.clicked.connect(self._on_save_qr_clicked)
                row.addWidget(button)
            layout.addLayout(row)
        self.tabs.addTab(page, "QR code")

    def _build_embed_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.embed = QPlainTextEdit()
        self.embed.setReadOnly(True)
        self.embed.setAccessibleName("HTML to embed the badge in a web page")
        copy = QPushButton("Copy HTML")
        copy.clicked.connect(self._on_copy_embed_clicked)
        layout.addWidget(plain_label("Paste this into a web page to show the badge there."))
        layout.addWidget(self.embed, 1)
        layout.addWidget(copy)
        self.tabs.addTab(page, "Embed")

    def _build_file_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(plain_label("Save the badge image with its credential baked in, to send by hand."))
        save = QPushButton("Save badge file…")
        save.clicked.connect(self._on_save_file_clicked)
        layout.addWidget(save)
        layout.addStretch(1)
        self.tabs.addTab(page, "File")

    # -- content -----------------------------------------------------------------------------
    def _include(self) -> bool:
        return self.identifier.isEnabled() and self.identifier.isChecked()

    def _refresh(self) -> None:
        try:
            url = public_url(self.award, self._include())
        except UserFacingError as exc:
            self.link.setText(str(exc))
            self.copy_link.setEnabled(False)
            return
        self.link.setText(url)
        pixmap = QPixmap()
        pixmap.loadFromData(qr_code(url, "png"))
        self.qr.setPixmap(pixmap)
        self.qr_link.setText(url)
        self._qr_url = url
        if hasattr(self, "embed"):
            self.embed.setPlainText(share(self.award, "embed", self._include()).snippet)

    def _on_copy_link_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.link.text())

    def _on_copy_embed_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.embed.toPlainText())

    def _on_social_clicked(self) -> None:
        button = self.sender()
        provider = str(button.property("provider")) if button is not None else ""
        self._links.open_share(share(self.award, provider, self._include()).url)

    def _on_email_clicked(self) -> None:
        self._links.open_share(share(self.award, "email", self._include()).url)

    def _on_save_qr_clicked(self) -> None:
        button = self.sender()
        fmt = str(button.property("format")) if button is not None else "png"
        self.qr_save_requested.emit(qr_code(self._qr_url, "svg" if fmt == "svg" else "png"), fmt)

    def _on_save_file_clicked(self) -> None:
        self.save_file_requested.emit(self.award)


def _warnings(award: Award) -> list[str]:
    info = describe(award)
    found = []
    if info.status in (Status.REVOKED, Status.EXPIRED):
        reason = f" ({info.reason})" if info.reason else ""
        found.append(
            f"This badge is {info.status.label.lower()}{reason}. Whoever opens the link will see that."
        )
    if award.raw.get("@context") and "ob/v3p0" in str(award.raw.get("@context")):
        found.append(
            "This is an Open Badges 3.0 credential: it may have to be made public on the server "
            "before others can open its link."
        )
    return found
