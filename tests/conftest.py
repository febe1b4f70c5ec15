"""Shared fixtures and the headless Qt set-up for every test.

The environment variables are set before anything imports Qt, so a bare ``pytest`` works on a
machine without a display (without them Qt aborts the whole run with SIGABRT, rc 134).
``scripts/test`` sets the same values explicitly.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS",
    "--no-sandbox --disable-gpu --log-level=3 --disable-background-networking --disable-component-update",
)
if hasattr(os, "geteuid") and os.geteuid() == 0:
    # Chromium refuses to start as root with its sandbox on, whatever the flags above say.
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

# QtWebEngine must be loaded before the QApplication exists (pytest-qt's ``qapp`` creates it
# lazily, later). It costs about 0.3 s once per run; a PySide6 without WebEngine still runs the
# unit tests.
with contextlib.suppress(ImportError):
    import PySide6.QtWebEngineWidgets  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's top directory (the one holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_testdata(repo_root: Path) -> Path:
    """The shared Open Badges test data set (``../shared/testdata/open-badges``)."""
    path = repo_root.parent / "shared" / "testdata" / "open-badges"
    if not path.is_dir():
        pytest.fail(f"shared test data not found at {path} (expected next to the checkout)")
    return path


@pytest.fixture(autouse=True)
def _gc_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests with a QApplication collect garbage as the app does: on the GUI thread, by timer.

    Without it a closed window from an earlier test can be collected in the middle of an event
    delivered to it, and the run dies with SIGSEGV (see backpack_desktop/ui/collector.py).
    Set up before ``qtbot``, so it is torn down after qtbot has closed the test's widgets.
    """
    if "qapp" not in request.fixturenames:
        yield
        return
    from backpack_desktop.ui.collector import GuiThreadCollector

    collector = GuiThreadCollector(request.getfixturevalue("qapp"))
    collector.start()
    try:
        yield
    finally:
        collector.stop()
        collector.deleteLater()
