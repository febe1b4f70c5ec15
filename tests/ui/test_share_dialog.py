"""The share tray: every tab, the clipboard, the QR code, and the browser only after confirming.

The system browser and e-mail program cannot run here, so LinkOpener gets a recording opener
and a recording confirmation (the only stand-ins); the QR code is scanned by the real zbarimg.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from backpack_desktop.domain.models import Award, parse_award
from backpack_desktop.ui.links import LinkOpener
from backpack_desktop.ui.share_dialog import ShareDialog

PUBLIC = "https://api.badgr.io/public/assertions/AbC123"


def award(**extra: Any) -> Award:
    raw: dict[str, Any] = {
        "entityId": "AbC123",
        "openBadgeId": PUBLIC,
        "issuedOn": "2026-03-05T10:00:00Z",
        "recipient": {"identity": "ada@example.org", "hashed": False, "type": "email"},
        "badgeclass": {
            "id": "b",
            "name": "<b>Data</b> & Analysis",
            "description": "d",
            "issuer": {"id": "i", "name": "Université & Co"},
        },
    }
    raw.update(extra)
    return parse_award(raw)


class Recorder:
    def __init__(self, answer: bool = True) -> None:
        self.asked: list[str] = []
        self.opened: list[str] = []
        self.answer = answer

    def confirm(self, _parent: object, check: Any) -> bool:
        self.asked.append(check.url)
        return self.answer

    def open(self, url: QUrl) -> bool:
        self.opened.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
        return True


def tray(qtbot, a: Award, recorder: Recorder, kiosk: bool = False) -> ShareDialog:
    dialog = ShareDialog(a, LinkOpener(confirm=recorder.confirm, opener=recorder.open, kiosk=kiosk), kiosk)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_link_tab_copies_and_adds_the_identifier(qtbot) -> None:
    dialog = tray(qtbot, award(), Recorder())
    assert dialog.link.text() == PUBLIC
    dialog.copy_link.click()
    assert QGuiApplication.clipboard().text() == PUBLIC
    dialog.identifier.setChecked(True)
    assert dialog.link.text() == PUBLIC + "?identity__email=ada%40example.org"
    assert "ada%40example.org" in dialog.embed.toPlainText()


def test_a_hashed_recipient_cannot_be_added_and_says_why(qtbot) -> None:
    hashed = award(recipient={"identity": "sha256$x", "hashed": True, "type": "email"})
    dialog = tray(qtbot, hashed, Recorder())
    assert not dialog.identifier.isEnabled() and "fingerprint" in dialog.identifier.toolTip()


def test_social_and_email_open_only_after_confirmation(qtbot) -> None:
    recorder = Recorder(answer=False)
    dialog = tray(qtbot, award(), recorder)
    dialog.social["linkedin"].click()
    assert len(recorder.asked) == 1 and recorder.opened == []  # declined: nothing opened
    recorder.answer = True
    for provider in ("linkedin", "linkedin-profile", "twitter", "facebook", "pinterest"):
        dialog.social[provider].click()
    dialog.email.click()
    assert recorder.opened == recorder.asked[1:]
    hosts = [url.split("/")[2] if url.startswith("https") else url[:7] for url in recorder.opened]
    assert hosts == [
        "www.linkedin.com",
        "www.linkedin.com",
        "twitter.com",
        "www.facebook.com",
        "www.pinterest.com",
        "mailto:",
    ]
    assert recorder.opened[-1].startswith("mailto:?subject=")


def test_the_qr_code_scans_back_to_the_link(qtbot, tmp_path: Path) -> None:
    dialog = tray(qtbot, award(), Recorder())
    dialog.identifier.setChecked(True)
    pixmap = dialog.qr.pixmap()
    assert pixmap.width() >= 200  # large enough to scan from a screen
    image = tmp_path / "qr.png"
    assert pixmap.save(str(image))
    zbarimg = shutil.which("zbarimg")
    assert zbarimg
    scanned = subprocess.run([zbarimg, "--raw", "-q", str(image)], capture_output=True, text=True, check=True)
    assert scanned.stdout.strip() == dialog.link.text()
    with qtbot.waitSignal(dialog.qr_save_requested) as saved:
        next(b for b in dialog.findChildren(type(dialog.copy_link)) if b.text() == "Save as SVG…").click()
    data, fmt = saved.args
    assert fmt == "svg" and data.startswith(b"<?xml")


def test_embed_is_escaped_and_copied(qtbot) -> None:
    dialog = tray(qtbot, award(), Recorder())
    snippet = dialog.embed.toPlainText()
    assert "&lt;b&gt;Data&lt;/b&gt; &amp; Analysis" in snippet and "<b>" not in snippet
    next(b for b in dialog.findChildren(type(dialog.copy_link)) if b.text() == "Copy HTML").click()
    assert QGuiApplication.clipboard().text() == snippet


def test_revoked_badges_warn_first(qtbot) -> None:
    dialog = tray(qtbot, award(revoked=True, revocationReason="Issued in error"), Recorder())
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("revoked" in t and "Issued in error" in t for t in texts)


def test_kiosk_offers_only_the_link_and_the_qr_code(qtbot) -> None:
    recorder = Recorder()
    dialog = tray(qtbot, award(), recorder, kiosk=True)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["Link", "QR code"]
    assert not dialog.findChildren(QPlainTextEdit)
    assert not hasattr(dialog, "social")


def test_every_label_is_plain_text(qtbot) -> None:
    from PySide6.QtCore import Qt

    dialog = tray(qtbot, award(revoked=True), Recorder())
    for label in dialog.findChildren(QLabel):
        if label.pixmap() is None or label.pixmap().isNull():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
