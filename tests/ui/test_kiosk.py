"""Kiosk mode against the sandbox: a visitor's full visit, the wipe, the idle countdown, and no
way out of the app (SECURITY.md 37, 38, 41).

Stand-ins, each because the real thing cannot run here or would leave the test: the idle clock
is a number the test moves; QFileDialog and QDesktopServices.openUrl are replaced by recorders
that fail the test if ever called; the administrator PIN prompt returns what the test types.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QPixmapCache
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from ui_helpers import sign_in_and_sync

from backpack_desktop import app
from backpack_desktop.services.kiosk_config import check_config, hash_pin

WAIT = 60_000


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def escapes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way out that must never be taken; the test fails if any was."""
    taken: list[str] = []

    def file_dialog(*_args: object, **_kwargs: object) -> None:
        taken.append("file dialog")
        raise AssertionError("a file dialog was opened in kiosk mode")

    for name in ("getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(file_dialog))
    monkeypatch.setattr(QFileDialog, "__init__", file_dialog)
    monkeypatch.setattr("PySide6.QtGui.QDesktopServices.openUrl", lambda url: taken.append(f"browser {url}"))
    return taken


@pytest.fixture
def kiosk(qtbot, tmp_path: Path, escapes: list[str]) -> Iterator[app.AppSession]:
    config = check_config(
        {"server": "sandbox", "idle_timeout": 60, "admin_pin": hash_pin("2468")}, ("classic", "modern")
    )
    temp = tmp_path / "kiosk-temp"
    temp.mkdir()
    session = app.build_kiosk(config, temp)
    session.window.idle._clock = CLOCK  # noqa: SLF001 - the injected clock
    session.window.show()
    yield session
    session.window.may_close = True
    session.close()
    assert escapes == []


CLOCK = Clock()


def visit(qtbot, session: app.AppSession) -> None:
    sign_in_and_sync(qtbot, session, session.window.sign_in_button.click)
    qtbot.waitUntil(lambda: session.window.backpack.model.rowCount() > 0, timeout=WAIT)


def keyring_items() -> list[tuple[tuple[str, str], ...]]:
    """Every item in the Secret Service's default collection (the real gnome-keyring)."""
    from contextlib import closing

    import secretstorage

    with closing(secretstorage.dbus_init()) as connection:
        collection = secretstorage.get_default_collection(connection)
        return sorted(tuple(sorted(item.get_attributes().items())) for item in collection.get_all_items())


def disk_snapshot() -> dict[str, bytes]:
    """Every file under the user's data, config and cache folders (XDG), with its content."""
    import os

    found: dict[str, bytes] = {}
    for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        root = Path(os.environ.get(variable, ""))
        if os.environ.get(variable) and root.is_dir():
            for path in root.rglob("*"):
                if path.is_file() and "keyrings" not in path.parts:
                    found[str(path)] = path.read_bytes()
    return found


def test_a_visit_then_sign_out_leaves_nothing(qtbot, kiosk, tmp_path: Path) -> None:
    window = kiosk.window
    assert window.pages.currentIndex() == 0  # the attract screen
    keyring_before, disk_before = keyring_items(), disk_snapshot()
    visit(qtbot, kiosk)
    assert window.pages.currentIndex() == 1 and "Alex Rivera" in window.greeting.text()
    view = window.backpack
    qtbot.waitUntil(lambda: bool(view._pixmaps), timeout=WAIT)  # noqa: SLF001 - thumbnails shown
    view.list.setCurrentIndex(view.proxy.index(0, 0))
    qtbot.waitUntil(lambda: not view.detail.picture.isHidden(), timeout=WAIT)  # the large picture
    assert view.detail.view_json.isHidden() and view.detail.download.isHidden()  # no file actions
    # A QR code and a copied link, a printed certificate, a file in the private temp folder.
    view.detail.share.click()
    share = next(
        w for w in QApplication.topLevelWidgets() if w.windowTitle() == "Share badge" and w.isVisible()
    )
    assert [share.tabs.tabText(i) for i in range(share.tabs.count())] == ["Link", "QR code"]
    share.copy_link.click()
    assert QGuiApplication.clipboard().text().startswith("http")
    share.close()
    view.detail.print_certificate.click()
    qtbot.waitUntil(lambda: window.status.text().startswith("Printed"), timeout=WAIT)
    assert window.jobs
    (window.temp_dir / "left-by-visitor.tmp").write_text("A")
    QPixmapCache.insert("visitor", view.detail.picture.pixmap())

    window.sign_out_button.click()
    assert window.pages.currentIndex() == 0
    assert kiosk.account.view.backpack is None and not kiosk.account.view.signed_in
    assert view.model.rowCount() == 0 and view.detail.award is None and not view._pixmaps  # noqa: SLF001
    assert QGuiApplication.clipboard().text() == ""
    assert list(window.temp_dir.iterdir()) == []
    assert QPixmapCache.find("visitor") is None
    assert window.jobs == []  # purged from the spooler
    assert kiosk.sign_in.dialog is None or not kiosk.sign_in.dialog.isVisible()
    assert keyring_items() == keyring_before  # a kiosk never uses the keyring
    assert disk_snapshot() == disk_before  # nor the data, settings or cache folders


def test_idle_countdown_any_input_cancels_and_the_wipe_closes_dialogs(qtbot, kiosk) -> None:
    window = kiosk.window
    visit(qtbot, kiosk)
    idle = window.idle
    CLOCK.now += 35  # 25 s left: the warning shows
    idle.check()
    assert window.countdown.isVisible() and "25 s" in window.countdown.text()
    QApplication.sendEvent(
        window, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier)
    )
    assert not window.countdown.isVisible()  # any input cancels
    box = QMessageBox(QMessageBox.Icon.Information, "A dialog", "left open", parent=window)
    box.open()
    CLOCK.now += 61
    idle.check()
    assert not box.isVisible()  # a modal dialog does not block the wipe
    assert window.pages.currentIndex() == 0 and window.backpack.model.rowCount() == 0
    assert kiosk.account.view.backpack is None


