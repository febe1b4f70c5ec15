"""The detail pane's links, rendered narratives, live status and pictures (SECURITY.md 27-28).

The system browser cannot run here, so the opener handed to :class:`LinkOpener` is a recorder
(the only stand-in in this file); the confirmation is the real dialog, answered by a timer.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QTextBrowser

from backpack_desktop.domain.models import Award, parse_award
from backpack_desktop.sandbox.dataset import anchor_day, load_demo
from backpack_desktop.sandbox.serializers import Urls, award_json
from backpack_desktop.ui.detail_fields import LinkField
from backpack_desktop.ui.detail_pane import DetailPane
from backpack_desktop.ui.links import LinkOpener
from backpack_desktop.ui.markdown_view import MAX_CHARS, MarkdownView

URLS = Urls("http://127.0.0.1:1", "http://127.0.0.1:2")
SCHEMES = [
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "ms-msdt:/id PCWDiagnostic",
    "http://example.org/criteria",
]


class _Ping:
    """A local server that counts requests: rendered badge text must send it none."""

    def __init__(self) -> None:
        ping = self
        self.hits = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                ping.hits += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ping"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ping() -> Any:
    server = _Ping()
    yield server
    server.close()


def award_with(**edits: Any) -> Award:
    record = load_demo(7, "pw", anchor_day()).awards[0]
    raw = award_json(record, URLS, True, True)
    for key, value in edits.items():
        target = raw
        *path, last = key.split("__")
        for part in path:
            target = target[part]
        target[last] = value
    return parse_award(raw)


def pane(qtbot, award: Award | None = None) -> DetailPane:
    detail = DetailPane()
    qtbot.addWidget(detail)
    detail.resize(520, 800)
    detail.show()
    if award is not None:
        detail.show_award(award)
    return detail


class Recorder:
    def __init__(self, answer: bool = True) -> None:
        self.opened: list[str] = []
        self.asked: list[str] = []
        self.answer = answer

    def open(self, url: QUrl) -> bool:
        self.opened.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
        return True

    def confirm(self, _parent: object, check: Any) -> bool:
        self.asked.append(check.url)
        return self.answer


def test_only_https_reaches_the_opener_after_confirmation(qtbot, monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        "backpack_desktop.ui.messages.show_error", lambda _p, exc, _t="": shown.append(str(exc))
    )
    recorder = Recorder()
    opener = LinkOpener(confirm=recorder.confirm, opener=recorder.open)
    for url in SCHEMES:
        assert not opener.open(url)
    assert recorder.opened == [] and recorder.asked == []
    assert len(shown) == len(SCHEMES) and all("not opened" in text for text in shown)
    assert opener.open("https://badges.example.org/criteria?x=1")
    assert recorder.asked == recorder.opened == ["https://badges.example.org/criteria?x=1"]


def test_declining_the_confirmation_opens_nothing() -> None:
    recorder = Recorder(answer=False)
    assert not LinkOpener(confirm=recorder.confirm, opener=recorder.open).open("https://example.org/")
    assert recorder.asked and not recorder.opened


def test_the_confirmation_shows_the_whole_address_in_ascii(qtbot) -> None:
    recorder = Recorder()
    seen: list[str] = []

    def answer() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Open).click()

    QTimer.singleShot(200, answer)
    opener = LinkOpener(opener=recorder.open)  # the real dialog
    assert opener.open("https://раураl.com/login?next=/account")
    assert seen and "https://xn--" in seen[0] and "/login?next=/account" in seen[0]
    assert "раураl" not in seen[0] and "international characters" in seen[0]
    assert recorder.opened and recorder.opened[0].startswith("https://xn--")


def test_kiosk_mode_never_opens_a_link() -> None:
    recorder = Recorder()
    opener = LinkOpener(confirm=recorder.confirm, opener=recorder.open, kiosk=True)
    assert not opener.open("https://example.org/")
    assert not recorder.asked and not recorder.opened


def test_link_buttons_open_only_https(qtbot) -> None:
    award = award_with(
        badgeclass__criteria="javascript:alert(1)",
        badgeclass__issuer__url="https://issuer.example.org/about",
    )
    detail = pane(qtbot, award)
    criteria, website = detail.values["Criteria page"], detail.values["Issuer website"]
    assert isinstance(criteria, LinkField) and isinstance(website, LinkField)
    assert not criteria.button.isEnabled() and "https" in criteria.button.toolTip()
    assert criteria.text.text() == "javascript:alert(1)"  # shown, literally, never clickable
    with qtbot.waitSignal(detail.link_requested) as asked:
        website.button.click()
    assert asked.args == ["https://issuer.example.org/about"]


def test_markdown_narratives_are_fenced(qtbot, ping, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    narrative = (
        "**Built** a *pipeline*.\n\n- one\n- two\n\n"
        f"<b>raw html</b> <img src=\"file://{secret}\"> ![chart]({ping.url}) "
        f'<img src="{ping.url}"> [home](javascript:alert(1))'
    )
    opened_files: list[str] = []

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and args and str(args[0]) == str(secret):
            opened_files.append(str(args[0]))

    sys.addaudithook(audit)  # stays installed (hooks cannot be removed); it only records
    detail = pane(qtbot, award_with(narrative=narrative, badgeclass__criteria={"narrative": narrative}))
    for label in ("Narrative", "Criteria"):
        view = detail.values[label]
        assert isinstance(view, MarkdownView) and view.isVisible()
        text = view.toPlainText()
        assert "Built a pipeline." in text and "**" not in text  # rendered Markdown
        assert "<b>raw html</b>" in text and f'<img src="{ping.url}">' in text  # HTML stays literal
        assert f"[image: {ping.url}]" in text  # the Markdown image is named, not loaded
        assert "<img" not in view.toHtml().replace("&lt;img", "")
        assert view.loadResource(2, QUrl(ping.url)) is None
    qtbot.wait(300)
    assert ping.hits == 0 and opened_files == []
    with qtbot.waitSignal(detail.link_requested) as asked:
        detail.values["Narrative"].anchorClicked.emit(QUrl("javascript:alert(1)"))
    assert asked.args == ["javascript:alert(1)"]  # handed to the policy, not opened here


def test_every_text_widget_in_the_pane_is_plain_or_fenced(qtbot) -> None:
    detail = pane(qtbot, award_with(narrative="<b>x</b>" * 1000))
    browsers = detail.findChildren(QTextBrowser)
    assert browsers and all(isinstance(b, MarkdownView) for b in browsers)
    assert all(not b.openLinks() and not b.openExternalLinks() for b in browsers)


def test_a_huge_narrative_is_cut_with_an_ellipsis(qtbot) -> None:
    detail = pane(qtbot, award_with(narrative="word " * 200_000))  # 1 MB
    text = detail.values["Narrative"].toPlainText()
    assert len(text) <= MAX_CHARS + 1 and text.endswith("…")


def test_the_status_changes_when_an_award_expires_on_screen(qtbot) -> None:
    from backpack_desktop.ui.backpack_view import BackpackView

    soon = datetime.now(UTC) + timedelta(seconds=1.5)
    award = award_with(expires=soon.isoformat().replace("+00:00", "Z"), revoked=False)
    view = BackpackView()
    qtbot.addWidget(view)
    view.show()
    view.set_awards((award,))
    assert "Active" in view.detail.chip.text() or "New" in view.detail.chip.text()
    qtbot.waitUntil(lambda: "Expired" in view.detail.chip.text(), timeout=6000)
    assert "expired" in view.detail.reason.text()


def test_pictures_arrive_for_the_award_on_screen_only(qtbot) -> None:
    detail = pane(qtbot, award_with())
    assert detail.award is not None
    big, logo = QPixmap(320, 320), QPixmap(64, 64)
    big.setDevicePixelRatio(2.0)
    detail.set_pictures("someone-else", big, logo)
    assert detail.picture.isHidden() and detail.issuer_logo.isHidden()
    detail.set_pictures(detail.award.entity_id, big, logo)
    assert not detail.picture.isHidden()
    assert detail.picture.pixmap().deviceIndependentSize().width() == 160  # high-DPI: 320 px at 2x
    assert not detail.issuer_logo.isHidden()


def test_selecting_another_award_updates_in_place(qtbot) -> None:
    first = award_with(narrative="first narrative", evidence=[{"url": "https://e.example/1"}])
    second = award_with(entityId="other-award", narrative="", evidence=[])
    detail = pane(qtbot, first)
    widgets = dict(detail.values)
    assert detail.values["Narrative"].isVisible() and detail.values["Evidence"].isVisible()
    detail.show_award(second)
    assert detail.values == widgets  # the same widgets, new content
    assert not detail.values["Narrative"].isVisible() and not detail.values["Evidence"].isVisible()
    assert detail.values["Award id"].text() == "other-award"
