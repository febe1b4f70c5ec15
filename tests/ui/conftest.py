"""Shared fixtures for the window tests: settings in a temporary file, a demo session on its own sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from backpack_desktop import app


@pytest.fixture
def settings_store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def demo(qtbot, settings_store: QSettings) -> Iterator[app.AppSession]:
    session = app.build(demo=True, settings_store=settings_store)
    session.window.show()
    qtbot.waitExposed(session.window)
    yield session
    session.close()  # deletes the window (not qtbot: it would close a deleted window)
