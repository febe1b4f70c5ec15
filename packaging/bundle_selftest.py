"""Check a PyInstaller bundle's Qt pieces that the app loads only on demand.

Built as a second executable beside the app (``BACKPACK_BUNDLE_SELFTEST=1``, see
backpack-desktop.spec) so it uses the very same ``_internal`` folder: Qt libraries, plugins,
QtWebEngineProcess and its resources. packaging/build-linux runs it with
``QT_QPA_PLATFORM=offscreen`` and removes it afterwards; it is never shipped.

It checks that the web engine renders a page (the embedded sign-in), that QtPdf opens a PDF
(the print preview), that the SVG image plugin reads the app icon, and that keyring finds its
backends through the copied entry points. Prints one line per check; exits 1 on any failure.
"""

from __future__ import annotations

import os
import sys

PDF = (
    b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16">'
    b'<rect width="16" height="16" fill="#2a6"/></svg>'
)


def check_keyring() -> str:
    """The keyring backends load from the bundle, and its entry points (copied metadata) list them.

    Which backend is *viable* depends on the session (no D-Bus session, no Secret Service), so
    the check is that every backend the app may use can be imported and is registered.
    """
    import importlib
    from importlib.metadata import entry_points

    registered = {ep.value.split(":")[0] for ep in entry_points(group="keyring.backends")}
    wanted = ["keyring.backends.SecretService", "keyring.backends.kwallet", "keyring.backends.chainer"]
    if sys.platform.startswith("linux"):
        missing = [name for name in wanted if name not in registered]
        if missing:
            raise RuntimeError(f"keyring entry points lack {missing} (registered: {sorted(registered)})")
    for name in [*wanted, "keyring.backends.fail"]:
        importlib.import_module(name)
    if sys.platform.startswith("linux"):
        importlib.import_module("secretstorage")  # what the Secret Service backend talks through
    return f"{len(registered)} registered"


def check_svg() -> str:
    """The SVG image-format plugin (the app icon is an SVG loaded through QPixmap)."""
    from PySide6.QtGui import QPixmap

    pixmap = QPixmap()
    if not pixmap.loadFromData(SVG) or pixmap.width() != 16:
        raise RuntimeError("QPixmap could not read an SVG (imageformats/libqsvg missing?)")
    return "16x16"


def check_pdf() -> str:
    """QtPdf opens a document and QtPdfWidgets loads (the print preview)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    buffer = QBuffer()
    buffer.setData(QByteArray(PDF))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    view = QPdfView()
    view.setDocument(document)
    if document.pageCount() != 1:
        raise RuntimeError(f"QPdfDocument: {document.status()}, {document.pageCount()} pages")
    return "1 page"


def check_web_engine(app: object) -> str:
    """A QWebEngineView renders a page and runs its JavaScript (QtWebEngineProcess works)."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWebEngineWidgets import QWebEngineView

    view = QWebEngineView()
    view.resize(320, 200)
    loop = QEventLoop()
    result: dict[str, object] = {}

    def loaded(ok: bool) -> None:
        result["ok"] = ok
        view.page().runJavaScript("document.title + ':' + (6 * 7)", 0, finished)

    def finished(value: object) -> None:
        result["js"] = value
        loop.quit()

    view.loadFinished.connect(loaded)
    view.setHtml("<title>bundle</title><p>Backpack Desktop</p>")
    view.show()
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()
    view.close()
    if result.get("js") != "bundle:42":
        raise RuntimeError(f"the web engine did not render the page: {result}")
    return "page loaded, JavaScript ran"


def main() -> int:
    """Run every check; print one line each."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # as the app does (app.py)
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    failed = 0
    checks = [("keyring", check_keyring), ("svg", check_svg), ("pdf", check_pdf),
              ("webengine", lambda: check_web_engine(app))]
    for name, check in checks:
        try:
            print(f"selftest {name}: ok ({check()})", flush=True)
        except Exception as exc:  # report every check, then fail
            failed += 1
            print(f"selftest {name}: FAILED: {exc}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
