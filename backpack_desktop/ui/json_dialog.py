r"""The Badge Award JSON dialog: the award as synced, or the Open Badges assertion it stands for.

The JSON is shown read-only in a monospace editor, which is plain text by nature, so markup in a
badge is displayed literally. Invisible and direction-changing characters (bidi overrides,
zero-width marks, line separators, lone surrogates) are shown as ``\uXXXX`` escapes: the text is
still JSON with exactly the same value, but a name cannot reorder or hide what is around it.
Each view's document is built and highlighted once, on first show, and kept.
"""

from __future__ import annotations

import enum
import json
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QStandardPaths, Qt
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QKeySequence,
    QPalette,
    QResizeEvent,
    QShortcut,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextDocumentLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from backpack_desktop.domain.assertion import open_badges_assertion
from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award
from backpack_desktop.services.files import safe_file_name, write_atomically
from backpack_desktop.ui import messages
from backpack_desktop.ui.json_highlighter import JsonHighlighter
from backpack_desktop.ui.widgets import plain_label

_INVISIBLE = re.compile(
    "[\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000e0000-\U000e007f]"
)
_HINTS = {
    "api": "The award exactly as synced from the server.",
    "assertion": "The Open Badges 2.0 assertion this award stands for, with its badge class and issuer, "
    "rebuilt from the wallet's copy.",
}
# A segmented switch in palette colours (light and dark themes); the chosen segment is filled.
_SEGMENTS = """
QPushButton { border: 1px solid palette(mid); padding: 4px 14px; background: palette(button);
              color: palette(button-text); }
QPushButton:checked { background: palette(highlight); color: palette(highlighted-text);
                      border-color: palette(highlight); }
QPushButton:focus { border-color: palette(highlight); }
QPushButton:checked:focus { border-color: palette(text); }
QPushButton#first { border-top-left-radius: 5px; border-bottom-left-radius: 5px; }
QPushButton#last { border-top-right-radius: 5px; border-bottom-right-radius: 5px; }
"""


class View(enum.Enum):
    """The two JSON documents the dialog can show."""

    API = "api"
    ASSERTION = "assertion"


