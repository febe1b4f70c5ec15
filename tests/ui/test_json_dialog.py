"""The Badge Award JSON dialog against demo awards built offline (no HTTP)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette, QTextCharFormat
from PySide6.QtWidgets import QApplication, QPushButton

from backpack_desktop.domain.assertion import open_badges_assertion
from backpack_desktop.domain.models import Award, parse_award
from backpack_desktop.sandbox.dataset import anchor_day, load_demo
from backpack_desktop.sandbox.records import AwardRecord
from backpack_desktop.sandbox.serializers import Urls, award_json
from backpack_desktop.ui import json_dialog
from backpack_desktop.ui.json_dialog import AwardJsonDialog, JsonHighlighter, View, json_text

URLS = Urls("http://127.0.0.1:1", "http://127.0.0.1:2")
HOSTILE = {
    "html": '<b>bold</b> <img src="file:///etc/passwd"> <a href="javascript:alert(1)">x</a>',
    "rtl": "Badge \u202etxt.exe\u202c [*] end",
    "huge": "Ж" * 50_000 + "😀" * 12_500,  # 100 KB+ of UTF-8, with characters outside the BMP
}


@pytest.fixture(scope="module")
def records() -> list[AwardRecord]:
    return load_demo(11, "pw", anchor_day()).awards


def raw_award(record: AwardRecord) -> dict[str, Any]:
    return award_json(record, URLS, True, True)


@pytest.fixture
def award(records: list[AwardRecord]) -> Award:
    return parse_award(raw_award(next(r for r in records if r.extensions and r.evidence)))


@pytest.fixture
def open_dialog(qtbot):
    def make(award: Award) -> AwardJsonDialog:
        dialog = AwardJsonDialog(award)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.activateWindow()  # shortcuts (Ctrl+C, Ctrl+S) work in the active window
        qtbot.waitUntil(dialog.isActiveWindow)
        return dialog

    return make


def named(award_data: dict[str, Any], name: str) -> Award:
    award_data["badgeclass"]["name"] = name
    award_data["badgeclass"]["issuer"]["name"] = name
    award_data["narrative"] = name
    return parse_award(award_data)


def test_api_view_is_the_award_exactly_as_synced(open_dialog, records) -> None:
    for record in records:
        award = parse_award(raw_award(record))
        dialog = open_dialog(award)
        assert dialog.view is View.API and dialog.api_button.isChecked()
        shown = json.loads(dialog.text())
        assert shown == award.raw_json()
        assert json.dumps(shown) == json.dumps(award.raw_json())  # same key order, all the way down
        assert dialog.editor.toPlainText() == dialog.text()
        assert dialog.editor.isReadOnly()
        assert dialog.text().startswith('{\n  "entityType"')  # indent 2
        dialog.close()


def test_switching_shows_the_open_badges_assertion(qtbot, open_dialog, award) -> None:
    dialog = open_dialog(award)
    qtbot.mouseClick(dialog.assertion_button, Qt.MouseButton.LeftButton)
    assert dialog.view is View.ASSERTION
    assert dialog.assertion_button.isChecked() and not dialog.api_button.isChecked()
    expected = open_badges_assertion(award)
    assert json.dumps(json.loads(dialog.text())) == json.dumps(expected)
    assert dialog.editor.toPlainText() == dialog.text()
    assert "plaintextIdentity" not in dialog.text()
    qtbot.mouseClick(dialog.api_button, Qt.MouseButton.LeftButton)
    assert json.loads(dialog.editor.toPlainText()) == award.raw_json()


def test_the_monospace_font_is_the_systems_fixed_font(open_dialog, award) -> None:
    dialog = open_dialog(award)
    assert (
        dialog.editor.font().family() == QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
    )
    assert dialog.editor.document().defaultFont().family() == dialog.editor.font().family()


def test_copy_puts_the_shown_text_on_the_clipboard(qtbot, open_dialog, award) -> None:
    dialog = open_dialog(award)
    clipboard = QApplication.clipboard()
    clipboard.setText("")
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert clipboard.text() == dialog.text()
    dialog.show_view(View.ASSERTION)
    clipboard.setText("")
    dialog.editor.setFocus()
    qtbot.keyClick(dialog.editor, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == dialog.text()


def test_ctrl_c_with_a_selection_copies_the_selection(qtbot, open_dialog, award) -> None:
    dialog = open_dialog(award)
    dialog.editor.setFocus()
    qtbot.waitUntil(dialog.editor.hasFocus)
    cursor = dialog.editor.textCursor()
    cursor.setPosition(4)
    cursor.setPosition(16, cursor.MoveMode.KeepAnchor)
    dialog.editor.setTextCursor(cursor)
    qtbot.keyClick(dialog.editor, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == dialog.text()[4:16]


def test_save_to_writes_identical_bytes_atomically(open_dialog, award, tmp_path: Path) -> None:
    dialog = open_dialog(award)
    target = tmp_path / dialog.suggested_file_name()
    target.write_bytes(b"old content")
    assert dialog.save_to(target)
    assert target.read_bytes() == dialog.text().encode("utf-8")
    assert json.loads(target.read_bytes()) == award.raw_json()
    dialog.show_view(View.ASSERTION)
    other = tmp_path / dialog.suggested_file_name()
    assert dialog.save_to(other)
    assert other.read_bytes() == dialog.text().encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, other.name])  # no temp file


def test_a_failed_save_is_reported_and_changes_nothing(open_dialog, award, tmp_path, monkeypatch) -> None:
    shown: list[BaseException] = []
    monkeypatch.setattr(json_dialog.messages, "show_error", lambda parent, exc, *a: shown.append(exc))
    dialog = open_dialog(award)
    assert not dialog.save_to(tmp_path / "missing-folder" / "award.json")
    assert len(shown) == 1 and "not saved" in str(shown[0])
    assert list(tmp_path.iterdir()) == []


def test_save_button_and_ctrl_s_ask_then_save(qtbot, open_dialog, award, tmp_path, monkeypatch) -> None:
    dialog = open_dialog(award)
    asked: list[str] = []
    answers = iter([tmp_path / "chosen.json", None, tmp_path / "again.json"])

    def ask() -> Path | None:
        asked.append(dialog.suggested_file_name())
        return next(answers)

    monkeypatch.setattr(dialog, "ask_save_path", ask)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "chosen.json").read_bytes() == dialog.text().encode("utf-8")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # cancelled: nothing happens
    dialog.editor.setFocus()
    qtbot.keyClick(dialog.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert (tmp_path / "again.json").exists()
    assert asked == [f"{award.name}.json"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.json", "chosen.json"]


def test_the_file_dialog_suggests_a_safe_name(open_dialog, award, records, monkeypatch, tmp_path) -> None:
    seen: list[str] = []

    def fake_dialog(parent, caption, directory, filters) -> tuple[str, str]:
        seen.append(directory)
        return "", ""

    monkeypatch.setattr(json_dialog.QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    dialog = open_dialog(named(raw_award(records[0]), "../../etc/CON"))
    assert dialog.ask_save_path() is None
    assert Path(seen[0]).name == "etc CON.json"
    dialog.show_view(View.ASSERTION)
    assert dialog.suggested_file_name() == "etc CON assertion.json"
    assert dialog.save_to(tmp_path / "x.json")
    dialog.ask_save_path()
    assert Path(seen[1]).parent == tmp_path  # the folder last saved to is offered again


def test_escape_closes(qtbot, open_dialog, award) -> None:
    dialog = open_dialog(award)
    qtbot.keyClick(dialog.editor, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_close_button_closes(qtbot, open_dialog, award) -> None:
    dialog = open_dialog(award)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_names_stay_plain_text(open_dialog, records, kind: str) -> None:
    name = HOSTILE[kind]
    award = named(raw_award(records[0]), name)
    dialog = open_dialog(award)
    title = dialog.windowHandle().title()  # as the window system gets it
    assert title.startswith("Badge Award JSON — \u2068")  # the name is isolated: RTL stays inside
    assert name[:50] in title and len(title) < 300  # "[*]" shown, not taken as the modified marker
    assert json.loads(dialog.text()) == award.raw_json()
    assert json.loads(dialog.editor.toPlainText()) == award.raw_json()
    option = dialog.editor.document().defaultTextOption()
    assert option.textDirection() == Qt.LayoutDirection.LeftToRight  # an RTL value keeps its line's indent
    if kind == "html":
        assert json.dumps(name) in dialog.editor.toPlainText()  # shown literally, never rendered
    for label in dialog.findChildren(json_dialog.QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText
    dialog.resize(500, 400)  # a 100 KB name never widens the window
    assert dialog.width() < 1200


def test_invisible_characters_are_escaped_but_the_value_is_unchanged(open_dialog, records) -> None:
    name = "A\u202eB\u200bC\u2028D\u2029E\ufeffF\x85G"
    award = named(raw_award(records[0]), name)
    dialog = open_dialog(award)
    for char in "\u202e\u200b\u2028\u2029\ufeff\x85":
        assert char not in dialog.text()
    assert '"A\\u202eB\\u200bC\\u2028D\\u2029E\\ufeffF\\u0085G"' in dialog.text()
    assert json.loads(dialog.text()) == award.raw_json()
    assert dialog.editor.blockCount() == dialog.text().count("\n") + 1


def test_json_text_keeps_visible_unicode_and_key_order() -> None:
    value = {"z": "データ", "a": "مهارات", "m": [1, 2.5, True, None]}
    text = json_text(value)
    assert "データ" in text and "مهارات" in text
    assert list(json.loads(text)) == ["z", "a", "m"]
    assert json_text({"lone": "\ud800"}) == '{\n  "lone": "\\ud800"\n}'


def _formats(dialog: AwardJsonDialog, line: int) -> list[tuple[int, int, Any]]:
    block = dialog.editor.document().findBlockByNumber(line)
    return [(r.start, r.length, QTextCharFormat(r.format)) for r in block.layout().formats()]


def test_the_highlighter_formats_keys_values_and_punctuation(open_dialog, award) -> None:
    dialog = open_dialog(award)
    assert len(dialog.findChildren(JsonHighlighter)) == 1  # one per view shown, on its document
    lines = dialog.text().split("\n")
    line = lines.index('  "entityType": "Assertion",')
    ranges = _formats(dialog, line)
    key = next(f for start, length, f in ranges if start == 2 and length == len('"entityType"'))
    value = next(f for start, length, f in ranges if start == 16 and length == len('"Assertion"'))
    assert key.fontWeight() == QFont.Weight.Bold  # keys differ by weight too: readable in greyscale
    assert value.fontWeight() != QFont.Weight.Bold
    assert key.foreground().color() != value.foreground().color()
    literal_line = next(i for i, text in enumerate(lines) if text.endswith(": false,"))
    assert any(f.fontItalic() for _, _, f in _formats(dialog, literal_line))


def test_highlighting_counts_utf16_units_after_wide_characters(open_dialog, records) -> None:
    award = named(raw_award(records[0]), "😀😀 badge")
    dialog = open_dialog(award)
    lines = dialog.text().split("\n")
    line = next(i for i, t in enumerate(lines) if t.startswith('  "narrative": "😀😀'))
    ranges = _formats(dialog, line)
    # the value starts after '  "narrative": ' (15 units): 2 quotes + 2 emoji * 2 units + 6 = 12 units,
    # and the comma after it is at 27, not at 25 as code points would put it
    assert [(start, length) for start, length, _ in ranges] == [(2, 11), (13, 1), (15, 12), (27, 1)]


def _contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        f = [
            v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
            for v in (c.redF(), c.greenF(), c.blueF())
        ]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("base", ["#ffffff", "#1e1e1e", "#f0f0f0", "#000000"])
def test_colours_follow_the_palette_with_readable_contrast(open_dialog, award, base: str) -> None:
    dialog = open_dialog(award)
    palette = QPalette(dialog.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    dialog.setPalette(palette)
    line = dialog.text().split("\n").index('  "entityType": "Assertion",')
    key, punctuation, value, _comma = (fmt.foreground().color() for _, _, fmt in _formats(dialog, line))
    assert punctuation == palette.color(QPalette.ColorRole.PlaceholderText)  # muted, from the palette
    for colour in (key, value):
        assert _contrast(colour, QColor(base)) >= 4.5, (base, colour.name())
        assert (colour.lightnessF() > 0.5) == (QColor(base).lightnessF() < 0.5)  # light on dark


def test_accessible_names_and_shortcut_free_buttons(open_dialog, award) -> None:
    dialog = open_dialog(award)
    buttons = dialog.findChildren(QPushButton)
    assert {
        dialog.copy_button,
        dialog.save_button,
        dialog.close_button,
        dialog.api_button,
        dialog.assertion_button,
    } <= set(buttons)
    for button in buttons:
        assert button.accessibleName(), button.text()
        assert not button.autoDefault()  # Enter in the dialog never presses a button by surprise
    assert dialog.editor.accessibleName()
    assert dialog.save_button.text() == "Save as…" and dialog.copy_button.text() == "Copy"
    assert dialog.focusWidget() is dialog.editor


def test_a_large_award_is_set_once_and_stays_usable(qtbot, open_dialog, records) -> None:
    data = raw_award(records[0])
    data["evidence"] = [{"url": f"https://e.example/{i}", "narrative": "n" * 80} for i in range(3000)]
    award = parse_award(data)
    dialog = open_dialog(award)
    assert dialog.editor.blockCount() > 12_000
    first = dialog.editor.document()
    dialog.show_view(View.ASSERTION)
    dialog.show_view(View.API)
    assert dialog.editor.document() is first  # kept, not rebuilt
    assert json.loads(dialog.editor.toPlainText()) == award.raw_json()
