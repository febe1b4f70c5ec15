"""Import, drop, download and remove from the window, against the demo sandbox and its cache.

The platform file dialogs cannot be driven offscreen, so FileActions gets the chosen paths
from stand-ins (the only stand-ins here); everything after the choice is the real code.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from ui_helpers import sign_in_and_sync

from backpack_desktop import app
from backpack_desktop.domain.baking import unbake
from backpack_desktop.ui.file_actions import FileActions

WAIT = 30_000


def badge_file(shared_testdata: Path) -> Path:
    return shared_testdata / "dcpv" / "ob30" / "simple-jwt.png"


def imported_rows(session: app.AppSession) -> list[str]:
    model = session.window.backpack.model
    return [a.name for a in model.badges() if a.origin == "imported"]


def test_import_from_the_menu_then_remove(qtbot, demo, shared_testdata: Path) -> None:
    chosen = [str(badge_file(shared_testdata))]
    demo.window.files._ask_open = lambda *_args: chosen  # noqa: SLF001 - the dialog's answer
    with qtbot.waitSignal(demo.window.files.finished, timeout=WAIT) as done:
        demo.window.import_action.trigger()
    assert done.args == ["Imported 1 badge"]
    assert imported_rows(demo) == ["Teamwork"]
    assert demo.window.pages.currentIndex() == 1  # the list shows, even without a sync
    view = demo.window.backpack
    view.list.setCurrentIndex(view.proxy.index(0, 0))
    assert view.detail.award is not None and view.detail.award.origin == "imported"
    assert not view.detail.remove.isHidden() and "Imported" in view.detail.issuer_line.text()

    def confirm() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        assert box.textFormat() == Qt.TextFormat.PlainText
        next(b for b in box.buttons() if b.text() == "Remove").click()

    QTimer.singleShot(200, confirm)
    with qtbot.waitSignal(demo.window.files.finished, timeout=WAIT):
        view.detail.remove.click()
    assert imported_rows(demo) == []


def test_a_bad_file_is_reported_and_the_rest_imports(qtbot, demo, shared_testdata: Path, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        "backpack_desktop.ui.messages.show_error", lambda _p, exc, _t="": shown.append(str(exc))
    )
    plain = shared_testdata / "bakery" / "public_domain_heart.png"
    with qtbot.waitSignal(demo.window.files.finished, timeout=WAIT):
        demo.window.files.import_paths([str(plain), str(badge_file(shared_testdata))])
    assert imported_rows(demo) == ["Teamwork"]
    assert shown and "public_domain_heart.png" in shown[0] and "no Open Badges data" in shown[0]


_KEEP: list[QMimeData] = []  # an event only points at its data: keep the data alive


def drop_event(kind: type, urls: list[QUrl]) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls(urls)
    _KEEP.append(mime)
    where = QPoint(10, 10) if kind is QDragEnterEvent else QPointF(10, 10)
    return kind(
        where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )


def test_dropping_files_imports_them_and_web_links_are_refused(qtbot, demo, shared_testdata: Path) -> None:
    web = drop_event(QDragEnterEvent, [QUrl("https://evil.example/badge.png")])
    demo.window.dragEnterEvent(web)
    assert not web.isAccepted()
    local = [QUrl.fromLocalFile(str(badge_file(shared_testdata)))]
    enter = drop_event(QDragEnterEvent, local)
    demo.window.dragEnterEvent(enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(demo.window.files.finished, timeout=WAIT):
        demo.window.dropEvent(drop_event(QDropEvent, local))
    assert imported_rows(demo) == ["Teamwork"]


def test_download_saves_the_baked_badge_where_the_user_chose(qtbot, demo, tmp_path: Path) -> None:
    sign_in_and_sync(qtbot, demo)
    award = next(a for a in demo.window.backpack.model.badges() if a.image_url)
    target = tmp_path / "saved" / "badge.png"
    target.parent.mkdir()
    asked: list[str] = []

    def ask_save(_parent: object, _title: str, suggested: str, _filter: str) -> str:
        asked.append(suggested)
        return str(target)

    files: FileActions = demo.window.files
    files._ask_save = ask_save  # noqa: SLF001 - the dialog's answer
    with qtbot.waitSignal(files.finished, timeout=WAIT):
        files.download(award, "image")
    assert asked and Path(asked[0]).name.endswith((".png", ".svg")) and "/" not in Path(asked[0]).name
    assert award.entity_id in unbake(target.read_bytes()).text


def test_verification_offline_on_selection_and_online_on_request(qtbot, demo) -> None:
    sign_in_and_sync(qtbot, demo)
    view = demo.window.backpack
    detail = view.detail
    view.list.setCurrentIndex(view.proxy.index(0, 0))
    qtbot.waitUntil(lambda: detail.verification.text().startswith("?"), timeout=WAIT)
    assert "Not checked online yet." in detail.verification.text()  # selecting fetched nothing
    hits = demo.sandbox.hits("/public/assertions/")
    detail.check_online.click()
    qtbot.waitUntil(lambda: detail.verification.text().startswith("✓ Verified"), timeout=WAIT)
    assert demo.sandbox.hits("/public/assertions/") > hits  # the hosted copy was fetched
    first = detail.award
    view.list.setCurrentIndex(view.proxy.index(1, 0))
    view.list.setCurrentIndex(view.proxy.index_of(first.entity_id))
    qtbot.waitUntil(lambda: "Last checked online on" in detail.verification.text(), timeout=WAIT)
    assert "verified" in detail.verification.text().splitlines()[-1]


def test_an_imported_credential_verifies_offline(qtbot, demo, shared_testdata: Path) -> None:
    with qtbot.waitSignal(demo.window.files.finished, timeout=WAIT):
        demo.window.files.import_paths([str(badge_file(shared_testdata))])
    view = demo.window.backpack
    view.list.setCurrentIndex(view.proxy.index(0, 0))
    qtbot.waitUntil(lambda: view.detail.verification.text().startswith("✓ Verified"), timeout=WAIT)
    assert "key carried in the file itself" in view.detail.verification.text()
