"""The window in demo mode against a real in-process sandbox: welcome, sign-in, first sync, sign-out."""

from __future__ import annotations

import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from ui_helpers import sign_in_and_sync

from backpack_desktop import APP_ID, app

WAIT = 30_000


def texts(session: app.AppSession) -> str:
    return "\n".join(label.text() for label in session.window.findChildren(QLabel) if label.isVisible())


def test_demo_welcome_says_where_it_is_connected(demo) -> None:
    api = demo.sandbox.info["api"]
    assert "Demo" in demo.window.windowTitle()
    assert api in texts(demo) and "Demo mode" in texts(demo)
    assert demo.window.pages.currentIndex() == 0
    assert requests.get(f"{api}/v2/users/self", timeout=5).status_code == 401  # really serving


def test_sign_in_then_first_sync_fills_the_account_page(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    window = demo.window
    assert window.pages.currentIndex() == 1
    assert "Alex Rivera" in window.account_label.text()
    assert window.status_label.text().startswith("Synced just now")
    assert window.summary_label.text().startswith("14 badges:")
    assert "2 expired" in window.summary_label.text() and "1 revoked" in window.summary_label.text()
    assert not window.progress.isVisible() and window.sync_button.isEnabled()


def test_sync_button_runs_again_and_reports_progress(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    seen = []
    demo.account.sync_progress.connect(lambda p: seen.append(p.stage))
    with qtbot.waitSignal(demo.account.sync_finished, timeout=WAIT):
        demo.window.sync_button.click()
    assert seen[0] == "profile" and seen[-1] == "saving"


def test_a_failed_sync_keeps_the_badges_and_says_so(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    demo.sandbox.stop()
    with qtbot.waitSignal(demo.account.sync_failed, timeout=WAIT):
        demo.window.sync_button.click()
    assert "Sync failed" in demo.window.status_label.text()
    assert demo.window.summary_label.text().startswith("14 badges:")


def test_sign_out_revokes_and_keeps_the_offline_copy(qtbot, demo, monkeypatch) -> None:
    sign_in_and_sync(qtbot, demo)
    assert demo.sandbox.authority._tokens  # noqa: SLF001 - the server holds our tokens

    def choose_keep(box: QMessageBox) -> int:
        box.buttons()[0].click()  # "Sign out, keep badges"
        return 0

    monkeypatch.setattr(QMessageBox, "exec", choose_keep)  # the one modal box; its buttons stay real
    with qtbot.waitSignal(demo.account.changed, timeout=WAIT):
        demo.window.sign_out_action.trigger()
    qtbot.waitUntil(lambda: not demo.sandbox.authority._tokens, timeout=WAIT)  # noqa: SLF001
    assert "Not signed in" in demo.window.account_label.text()
    assert "Offline" in demo.window.status_label.text()
    assert demo.window.summary_label.text().startswith("14 badges:")


def test_an_ended_session_asks_to_sign_in_again(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    authority = demo.sandbox.authority
    for refresh in list(authority._refresh):  # noqa: SLF001 - the server ends the session
        authority.revoke(refresh)
    with qtbot.waitSignal(demo.account.sync_failed, timeout=WAIT):
        demo.window.sync_button.click()
    assert "sign in again" in demo.window.status_label.text().lower()
    assert "Not signed in" in demo.window.account_label.text()
    assert demo.window.summary_label.text().startswith("14 badges:")  # the offline copy stays


def test_every_label_is_plain_text(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    labels = demo.window.findChildren(QLabel)
    assert labels
    for label in labels:
        if label.pixmap() is None or label.pixmap().isNull():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_window_without_demo_offers_sign_in(qtbot, settings_store, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("BACKPACK_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    session = app.build(demo=False, settings_store=settings_store)
    try:
        assert session.sandbox is None
        assert session.window.pages.currentIndex() == 0
        assert session.window.welcome_sign_in.isEnabled()
        assert not session.window.welcome_demo.isHidden()  # "Try the demo" on first run
    finally:
        session.close()


def test_desktop_file_name_is_the_app_id(qapp) -> None:
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.setDesktopFileName(APP_ID)
    assert QGuiApplication.desktopFileName() == APP_ID


def test_the_selected_badge_shows_its_large_image_and_issuer_logo(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    view = demo.window.backpack
    view.list.setCurrentIndex(view.proxy.index(1, 0))
    detail = view.detail
    qtbot.waitUntil(lambda: not detail.picture.isHidden() and not detail.issuer_logo.isHidden(), timeout=WAIT)
    assert detail.picture.pixmap().deviceIndependentSize().width() > 100  # the large one, not a thumb
    assert detail.award is not None and detail.award.issuer.image_url


def test_links_in_the_window_go_through_the_link_opener(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    asked: list[str] = []
    demo.window.links._confirm = lambda _parent, check: asked.append(check.url) or False  # noqa: SLF001
    demo.window.backpack.detail.link_requested.emit("https://example.org/badge")
    assert asked == ["https://example.org/badge"]


def test_help_shows_the_readme_offline(qtbot, demo) -> None:
    from backpack_desktop.ui.help_dialog import ReadmeDialog

    action = next(a for a in demo.window.menuBar().actions() if a.text() == "&Help").menu().actions()[0]
    action.trigger()
    dialog = next(d for d in demo.window.findChildren(ReadmeDialog))
    text = dialog.view.toPlainText()
    assert "Backpack Desktop" in text and "scripts/demo" in text
    assert "[image: docs/screenshots/" in text  # screenshots are named, never loaded
    dialog.close()
