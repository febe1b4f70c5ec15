"""The hardened web page of the embedded sign-in (SECURITY.md T14, tests 19-20).

The page catches the navigation to the redirect URI without loading it, and allows only the
sign-in hosts: the server's UI and API origins, the learner's Canvas host and configured SSO
hosts. No new windows, no downloads, no permissions, no context menu, no devtools; the profile
is off the record, so nothing reaches the disk, and it is destroyed with the dialog.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with default ports filled in."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def new_private_profile(parent: QObject) -> QWebEngineProfile:
    """An off-the-record profile: cookies, cache and storage live in memory only.

    Downloads are refused at the profile, so no page can write a file anywhere.
    """
    profile = QWebEngineProfile(parent)  # no storage name = off the record
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
    profile.downloadRequested.connect(_refuse_download)
    return profile


def _refuse_download(item: QWebEngineDownloadRequest) -> None:
    item.cancel()


class OriginInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request (images, scripts, fetch, WebSockets) to a host outside sign-in.

    Navigations are vetted by :meth:`SignInPage.acceptNavigationRequest`; sub-resources never
    pass there, so without this an allowed page could still call any server. Runs on the web
    engine's IO thread, so it only calls a pure function over data fixed at construction.
    """

    def __init__(self, allowed: Callable[[str], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._allowed = allowed

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 - Qt's name
        """Block the request unless its URL is allowed."""
        url = info.requestUrl().toString()
        if not url.startswith(("data:", "blob:")) and not self._allowed(url):
            info.block(True)


class SignInPage(QWebEnginePage):
    """A page that only goes where sign-in needs to go.

    Signals:
        callback_reached(str): the browser was sent to the redirect URI (the URL, not loaded).
        navigation_blocked(str): a navigation or window the page tried and was refused.
    """

    callback_reached = Signal(str)
    navigation_blocked = Signal(str)

    def __init__(
        self, profile: QWebEngineProfile, redirect_uri: str, allowed: list[str], parent: QObject | None = None
    ) -> None:
        super().__init__(profile, parent)
        self._redirect = urlsplit(redirect_uri)
        self._allowed = {origin_of(url) for url in allowed}
        if hasattr(self, "permissionRequested"):  # Qt >= 6.8
            self.permissionRequested.connect(self._on_permission_requested)

    def _on_permission_requested(self, permission: object) -> None:
        """Camera, microphone, location, notifications, clipboard…: all refused."""
        permission.deny()  # type: ignore[attr-defined]

    def is_callback(self, url: str) -> bool:
        """Scheme, host and path equal the redirect URI's (any port for a loopback URI without one)."""
        target = urlsplit(url)
        same = (target.scheme, target.hostname, target.path) == (
            self._redirect.scheme,
            self._redirect.hostname,
            self._redirect.path,
        )
        return same and (self._redirect.port is None or target.port == self._redirect.port)

    def is_allowed(self, url: str) -> bool:
        """Whether ``url`` is https to an allowed origin (or http to one on this computer)."""
        scheme, host, port = origin_of(url)
        if scheme not in ("https", "http") or (scheme == "http" and not _loopback(host)):
            return False
        return (scheme, host, port) in self._allowed

    def acceptNavigationRequest(
        self,
        url: QUrl | str,
        kind: QWebEnginePage.NavigationType,  # noqa: N802
        is_main_frame: bool,
    ) -> bool:
        """Catch the callback; refuse anything outside the allow-list."""
        text = url.toString() if isinstance(url, QUrl) else str(url)
        if self.is_callback(text):
            if is_main_frame:
                self.callback_reached.emit(text)
            return False
        if text.startswith(("about:blank", "data:text/html;charset=UTF-8,")) and not is_main_frame:
            return True
        if not self.is_allowed(text):
            self.navigation_blocked.emit(text)
            return False
        return bool(super().acceptNavigationRequest(url, kind, is_main_frame))

    def createWindow(self, kind: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:  # type: ignore[override]  # noqa: N802, E501
        """No new windows or tabs (``window.open``, ``target=_blank``)."""
        self.navigation_blocked.emit("a new window")
        return None
