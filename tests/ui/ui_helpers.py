"""Helpers shared by the window tests (a module of its own: ``conftest`` is not importable by name)."""

from __future__ import annotations

from collections.abc import Callable

from backpack_desktop import app
from backpack_desktop.ui.signin_dialog import SignInDialog

WAIT = 30_000


def sign_in_and_sync(qtbot, session: app.AppSession, start: Callable[[], None] | None = None) -> None:
    """Sign in through the real embedded page (login, consent) and wait for the first sync."""
    info = session.sandbox.info
    (start or session.window.welcome_sign_in.click)()
    dialog = session.sign_in.dialog
    assert isinstance(dialog, SignInDialog)
    qtbot.waitUntil(lambda: "Sign in" in dialog.page.title() and dialog.progress.value() == 100, timeout=WAIT)
    dialog.page.runJavaScript(
        f"document.getElementById('email').value = {info['username']!r};"
        f"document.getElementById('password').value = {info['password']!r};"
        "document.getElementById('submit').click();"
    )
    qtbot.waitUntil(
        lambda: "Authorize" in dialog.page.title() and dialog.progress.value() == 100, timeout=WAIT
    )
    with qtbot.waitSignal(session.account.sync_finished, timeout=WAIT):
        dialog.page.runJavaScript("document.getElementById('allow').click();")
