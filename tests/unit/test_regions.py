"""The deployments a user can choose, and their per-region OAuth settings."""

from __future__ import annotations

import pytest

from backpack_desktop.domain.errors import UnsafeUrlError, UserFacingError
from backpack_desktop.services.regions import (
    HOSTED,
    LOOPBACK_REDIRECT,
    check_redirect,
    custom_region,
    region,
    regions,
    sandbox_region,
)


def test_hosted_regions() -> None:
    by_key = {r.key: r for r in HOSTED}
    assert (by_key["us"].api, by_key["us"].ui) == ("https://api.badgr.io", "https://badgr.com")
    assert (by_key["eu"].api, by_key["eu"].ui) == ("https://api.eu.badgr.io", "https://eu.badgr.com")
    for key in ("au", "ca", "sg"):
        assert by_key[key].api == f"https://api.{key}.badgr.io"
        assert by_key[key].ui == f"https://{key}.badgr.com"
    for tld in ("com", "eu", "au", "ca", "sg"):
        parchment = by_key[f"parchment-{tld}"]
        assert parchment.api == f"https://api.badges.parchment.{tld}"
        assert parchment.ui is None
        assert parchment.ui_guess == f"https://badges.parchment.{tld}"
    assert all(r.oauth_client_id is None and r.redirect_uri is None for r in HOSTED)
    assert not any(r.demo_only for r in HOSTED)


def test_without_a_client_browser_sign_in_says_why() -> None:
    us = region("us")
    assert us.browser_problem is not None
    assert "not set up" in us.browser_problem and "password" in us.browser_problem
    assert "not known" in (region("parchment-eu").browser_problem or "")


def test_overrides_from_the_settings() -> None:
    config = {
        "eu": {"client_id": "desktop-eu", "redirect_uri": LOOPBACK_REDIRECT},
        "parchment-com": {"ui": "https://badges.parchment.com", "client_id": "p",
                          "redirect_uri": LOOPBACK_REDIRECT},
        "us": {"client_id": "  ", "api": "https://evil.example"},  # blank = unset; api not overridable
    }
    eu = region("eu", config)
    assert (eu.oauth_client_id, eu.redirect_uri) == ("desktop-eu", LOOPBACK_REDIRECT)
    assert eu.browser_problem is None
    assert region("parchment-com", config).browser_problem is None
    us = region("us", config)
    assert us.api == "https://api.badgr.io" and us.oauth_client_id is None


def test_custom_region() -> None:
    assert "custom" not in {r.key for r in regions()}
    config = {"custom": {"api": "https://api.badges.example.edu/", "ui": "https://badges.example.edu"}}
    custom = region("custom", config)
    assert (custom.api, custom.ui) == ("https://api.badges.example.edu", "https://badges.example.edu")
    with pytest.raises(UnsafeUrlError):
        custom_region("http://badges.example.edu", "https://badges.example.edu")


def test_sandbox_region_is_demo_only() -> None:
    info = {"api": "http://127.0.0.1:5000", "ui": "http://127.0.0.1:5001", "client_id": "backpack-desktop",
            "redirect_uri": "http://127.0.0.1/callback"}
    sandbox = sandbox_region(info)
    assert sandbox.demo_only and sandbox.browser_problem is None
    assert sandbox.key not in {r.key for r in regions()}


def test_unknown_region() -> None:
    with pytest.raises(UserFacingError):
        region("mars")


@pytest.mark.parametrize("uri", ["http://127.0.0.1/callback", "http://127.0.0.1:8765/cb",
                                 "http://[::1]/callback", "https://app.example/callback"])
def test_good_redirects(uri: str) -> None:
    assert check_redirect(uri) == uri


@pytest.mark.parametrize("uri", ["http://localhost/callback", "http://example.org/callback",
                                 "com.example.app:/callback", "http://127.0.0.1/callback#x",
                                 "urn:ietf:wg:oauth:2.0:oob", ""])
def test_bad_redirects(uri: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check_redirect(uri)
