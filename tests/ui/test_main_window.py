"""The window opens in demo mode against a real in-process sandbox and says where it is connected."""

from __future__ import annotations

import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from backpack_desktop import APP_ID, app


def test_demo_window_shows_its_sandbox(qtbot):
    session = app.build(demo=True)
    try:
        window = session.window
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        assert session.sandbox is not None
        api = session.sandbox.info["api"]
        texts = [label.text() for label in window.findChildren(QLabel)]
        assert api in texts
        assert any("demo mode" in text for text in texts)
        assert "Demo" in window.windowTitle()
        # the sandbox it names is really serving
        assert requests.get(f"{api}/v2/users/self", timeout=5).status_code == 401
    finally:
        session.close()
    # closing the session stops the sandbox
    try:
        requests.get(f"{api}/v2/users/self", timeout=2)
        raise AssertionError("sandbox still answering after close")
    except requests.ConnectionError:
        pass


def test_every_label_is_plain_text(qtbot):
    session = app.build(demo=True)
    try:
        qtbot.addWidget(session.window)
        labels = session.window.findChildren(QLabel)
        assert labels
        for label in labels:
            if label.pixmap() is None or label.pixmap().isNull():
                assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    finally:
        session.close()


def test_window_without_demo_is_not_connected(qtbot):
    session = app.build(demo=False)
    try:
        qtbot.addWidget(session.window)
        assert session.sandbox is None
        texts = " ".join(label.text() for label in session.window.findChildren(QLabel))
        assert "Not connected" in texts
    finally:
        session.close()


def test_desktop_file_name_is_the_app_id(qapp):
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.setDesktopFileName(APP_ID)
    assert QGuiApplication.desktopFileName() == APP_ID
