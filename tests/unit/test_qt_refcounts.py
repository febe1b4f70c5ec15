"""Guard against the PySide6 6.12.0 refcount bug that made the test process abort at exit.

On Python 3.11 (where True and False are ordinary reference-counted objects), PySide6 6.12.0
dropped one reference to a Python bool at every signal emission, so a long session ends in
``Fatal Python error: bool_dealloc``. pyproject.toml excludes that release; this test fails
on any PySide6 that brings the bug back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    anything = Signal(object)


def test_emitting_bools_keeps_their_reference_counts(qapp) -> None:
    emitter = _Emitter()
    emitter.flag.connect(lambda _value: None)
    emitter.anything.connect(lambda _value: None)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(200):
        emitter.flag.emit(True)
        emitter.anything.emit(False)
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
