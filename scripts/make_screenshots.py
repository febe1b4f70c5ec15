"""Make the README's screenshots from the real app under Qt's offscreen platform.

Run through ``scripts/screenshots`` (which sets the environment). Each picture is a grab of the
real widget against a real in-process sandbox; nothing is staged by hand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlencode

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu --log-level=3")

from PySide6.QtCore import QEventLoop, QTimer, QUrl  # noqa: E402
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile  # noqa: E402
from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402

from backpack_desktop import app as composition  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main_window(session: composition.AppSession) -> None:
    window = session.window
    window.resize(1000, 620)
    window.show()
    wait(300)
    window.grab().save(str(OUT / "main-window-demo.png"))


def sandbox_sign_in(session: composition.AppSession) -> None:
    assert session.sandbox is not None
    info = session.sandbox.info
    profile = QWebEngineProfile()  # off the record: nothing written to disk
    view = QWebEngineView()
    page = QWebEnginePage(profile, view)
    view.setPage(page)
    view.resize(900, 640)
    view.show()
    query = urlencode({"response_type": "code", "client_id": info["client_id"], "state": "screenshot",
                       "redirect_uri": info["redirect_uri"], "scope": "r:profile r:backpack"})
    loop = QEventLoop()
    page.loadFinished.connect(lambda _ok: loop.quit())
    page.load(QUrl(f"{info['ui']}/auth/oauth2/authorize?{query}"))
    QTimer.singleShot(15000, loop.quit)
    loop.exec()
    wait(600)  # a grab right at loadFinished is blank
    view.grab().save(str(OUT / "sandbox-sign-in.png"))
    view.close()
    del page, view


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = composition.create_application()
    session = composition.build(demo=True)
    try:
        main_window(session)
        sandbox_sign_in(session)
    finally:
        session.close()
    app.processEvents()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(OUT.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
