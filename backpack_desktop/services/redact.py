"""Masking secrets and e-mail addresses in log output (SECURITY.md T31, test 46).

Our own code never logs a token on purpose, but libraries do log what they see: urllib3 logs
every request line, query string included, at DEBUG, and tracebacks quote URLs and form
bodies. :func:`install_redaction` puts a :class:`RedactionFilter` on a logger *and on its
handlers*: a filter on a logger alone does not see records that propagate up from child
loggers such as ``urllib3.connectionpool``, while a handler filter sees every record it emits.
"""

from __future__ import annotations

import logging
import re

MASK = "[REDACTED]"
EMAIL_MASK = "[EMAIL]"

_KEYS = (
    "access_token|refresh_token|id_token|token|code|code_verifier|code_challenge|nonce|password|passphrase"
    "|state|client_secret|username|assertion"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization header values, wherever they appear (headers, reprs, curl lines).
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+"), rf"\1\2{MASK}"),
    # JSON or Python-repr pairs: "password": "..." / 'code': '...'
    (
        re.compile(rf"""(?i)(["'])({_KEYS})\1(\s*:\s*)(["'])(?:\\.|(?!\4).)*\4"""),
        rf"\1\2\1\3\4{MASK}\4",
    ),
    # Query strings and form bodies: code=...&state=...
    (re.compile(rf"(?i)(?<![A-Za-z0-9_])({_KEYS})=(?:{re.escape(MASK)}|[^&\s#\"',;)\]}}]*)"), rf"\1={MASK}"),
    # E-mail addresses, plain or percent-encoded (user%40example.org in a form body).
    (re.compile(r"(?i)[A-Z0-9._%+-]+(?:@|%40)[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}"), EMAIL_MASK),
)
_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    """Return ``text`` with tokens, codes, passwords, states and e-mail addresses masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactionFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack text through :func:`redact`.

    The message is formatted here (``getMessage``) so arguments are masked too; the record's
    ``args`` are then dropped so no handler formats the raw values again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(logger: logging.Logger | None = None) -> RedactionFilter:
    """Add one :class:`RedactionFilter` to ``logger`` (default: root) and each of its handlers.

    Call it again after adding handlers; it is idempotent. Returns the filter so a caller can
    attach it to a handler created later.
    """
    target = logger if logger is not None else logging.getLogger()
    existing = [f for f in target.filters if isinstance(f, RedactionFilter)]
    redaction = existing[0] if existing else RedactionFilter()
    if not existing:
        target.addFilter(redaction)
    for handler in target.handlers:
        if not any(isinstance(f, RedactionFilter) for f in handler.filters):
            handler.addFilter(redaction)
    return redaction
