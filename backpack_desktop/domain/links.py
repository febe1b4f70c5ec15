"""Which issuer-supplied links the app offers to open, and how it shows them first.

Links in a badge (criteria page, issuer website, evidence, the public award page) are written
by the issuer, so they are untrusted (SECURITY.md T19, test 28). Only ``https`` with a real
host is ever handed to the system browser, and only after the learner has seen the whole
address. An internationalised host is shown in its ASCII (punycode) form, so a look-alike such
as ``раураl.com`` (Cyrillic) cannot pass for ``paypal.com``.
"""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna

MAX_LENGTH = 2048  # browsers and servers commonly refuse longer URLs; nobody can check one anyway
NOT_HTTPS = "Only secure web links (https) are opened. This link was not opened:"
BROKEN = "This link is not a valid web address and was not opened."


@dataclass(frozen=True)
class LinkCheck:
    """The verdict on one link.

    ``url`` is what would be opened (the host in ASCII form) and ``shown`` what the learner
    reads before it opens: the same text. ``problem`` is set when the link must not open.
    """

    url: str
    problem: str | None = None
    international: bool = False

    @property
    def allowed(self) -> bool:
        """Whether the link may be offered to the system browser (after confirmation)."""
        return self.problem is None


def check_link(url: str) -> LinkCheck:
    """Judge ``url`` for opening; never raises."""
    text = url.strip()
    if not text or len(text) > MAX_LENGTH or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return LinkCheck(text[:200], BROKEN)
    try:
        parts = urlsplit(text)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return LinkCheck(text[:200], BROKEN)
    if parts.scheme.lower() != "https":
        return LinkCheck(text[:200], NOT_HTTPS)
    host = parts.hostname or ""
    if not host or parts.username is not None or parts.password is not None:
        return LinkCheck(text[:200], BROKEN)
    ascii_host = _ascii_host(host)
    if ascii_host is None:
        return LinkCheck(text[:200], BROKEN)
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    if ":" in ascii_host:  # an IPv6 literal keeps its brackets
        netloc = f"[{ascii_host}]" if port is None else f"[{ascii_host}]:{port}"
    clean = urlunsplit(SplitResult("https", netloc, parts.path, parts.query, parts.fragment))
    international = ascii_host != host.lower() or any(
        label.startswith("xn--") for label in ascii_host.split(".")
    )
    return LinkCheck(clean, None, international)


def _ascii_host(host: str) -> str | None:
    """The host in ASCII (IDNA) form, lower-cased; None when it cannot be encoded."""
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(host))
    try:
        # IDNA 2008 with the UTS 46 mapping, as browsers apply it.
        return idna.encode(host, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        return None
