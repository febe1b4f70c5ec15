"""No token, code, verifier, state, password or e-mail in the logs of a sign-in (SECURITY.md 46).

Runs the authorization-code flow and a sync with DEBUG logging on the root logger, with the
redaction the command line installs at start, and searches everything that was logged.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

from test_signin_flow import TIMEOUT, Browser

from backpack_desktop.sandbox import SandboxServer
from backpack_desktop.services.auth import TokenManager
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.loopback import LoopbackListener
from backpack_desktop.services.oauth_flow import AuthRequest, CallbackGate, authorize_url, exchange_code
from backpack_desktop.services.redact import install_redaction


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_sign_in_and_sync_logs_no_secrets(sandbox: SandboxServer) -> None:
    root, capture = logging.getLogger(), _Capture()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    redaction = install_redaction(root)
    try:
        with LoopbackListener(sandbox.info["redirect_uri"]) as listener:
            request = AuthRequest.new(listener.redirect_uri)
            listener.start(CallbackGate(request))
            browser = Browser(sandbox)
            consent = browser.login(browser.go(authorize_url(sandbox.info["ui"], sandbox.info["client_id"],
                                                             request)))
            browser.submit(consent, "consent", "allow")
            callback = browser.url
            code = listener.wait(TIMEOUT)
        with ApiClient(sandbox.info["api"]) as client:
            tokens = exchange_code(client, sandbox.info["client_id"], request, code)
        manager = TokenManager(sandbox.info["api"], tokens, client_id=sandbox.info["client_id"])
        with ApiClient(sandbox.info["api"], manager) as client:
            client.get_results("/v2/backpack/assertions", [("expand", "badgeclass")])
            manager.refresh(tokens.access_token)
            client.get_results("/v2/users/self")
    finally:
        root.removeHandler(capture)
        root.removeFilter(redaction)
        root.setLevel(old_level)
    text = "\n".join(capture.lines)
    assert "127.0.0.1" in text, "DEBUG logging should have recorded the requests"
    state = parse_qs(urlsplit(callback).query)["state"][0]
    secrets = [code, state, request.code_verifier, request.code_challenge, tokens.access_token,
               str(tokens.refresh_token), sandbox.info["password"], sandbox.info["username"]]
    current = manager.tokens
    if current is not None:
        secrets += [current.access_token, str(current.refresh_token)]
    for secret in secrets:
        assert secret not in text, f"{secret[:6]}… was logged"
