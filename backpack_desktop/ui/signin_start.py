"""Choosing where to sign in, and the password sign-in.

The region list comes from ``services.regions`` (with the user's per-region client settings).
When a region has no registered OAuth client, browser sign-in cannot work there, and the
dialog says so plainly and offers password sign-in instead of a button that would fail.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.services.auth import Tokens, password_grant
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.regions import CUSTOM, Region, custom_region
from backpack_desktop.ui import messages
from backpack_desktop.ui.tasks import TaskManager
from backpack_desktop.ui.widgets import plain_label

EMBEDDED, PASSWORD = 1, 2


class RegionDialog(QDialog):
    """Pick a region; ``exec()`` returns EMBEDDED, PASSWORD or 0 (cancelled).

    Attributes:
        chosen: the selected region.
    """

    def __init__(
        self,
        choices: tuple[Region, ...],
        current: str,
        custom: Mapping[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Canvas Credentials")
        self._choices = tuple(r for r in choices if r.key != CUSTOM)
        self._custom_config = dict(custom or {})
        self.combo = QComboBox()
        self.combo.setAccessibleName("Server region")
        for region in self._choices:
            self.combo.addItem(region.label, region.key)
        self.combo.addItem("Custom server…", CUSTOM)
        self.custom_api = QLineEdit(str(self._custom_config.get("api", "")))
        self.custom_api.setPlaceholderText("https://api.badgr.example.edu")
        self.custom_ui = QLineEdit(str(self._custom_config.get("ui", "")))
        self.custom_ui.setPlaceholderText("https://badgr.example.edu")
        index = next((i for i, r in enumerate(self._choices) if r.key == current), 0)
        self.combo.setCurrentIndex(len(self._choices) if current == CUSTOM else index)
        self.note = plain_label()
        self.browser = QPushButton("Sign in")
        self.browser.setDefault(True)
        self.password = QPushButton("Sign in with password")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.password, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.browser, QDialogButtonBox.ButtonRole.AcceptRole)
        form = QFormLayout()
        form.addRow(plain_label("Where is your account?"), self.combo)
        self._custom_labels = (plain_label("API address:"), plain_label("Sign-in page:"))
        form.addRow(self._custom_labels[0], self.custom_api)
        form.addRow(self._custom_labels[1], self.custom_ui)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        self.custom_api.textChanged.connect(self._on_combo_changed)
        self.custom_ui.textChanged.connect(self._on_combo_changed)
        self.browser.clicked.connect(lambda: self.done(EMBEDDED))
        self.password.clicked.connect(lambda: self.done(PASSWORD))
        buttons.rejected.connect(self.reject)
        self._on_combo_changed()

    @property
    def is_custom(self) -> bool:
        """Whether "Custom server" is selected."""
        return bool(self.combo.currentData() == CUSTOM)

    @property
    def chosen(self) -> Region:
        """The region currently selected.

        Raises:
            UserFacingError: a custom server's addresses are not acceptable.
        """
        if self.is_custom:
            config = self._custom_config
            return custom_region(
                self.custom_api.text().strip(),
                self.custom_ui.text().strip(),
                config.get("client_id"),
                config.get("redirect_uri"),
            )
        return self._choices[max(0, self.combo.currentIndex())]

    def custom_settings(self) -> dict[str, Any]:
        """The custom server's addresses to remember (its client settings kept as they were)."""
        return {
            **self._custom_config,
            "api": self.custom_api.text().strip(),
            "ui": self.custom_ui.text().strip(),
        }

    def _on_combo_changed(self) -> None:
        for widget in (self.custom_api, self.custom_ui, *self._custom_labels):
            widget.setVisible(self.is_custom)
        try:
            region = self.chosen
        except UserFacingError as exc:
            self.browser.setEnabled(False)
            self.password.setEnabled(False)
            self.note.setText(str(exc) if self.custom_api.text() else "Enter the server's addresses.")
            return
        problem = region.browser_problem
        self.password.setEnabled(True)
        self.browser.setEnabled(problem is None)
        self.note.setText(problem or f"You will sign in on {region.ui}, as on the web.")


class PasswordDialog(QDialog):
    """E-mail and password sign-in (accounts that have a password).

    Signals:
        signed_in(object): the :class:`Tokens`.
    """

    signed_in = Signal(object)

    def __init__(self, region: Region, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sign in — {region.label}")
        self._region, self._tasks = region, tasks
        self.email = QLineEdit()
        self.email.setAccessibleName("E-mail")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Password")
        self.error = plain_label()
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        form = QFormLayout()
        form.addRow(plain_label("E-mail:"), self.email)
        form.addRow(plain_label("Password:"), self.secret)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _on_buttons_accepted(self) -> None:
        email, password, api = self.email.text().strip(), self.secret.text(), self._region.api
        self.buttons.setEnabled(False)

        def work(_cancel: threading.Event) -> Tokens:
            with ApiClient(api) as client:
                return password_grant(client, email, password)

        self._tasks.run("password sign-in", work, self._on_signed_in, self._on_failed)

    def _on_signed_in(self, tokens: Tokens) -> None:
        self.secret.clear()
        self.signed_in.emit(tokens)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(messages.user_text(exc))
        self.error.show()
