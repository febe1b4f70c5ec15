"""The Backpack view: filters drive the list, selection drives the detail pane, text stays plain."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from backpack_desktop.domain.models import Award, parse_award
from backpack_desktop.domain.status import Status
from backpack_desktop.sandbox.dataset import anchor_day, load_demo
from backpack_desktop.sandbox.serializers import Urls, award_json
from backpack_desktop.ui.backpack_view import BackpackView

URLS = Urls("http://127.0.0.1:1", "http://127.0.0.1:2")


def demo_awards() -> tuple[Award, ...]:
    data = load_demo(7, "pw", anchor_day())
    return tuple(parse_award(award_json(record, URLS, True, True)) for record in data.awards)


def hostile_award() -> Award:
    record = load_demo(7, "pw", anchor_day()).awards[0]
    raw = award_json(record, URLS, True, True)
    raw["badgeclass"]["name"] = "<b>Bold</b> <img src=file:///etc/passwd> \u202egnp.exe " + "x" * 100_000
    raw["badgeclass"]["description"] = '<a href="javascript:alert(1)">click</a>'
    raw["badgeclass"]["issuer"]["name"] = "<i>Issuer</i>"
    return parse_award(raw)


def make_view(qtbot, awards: tuple[Award, ...]) -> BackpackView:
    view = BackpackView()
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.set_awards(awards)
    return view


def test_search_status_issuer_and_clear(qtbot) -> None:
    view = make_view(qtbot, demo_awards())
    assert view.proxy.rowCount() == 14 and view.count.text() == "14 badges"
    view.search.setText("DATA analysis")
    assert view.proxy.rowCount() == 1 and view.count.text() == "1 of 14 badges"
    assert view.clear_button.isVisible()
    view.search.clear()
    view.status.setCurrentIndex(view.status.findData(Status.EXPIRED))
    assert view.proxy.rowCount() == 2
    view.issuer.setCurrentIndex(view.issuer.findData("Northwind Institute of Technology"))
    assert view.proxy.rowCount() == 1
    view.clear_filters()
    assert view.proxy.rowCount() == 14 and not view.clear_button.isVisible()


def test_no_match_shows_the_empty_state_with_clear_filters(qtbot) -> None:
    view = make_view(qtbot, demo_awards())
    view.search.setText("zzzz nothing")
    assert view.list_stack.currentIndex() == 1 and "match" in view.empty.text()
    view.empty_action.click()
    assert view.proxy.rowCount() == 14 and view.list_stack.currentIndex() == 0


def test_empty_backpack_says_what_to_do(qtbot) -> None:
    view = make_view(qtbot, ())
    assert view.list_stack.currentIndex() == 1 and "Sync" in view.empty.text()


def test_selection_drives_the_detail_pane_and_json(qtbot) -> None:
    view = make_view(qtbot, demo_awards())
    view.list.setCurrentIndex(view.proxy.index(3, 0))
    award = view.proxy.index(3, 0).data(view.model.BadgeRole)
    assert view.detail.award == award
    texts = [label.text() for label in view.detail.findChildren(QLabel)]
    assert award.name in texts and award.entity_id in texts
    with qtbot.waitSignal(view.json_requested) as asked:
        next(b for b in view.detail.findChildren(type(view.clear_button)) if b.text() == "View JSON").click()
    assert asked.args == [award]
    detail = view.detail
    assert all(b.isEnabled() for b in (detail.download, detail.share, detail.print_certificate))
    assert detail.remove.isHidden()  # only imported badges can be removed
    with qtbot.waitSignal(view.print_requested) as asked:
        detail.print_certificate.click()
    assert asked.args == [[award]]


def test_filtered_out_selection_moves_to_a_visible_badge(qtbot) -> None:
    view = make_view(qtbot, demo_awards())
    view.search.setText("python")
    assert view.detail.award is not None and "Python" in view.detail.award.name


def test_issuer_text_is_plain_everywhere(qtbot) -> None:
    view = make_view(qtbot, (hostile_award(), *demo_awards()[1:]))
    view.list.setCurrentIndex(view.proxy.index_of(hostile_award().entity_id))
    labels = view.findChildren(QLabel)
    assert any("<b>Bold</b>" in label.text() for label in labels)  # shown literally
    for label in labels:
        if label.pixmap() is None or label.pixmap().isNull():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()[:60]


def test_keyboard_find_and_escape(qtbot) -> None:
    from PySide6.QtCore import Qt as QtKeys

    view = make_view(qtbot, demo_awards())
    from PySide6.QtGui import QKeySequence, QShortcut

    find = next(
        s for s in view.findChildren(QShortcut) if s.key() == QKeySequence(QKeySequence.StandardKey.Find)
    )
    find.activated.emit()  # offscreen windows are never active, so the key press cannot reach it
    assert view.focusWidget() is view.search
    qtbot.keyClicks(view.search, "agile")
    assert view.proxy.rowCount() == 1
    qtbot.keyClick(view.search, QtKeys.Key.Key_Escape)
    assert view.search.text() == "" and view.proxy.rowCount() == 14


def test_keyboard_from_search_to_list_to_details(qtbot) -> None:
    from PySide6.QtCore import Qt as QtKeys

    view = make_view(qtbot, demo_awards())
    view.search.setFocus()
    qtbot.keyClick(view.search, QtKeys.Key.Key_Down)
    assert view.focusWidget() is view.list
    first = view.list.currentIndex()
    qtbot.keyClick(view.list, QtKeys.Key.Key_Right if view.delegate.grid else QtKeys.Key.Key_Down)
    assert view.list.currentIndex() != first  # arrows move the selection...
    assert view.detail.award == view.list.currentIndex().data(view.model.BadgeRole)  # ...and the pane
    qtbot.keyClick(view.list, QtKeys.Key.Key_Return)
    assert view.focusWidget() is view.detail.view_json  # Enter goes into the details


def test_controls_have_accessible_names_or_text(qtbot) -> None:
    from PySide6.QtWidgets import QAbstractButton, QComboBox

    view = make_view(qtbot, demo_awards())
    view.list.setCurrentIndex(view.proxy.index(0, 0))
    for widget in view.findChildren(QAbstractButton) + view.findChildren(QComboBox):
        name = widget.accessibleName() or (widget.text() if isinstance(widget, QAbstractButton) else "")
        assert name.strip() and name.strip() not in ("▦", "☰", "⋯"), widget
    for widget in (view.search, view.list, view.count, view.detail.picture):
        assert widget.accessibleName(), widget


@pytest.mark.qt_log_ignore("This plugin does not support")
def test_every_row_has_the_options_menu(qtbot) -> None:
    view = make_view(qtbot, demo_awards())
    award = view.proxy.index(0, 0).data(view.model.BadgeRole)
    menu = view.options_menu(award)
    names = [a.text() for a in menu.actions()]
    assert names[0] == "View Badge Award JSON"
    assert {"Download baked badge", "Download assertion (JSON)", "Share…", "Print certificate…"} <= set(names)
    actions = {a.text(): a for a in menu.actions()}
    assert actions["Share…"].isEnabled() and actions["Print certificate…"].isEnabled()
    assert not actions["Remove imported badge"].isVisible()  # a synced badge cannot be removed here
    with qtbot.waitSignal(view.json_requested) as asked:
        menu.actions()[0].trigger()
    assert asked.args == [award]
    with qtbot.waitSignal(view.download_requested) as asked:
        actions["Download baked badge"].trigger()
    assert asked.args == [award, "image"]
    from PySide6.QtCore import QItemSelectionModel

    view.list.selectionModel().select(view.proxy.index(1, 0), QItemSelectionModel.SelectionFlag.Select)
    menu = view.options_menu(award)  # on a row inside a multi-selection: the batch
    batch = next(a for a in menu.actions() if a.text().startswith("Print"))
    assert batch.text() == "Print 2 certificates…"
    with qtbot.waitSignal(view.print_requested) as asked:
        batch.trigger()
    assert [a.entity_id for a in asked.args[0]] == [
        view.proxy.index(row, 0).data(view.model.BadgeRole).entity_id for row in (0, 1)
    ]
    rect = view.list.visualRect(view.proxy.index(0, 0))
    view.list.customContextMenuRequested.emit(rect.center())  # right-click
    assert view.last_menu is not None and view.last_menu.isVisible()
    view.last_menu.close()


def test_decompression_bomb_gets_a_placeholder() -> None:
    import io
    import zlib

    from backpack_desktop.ui.images import decode_thumbnail

    # a PNG header claiming 30,000 x 30,000 pixels over a few KB of zeros
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = (30_000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    body = zlib.compress(b"\x00" * 200_000)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    assert decode_thumbnail(bomb, "image/png", 128) is None
    assert decode_thumbnail(io.BytesIO(b"GIF89a").getvalue(), "image/x-unknown", 64) is None
