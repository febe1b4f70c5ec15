"""The embedded sign-in, driving the real QWebEngineView offscreen against the sandbox.

Forms are filled with runJavaScript and every wait is on a signal or a condition; no sleeps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog

from backpack_desktop.sandbox import SandboxConfig, SandboxServer
from backpack_desktop.services.auth import Tokens
from backpack_desktop.services.regions import sandbox_region
from backpack_desktop.ui.signin_dialog import SignInDialog
from backpack_desktop.ui.tasks import TaskManager

WAIT = 20_000


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=41)) as sandbox:
        yield sandbox


class _Canary:
    """A local HTTP server that counts requests: it must receive none."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        canary = self
        self.hits = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                canary.hits += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        # 127.0.0.2 is loopback but another origin than the sandbox's 127.0.0.1
        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def make_canary() -> Iterator[object]:
    made: list[_Canary] = []

    def factory() -> _Canary:
        made.append(_Canary())
        return made[-1]

    yield factory
    for canary in made:
        canary.server.shutdown()
        canary.server.server_close()


@pytest.fixture
def tasks(qapp) -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def dialog(qtbot, server, tasks) -> Iterator[SignInDialog]:
    signin = SignInDialog(sandbox_region(server.info), tasks, [server.info["canvas"]])
    qtbot.addWidget(signin)
    signin.show()
    with qtbot.waitSignal(signin.page.loadFinished, timeout=WAIT):
        signin.start()
    yield signin
    if signin.isVisible():
        signin.reject()


def run_js(qtbot, dialog: SignInDialog, script: str, wait_for=None) -> None:
    if wait_for is None:
        dialog.page.runJavaScript(script)
        return
    with qtbot.waitSignal(wait_for, timeout=WAIT):
        dialog.page.runJavaScript(script)


def fill_login(qtbot, dialog: SignInDialog, email: str, password: str) -> None:
    script = (
        f"document.getElementById('email').value = {email!r};"
        f"document.getElementById('password').value = {password!r};"
        "document.getElementById('submit').click();"
    )
    run_js(qtbot, dialog, script, dialog.page.loadFinished)


def sign_in(qtbot, dialog: SignInDialog, server: SandboxServer) -> Tokens:
    fill_login(qtbot, dialog, server.info["username"], server.info["password"])
    assert "Authorize" in dialog.page.title()
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT) as got:
        run_js(qtbot, dialog, "document.getElementById('allow').click();")
    return got.args[0]


def test_direct_login_and_consent_give_working_tokens(qtbot, dialog, server) -> None:
    assert dialog.page.profile().isOffTheRecord()
    tokens = sign_in(qtbot, dialog, server)
    assert isinstance(tokens, Tokens)
    assert dialog.identity is not None and dialog.identity.display_name == "Alex Rivera"  # ID token
    answer = requests.get(
        server.info["api"] + "/v2/users/self",
        timeout=10,
        headers={"Authorization": f"Bearer {tokens.access_token}"},
    )
    assert answer.status_code == 200
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_sign_in_with_canvas_hop(qtbot, dialog, server) -> None:
    run_js(qtbot, dialog, "document.getElementById('canvas').click();", dialog.page.loadFinished)
    assert "Canvas" in dialog.page.title()
    script = (
        f"document.getElementById('username').value = {server.info['username']!r};"
        f"document.getElementById('password').value = {server.info['password']!r};"
        "document.getElementById('submit').click();"
    )
    run_js(qtbot, dialog, script, dialog.page.loadFinished)
    qtbot.waitUntil(lambda: "Authorize" in dialog.page.title(), timeout=WAIT)
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT):
        run_js(qtbot, dialog, "document.getElementById('allow').click();")


def test_deny_ends_with_a_clear_message(qtbot, dialog, server) -> None:
    fill_login(qtbot, dialog, server.info["username"], server.info["password"])
    run_js(qtbot, dialog, "document.getElementById('deny').click();")
    qtbot.waitUntil(dialog.error.isVisible, timeout=WAIT)
    assert "declined" in dialog.error.text().lower() or "denied" in dialog.error.text().lower()


