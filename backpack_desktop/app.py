"""Composition root: build the services and the window, wire them, run the event loop.

Everything is created here and passed in through constructors; nothing reaches for a global.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backpack_desktop import APP_ID, APP_NAME, __version__, resources
from backpack_desktop.domain.connection import ServerEndpoints
from backpack_desktop.sandbox import SandboxConfig, SandboxServer

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from backpack_desktop.ui.main_window import MainWindow


def _prepare_qt_environment() -> None:
    """Chromium refuses to run as root without its sandbox disabled; set it before Qt starts."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def demo_endpoints(info: dict[str, str]) -> ServerEndpoints:
    """Endpoints of a running sandbox, from its info dictionary."""
    return ServerEndpoints("Canvas Credentials sandbox", info["api"], info["ui"], info["canvas"], demo=True)


def app_icon() -> QIcon:
    """The application icon, rendered from the SVG resource."""
    from PySide6.QtGui import QIcon, QPixmap

    pixmap = QPixmap()
    pixmap.loadFromData(resources.read_bytes("icons/app.svg"))
    return QIcon(pixmap)


@dataclass
class AppSession:
    """What one run of the app owns; :meth:`close` releases it (the sandbox stops)."""

    window: MainWindow
    sandbox: SandboxServer | None

    def close(self) -> None:
        """Close the window and stop the in-process sandbox, if any."""
        self.window.close()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None


def build(demo: bool) -> AppSession:
    """Create the window (and, in demo mode, a sandbox on a free loopback port).

    A QApplication must exist. Separate from :func:`run` so tests can build the real thing.
    """
    from backpack_desktop.ui.main_window import MainWindow

    sandbox = SandboxServer(SandboxConfig()).start() if demo else None
    endpoints = demo_endpoints(sandbox.info) if sandbox else None
    username = sandbox.info["username"] if sandbox else None
    return AppSession(MainWindow(endpoints, app_icon(), username), sandbox)


def create_application() -> QApplication:
    """The QApplication with our names, desktop file id and icon."""
    _prepare_qt_environment()
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    return app


def run(demo: bool) -> int:
    """Open the main window (against a fresh in-process sandbox when ``demo``) and run."""
    app = create_application()
    from backpack_desktop.ui import crash, messages

    crash.install_excepthook()
    session = build(demo)
    try:
        session.window.show()
        messages.flush_queued(session.window)
        return app.exec()
    finally:
        session.close()
