"""The one excepthook: log the traceback and show it once in a dialog with copyable details.

Compare Electrum ``gui/qt/exception_window.py`` and Vorta ``__main__.py``. The same traceback is
shown only once, so an error inside a repeating timer cannot flood the screen.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from backpack_desktop.services.redact import redact

log = logging.getLogger(__name__)
_seen: set[str] = set()


def _hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    # Exception messages can quote URLs with codes or e-mail addresses: mask them before the
    # traceback reaches the log or a dialog whose text the user may paste anywhere.
    details = redact("".join(traceback.format_exception(kind, exc, tb)))
    log.error("unhandled exception\n%s", details)
    if details in _seen or QApplication.instance() is None:
        return
    _seen.add(details)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Backpack Desktop",
        "Backpack Desktop hit an unexpected error. Your badges are safe; "
        "you can keep working or restart the app.",
    )
    box.setDetailedText(details)
    box.exec()


def install_excepthook() -> None:
    """Route uncaught exceptions (including those in Qt slots) to the crash dialog."""
    sys.excepthook = _hook
