"""Object lifetimes across threads: garbage is collected on the GUI thread, and nothing is
delivered to a task manager (or window) that has been shut down.

These guard against a crash we hit: a closed session's task manager, unreachable but still
alive, received a late queued delivery and was collected in the middle of it (SIGSEGV).
"""

from __future__ import annotations

import gc
import logging
import threading
import weakref

import shiboken6
from PySide6.QtCore import QObject

from backpack_desktop.ui.collector import GuiThreadCollector
from backpack_desktop.ui.tasks import TaskManager


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector frees it


def test_the_collector_takes_over_and_gives_back(qapp) -> None:
    # The autouse fixture already runs one; a second one must restore what it found.
    gc.enable()
    collector = GuiThreadCollector(qapp)
    collector.start()
    try:
        assert collector.active and not gc.isenabled()
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled() and not collector.active


def test_cycles_wait_for_the_timer_then_go(qtbot, qapp) -> None:
    assert not gc.isenabled()  # the suite runs GUI tests under the app's policy
    node = _Node()
    ref = weakref.ref(node)
    del node
    kept = [[] for _ in range(5000)]  # well past the allocation threshold
    assert ref() is not None  # nothing collected it behind the GUI thread's back
    qtbot.waitUntil(lambda: ref() is None, timeout=5000)
    assert len(kept) == 5000


def test_collect_due_does_nothing_when_nothing_is_due(qapp) -> None:
    collector = GuiThreadCollector(qapp)
    gc.collect()
    assert collector.collect_due() == -1
    collector.deleteLater()


def test_a_task_finishing_after_shutdown_reports_nothing(qtbot, qapp, caplog) -> None:
    manager = TaskManager()
    release, started = threading.Event(), threading.Event()
    seen: list[object] = []

    def work(_cancel: threading.Event) -> str:
        started.set()
        release.wait(10)
        return "late"

    task = manager.run("slow", work, seen.append, seen.append)
    assert started.wait(10)
    manager.shutdown(wait_seconds=0.05)
    shiboken6.delete(manager)  # as AppSession.close does
    release.set()
    assert task.future is not None
    assert task.future.result(10) == "late"
    qtbot.wait(50)
    assert seen == []
    # A delivery to the deleted manager would fail in the worker's done-callback and be logged.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_closing_a_session_deletes_its_qt_objects(qtbot, qapp, tmp_path) -> None:
    from PySide6.QtCore import QSettings

    from backpack_desktop import app

    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    session = app.build(demo=True, settings_store=store)
    owned: list[QObject] = [session.window, session.account, session.tasks]
    session.close()
    assert not any(shiboken6.isValid(obj) for obj in owned)
