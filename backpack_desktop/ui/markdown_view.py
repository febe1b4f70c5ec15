"""The one sanitising path for issuer Markdown (criteria and award narratives).

Badgr stores narratives as Markdown, and a list or a bold word reads better rendered. But the
text is the issuer's (SECURITY.md T19, test 27), so rendering is fenced in:

* Qt's own Markdown parser (md4c) with HTML switched off: ``<b>`` or ``<img>`` in the text
  stays literal text, never markup.
* No resource is ever loaded: :meth:`loadResource` answers nothing, and Markdown images are
  replaced by a plain "[image: address]" note, so no request leaves and no file is read.
* Links are not followed by the widget; a click goes to the app's :class:`LinkOpener`
  (https only, after showing the whole address).
* Long text is cut at :data:`MAX_CHARS` with an ellipsis.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

MAX_CHARS = 20_000
FEATURES = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


class MarkdownView(QTextBrowser):
    """Read-only rendered Markdown; with ``fit`` it grows to its content's height (no scrolling).

    Signals:
        link_activated(str): a link was clicked (the address, unopened).
    """

    link_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None, fit: bool = True) -> None:
        super().__init__(parent)
        self._fit = fit
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor_clicked)
        if fit:
            self.setFrameShape(QFrame.Shape.NoFrame)
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.viewport().setAutoFillBackground(False)
            self.document().setDocumentMargin(0)  # lines up with the plain labels beside it
            self.document().documentLayout().documentSizeChanged.connect(self._on_document_size_changed)

    def set_markdown(self, text: str) -> None:
        """Render ``text`` (issuer Markdown) through the fenced path."""
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS] + "…"
        document = self.document()
        document.setMarkdown(text, FEATURES)
        _replace_images(document)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 - Qt's name
        """Never load anything: no remote images, no local files (returns no data)."""
        return None

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As tall as the rendered text (when fitting)."""
        hint = super().sizeHint()
        return QSize(hint.width(), self._content_height()) if self._fit else hint

    def _content_height(self) -> int:
        margins = self.contentsMargins()
        return int(self.document().size().height()) + margins.top() + margins.bottom() + 2

    def _on_document_size_changed(self, _size: object) -> None:
        self.setFixedHeight(self._content_height())

    def _on_anchor_clicked(self, url: QUrl) -> None:
        self.link_activated.emit(url.toString())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Re-wrap at the new width and fit the height to it."""
        super().resizeEvent(event)
        if self._fit:
            self.document().setTextWidth(self.viewport().width())
            self.setFixedHeight(self._content_height())


def _replace_images(document: QTextDocument) -> None:
    """Swap every image for a plain note naming its address (nothing is fetched)."""
    spans: list[tuple[int, int, str]] = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                spans.append((fragment.position(), fragment.length(), fmt.toImageFormat().name()))
            it += 1
        block = block.next()
    cursor = QTextCursor(document)
    for position, length, name in reversed(spans):
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(f"[image: {name[:200]}]", QTextCharFormat())
