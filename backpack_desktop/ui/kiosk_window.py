"""The kiosk station: attract screen, a visitor's badges, one-tap printing, QR sharing, the wipe.

One visitor at a time. Signing out, walking away (the idle countdown) or a crash all end in the
same wipe: every dialog closed, the account forgotten (its token revoked in the background),
models and picture caches emptied, the clipboard cleared if it holds our text, the private
temporary folder emptied and our print jobs purged from the spooler. Nothing here opens a
file dialog, a browser or a new window, and leaving needs the administrator PIN.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QPixmapCache
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop import APP_NAME
from backpack_desktop.domain.models import Award
from backpack_desktop.services.kiosk_config import WARNING_SECONDS, KioskConfig
from backpack_desktop.ui import messages
from backpack_desktop.ui.account import AccountController, AccountView
from backpack_desktop.ui.backpack_view import BackpackView
from backpack_desktop.ui.idle import IdleWatcher
from backpack_desktop.ui.links import LinkOpener
from backpack_desktop.ui.pictures import PictureLoader
from backpack_desktop.ui.widgets import plain_label

# Touch targets of at least 48 px and larger type; the badge cards keep their own drawing
# (the delegate sizes them), so the list view's font is left alone.
STYLE = """
QPushButton, QToolButton, QComboBox, QLineEdit { font-size: 15pt; min-height: 48px; padding: 4px 14px; }
QLabel { font-size: 13pt; }
QLabel#attract { font-size: 36pt; font-weight: bold; }
QLabel#countdown { background: #8a5300; color: white; padding: 12px; font-size: 20pt; }
"""


class KioskWindow(QMainWindow):
    """The full-screen station window."""

    def __init__(
        self,
        account: AccountController,
        config: KioskConfig,
        sign_in: Callable[[], None],
        temp_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        ask_pin: Callable[[QWidget], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.account, self.config, self._sign_in, self.temp_dir = account, config, sign_in, temp_dir
        self._ask_pin = ask_pin or _ask_pin
        self.links = LinkOpener(kiosk=True)  # never reaches a browser
        self.idle = IdleWatcher(config.idle_timeout, WARNING_SECONDS, clock, self)
        self.jobs: list[str] = []
        self.may_close = False
        self.setWindowTitle(f"{APP_NAME} — Kiosk")
        self.setStyleSheet(STYLE)
        self.setAcceptDrops(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self._build_ui()
        self._connect_signals()
        self._on_account_changed(account.view)

    # -- layout ----------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.pages = QStackedWidget()
        attract = QWidget()
        column = QVBoxLayout(attract)
        title = plain_label("Sign in to see your badges")
        title.setObjectName("attract")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setMinimumSize(320, 96)
        column.addStretch(2)
        column.addWidget(title)
        column.addWidget(self.sign_in_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(3)
        self.pages.addWidget(attract)
        visitor = QWidget()
        layout = QVBoxLayout(visitor)
        header = QHBoxLayout()
        self.greeting = plain_label()
        self.status = plain_label()
        self.sign_out_button = QPushButton("Sign out")
        header.addWidget(self.greeting, 1)
        header.addWidget(self.status)
        header.addWidget(self.sign_out_button)
        self.backpack = BackpackView(kiosk=True)
        self.backpack.splitter.setSizes([600, 600])  # the details get half the screen
        layout.addLayout(header)
        layout.addWidget(self.backpack, 1)
        self.pages.addWidget(visitor)
        self.countdown = plain_label()
        self.countdown.setObjectName("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.hide()
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addWidget(self.countdown)
        outer.addWidget(self.pages, 1)
        self.setCentralWidget(root)

    def _connect_signals(self) -> None:
        self.sign_in_button.clicked.connect(self._sign_in)
        self.sign_out_button.clicked.connect(self._on_sign_out_clicked)
        self.account.changed.connect(self._on_account_changed)
        self.account.failed.connect(self._on_account_failed)
        self.backpack.print_requested.connect(self._on_print_requested)
        self.backpack.share_requested.connect(self._on_share_requested)
        self.backpack.link_requested.connect(self.links.open)
        self.pictures = PictureLoader(self.account, self.backpack, self)
        self.idle.warning.connect(self._on_idle_warning)
        self.idle.cancelled.connect(self.countdown.hide)
        self.idle.expired.connect(self.wipe)

    # -- the visitor -------------------------------------------------------------------------
    def _on_account_changed(self, view: AccountView) -> None:
        awards = view.backpack.awards if view.backpack else ()
        visiting = view.signed_in or bool(awards)
        self.pages.setCurrentIndex(1 if visiting else 0)
        if visiting:
            profile = view.backpack.profile if view.backpack else None
            self.greeting.setText(f"Hello, {profile.display_name}" if profile else "Hello")
            self.status.setText("Fetching your badges…" if self.account.syncing else "")
            if self.backpack.model.badges() != awards:
                self.backpack.set_awards(awards)
                self.pictures.load_thumbnails(awards)
            self.idle.start()

    def _on_account_failed(self, exc: BaseException) -> None:
        messages.show_error(self, exc)

    def _on_print_requested(self, awards: list[Award]) -> None:
        from backpack_desktop.services.certificate_inputs import certificate_inputs
        from backpack_desktop.services.certificates import render_certificates
        from backpack_desktop.services.printing import print_and_wait

        template, printer = self.config.template, self.config.printer

        def work(store: object, _cancel: object) -> str:
            pdf = render_certificates(certificate_inputs(store, awards), template=template)  # type: ignore[arg-type]
            return print_and_wait(pdf, printer or None, "Badge certificate").job_id

        self.status.setText("Printing…")
        self.account.with_cache("kiosk print", work, self._on_printed, self._on_print_failed)

    def _on_printed(self, job_id: str) -> None:
        self.jobs.append(job_id)
        self.status.setText("Printed — collect your certificate at the printer")

    def _on_print_failed(self, exc: BaseException) -> None:
        self.status.setText("")
        messages.show_error(self, exc)

    def _on_share_requested(self, award: Award) -> None:
        from backpack_desktop.ui.share_dialog import ShareDialog

        dialog = ShareDialog(award, self.links, kiosk=True, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setStyleSheet(STYLE)
        dialog.open()

    def _on_idle_warning(self, seconds: int) -> None:
        self.countdown.setText(
            f"Still there? Everything is cleared in {seconds} s — touch the screen to stay."
        )
        self.countdown.show()

    def _on_sign_out_clicked(self) -> None:
        self.wipe()

    # -- the wipe ----------------------------------------------------------------------------
    def wipe(self) -> None:
        """Forget the visitor completely and return to the attract screen."""
        self.idle.stop()
        self.countdown.hide()
        for widget in QApplication.topLevelWidgets():
            if widget is not self and widget.isVisible():
                if isinstance(widget, QDialog):
                    widget.reject()  # a sign-in dialog destroys its web profile here
                widget.close()
        links = {a.open_badge_id for a in self.backpack.model.badges() if a.open_badge_id}
        self.account.wipe()
        self.backpack.set_awards(())
        self.backpack.clear_filters()
        self.backpack.clear_pictures()
        QPixmapCache.clear()
        clipboard = QGuiApplication.clipboard()
        text = clipboard.text()
        # Ours if this app put it there (where the platform can tell) or if it is a visitor's link.
        if clipboard.ownsClipboard() or any(link and link in text for link in links):
            clipboard.clear()
        if self.temp_dir is not None and self.temp_dir.exists():
            from backpack_desktop.services.kiosk_temp import empty

            empty(self.temp_dir)
        self._purge_jobs()
        self.greeting.clear()
        self.status.clear()
        self.pages.setCurrentIndex(0)

    def _purge_jobs(self) -> None:
        """Remove our finished jobs (and their files) from the print spooler, best effort."""
        for job in self.jobs:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(["cancel", "-x", job], capture_output=True, timeout=10, check=False)
        self.jobs.clear()

    # -- leaving ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Only the administrator leaves: Alt+F4 and the window manager ask for the PIN."""
        if self.may_close:
            self.wipe()
            super().closeEvent(event)
            return
        pin = self._ask_pin(self)
        if pin is not None and self.config.pin_matches(pin):
            self.may_close = True
            self.wipe()
            super().closeEvent(event)
        else:
            event.ignore()


def _ask_pin(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(
        parent, "Administrator", "Administrator PIN to leave kiosk mode:", QLineEdit.EchoMode.Password
    )
    return text if ok else None
