"""Idle detection for kiosk stations: a countdown before the wipe, cancelled by any input.

An application-wide event filter sees every key, mouse, touch and wheel event, whatever window
or dialog has focus, so a modal dialog left open does not keep a visitor's session alive. Time
comes from an injected clock (``time.monotonic`` by default) so tests can step it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Counts down from the last input.

    Signals:
        warning(int): seconds left, every second of the last ``warning_seconds``.
        cancelled(): input arrived during the warning.
        expired(): the timeout passed with no input.
    """

    warning = Signal(int)
    cancelled = Signal()
    expired = Signal()

    def __init__(
        self,
        timeout: float,
        warning_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.timeout, self.warning_seconds, self._clock = timeout, warning_seconds, clock
        self._last = clock()
        self._warning = False
        self._running = False
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.check)

    def start(self) -> None:
        """Start counting (from now) and watching input."""
        app = QApplication.instance()
        if app is not None and not self._running:
            app.installEventFilter(self)
        self._running = True
        self.poke()
        self._tick.start()

    def stop(self) -> None:
        """Stop counting (on the attract screen there is nothing to wipe)."""
        app = QApplication.instance()
        if app is not None and self._running:
            app.removeEventFilter(self)
        self._running = False
        self._tick.stop()
        self._warning = False

    def poke(self) -> None:
        """Input happened: start the countdown again."""
        self._last = self._clock()
        if self._warning:
            self._warning = False
            self.cancelled.emit()

    def check(self) -> None:
        """Compare the clock with the last input (the timer calls this every second)."""
        if not self._running:
            return
        left = self.timeout - (self._clock() - self._last)
        if left <= 0:
            self._warning = False
            self.stop()
            self.expired.emit()
        elif left <= self.warning_seconds:
            self._warning = True
            self.warning.emit(int(left + 0.999))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Any input anywhere in the app counts as presence; nothing is consumed."""
        if event.type() in INPUT_EVENTS:
            self.poke()
        return False
