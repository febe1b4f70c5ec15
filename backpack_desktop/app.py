"""Composition root: build the services and the window, wire them, run the event loop.

Everything is created here and passed in through constructors; nothing reaches for a global.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backpack_desktop import APP_ID, APP_NAME, __version__, resources
from backpack_desktop.domain.connection import ServerEndpoints
from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.sandbox import SandboxConfig, SandboxServer

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from backpack_desktop.services.kiosk_config import KioskConfig
    from backpack_desktop.services.regions import Region
    from backpack_desktop.ui.account import AccountController
    from backpack_desktop.ui.main_window import MainWindow
    from backpack_desktop.ui.settings import Settings
    from backpack_desktop.ui.signin_flow import SignInFlow
    from backpack_desktop.ui.tasks import TaskManager


def _prepare_qt_environment() -> None:
    """Set the web engine's environment before Qt starts.

    Chromium refuses to run as root without its sandbox disabled. Remote debugging would open
    the sign-in page (and its password field) to any local process, so it is never inherited.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    os.environ.pop("QTWEBENGINE_REMOTE_DEBUGGING", None)


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
    """What one run of the app owns; :meth:`close` releases it (tasks stop, the sandbox stops)."""

    window: MainWindow
    sandbox: SandboxServer | None
    tasks: TaskManager
    account: AccountController
    sign_in: SignInFlow

    def close(self) -> None:
        """Close the window, wait (bounded) for background work, stop the sandbox."""
        if self.sign_in.dialog is not None and self.sign_in.dialog.isVisible():
            self.sign_in.dialog.reject()  # destroys its web page and profile first
        self.window.close()
        self.tasks.shutdown()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
        self._delete_qt_objects()

    def _delete_qt_objects(self) -> None:
        # Deleted here, on the GUI thread, rather than whenever the cycle collector finds them
        # (see ui/collector.py): a late delivery from a worker then has no receiver left.
        import shiboken6

        for obj in (self.window, self.account, self.tasks):
            if shiboken6.isValid(obj):
                shiboken6.delete(obj)


def build(demo: bool, settings_store: QSettings | None = None) -> AppSession:
    """Create the services and the window (in demo mode against a sandbox on a free port).

    A QApplication must exist. Separate from :func:`run` so tests can build the real thing.
    Demo mode keeps everything in memory: its sandbox data is new at every start, and nothing
    of it should land next to the learner's real offline copy.
    """
    from PySide6.QtCore import QSettings

    from backpack_desktop.services import paths
    from backpack_desktop.services.regions import sandbox_region
    from backpack_desktop.ui.account import AccountController
    from backpack_desktop.ui.main_window import MainWindow
    from backpack_desktop.ui.settings import REGION, SSO_HOSTS, Settings
    from backpack_desktop.ui.signin_flow import SignInFlow
    from backpack_desktop.ui.tasks import TaskManager

    settings = Settings(settings_store or QSettings())
    tasks = TaskManager()
    sandbox = SandboxServer(SandboxConfig()).start() if demo else None
    region = sandbox_region(sandbox.info) if sandbox else _saved_region(settings.get(REGION), settings)
    account = AccountController(tasks, None if demo else paths.data_dir())
    sso = settings.get(SSO_HOSTS).get("hosts", [])
    extra_hosts = [sandbox.info["canvas"]] if sandbox else [h for h in sso if isinstance(h, str)]
    flow = SignInFlow(settings, tasks, account, region if demo else None, extra_hosts)
    endpoints = demo_endpoints(sandbox.info) if sandbox else None
    window = MainWindow(
        account,
        app_icon(),
        flow.start,
        endpoints,
        sandbox.info["username"] if sandbox else None,
        None if demo else open_demo,
        settings,
    )
    flow.parent = window
    account.load(region)
    return AppSession(window, sandbox, tasks, account, flow)


