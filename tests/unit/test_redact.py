"""The log redaction filter (services/redact.py; SECURITY.md T31, test 46)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from backpack_desktop.services.redact import RedactionFilter, install_redaction, redact

TOKEN = "Zk3j_9-AbC.def~ghi+jk/lm=="


@pytest.mark.parametrize(("text", "secret"), [
    (f"Authorization: Bearer {TOKEN}", TOKEN),
    (f"{{'Authorization': 'Bearer {TOKEN}'}}", TOKEN),
    ("Authorization: Basic cHVibGljOnNlY3JldA==", "cHVibGljOnNlY3JldA=="),
    ('GET /callback?code=CODE123&state=ST4TE HTTP/1.1', "CODE123"),
    ('GET /callback?code=CODE123&state=ST4TE HTTP/1.1', "ST4TE"),
    (f"grant_type=refresh_token&refresh_token={TOKEN}&client_id=public", TOKEN),
    ("grant_type=password&username=ada%40example.org&password=hunter2", "hunter2"),
    ("grant_type=password&username=ada%40example.org&password=hunter2", "ada%40example.org"),
    ("code_verifier=verif-XYZ-123&code=c0de", "verif-XYZ-123"),
    (f'{{"access_token": "{TOKEN}", "token_type": "Bearer"}}', TOKEN),
    ('{"access_token":"a\\"b-rest","x":1}', "b-rest"),
    (f"{{'refresh_token': '{TOKEN}', 'scope': 'r:profile'}}", TOKEN),
    ('{"password" : "p@ss w0rd"}', "p@ss w0rd"),
    ("sent to ada.lovelace+badges@example.co.uk today", "ada.lovelace+badges@example.co.uk"),
    ("revoke token=abc123def&client_id=public", "abc123def"),
    ("client_secret=s3cr3t", "s3cr3t"),
])
def test_secrets_are_masked(text: str, secret: str) -> None:
    assert secret not in redact(text)


@pytest.mark.parametrize("text", [
    "GET /v2/backpack/assertions?include_expired=1&expand=badgeclass HTTP/1.1 200 10427",
    "status_code=200 error_code=x encode=1 barcode=9",
    '{"status": {"success": true, "description": "ok"}, "scope": "r:profile"}',
    "Retrying in 0.50 s",
])
def test_harmless_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    once = redact(f"code=abc&password=x {{\"state\": \"s\"}} Bearer {TOKEN} ada@example.org")
    assert redact(once) == once
    assert "[REDACTED]" in once and "[EMAIL]" in once


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger tree with one handler, so the test never touches the root logger."""
    parent = logging.getLogger("redact-test")
    parent.setLevel(logging.DEBUG)
    parent.propagate = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    parent.addHandler(handler)
    yield parent, stream
    parent.removeHandler(handler)
    parent.filters.clear()


def test_filter_covers_arguments_and_child_loggers(captured: tuple[logging.Logger, io.StringIO]) -> None:
    parent, stream = captured
    install_redaction(parent)
    install_redaction(parent)  # idempotent
    assert len(parent.filters) == 1 and len(parent.handlers[0].filters) == 1
    parent.debug("form %s", {"password": "hunter2"})
    # like urllib3.connectionpool: a child logger whose records propagate to the parent's handler
    logging.getLogger("redact-test.urllib3").debug('%s "%s %s" %s', "http://127.0.0.1:80",
                                                   "GET", "/cb?code=CODE123&state=S", 200)
    text = stream.getvalue()
    assert "hunter2" not in text and "CODE123" not in text and text.count("[REDACTED]") == 3


def test_filter_covers_tracebacks(captured: tuple[logging.Logger, io.StringIO]) -> None:
    parent, stream = captured
    install_redaction(parent)
    try:
        raise RuntimeError(f"refused: Bearer {TOKEN} for ada@example.org")
    except RuntimeError:
        parent.exception("sync failed")
    text = stream.getvalue()
    assert "Traceback" in text and TOKEN not in text and "ada@example.org" not in text


def test_bad_format_string_is_kept_not_lost(captured: tuple[logging.Logger, io.StringIO]) -> None:
    parent, stream = captured
    parent.handlers[0].addFilter(RedactionFilter())
    parent.debug("two %s %s", "password=x")  # wrong arity must not raise nor lose the record
    assert "password=[REDACTED]" in stream.getvalue()