def json_text(value: Any) -> str:
    """Pretty-print ``value`` (indent 2, key order kept), escaping invisible characters."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _INVISIBLE.sub(lambda m: json.dumps(m.group())[1:-1], text)


class _ElidedLabel(QLabel):
    """One line of plain text, elided at the right to fit; it never widens its window."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = " ".join(text[:2000].split())  # a 100 KB name is cut long before the width

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Elide again for the new width."""
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width()))
        super().resizeEvent(event)


class AwardJsonDialog(QDialog):
    """An award's JSON, read-only, with Copy and Save as…, as the API award or as the assertion.

    Attributes:
        editor: the read-only monospace view.
        api_button, assertion_button: the two segments of the view switch.
        copy_button, save_button, close_button: the actions.
    """

    def __init__(self, award: Award, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._award = award
        self._view = View.API
        self._texts: dict[View, str] = {}
        self._documents: dict[View, QTextDocument] = {}
        self._highlighters: dict[View, JsonHighlighter] = {}
        self._folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = " ".join(award.name[:200].split()) + ("…" if len(award.name) > 200 else "")
        # Isolated, so a right-to-left name stays put; "[*]" doubled, or Qt would hide it.
        self.setWindowTitle(f"Badge Award JSON — \u2068{name}\u2069".replace("[*]", "[*][*]"))
        self._build_ui()
        self._connect_signals()
        self.show_view(View.API)
        self.editor.setFocus()

    def _build_ui(self) -> None:
        self.resize(780, 640)
        title, issuer = _ElidedLabel(self._award.name), _ElidedLabel(self._award.issuer.name)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        self.size_label, self.hint = plain_label(), plain_label()
        for muted in (issuer, self.size_label, self.hint):
            muted.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        switch = QHBoxLayout()
        switch.addWidget(self._build_switch())
        switch.addStretch(1)
        switch.addWidget(self.size_label)
        self.editor = QPlainTextEdit()
        self.editor.setReadOnly(True)
        self.editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setAccessibleName("Badge award JSON")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(issuer)
        layout.addSpacing(6)
        layout.addLayout(switch)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self._build_buttons())

    def _build_switch(self) -> QWidget:
        self.api_button = QPushButton("API award")
        self.assertion_button = QPushButton("Open Badges assertion")
        self._switch = QButtonGroup(self)  # exclusive: exactly one view is checked
        segments = QWidget()
        segments.setStyleSheet(_SEGMENTS)
        row = QHBoxLayout(segments)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        for view, button, name in (
            (View.API, self.api_button, "first"),
            (View.ASSERTION, self.assertion_button, "last"),
        ):
            button.setObjectName(name)
            button.setCheckable(True)
            button.setAutoDefault(False)  # Enter must not flip the view
            button.setAccessibleName(f"Show the {button.text()} JSON")
            button.setToolTip(_HINTS[view.value])
            self._switch.addButton(button)
            row.addWidget(button)
        return segments

    def _build_buttons(self) -> QDialogButtonBox:
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.copy_button = self.buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = self.buttons.addButton("Save as…", QDialogButtonBox.ButtonRole.ActionRole)
        for button, name in (
            (self.copy_button, "Copy the JSON to the clipboard"),
            (self.save_button, "Save the JSON to a file"),
            (self.close_button, "Close the JSON view"),
        ):
            button.setAccessibleName(name)
            button.setToolTip(name)
            button.setAutoDefault(False)
        return self.buttons

    def _connect_signals(self) -> None:
        self.api_button.clicked.connect(self._on_api_button_clicked)
        self.assertion_button.clicked.connect(self._on_assertion_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.buttons.rejected.connect(self.reject)  # Close, and Esc through QDialog
        QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self, self._on_copy_shortcut_activated)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self._on_save_button_clicked)

    @property
    def view(self) -> View:
        """The view shown now."""
        return self._view

    def text(self) -> str:
        """The JSON shown now, exactly as Copy and Save as… write it."""
        if self._view not in self._texts:
            award = self._award
            value = award.raw_json() if self._view is View.API else open_badges_assertion(award)
            self._texts[self._view] = json_text(value)
        return self._texts[self._view]

    def show_view(self, view: View) -> None:
        """Show ``view``; its document is built and highlighted the first time only."""
        self._view = view
        (self.api_button if view is View.API else self.assertion_button).setChecked(True)
        text = self.text()
        if view not in self._documents:
            document = QTextDocument(self)
            document.setDocumentLayout(QPlainTextDocumentLayout(document))
            document.setDefaultFont(self.editor.font())
            document.setDocumentMargin(8)
            option = QTextOption(document.defaultTextOption())
            option.setTextDirection(Qt.LayoutDirection.LeftToRight)  # JSON is code: an Arabic line stays put
            document.setDefaultTextOption(option)
            self._highlighters[view] = JsonHighlighter(document, self.palette())
            document.setPlainText(text)  # set once: the highlighter runs over it once
            self._documents[view] = document
        self.editor.setDocument(self._documents[view])
        lines, size = text.count("\n") + 1, len(text.encode("utf-8"))
        self.size_label.setText(
            f"{lines:,} lines · " + (f"{size:,} bytes" if size < 1024 else f"{size / 1024:,.1f} KB")
        )
        private = view is View.API and self._award.recipient.plaintext is not None
        self.hint.setText(_HINTS[view.value] + (" It includes your e-mail address." if private else ""))

    # -- actions -------------------------------------------------------------------------------
    def copy_all(self) -> None:
        """Put the whole JSON shown on the clipboard."""
        QApplication.clipboard().setText(self.text())

    def save_to(self, path: Path) -> bool:
        """Write the JSON shown to ``path`` atomically; on failure tell the user and return False."""
        try:
            write_atomically(Path(path), self.text().encode("utf-8"))
        except OSError as exc:
            reason = exc.strerror or "the file could not be written"
            messages.show_error(self, UserFacingError(f"The JSON was not saved: {reason}."))
            return False
        self._folder = str(Path(path).parent)
        return True

    def suggested_file_name(self) -> str:
        """A safe file name for the view shown now, built from the badge name."""
        name = self._award.name[:100]
        return safe_file_name(name if self._view is View.API else f"{name} assertion", ".json")

    def ask_save_path(self) -> Path | None:
        """Ask where to save with the platform's dialog (it confirms overwriting); None if cancelled."""
        suggested = str(Path(self._folder or ".") / self.suggested_file_name())
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save Badge Award JSON", suggested, "JSON files (*.json);;All files (*)"
        )
        return Path(chosen) if chosen else None

    # -- slots ---------------------------------------------------------------------------------
    def _on_api_button_clicked(self) -> None:
        self.show_view(View.API)

    def _on_assertion_button_clicked(self) -> None:
        self.show_view(View.ASSERTION)

    def _on_copy_button_clicked(self) -> None:
        self.copy_all()

    def _on_copy_shortcut_activated(self) -> None:
        # The shortcut takes Ctrl+C from the editor too: a selection copies as usual.
        if self.editor.hasFocus() and self.editor.textCursor().hasSelection():
            self.editor.copy()
        else:
            self.copy_all()

    def _on_save_button_clicked(self) -> None:
        path = self.ask_save_path()
        if path is not None:
            self.save_to(path)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        """Recolour the JSON when the system switches between light and dark."""
        if event.type() == QEvent.Type.PaletteChange:
            for highlighter in self._highlighters.values():
                highlighter.set_palette(self.palette())
                highlighter.rehighlight()
        super().changeEvent(event)