def open_demo() -> None:
    """Start the demo in its own window (its own process, so nothing mixes with real data)."""
    from PySide6.QtCore import QProcess

    # In a PyInstaller bundle sys.executable is the app itself, which takes no "-m".
    arguments = ["--demo"] if getattr(sys, "frozen", False) else ["-m", "backpack_desktop", "--demo"]
    QProcess.startDetached(sys.executable, arguments)


def _saved_region(key: str, settings: Settings) -> Region | None:
    from backpack_desktop.services.regions import region
    from backpack_desktop.ui.settings import OAUTH_CLIENTS

    if not key:
        return None
    try:
        return region(key, settings.get(OAUTH_CLIENTS))
    except UserFacingError:
        return None


def create_application() -> QApplication:
    """The QApplication with our names, desktop file id and icon."""
    _prepare_qt_environment()
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    # QtWebEngine is imported only when the sign-in opens; it needs shared GL contexts set
    # before the application exists.
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("BackpackDesktop")
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    return app


def run(demo: bool) -> int:
    """Open the main window (against a fresh in-process sandbox when ``demo``) and run."""
    return _run_session(lambda: build(demo))


def _run_session(make: Callable[[], AppSession], full_screen: bool = False) -> int:
    """The event loop around one session: crash hook, GUI-thread collection, close at the end."""
    app = create_application()
    from backpack_desktop.ui import crash, messages
    from backpack_desktop.ui.collector import GuiThreadCollector

    crash.install_excepthook()
    GuiThreadCollector(app).start()
    session = make()
    try:
        if full_screen:
            session.window.showFullScreen()
        else:
            session.window.show()
        messages.flush_queued(session.window)
        return app.exec()
    finally:
        session.close()


def run_kiosk(config_path: str | None) -> int:
    """Run a kiosk station: configuration checked first, crash residue swept, then full screen.

    Without a configuration file the station signs in to a built-in sandbox and prints a
    one-time administrator PIN on the terminal, so kiosk mode can be tried safely.
    """
    from backpack_desktop.services import kiosk_temp
    from backpack_desktop.services.kiosk_config import hash_pin, load_config

    config = load_config(config_path)  # a bad file is an error before any window
    if not config.admin_pin:
        import dataclasses
        import secrets

        pin = f"{secrets.randbelow(10**6):06d}"
        config = dataclasses.replace(config, admin_pin=hash_pin(pin))
        print(f"Kiosk trial: the administrator PIN for this run is {pin}", file=sys.stderr)
    kiosk_temp.sweep_residue()
    temp_dir = kiosk_temp.claim_private_temp()
    return _run_session(lambda: build_kiosk(config, temp_dir), full_screen=True)


def build_kiosk(config: KioskConfig, temp_dir: Path | None = None) -> AppSession:
    """The kiosk's services and window (a QApplication must exist); also used by the tests."""
    from backpack_desktop.services.regions import region as find_region
    from backpack_desktop.services.regions import sandbox_region
    from backpack_desktop.ui.account import AccountController
    from backpack_desktop.ui.kiosk_window import KioskWindow
    from backpack_desktop.ui.signin_flow import SignInFlow
    from backpack_desktop.ui.tasks import TaskManager

    tasks = TaskManager()
    sandbox = SandboxServer(SandboxConfig()).start() if config.server == "sandbox" else None
    if sandbox is not None:
        where = sandbox_region(sandbox.info)
        extra = [sandbox.info["canvas"]]
    else:
        clients = {config.server: {"client_id": config.oauth_client_id}} if config.oauth_client_id else {}
        where = find_region(config.server, clients)
        extra = []
    account = AccountController(tasks, None)  # in memory only: nothing of a visitor reaches the disk
    flow = SignInFlow(None, tasks, account, where, extra)  # type: ignore[arg-type]
    window = KioskWindow(account, config, flow.start, temp_dir)
    flow.parent = window
    account.load(where)
    return AppSession(window, sandbox, tasks, account, flow)  # type: ignore[arg-type]
