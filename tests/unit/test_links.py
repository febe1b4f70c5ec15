"""The link policy for issuer-supplied links (SECURITY.md test 28): only https opens."""

from __future__ import annotations

import pytest

from backpack_desktop.domain.links import BROKEN, NOT_HTTPS, check_link


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "ms-msdt:/id PCWDiagnostic",
        "http://example.org/criteria",
        "ftp://example.org/a",
        "mailto:someone@example.org",
        "//example.org/no-scheme",
        "example.org",
    ],
)
def test_only_https_may_open(url: str) -> None:
    check = check_link(url)
    assert not check.allowed
    assert check.problem in (NOT_HTTPS, BROKEN)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "https://",
        "https://user:pw@example.org/",
        "https://example.org:99999/",
        "https://exa\nmple.org/",
        "https://example.org/" + "a" * 3000,
    ],
)
def test_broken_links_are_refused(url: str) -> None:
    assert check_link(url).problem == BROKEN


def test_https_opens_as_written() -> None:
    check = check_link("  https://Badges.Example.org:8443/criteria?id=1#part  ")
    assert check.allowed and not check.international
    assert check.url == "https://badges.example.org:8443/criteria?id=1#part"


def test_a_look_alike_host_is_shown_in_ascii() -> None:
    check = check_link("https://раураl.com/login")  # Cyrillic letters that look like "paypal"
    assert check.allowed and check.international
    assert check.url.startswith("https://xn--")
    assert "раураl" not in check.url


def test_punycode_written_by_the_issuer_is_flagged_too() -> None:
    check = check_link("https://xn--80ak6aa92e.com/")
    assert check.allowed and check.international


def test_ipv6_hosts_keep_their_brackets() -> None:
    assert check_link("https://[2001:db8::1]:8443/x").url == "https://[2001:db8::1]:8443/x"


def test_an_unencodable_host_is_refused() -> None:
    assert check_link("https://exa mple.org/").problem == BROKEN
