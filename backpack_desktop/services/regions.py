"""The Canvas Credentials deployments a user can sign in to, with their OAuth client settings.

Every deployment has an API host and a separate browser (UI) host; the authorize page lives on
the UI host (canvas-credentials-api.md a.1, a.2). Hosted Canvas Credentials registers an OAuth
client for an app only on request, per region (the support team is asked, naming the region and
the loopback redirect URIs), so no hosted region ships with a client id: :attr:`Region.browser_problem`
then says so plainly and the UI offers password sign-in instead. The lead's settings class passes
a per-region mapping (``client_id``, ``redirect_uri``, ``ui``; ``api`` too for Custom) once a
client is registered.

The Parchment Digital Badges hosts are the same service under its new brand; their UI hosts are
not documented, so they have none until configured (:attr:`Region.ui_guess` only pre-fills it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from backpack_desktop.domain.errors import UnsafeUrlError, UserFacingError
from backpack_desktop.services import urlpolicy

#: The loopback redirect to ask Canvas Credentials to register (RFC 8252 section 7.3: any port).
LOOPBACK_REDIRECT = "http://127.0.0.1/callback"
CUSTOM, SANDBOX = "custom", "sandbox"
NO_CLIENT = (
    "Browser sign-in is not set up for {label}: Canvas Credentials registers apps on request. "
    "Sign in with your e-mail and password instead."
)
NO_UI = "The sign-in page of {label} is not known yet. Enter its web address in the settings."
BAD_REDIRECT = "The redirect address must be http://127.0.0.1/… (or [::1]) or an https address."

#: Per-region settings from the user's configuration: ``{"us": {"client_id": "…"}, …}``.
RegionConfig = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Region:
    """One deployment of Canvas Credentials.

    Attributes:
        key: a stable identifier stored in settings ("us", "parchment-eu", "custom", …).
        label: the name shown to the user.
        api: the API base URL, without a trailing slash.
        ui: the browser host that serves ``/auth/oauth2/authorize``; None when unknown.
        oauth_client_id: the registered public OAuth client, or None (browser sign-in off).
        redirect_uri: the registered redirect URI (e.g. ``http://127.0.0.1/callback``), or None.
        demo_only: True for the local sandbox, which is offered only in demo mode.
    """

    key: str
    label: str
    api: str
    ui: str | None
    oauth_client_id: str | None = None
    redirect_uri: str | None = None
    demo_only: bool = False

    @property
    def browser_problem(self) -> str | None:
        """Why browser sign-in cannot be offered (a sentence for the user), or None if it can."""
        if self.ui is None:
            return NO_UI.format(label=self.label)
        if not self.oauth_client_id or not self.redirect_uri:
            return NO_CLIENT.format(label=self.label)
        return None

    @property
    def ui_guess(self) -> str | None:
        """The UI host implied by the API host (``api.X`` -> ``X``): a suggestion, never used as is."""
        parts = urlsplit(self.api)
        host = parts.hostname or ""
        if not host.startswith("api."):
            return None
        return f"{parts.scheme}://{host.removeprefix('api.')}"


def _hosted(key: str, label: str, api: str, ui: str | None) -> Region:
    return Region(key, label, api, ui)


#: The hosted regions in the order the sign-in dialog lists them.
HOSTED: tuple[Region, ...] = (
    _hosted("us", "United States", "https://api.badgr.io", "https://badgr.com"),
    _hosted("eu", "Europe", "https://api.eu.badgr.io", "https://eu.badgr.com"),
    _hosted("au", "Australia", "https://api.au.badgr.io", "https://au.badgr.com"),
    _hosted("ca", "Canada", "https://api.ca.badgr.io", "https://ca.badgr.com"),
    _hosted("sg", "Singapore", "https://api.sg.badgr.io", "https://sg.badgr.com"),
    *(
        _hosted(
            f"parchment-{tld}",
            f"Parchment Digital Badges ({name})",
            f"https://api.badges.parchment.{tld}",
            None,
        )
        for tld, name in (
            ("com", "US"),
            ("eu", "Europe"),
            ("au", "Australia"),
            ("ca", "Canada"),
            ("sg", "Singapore"),
        )
    ),
)


def regions(config: RegionConfig | None = None) -> tuple[Region, ...]:
    """The hosted regions with the user's overrides, plus Custom when it is configured.

    Raises:
        UnsafeUrlError: a configured address is not acceptable (see :func:`with_overrides`).
    """
    config = config or {}
    found = [with_overrides(r, config.get(r.key, {})) for r in HOSTED]
    custom = config.get(CUSTOM)
    if custom and _text(custom, "api") and _text(custom, "ui"):
        found.append(
            custom_region(
                str(custom["api"]),
                str(custom["ui"]),
                _text(custom, "client_id"),
                _text(custom, "redirect_uri"),
            )
        )
    return tuple(found)


def region(key: str, config: RegionConfig | None = None) -> Region:
    """The region stored under ``key`` in the settings.

    Raises:
        UserFacingError: no such region (or Custom without an address).
    """
    for candidate in regions(config):
        if candidate.key == key:
            return candidate
    raise UserFacingError(f"The server region {key[:40]!r} is not known; choose one in the settings.")


def with_overrides(base: Region, overrides: Mapping[str, Any]) -> Region:
    """``base`` with ``client_id``, ``redirect_uri`` and ``ui`` taken from ``overrides``.

    Empty values mean "not set". The API host of a hosted region is not overridable: that is
    what Custom is for, so a typo in one setting cannot silently send a password elsewhere.

    Raises:
        UnsafeUrlError: the UI address or the redirect URI is not acceptable.
    """
    ui = _text(overrides, "ui")
    client_id = _text(overrides, "client_id")
    redirect = _text(overrides, "redirect_uri")
    return replace(
        base,
        ui=check_ui(ui) if ui else base.ui,
        oauth_client_id=client_id or base.oauth_client_id,
        redirect_uri=check_redirect(redirect) if redirect else base.redirect_uri,
    )


def custom_region(api: str, ui: str, client_id: str | None = None, redirect_uri: str | None = None) -> Region:
    """A self-hosted or white-label server the user typed in.

    Raises:
        UnsafeUrlError: an address is not https (plain http only for this computer).
    """
    return Region(
        CUSTOM,
        "Custom server",
        urlpolicy.check_api_base(api),
        check_ui(ui),
        client_id or None,
        check_redirect(redirect_uri) if redirect_uri else None,
    )


def sandbox_region(info: Mapping[str, Any]) -> Region:
    """The local sandbox (demo mode) from its connection details (``SandboxServer.info``)."""
    return Region(
        SANDBOX,
        "Sandbox (demo)",
        urlpolicy.check_api_base(str(info["api"])),
        check_ui(str(info["ui"])),
        str(info["client_id"]),
        check_redirect(str(info["redirect_uri"])),
        demo_only=True,
    )


def check_ui(url: str) -> str:
    """Validate a UI (browser) base URL like an API base: https, or http to this computer."""
    return urlpolicy.check_api_base(url)


def check_redirect(uri: str) -> str:
    """Accept a loopback http redirect (RFC 8252 section 7.3) or an https one; no fragments.

    Raises:
        UnsafeUrlError: a custom scheme, ``localhost`` (RFC 8252 8.3: not recommended), or
            another host over plain http.
    """
    parts = urlsplit(uri)
    try:
        host = ipaddress.ip_address(parts.hostname or "")
        loopback_ip = host.is_loopback
    except ValueError:
        loopback_ip = False
    ok = (parts.scheme == "https" and bool(parts.hostname)) or (parts.scheme == "http" and loopback_ip)
    if not ok or parts.fragment or parts.username is not None:
        raise UnsafeUrlError(BAD_REDIRECT)
    return uri


def _text(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return (value.strip() or None) if isinstance(value, str) else None