@pytest.mark.parametrize(
    "query",
    ["code=abc", "code=abc&state=wrong", "error=access_denied"],
    ids=["missing state", "wrong state", "error without state"],
)
def test_callbacks_with_bad_state_are_refused_without_a_token_request(qtbot, dialog, server, query) -> None:
    server.reset_hits()
    dialog.page.callback_reached.emit(f"{dialog._request.redirect_uri}?{query}")  # noqa: SLF001
    assert dialog.error.isVisible()
    assert server.hits("/o/token") == 0
    assert dialog.isVisible()  # the real callback can still come


def test_replayed_callback_is_refused(qtbot, dialog, server) -> None:
    tokens_url = []
    dialog.page.callback_reached.connect(tokens_url.append)
    sign_in(qtbot, dialog, server)
    assert tokens_url, "the sandbox redirected to the redirect URI"
    server.reset_hits()
    dialog._on_page_callback_reached(tokens_url[0])  # noqa: SLF001 - the same code and state again
    assert server.hits("/o/token") == 0
    assert "already" in dialog.error.text().lower() or dialog.error.isVisible()


@pytest.mark.qt_log_ignore("Not allowed to load local resource")
def test_navigation_outside_sign_in_is_blocked(qtbot, dialog, server, tmp_path: Path) -> None:
    blocked: list[str] = []
    dialog.page.navigation_blocked.connect(blocked.append)
    for target in ("https://evil.example/phish", "http://198.51.100.7/"):
        dialog.page.runJavaScript(f"window.location.href = {target!r};")
        qtbot.waitUntil(lambda t=target: t in blocked, timeout=WAIT)
    dialog.page.load(QUrl("file:///etc/hosts"))  # a main-frame load of a local file
    qtbot.waitUntil(lambda: "file:///etc/hosts" in blocked, timeout=WAIT)
    dialog.page.runJavaScript("window.open('https://evil.example/popup');")
    qtbot.waitUntil(lambda: "a new window" in blocked, timeout=WAIT)
    assert dialog.page.url().toString().startswith(server.info["ui"])
    # a page script asking for a local file is refused by Chromium itself; it never loads
    dialog.page.runJavaScript("window.location.href = 'file:///etc/passwd';")
    qtbot.wait(300)
    assert dialog.page.url().toString().startswith(server.info["ui"])


def test_nothing_is_written_by_the_web_engine(qtbot, dialog, server) -> None:
    profile = dialog._profile  # noqa: SLF001
    assert profile.isOffTheRecord()
    profile_paths = [profile.persistentStoragePath(), profile.cachePath()]
    sign_in(qtbot, dialog, server)
    for path in profile_paths:
        assert not path or not Path(path).exists() or not any(Path(path).rglob("*"))
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share"))
    assert not list(data_home.glob("**/QtWebEngine/**/Cookies"))


def test_the_dialog_destroys_its_profile(qtbot, server, tasks) -> None:
    import shiboken6

    signin = SignInDialog(sandbox_region(server.info), tasks)
    qtbot.addWidget(signin)
    profile = signin._profile  # noqa: SLF001
    signin.show()
    with qtbot.waitSignal(signin.page.loadFinished, timeout=WAIT):
        signin.page.load(QUrl(server.info["ui"] + "/"))
    signin.reject()
    assert not shiboken6.isValid(profile)


def test_downloads_are_refused(qtbot, dialog, tmp_path: Path) -> None:
    requested = []
    dialog.page.profile().downloadRequested.connect(lambda item: requested.append(item.state()))
    dialog.page.profile().setDownloadPath(str(tmp_path))
    dialog.page.runJavaScript(
        "const a = document.createElement('a');"
        "a.href = URL.createObjectURL(new Blob(['not a badge'], {type: 'application/octet-stream'}));"
        "a.download = 'payload.exe'; document.body.appendChild(a); a.click();"
    )
    qtbot.waitUntil(lambda: bool(requested), timeout=WAIT)
    qtbot.wait(200)
    assert not list(tmp_path.iterdir())


def test_sub_resources_to_other_hosts_are_blocked(qtbot, dialog, make_canary) -> None:
    canary = make_canary()
    dialog.page.runJavaScript(
        f"fetch({canary.url!r}).catch(() => {{}});"
        f"const i = new Image(); i.src = {canary.url + '/pixel.png'!r};"
    )
    qtbot.wait(800)
    assert canary.hits == 0