def test_leaving_needs_the_administrator_pin(qtbot, kiosk) -> None:
    window = kiosk.window
    answers = iter(["0000", None, "2468"])
    window._ask_pin = lambda _parent: next(answers)  # noqa: SLF001 - what the administrator types
    window.close()
    assert window.isVisible()  # wrong PIN
    window.close()
    assert window.isVisible()  # cancelled
    window.close()
    assert not window.isVisible()  # the right PIN


def test_links_drops_and_context_menus_go_nowhere(qtbot, kiosk, escapes: list[str]) -> None:
    window = kiosk.window
    visit(qtbot, kiosk)
    detail = window.backpack.detail
    window.backpack.list.setCurrentIndex(window.backpack.proxy.index(0, 0))
    assert all(field.button.isHidden() for field in detail.findChildren(type(detail.values["Public URL"])))
    detail.link_requested.emit("https://example.org/")  # a markdown link, say
    assert not window.acceptDrops() and window.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    menu = window.backpack.options_menu(detail.award)
    assert [a.text() for a in menu.actions() if a.isVisible()] == ["Show QR code…", "Print certificate…"]
    assert window.menuBar().actions() == []  # no menus at all
    before = set(QApplication.topLevelWidgets())
    for sequence in ("Ctrl+O", "Ctrl+S", "Ctrl+P", "Ctrl+Q", "Ctrl+R", "Ctrl+F", "F1", "Ctrl+Shift+I", "F12"):
        key = QKeySequence(sequence)[0]
        for target in (window, window.backpack.list, window.backpack.search):
            QApplication.sendEvent(
                target, QKeyEvent(QEvent.Type.KeyPress, key.key(), key.keyboardModifiers())
            )
    QApplication.processEvents()
    new = [w for w in set(QApplication.topLevelWidgets()) - before if w.isVisible()]
    assert new == [] and window.isVisible()  # no dialog, no window, still in kiosk mode
    assert escapes == []
