"""The one place that runs work off the GUI thread (after Anki ``qt/aqt/taskman.py``).

Services are synchronous; a :class:`TaskManager` runs a callable on a small executor and
delivers its result, or its exception, back on the GUI thread through a queued signal. Worker
callables never touch widgets or models. Failures go to ``messages.show_error`` unless the
caller handles them. At shutdown, pending tasks are cancelled and running ones waited for, as
Electrum's ``TaskThread.stop()`` does, so no worker outlives the objects it reports to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from backpack_desktop.ui import messages

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Task(Generic[T]):
    """A handle on submitted work; ``cancel`` is passed to work that can stop early."""

    name: str
    cancel: threading.Event = field(default_factory=threading.Event)
    future: Future[T] | None = None

    def request_cancel(self) -> None:
        """Ask the work to stop (it checks ``cancel``) and drop it if it has not started."""
        self.cancel.set()
        if self.future is not None:
            self.future.cancel()


class _Delivery(QObject):
    """Carries a finished future to the GUI thread (a queued connection across threads)."""

    finished = Signal(object, object)  # (callback, future)


class TaskManager(QObject):
    """Runs callables in the background and calls back on the GUI thread.

    Signals:
        busy_changed(bool): whether any task is running (for a busy indicator).
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="backpack-task")
        self._delivery = _Delivery(self)  # deleted with the manager
        self._delivery.finished.connect(self._on_delivery_finished, Qt.ConnectionType.QueuedConnection)
        self._running: set[Future[Any]] = set()
        self._tasks: dict[Future[Any], Task[Any]] = {}
        self._closed = False
        self._closing = threading.Lock()  # no delivery is posted once shutdown has begun

    def run(
        self,
        name: str,
        work: Callable[[threading.Event], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None = None,
        error_parent: QWidget | None = None,
    ) -> Task[T]:
        """Run ``work(cancel_event)`` off the GUI thread; report to the callbacks on it."""
        task: Task[T] = Task(name)
        if self._closed:
            raise RuntimeError("the task manager is shut down")

        def report_failure(exc: BaseException) -> None:
            if on_failure is not None:
                on_failure(exc)
            else:
                messages.show_error(error_parent, exc)

        def callback(future: Future[T]) -> None:
            if future.cancelled():
                return
            exc = future.exception()
            if exc is not None:
                report_failure(exc)
            else:
                on_success(future.result())

        future = self._pool.submit(work, task.cancel)
        task.future = future
        self._running.add(future)
        self._tasks[future] = task
        self.busy_changed.emit(True)
        future.add_done_callback(lambda f: self._deliver(callback, f))
        return task

    def _deliver(self, callback: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        # Runs on the worker thread. After shutdown the manager may already be deleted.
        with self._closing:
            if not self._closed:
                self._delivery.finished.emit(callback, future)

    @Slot(object, object)
    def _on_delivery_finished(self, callback: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        self._running.discard(future)
        self._tasks.pop(future, None)
        if not self._running:
            self.busy_changed.emit(False)
        if self._closed:
            return
        try:
            callback(future)
        except Exception:  # a failing callback must not take the event loop down
            log.exception("task callback failed")

    def shutdown(self, wait_seconds: float = 10.0) -> None:
        """Cancel what has not started and wait (bounded) for what is running.

        Nothing is reported after this: the objects the callbacks belong to are going away.
        """
        with self._closing:
            self._closed = True
        for task in list(self._tasks.values()):
            task.request_cancel()  # running work sees its event; queued work never starts
        self._pool.shutdown(wait=False, cancel_futures=True)
        done = threading.Event()

        def wait_for_workers() -> None:
            self._pool.shutdown(wait=True)
            done.set()

        threading.Thread(target=wait_for_workers, daemon=True).start()
        if not done.wait(wait_seconds):
            log.warning("background work still running at shutdown")
