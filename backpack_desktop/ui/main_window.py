"""The main window: a welcome page before sign-in, then the account page with sync.

The badge list and detail pane arrive with their own issue; until then the account page shows
what was synced (counts by status), when, and from where, with Sync, Cancel and Sign out.
Every label holds plain text; layouts live in ``_build_*`` methods, signal wiring in
``_connect_signals``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QMimeData, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop import APP_NAME, __version__
from backpack_desktop.domain.connection import ServerEndpoints
from backpack_desktop.domain.errors import CancelledError
from backpack_desktop.domain.models import Award
from backpack_desktop.domain.status import Status, status_of
from backpack_desktop.services.sync import SyncProgress, SyncResult
from backpack_desktop.ui import messages
from backpack_desktop.ui.account import AccountController, AccountView
from backpack_desktop.ui.backpack_view import BackpackView
from backpack_desktop.ui.file_actions import FileActions
from backpack_desktop.ui.links import LinkOpener
from backpack_desktop.ui.pictures import PictureLoader
from backpack_desktop.ui.printing import CertificatePrinter
from backpack_desktop.ui.settings import GRID_VIEW, Settings
from backpack_desktop.ui.verification import VerificationController
from backpack_desktop.ui.widgets import plain_label


def ago(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', or the date."""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} minute{'s' if seconds >= 120 else ''} ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} hour{'s' if seconds >= 7200 else ''} ago"
    return f"on {moment.astimezone():%d %b %Y %H:%M}"


