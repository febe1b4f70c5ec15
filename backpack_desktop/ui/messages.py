"""The one place that shows errors to the user (compare Anki ``qt/aqt/errors.py``).

Messages raised before a window exists are queued and shown once one is given to
:func:`flush_queued`. Only :class:`UserFacingError` text is shown verbatim; anything else gets a
generic sentence, because an arbitrary exception may carry a token or an address.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from backpack_desktop.domain.errors import UserFacingError

log = logging.getLogger(__name__)
_queued: list[BaseException] = []


def user_text(exc: BaseException) -> str:
    """The sentence the user sees for ``exc``."""
    if isinstance(exc, UserFacingError):
        return str(exc)
    return "Something went wrong. The details were written to the log."


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Backpack Desktop") -> None:
    """Show ``exc`` in a message box, or queue it while there is no window."""
    if parent is None:
        _queued.append(exc)
        return
    if not isinstance(exc, UserFacingError):
        log.error("unexpected error", exc_info=exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, user_text(exc), parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # error text may quote server or issuer data
    box.exec()


def flush_queued(parent: QWidget) -> None:
    """Show the messages queued before ``parent`` existed."""
    while _queued:
        show_error(parent, _queued.pop(0))
