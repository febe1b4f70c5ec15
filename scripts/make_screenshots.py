"""Make the README's screenshots from the real app under Qt's offscreen platform.

Run through ``scripts/screenshots`` (which sets the environment). Each picture is a grab of the
real widgets against a real in-process sandbox, driven the way a user would: the welcome page,
the embedded sign-in, and the account page after the first sync. Nothing is staged by hand.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu --log-level=3")

from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from backpack_desktop import app as composition  # noqa: E402
from backpack_desktop.ui.signin_dialog import SignInDialog  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        wait(50)


def grab(widget: QWidget, name: str) -> None:
    wait(400)  # a grab right at loadFinished is blank
    widget.grab().save(str(OUT / name))


def log_in(dialog: SignInDialog, info: dict[str, str]) -> None:
    """Fill in and send the sandbox's sign-in form, then wait for the consent page."""
    dialog.page.runJavaScript(
        f"document.getElementById('email').value = {info['username']!r};"
        f"document.getElementById('password').value = {info['password']!r};"
        "document.getElementById('submit').click();"
    )
    wait_until(lambda: "Authorize" in dialog.page.title() and dialog.progress.value() == 100)


def sign_in(session: composition.AppSession) -> SignInDialog:
    session.window.welcome_sign_in.click()
    dialog = session.sign_in.dialog
    assert isinstance(dialog, SignInDialog)
    dialog.resize(760, 700)
    wait_until(lambda: "Sign in" in dialog.page.title() and dialog.progress.value() == 100)
    return dialog


def show_richest_award(window: QWidget) -> None:
    """Select the award with the most to show (narrative, evidence, alignments) and its pictures."""
    view = window.backpack  # type: ignore[attr-defined]
    awards = [view.proxy.index(row, 0).data(view.model.BadgeRole) for row in range(view.proxy.rowCount())]
    richest = max(awards, key=lambda a: (bool(a.narrative), len(a.evidence), len(a.badgeclass.alignments)))
    view.list.setCurrentIndex(view.proxy.index_of(richest.entity_id))
    wait_until(lambda: not view.detail.picture.isHidden())
    wait_until(lambda: view.detail.verification.text().startswith("?"))  # the offline check
    view.detail.check_online.click()
    wait_until(lambda: view.detail.verification.text().startswith("✓"))


def share_tray(window: QWidget) -> None:
    """The share tray of the selected badge, on its QR code tab."""
    from backpack_desktop.ui.share_dialog import ShareDialog

    window.backpack.detail.share.click()  # type: ignore[attr-defined]
    wait(300)
    tray = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ShareDialog) and w.isVisible())
    tray.tabs.setCurrentIndex(next(i for i in range(tray.tabs.count()) if tray.tabs.tabText(i) == "QR code"))
    grab(tray, "share-tray.png")
    tray.close()


def certificate(window: QWidget) -> None:
    """The print preview of the selected badge, and page 1 of its PDF as the README shows it."""
    import subprocess
    import tempfile

    award = window.backpack.detail.award  # type: ignore[attr-defined]
    printer = window.printer  # type: ignore[attr-defined]
    printer.print_awards([award])
    preview = printer.preview
    wait_until(lambda: bool(preview.pdf))
    preview.resize(1000, 720)
    grab(preview, "print-preview.png")
    with tempfile.TemporaryDirectory() as scratch:
        pdf = Path(scratch) / "certificate.pdf"
        pdf.write_bytes(preview.pdf)
        stem = OUT / "certificate"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", "1", str(pdf), str(stem)], check=True
        )
    preview.close()


def kiosk_station() -> None:
    """A kiosk station: the attract screen, then a visitor's badges (at a small kiosk size)."""
    from backpack_desktop.services.kiosk_config import check_config, hash_pin

    config = check_config({"server": "sandbox", "admin_pin": hash_pin("2468")}, ("classic", "modern"))
    session = composition.build_kiosk(config)
    try:
        window = session.window
        window.resize(1280, 800)
        window.show()
        grab(window, "kiosk-attract.png")
        window.sign_in_button.click()
        dialog = session.sign_in.dialog
        assert isinstance(dialog, SignInDialog)
        wait_until(lambda: "Sign in" in dialog.page.title() and dialog.progress.value() == 100)
        info = session.sandbox.info if session.sandbox else {}
        log_in(dialog, info)
        dialog.page.runJavaScript("document.getElementById('allow').click();")
        wait_until(lambda: window.backpack.model.rowCount() > 0 and bool(window.backpack._pixmaps))  # noqa: SLF001
        window.backpack.list.setCurrentIndex(window.backpack.proxy.index(0, 0))
        grab(window, "kiosk-visitor.png")
    finally:
        session.window.may_close = True
        session.close()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    QApplication.setOrganizationName("BackpackDesktopScreenshots")
    app = composition.create_application()
    settings = QSettings(str(OUT / ".screenshots.ini"), QSettings.Format.IniFormat)
    session = composition.build(demo=True, settings_store=settings)
    try:
        window = session.window
        window.resize(1200, 760)
        window.show()
        grab(window, "welcome-demo.png")
        dialog = sign_in(session)
        grab(dialog, "sign-in.png")
        info = session.sandbox.info if session.sandbox else {}
        log_in(dialog, info)
        grab(dialog, "sign-in-consent.png")
        dialog.page.runJavaScript("document.getElementById('allow').click();")
        wait_until(lambda: window.summary_label.text().startswith("14 badges"))
        wait_until(lambda: bool(window.backpack._pixmaps))  # noqa: SLF001 - thumbnails decoded
        grab(window, "account-synced.png")
        show_richest_award(window)
        grab(window, "detail-pane.png")
        share_tray(window)
        certificate(window)
        window.backpack.search.setText("data")
        grab(window, "search-data.png")
        window.backpack.search.clear()
        window.backpack.list_button.click()
        window.backpack.status.setCurrentIndex(window.backpack.status.findText("Expired"))
        grab(window, "list-expired.png")
        window.backpack.clear_filters()
        window.backpack.grid_button.click()
        award = window.backpack.detail.award
        if award is not None:
            window.backpack.json_requested.emit(award)
            wait(300)
            dialogs = [
                w
                for w in QApplication.topLevelWidgets()
                if w.isVisible() and w.windowTitle().startswith("Badge Award JSON")
            ]
            if dialogs:
                dialogs[0].resize(820, 620)
                grab(dialogs[0], "award-json.png")
                dialogs[0].close()
    finally:
        session.close()
        (OUT / ".screenshots.ini").unlink(missing_ok=True)
    app.processEvents()
    kiosk_station()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(OUT.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