class MainWindow(QMainWindow):
    """The application window.

    Attributes:
        endpoints: the deployment in use when known (demo mode), shown on the welcome page.
    """

    def __init__(
        self,
        account: AccountController,
        icon: QIcon,
        sign_in: Callable[[], None],
        endpoints: ServerEndpoints | None = None,
        demo_username: str | None = None,
        try_demo: Callable[[], None] | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        self.account, self.endpoints = account, endpoints
        self._icon, self._sign_in, self._demo_username = icon, sign_in, demo_username
        self._try_demo = try_demo
        self._shown: tuple[Award, ...] = ()
        self.links = LinkOpener(self._dialog_parent)
        self.files = FileActions(account, self._dialog_parent, parent=self)
        self.verifier = VerificationController(account, parent=self)
        self.printer = CertificatePrinter(account, settings, self.files, self._dialog_parent, parent=self)
        self.setAcceptDrops(True)  # badge files dropped on the window are imported
        self._settings = settings
        demo = endpoints is not None and endpoints.demo
        self.setWindowTitle(f"{APP_NAME} — Demo" if demo else APP_NAME)
        self.setWindowIcon(icon)
        self.resize(1180, 760)
        self._build_actions()
        self._build_ui()
        self._connect_signals()
        self._restore_state()
        self._on_account_changed(account.view)

    def _restore_state(self) -> None:
        if self._settings is None:
            return
        geometry, splitter = self._settings.state("window_geometry"), self._settings.state("splitter")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if splitter is not None:
            self.backpack.splitter.restoreState(splitter)
        self.backpack.set_grid(self._settings.get(GRID_VIEW))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Remember size, splitter and view mode for the next start."""
        if self._settings is not None:
            self._settings.save_state("window_geometry", self.saveGeometry())
            self._settings.save_state("splitter", self.backpack.splitter.saveState())
            self._settings.set(GRID_VIEW, self.backpack.delegate.grid)
        super().closeEvent(event)

    # -- layout ----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.sign_in_action = QAction("Sign &in…", self)
        self.sync_action = QAction("&Sync now", self)
        self.sync_action.setShortcut(QKeySequence("Ctrl+R"))
        self.sign_out_action = QAction("Sign &out…", self)
        self.print_action = QAction("&Print certificates…", self)
        self.print_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Print))
        self.print_action.setToolTip("Print certificates for the selected badges")
        self.import_action = QAction("&Import badges…", self)
        self.import_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        self.import_action.setToolTip("Add baked badge images or badge files to your offline copy")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&File")
        for action in (
            self.sign_in_action,
            self.sync_action,
            self.import_action,
            self.print_action,
            self.sign_out_action,
        ):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(quit_action)
        readme = QAction("&Read me", self)
        readme.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        readme.triggered.connect(self._on_readme_triggered)
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(self._on_about_triggered)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(readme)
        help_menu.addAction(about)

    def _build_ui(self) -> None:
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_welcome())
        self.pages.addWidget(self._build_account_page())
        self.setCentralWidget(self.pages)

    def _heading(self) -> QHBoxLayout:
        heading = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(self._icon.pixmap(QSize(64, 64)))
        heading.addWidget(logo)
        title = plain_label(APP_NAME)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(plain_label("Your Canvas Credentials badges, offline."))
        heading.addLayout(text, 1)
        return heading

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout()
        column.addLayout(self._heading())
        column.addSpacing(12)
        if self.endpoints is not None:
            column.addWidget(
                plain_label(
                    f"Demo mode: connected to the {self.endpoints.label} at "
                    f"{self.endpoints.api}. No Canvas account is needed."
                )
            )
        if self._demo_username:
            column.addWidget(plain_label(f"Demo account: {self._demo_username}", selectable=True))
        self.welcome_sign_in = QPushButton("Sign in")
        self.welcome_sign_in.setDefault(True)
        self.welcome_sign_in.setMinimumHeight(36)
        column.addWidget(self.welcome_sign_in)
        self.welcome_demo = QPushButton("Try the demo")
        self.welcome_demo.setToolTip("Open a demo backpack on a built-in test server; no account needed")
        self.welcome_demo.setVisible(self._try_demo is not None)
        column.addWidget(self.welcome_demo)
        return _centered(page, column)

    def _build_account_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        self.account_label = plain_label()
        self.status_label = plain_label()
        self.status_label.setAccessibleName("Sync status")
        self.summary_label = plain_label()
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sync progress")
        self.cancel_button = QPushButton("Cancel")
        self.sync_button = QPushButton("Sync")
        self.sync_button.setToolTip("Fetch your badges from the server (Ctrl+R)")
        text = QVBoxLayout()
        for widget in (self.account_label, self.status_label, self.summary_label):
            text.addWidget(widget)
        row = QHBoxLayout()
        row.addLayout(text, 3)
        row.addWidget(self.progress, 2)
        row.addWidget(self.cancel_button)
        row.addWidget(self.sync_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(row)
        self.backpack = BackpackView()
        column.addWidget(self.backpack, 1)
        return page

    def _connect_signals(self) -> None:
        self.welcome_sign_in.clicked.connect(self._sign_in)
        if self._try_demo is not None:
            self.welcome_demo.clicked.connect(self._try_demo)
        self._clock = QTimer(self)  # "Synced 2 minutes ago" must not go stale on screen
        self._clock.setInterval(30_000)
        self._clock.timeout.connect(self._on_clock_timeout)
        self._clock.start()
        self.sign_in_action.triggered.connect(self._sign_in)
        self.sync_action.triggered.connect(self.account.sync)
        self.sync_button.clicked.connect(self.account.sync)
        self.cancel_button.clicked.connect(self.account.cancel_sync)
        self.sign_out_action.triggered.connect(self._on_sign_out_triggered)
        self.account.changed.connect(self._on_account_changed)
        self.account.sync_progress.connect(self._on_account_sync_progress)
        self.account.sync_finished.connect(self._on_account_sync_finished)
        self.account.sync_failed.connect(self._on_account_sync_failed)
        self.account.failed.connect(self._on_account_failed)
        self.backpack.json_requested.connect(self._on_backpack_json_requested)
        self.backpack.link_requested.connect(self.links.open)
        self.backpack.download_requested.connect(self.files.download)
        self.backpack.remove_requested.connect(self.files.remove)
        self.backpack.verify_requested.connect(self.verifier.check)
        self.backpack.share_requested.connect(self._on_backpack_share_requested)
        self.backpack.print_requested.connect(self.printer.print_awards)
        self.print_action.triggered.connect(self._on_print_triggered)
        self.printer.finished.connect(self._on_files_finished)
        self.verifier.checked.connect(self.backpack.detail.set_verification)
        self.import_action.triggered.connect(self.files.choose_and_import)
        self.files.finished.connect(self._on_files_finished)
        self.pictures = PictureLoader(self.account, self.backpack, self)
        self.account.notice.connect(self.statusBar().showMessage)

    # -- state -----------------------------------------------------------------------------
    def _on_clock_timeout(self) -> None:
        self.status_label.setText(self._status_text(self.account.view))

    def _on_account_failed(self, exc: BaseException) -> None:
        messages.show_error(self, exc)

    def _set_syncing(self, syncing: bool) -> None:
        self.progress.setVisible(syncing)
        self.cancel_button.setVisible(syncing)
        self.sync_button.setEnabled(not syncing and self.account.view.signed_in)
        self.sync_action.setEnabled(self.sync_button.isEnabled())

    def _on_account_changed(self, view: AccountView) -> None:
        has_data = view.backpack is not None and (
            view.backpack.sync is not None or bool(view.backpack.awards)
        )
        self.pages.setCurrentIndex(1 if (view.signed_in or has_data) else 0)
        self.sign_out_action.setEnabled(view.signed_in or has_data)
        self._set_syncing(self.account.syncing)
        profile = view.backpack.profile if view.backpack else None
        who = profile.display_name if profile else (view.signed_in_as or "Signed in")
        where = view.region.label if view.region else "Canvas Credentials"
        self.account_label.setText(f"{who} · {where}" if view.signed_in else f"Not signed in · {where}")
        self.status_label.setText(self._status_text(view))
        self.summary_label.setText(self._summary_text(view))
        awards = view.backpack.awards if view.backpack else ()
        if awards != self._shown:
            self._shown = awards
            self.backpack.set_awards(awards)
            self.pictures.load_thumbnails(awards)

    def _dialog_parent(self) -> QWidget:
        return self

    def _on_print_triggered(self) -> None:
        chosen = self.backpack.selected_awards()
        if chosen:
            self.printer.print_awards(chosen)

    def _on_backpack_share_requested(self, award: Award) -> None:
        from backpack_desktop.ui.share_dialog import ShareDialog

        dialog = ShareDialog(award, self.links, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.save_file_requested.connect(self._on_share_save_file_requested)
        dialog.qr_save_requested.connect(self._on_share_qr_save_requested)
        dialog.open()

    def _on_share_save_file_requested(self, award: Award) -> None:
        self.files.download(award, "image")

    def _on_share_qr_save_requested(self, data: bytes, fmt: str) -> None:
        self.files.save_bytes(data, f"badge-link-qr.{fmt}", "Save QR code", "", f"QR code (*.{fmt})")

    def _on_files_finished(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    # -- drag and drop -----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accept local files only (a dragged web link is not a badge file)."""
        if _dropped_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """Import the dropped files."""
        files = _dropped_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.files.import_paths(files)

    def _on_backpack_json_requested(self, award: Award) -> None:
        from backpack_desktop.ui.json_dialog import AwardJsonDialog

        dialog = AwardJsonDialog(award, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _status_text(self, view: AccountView) -> str:
        sync = view.backpack.sync if view.backpack else None
        if self.account.syncing:
            return "Syncing…"
        if sync is None:
            return "Not synced yet."
        text = (
            f"Synced {ago(sync.synced_at)}."
            if view.signed_in
            else (f"Offline — showing badges synced on {sync.synced_at.astimezone():%d %b %Y %H:%M}.")
        )
        if view.session_only:
            text += " Kept in memory only: nothing is saved on this computer."
        elif view.signed_in and not view.remembered:
            text += " Sign-in not remembered on this device."
        return text

    @staticmethod
    def _summary_text(view: AccountView) -> str:
        if view.backpack is None or not view.backpack.awards:
            return "No badges yet. Sync to fetch them."
        counts = Counter(status_of(a) for a in view.backpack.awards)
        parts = ", ".join(f"{counts[s]} {s.label.lower()}" for s in Status if counts[s])
        total = len(view.backpack.awards)
        return f"{total} badge{'s' if total != 1 else ''}: {parts}."

    def _on_account_sync_progress(self, progress: SyncProgress) -> None:
        self._set_syncing(True)
        self.status_label.setText(
            {
                "profile": "Fetching your profile…",
                "badges": "Fetching your badges…",
                "images": "Downloading badge images…",
                "saving": "Saving…",
            }[progress.stage]
        )
        self.progress.setRange(0, max(progress.items_total, 0))
        self.progress.setValue(progress.items_done)

    def _on_account_sync_finished(self, result: SyncResult) -> None:
        self._on_account_changed(self.account.view)

    def _on_account_sync_failed(self, exc: BaseException) -> None:
        self._on_account_changed(self.account.view)
        if not isinstance(exc, CancelledError):
            self.status_label.setText(f"Sync failed: {messages.user_text(exc)} Your badges are unchanged.")

    # -- actions ---------------------------------------------------------------------------
    def _on_sign_out_triggered(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Sign out",
            "Sign out of Canvas Credentials on this computer?\n\n"
            "You can keep the offline copy of your badges, or delete it.",
            parent=self,
        )
        keep = box.addButton("Sign out, keep badges", QMessageBox.ButtonRole.AcceptRole)
        delete = box.addButton("Sign out, delete badges", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() in (keep, delete):
            self.account.sign_out(box.clickedButton() is delete, lambda _revoked: None)

    def _on_readme_triggered(self) -> None:
        from backpack_desktop.ui.help_dialog import ReadmeDialog

        dialog = ReadmeDialog(self.links, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"{APP_NAME} {__version__}\nAn offline badge wallet for Canvas Credentials.",
        )


def _centered(page: QWidget, column: QVBoxLayout) -> QWidget:
    """Put ``column`` in a card centred on ``page``."""
    card = QWidget()
    card.setMaximumWidth(640)
    card.setLayout(column)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(card, 4)
    row.addStretch(1)
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    return page


def _dropped_files(mime: QMimeData) -> list[str]:
    """The local files in a drop; empty when anything in it is not a local file."""
    urls = mime.urls() if mime.hasUrls() else []
    if not urls or not all(url.isLocalFile() for url in urls):
        return []
    return [url.toLocalFile() for url in urls]
