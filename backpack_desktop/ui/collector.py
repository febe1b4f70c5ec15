"""Python's cycle collector, run only on the GUI thread and only between events.

Why: a Qt object owned by Python (a top-level window, the task manager, a controller) that
has become unreachable is deleted by the cycle collector, and the collector runs wherever an
allocation happens to cross its threshold: in a worker thread, or on the GUI thread in the
middle of delivering an event *to that very object*. PySide6 then frees the wrapper twice and
the process dies with SIGSEGV (we hit it in the test suite: a queued task delivery to a closed
session's task manager, collected while shiboken looked up its ``event`` override).

So automatic collection is switched off and a timer on the GUI thread collects instead, with
the interpreter's own generation thresholds. The same pattern is used by calibre, pyqtgraph
(``util/garbage_collector.py``) and GitFourchette; no library packages it for PySide6.
Reference counting still frees almost everything immediately; only cycles wait for the timer.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    """Owns the process's garbage-collection policy while it is started."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)

    @property
    def active(self) -> bool:
        """Whether the timer, not the interpreter, is collecting."""
        return self._timer.isActive()

    def start(self) -> None:
        """Switch automatic collection off; collect from the timer instead."""
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect once more, here on the GUI thread, and give collection back to Python."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        """Collect the generations the interpreter would have collected by now.

        Returns the generation collected, or -1 when nothing was due.
        """
        count0, count1, count2 = gc.get_count()
        limit0, limit1, limit2 = self._thresholds
        if count0 <= limit0:
            return -1
        generation = 2 if count1 > limit1 and count2 > limit2 else 1 if count1 > limit1 else 0
        gc.collect(generation)
        return generation
