"""The sign-in dialog: the Canvas Credentials page in an embedded, hardened browser.

The learner signs in (directly or through "Sign in with Canvas"), consents, and the page is
sent to the redirect URI; :class:`SignInPage` catches that navigation, the
:class:`CallbackGate` accepts exactly one callback with the matching single-use state, and the
code is exchanged (with the PKCE verifier) off the GUI thread. "Use my web browser" runs the
same request through the system browser and an RFC 8252 loopback listener instead, for
identity providers that refuse embedded views (Google answers ``disallowed_useragent``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QDialog, QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.services.auth import Tokens
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.loopback import LoopbackListener
from backpack_desktop.services.oauth_flow import AuthRequest, CallbackGate, authorize_url, request_tokens
from backpack_desktop.services.oidc import (
    IdentityClaims,
    JwksCache,
    NonceRegistry,
    discover,
    validate_id_token,
)
from backpack_desktop.services.regions import Region
from backpack_desktop.ui import messages
from backpack_desktop.ui.signin_page import OriginInterceptor, SignInPage, new_private_profile
from backpack_desktop.ui.tasks import Task, TaskManager
from backpack_desktop.ui.widgets import plain_label

# openid: servers with OpenID Connect (the sandbox) then add an ID token saying who signed in;
# Canvas Credentials silently drops scopes a client may not have, so asking costs nothing.
SCOPE = "r:profile r:backpack openid"


@dataclass(frozen=True)
class SignInResult:
    """Tokens and, when the server sent a valid ID token, who signed in."""

    tokens: Tokens
    identity: IdentityClaims | None = None


def exchange(
    api: str, client_id: str, request: AuthRequest, code: str, nonces: NonceRegistry
) -> SignInResult:
    """Trade the code for tokens and validate the ID token if one came (runs off the GUI thread)."""
    with ApiClient(api) as client:
        body = request_tokens(client, client_id, request, code)
        tokens = Tokens.from_response(body, time.monotonic())
        id_token = body.get("id_token")
        if not isinstance(id_token, str):
            return SignInResult(tokens)
        config = discover(client)
        jwks = JwksCache(lambda: client.get_json(config.jwks_uri))
        identity = validate_id_token(
            id_token, issuer=config.issuer, client_id=client_id, jwks=jwks, nonces=nonces
        )
        return SignInResult(tokens, identity)


EMBEDDED_REFUSED = "disallowed_useragent"


class SignInDialog(QDialog):
    """Runs one sign-in and reports the tokens.

    Signals:
        signed_in(object): the :class:`Tokens` of a completed sign-in.
    """

    signed_in = Signal(object)

    def __init__(
        self,
        region: Region,
        tasks: TaskManager,
        extra_hosts: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if region.browser_problem:
            raise UserFacingError(region.browser_problem)
        self.region, self._tasks = region, tasks
        self._hosts = [u for u in (region.api, region.ui, *(extra_hosts or [])) if u]
        self._nonces = NonceRegistry()
        self._request = self._new_request(str(region.redirect_uri))
        self._gate = CallbackGate(self._request)
        self.identity: IdentityClaims | None = None
        self._task: Task[Any] | None = None
        self._listener: LoopbackListener | None = None
        self.setWindowTitle(f"Sign in — {region.label}")
        self.resize(760, 720)
        self._build_ui()
        self._connect_signals()

    def _new_request(self, redirect_uri: str) -> AuthRequest:
        return replace(AuthRequest.new(redirect_uri, SCOPE), nonce=self._nonces.issue())

    def _build_ui(self) -> None:
        self._profile = new_private_profile(self)
        self.view = QWebEngineView(self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.view.setAcceptDrops(False)
        self.page = SignInPage(self._profile, self._request.redirect_uri, self._hosts, self.view)
        self.view.setPage(self.page)
        self._interceptor = OriginInterceptor(self.page.is_allowed, self._profile)
        self._profile.setUrlRequestInterceptor(self._interceptor)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(4)
        self.status = plain_label(f"Signing in to {self.region.label} at {self.region.ui}")
        self.error = plain_label()
        self.error.setStyleSheet("color: palette(highlighted-text); background: #b3261e; padding: 6px;")
        self.error.hide()
        self.browser_button = QPushButton("Use my web browser")
        self.browser_button.setToolTip("Sign in in your usual browser instead, then come back here")
        self.cancel_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.browser_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        for widget in (self.status, self.progress, self.error):
            layout.addWidget(widget)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.page.loadProgress.connect(self.progress.setValue)
        self.page.loadFinished.connect(self._on_page_load_finished)
        self.page.callback_reached.connect(self._on_page_callback_reached)
        self.page.navigation_blocked.connect(self._on_page_navigation_blocked)
        self.cancel_button.clicked.connect(self.reject)
        self.browser_button.clicked.connect(self._on_browser_button_clicked)

    def start(self) -> None:
        """Open the authorize page in the embedded view."""
        self.page.load(
            QUrl(authorize_url(str(self.region.ui), str(self.region.oauth_client_id), self._request))
        )

    def show_error(self, text: str) -> None:
        """Show a problem above the page (plain text)."""
        self.error.setText(text)
        self.error.show()

    # -- embedded flow ---------------------------------------------------------------------
    def _on_page_load_finished(self, ok: bool) -> None:
        self.progress.setValue(100)
        if EMBEDDED_REFUSED in self.page.url().toString() + self.page.title():
            self.show_error("This sign-in page refuses embedded browsers. Use your web browser instead.")
        elif not ok and not self._gate.done:
            self.show_error("The sign-in page could not be loaded. Check the connection and try again.")

    def _on_page_navigation_blocked(self, target: str) -> None:
        self.show_error(f"Blocked a page outside sign-in: {target[:120]}")

    def _on_page_callback_reached(self, url: str) -> None:
        try:
            code = self._gate.accept(url)
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        self._exchange(code)

    def _exchange(self, code: str) -> None:
        self.status.setText("Signing in…")
        self.view.setEnabled(False)
        api, client_id, request, nonces = (
            self.region.api,
            str(self.region.oauth_client_id),
            self._request,
            self._nonces,
        )
        self._task = self._tasks.run(
            "sign-in",
            lambda _cancel: exchange(api, client_id, request, code, nonces),
            self._on_exchange_done,
            self._on_exchange_failed,
        )

    def _on_exchange_done(self, result: SignInResult) -> None:
        if self.result() == QDialog.DialogCode.Rejected and not self.isVisible():
            return  # cancelled while the code was being exchanged: do not sign in after all
        self.identity = result.identity
        self.signed_in.emit(result.tokens)
        self.accept()

    def _on_exchange_failed(self, exc: BaseException) -> None:
        self.view.setEnabled(True)
        self.show_error(messages.user_text(exc))

    # -- system browser (RFC 8252 loopback) ------------------------------------------------
    def _on_browser_button_clicked(self) -> None:
        try:
            listener = LoopbackListener(str(self.region.redirect_uri))
        except UserFacingError as exc:
            self.show_error(str(exc))
            return
        self._listener = listener
        self._request = self._new_request(listener.redirect_uri)
        self._gate = CallbackGate(self._request)
        listener.start(self._gate)
        self.view.setEnabled(False)
        self.browser_button.setEnabled(False)
        self.status.setText(
            "Continue in your web browser. This window finishes the sign-in when you are done."
        )
        QDesktopServices.openUrl(
            QUrl(authorize_url(str(self.region.ui), str(self.region.oauth_client_id), self._request))
        )
        self._task = self._tasks.run(
            "browser sign-in",
            lambda cancel: listener.wait(cancel=cancel),
            self._exchange,
            self._on_browser_failed,
        )

    def _on_browser_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.show_error(str(exc))
        self.browser_button.setEnabled(True)

    # -- teardown --------------------------------------------------------------------------
    def done(self, result: int) -> None:
        """Close: stop pending work and destroy the page and its profile (nothing survives)."""
        if self._task is not None:
            self._task.request_cancel()
        if self._listener is not None:
            self._listener.close()
        super().done(result)
        self.view.setPage(None)  # type: ignore[arg-type]
        if shiboken6.isValid(self.page):
            shiboken6.delete(self.page)  # the page must go before its profile (Qt warns otherwise)
        if shiboken6.isValid(self._profile):
            shiboken6.delete(self._profile)
