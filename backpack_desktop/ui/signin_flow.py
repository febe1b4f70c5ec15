"""From "Sign in" to a signed-in account: pick the region, then the embedded or password sign-in.

In demo mode the region is the sandbox and the embedded sign-in opens directly. The chosen
region is remembered in the settings.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.services.auth import Tokens
from backpack_desktop.services.regions import Region, regions
from backpack_desktop.ui import messages
from backpack_desktop.ui.account import AccountController
from backpack_desktop.ui.settings import OAUTH_CLIENTS, REGION, Settings
from backpack_desktop.ui.signin_start import EMBEDDED, PASSWORD, PasswordDialog, RegionDialog
from backpack_desktop.ui.tasks import TaskManager


class SignInFlow:
    """Runs the sign-in dialogs for a window and hands the tokens to the account."""

    def __init__(
        self,
        settings: Settings,
        tasks: TaskManager,
        account: AccountController,
        demo_region: Region | None = None,
        extra_hosts: list[str] | None = None,
    ) -> None:
        self._settings, self._tasks, self._account = settings, tasks, account
        self._demo_region, self._extra_hosts = demo_region, extra_hosts or []
        self.parent: QWidget | None = None
        self.dialog: QDialog | None = None
        self._pending: tuple[Region, str] | None = None

    def start(self) -> None:
        """Open the sign-in (called by the window's Sign in button and menu)."""
        try:
            region, mode = self._choose()
            if mode == EMBEDDED:
                self._embedded(region)
            elif mode == PASSWORD:
                self._password(region)
        except UserFacingError as exc:
            messages.show_error(self.parent, exc)

    def _choose(self) -> tuple[Region, int]:
        if self._demo_region is not None:
            return self._demo_region, EMBEDDED
        clients = self._settings.get(OAUTH_CLIENTS)
        dialog = RegionDialog(
            regions(clients), self._settings.get(REGION), clients.get("custom"), self.parent
        )
        mode = dialog.exec()
        if mode in (EMBEDDED, PASSWORD):
            if dialog.is_custom:
                self._settings.set(OAUTH_CLIENTS, {**clients, "custom": dialog.custom_settings()})
            self._settings.set(REGION, dialog.chosen.key)
        return dialog.chosen, mode

    def _embedded(self, region: Region) -> None:
        # QtWebEngine costs ~0.3 s to load: only when someone signs in, not at every start.
        from backpack_desktop.ui.signin_dialog import SignInDialog

        dialog = SignInDialog(region, self._tasks, self._extra_hosts, self.parent)
        self._pending = (region, str(region.oauth_client_id))
        dialog.signed_in.connect(self._on_dialog_signed_in)
        self.dialog = dialog
        dialog.open()
        dialog.start()

    def _password(self, region: Region) -> None:
        dialog = PasswordDialog(region, self._tasks, self.parent)
        self._pending = (region, "public")
        dialog.signed_in.connect(self._on_dialog_signed_in)
        self.dialog = dialog
        dialog.open()

    def _on_dialog_signed_in(self, tokens: Tokens) -> None:
        # Bound methods, not lambdas, on the dialogs' signals (see DetailPane for why).
        if self._pending is None:
            return
        region, client_id = self._pending
        identity = getattr(self.dialog, "identity", None)
        self._account.signed_in(region, tokens, client_id, identity.display_name if identity else None)
