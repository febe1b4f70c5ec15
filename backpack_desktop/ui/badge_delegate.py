"""Paints a badge as a card (grid) or a row (list): image, name, issuer, date and status chip.

Text is drawn with QPainter.drawText, which never interprets markup, and elided to fit; the
full name is in the tooltip. The chip carries a word and a symbol, never colour alone.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from backpack_desktop.domain.models import Award
from backpack_desktop.domain.status import Status
from backpack_desktop.ui.detail_pane import CHIP_COLOURS, CHIP_SYMBOLS

CARD = QSize(176, 214)
ROW_HEIGHT = 60
THUMB_GRID, THUMB_LIST = 104, 44
Index = QModelIndex | QPersistentModelIndex


class BadgeDelegate(QStyledItemDelegate):
    """Draws badges; ``grid`` switches between cards and rows.

    Signals:
        menu_requested(QPersistentModelIndex, QPoint): the "⋯" button of an item was clicked.

    Attributes:
        grid: True for the card grid, False for the list.
        badge_role, status_role: the model roles carrying the Award and its Status.
    """

    menu_requested = Signal(object, object)

    def __init__(self, badge_role: int, status_role: int, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.grid = True
        self.badge_role, self.status_role = badge_role, status_role

    def menu_rect(self, rect: QRect) -> QRect:
        """Where the "⋯" options button of the item in ``rect`` is."""
        return QRect(rect.right() - 30, rect.top() + 4, 26, 22)

    def editorEvent(self, event: QEvent, model: object, option: QStyleOptionViewItem, index: Index) -> bool:  # noqa: N802
        """A click on "⋯" opens the options menu (the view listens to ``menu_requested``)."""
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and self.menu_rect(option.rect).contains(event.position().toPoint())
        ):
            self.menu_requested.emit(QPersistentModelIndex(index), event.globalPosition().toPoint())
            return True
        return False

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        """Cards have a fixed size; rows take the view's width."""
        return CARD if self.grid else QSize(option.rect.width() or 400, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Draw one badge."""
        award = index.data(self.badge_role)
        if not isinstance(award, Award):
            super().paint(painter, option, index)
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.color(QPalette.ColorRole.Highlight))
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        status = index.data(self.status_role)
        if self.grid:
            self._paint_card(painter, option.rect, award, pixmap, status, text_colour)
        else:
            self._paint_row(painter, option.rect, award, pixmap, status, text_colour)
        if selected or option.state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(text_colour)
            painter.drawText(self.menu_rect(option.rect), int(Qt.AlignmentFlag.AlignCenter), "⋯")
        painter.restore()

    def _paint_card(
        self, painter: QPainter, rect: QRect, award: Award, pixmap: object, status: object, colour: QColor
    ) -> None:
        inner = rect.adjusted(8, 8, -8, -8)
        image_rect = QRect(inner.center().x() - THUMB_GRID // 2, inner.top(), THUMB_GRID, THUMB_GRID)
        _draw_image(painter, image_rect, pixmap)
        y = image_rect.bottom() + 6
        painter.setPen(colour)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        y = _draw_line(painter, QRect(inner.left(), y, inner.width(), 40), award.name, two_lines=True)
        font.setBold(False)
        painter.setFont(font)
        y = _draw_line(painter, QRect(inner.left(), y, inner.width(), 18), _issuer_line(award))
        if isinstance(status, Status):
            _draw_chip(painter, QRect(inner.left(), y + 2, inner.width(), 20), status, centred=True)

    def _paint_row(
        self, painter: QPainter, rect: QRect, award: Award, pixmap: object, status: object, colour: QColor
    ) -> None:
        inner = rect.adjusted(8, 8, -8, -8)
        _draw_image(painter, QRect(inner.left(), inner.top(), THUMB_LIST, THUMB_LIST), pixmap)
        text_left = inner.left() + THUMB_LIST + 12
        chip_width = 110
        text_width = inner.width() - THUMB_LIST - 12 - chip_width - 8
        painter.setPen(colour)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        _draw_line(painter, QRect(text_left, inner.top(), text_width, 20), award.name)
        font.setBold(False)
        painter.setFont(font)
        issued = award.issued_on.astimezone().strftime("%d %b %Y")
        _draw_line(
            painter, QRect(text_left, inner.top() + 22, text_width, 20), f"{_issuer_line(award)} · {issued}"
        )
        if isinstance(status, Status):
            _draw_chip(painter, QRect(inner.right() - chip_width, inner.top() + 10, chip_width, 22), status)


def _draw_image(painter: QPainter, rect: QRect, pixmap: object) -> None:
    if isinstance(pixmap, QPixmap) and not pixmap.isNull():
        # Decoded once at the card's size and the screen's pixel ratio; drawn into the rect
        # (smaller in list mode) without making a scaled copy at every paint.
        size = pixmap.deviceIndependentSize().toSize().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = rect.left() + (rect.width() - size.width()) // 2
        y = rect.top() + (rect.height() - size.height()) // 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(QRect(x, y, size.width(), size.height()), pixmap)
        painter.restore()
    else:  # a placeholder: missing, refused or not decoded yet
        painter.setPen(QColor("#9e9e9e"))
        painter.drawEllipse(rect.adjusted(6, 6, -6, -6))


def _issuer_line(award: Award) -> str:
    """The issuer, and "Imported" for a badge that came from a file rather than the server."""
    return f"Imported · {award.issuer.name}" if award.origin == "imported" else award.issuer.name


def _draw_line(painter: QPainter, rect: QRect, text: str, two_lines: bool = False) -> int:
    """Draw elided plain text; return the y below it."""
    metrics = QFontMetrics(painter.font())
    flags = Qt.AlignmentFlag.AlignHCenter if two_lines else Qt.AlignmentFlag.AlignLeft
    if two_lines:
        first = metrics.elidedText(text, Qt.TextElideMode.ElideNone, rect.width() * 10)
        lines = _wrap_two(metrics, first, rect.width())
    else:
        lines = [metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())]
    y = rect.top()
    for line in lines:
        painter.drawText(QRect(rect.left(), y, rect.width(), metrics.height()), int(flags), line)
        y += metrics.height()
    return y + 2


def _wrap_two(metrics: QFontMetrics, text: str, width: int) -> list[str]:
    words, first = text.split(), ""
    while words and metrics.horizontalAdvance((first + " " + words[0]).strip()) <= width:
        first = (first + " " + words.pop(0)).strip()
    if not first:  # one long word (or CJK without spaces): cut by width
        return [metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)]
    rest = " ".join(words)
    return [first, metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)] if rest else [first]


def _draw_chip(painter: QPainter, rect: QRect, status: Status, centred: bool = False) -> None:
    background, text = CHIP_COLOURS[status]
    label = f"{CHIP_SYMBOLS[status]} {status.label}"
    metrics = QFontMetrics(painter.font())
    width = metrics.horizontalAdvance(label) + 18
    left = rect.left() + (rect.width() - width) // 2 if centred else rect.left()
    chip = QRect(left, rect.top(), width, rect.height())
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(background))
    painter.drawRoundedRect(chip, rect.height() / 2, rect.height() / 2)
    painter.setPen(QColor(text))
    painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), label)
