"""Fetching badge and issuer images from issuer-controlled URLs, safely.

Image URLs are written by issuers, so they are untrusted (SECURITY.md T24, tests 34-35). Every
URL, and every redirect hop, passes ``urlpolicy.check_fetch_url`` before any connection is
made. The fetcher has its own Session that has no token, sends no cookies and a generic
User-Agent, so an image host learns nothing about the user or their account. Sizes and types
are capped; an ETag makes an unchanged image cost one small 304.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase

from backpack_desktop.domain.errors import CancelledError, MalformedDataError, NetworkError
from backpack_desktop.services import payload, urlpolicy
from backpack_desktop.services.pinning import PinnedAdapter, pinned
from backpack_desktop.services.transport import (
    MAX_REDIRECTS,
    REDIRECTS,
    CallState,
    HttpConfig,
    build_session,
    call_scope,
    retry_after_of,
    status_error,
    transport_error,
)

IMAGE_TYPES = frozenset({"image/png", "image/svg+xml", "image/jpeg", "image/gif", "image/webp"})
GENERIC_USER_AGENT = "Mozilla/5.0 (compatible)"


#: Media types accepted for JSON documents; JSON-LD contexts and hosted assertions use both.
DOCUMENT_TYPES: frozenset[str] = frozenset({"application/json", "application/ld+json"})
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class FetchedImage:
    """One downloaded image.

    Attributes:
        url: the URL asked for (the one the award or badge class names).
        final_url: where the bytes came from after redirects.
        content_type: one of ``IMAGE_TYPES``.
        data: the bytes, at most the fetcher's ``max_image_bytes``.
        etag: the validator to send next time, or None.
    """

    url: str
    final_url: str
    content_type: str
    data: bytes = field(repr=False)
    etag: str | None


class _NoAuth(AuthBase):
    """Strips any Authorization header; as session auth it also stops requests reading ~/.netrc."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request


class ImageFetcher:
    """Downloads images with the URL policy applied to every hop. Thread-safe.

    Attributes:
        api_base_url: the API base; a loopback base (the sandbox) relaxes the rules to loopback.
        max_image_bytes: the largest image accepted.
    """

    def __init__(
        self,
        api_base_url: str,
        config: HttpConfig | None = None,
        max_image_bytes: int = 8 * 1024 * 1024,
        resolver: urlpolicy.Resolver = urlpolicy.default_resolver,
    ) -> None:
        self.api_base_url = urlpolicy.check_api_base(api_base_url)
        self.max_image_bytes = max_image_bytes
        self._config = config or HttpConfig()
        self._resolver = resolver
        self._session = build_session(self._config, GENERIC_USER_AGENT, PinnedAdapter)
        self._session.auth = _NoAuth()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        cancel: threading.Event | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> FetchedImage | None:
        """Download ``url``; None when ``etag`` still matches (304 Not Modified).

        Args:
            url: the image URL from the award, badge class or issuer.
            etag: the ETag stored with the cached copy, sent as If-None-Match.
            cancel: checked before each hop and between chunks.
            on_bytes: called with the size of each chunk received (for progress).

        Raises:
            UnsafeUrlError: the URL or a redirect target is refused (no connection is made).
            MalformedDataError: not an accepted image type.
            ResponseTooLargeError: above ``max_image_bytes``.
            CancelledError: ``cancel`` was set.
            NetworkError, ServerError: as for the API.
        """
        with call_scope(self._config.deadline) as state:
            response, final_url = self._follow(url, etag, cancel, state)
            try:
                if response.status_code == 304:
                    payload.discard(response)
                    return None
                content_type = payload.mime_type(response)
                if content_type not in IMAGE_TYPES:
                    raise MalformedDataError("The image is not in a supported format.")
                data = payload.read_body(response, self.max_image_bytes, state.deadline, cancel, on_bytes)
            finally:
                response.close()
            return FetchedImage(url, final_url, content_type, data, response.headers.get("ETag"))

    def fetch_document(self, url: str, cancel: threading.Event | None = None) -> bytes:
        """Download a JSON document (a hosted assertion, key, issuer, revocation list, context).

        The same URL policy as for images; at most :data:`MAX_DOCUMENT_BYTES`.

        Raises:
            UnsafeUrlError, MalformedDataError, ResponseTooLargeError, NetworkError, ServerError.
        """
        with call_scope(self._config.deadline) as state:
            response, _final = self._follow(url, None, cancel, state, DOCUMENT_TYPES)
            try:
                if payload.mime_type(response) not in DOCUMENT_TYPES:
                    raise MalformedDataError("The address did not answer with JSON.")
                return payload.read_body(response, MAX_DOCUMENT_BYTES, state.deadline, cancel, None)
            finally:
                response.close()

    def _follow(
        self,
        url: str,
        etag: str | None,
        cancel: threading.Event | None,
        state: CallState,
        accept: frozenset[str] | set[str] | None = None,
    ) -> tuple[requests.Response, str]:
        """Request ``url``, following up to 5 redirects by hand, each one re-checked."""
        headers = {"Accept": ", ".join(sorted(accept or IMAGE_TYPES))}
        if etag:
            headers["If-None-Match"] = etag
        for _ in range(MAX_REDIRECTS + 1):
            if cancel is not None and cancel.is_set():
                raise CancelledError("The download was cancelled.")
            address = urlpolicy.check_fetch_url(url, self.api_base_url, self._resolver)
            with pinned(urlsplit(url).hostname or "", address):  # connect where we checked
                response = self._send(url, _with_host(headers, url, address), state)
            if response.status_code in (200, 304):
                return response, url
            payload.discard(response)
            if response.status_code not in REDIRECTS:
                raise status_error(response.status_code, retry_after_of(response, self._config))
            url = urljoin(url, response.headers.get("Location", ""))
        raise NetworkError("The image address redirected too many times.")

    def _send(self, url: str, headers: dict[str, str], state: CallState) -> requests.Response:
        state.check()
        read_timeout = max(0.001, min(self._config.read_timeout, state.remaining()))
        try:
            return self._session.get(
                url,
                headers=headers,
                stream=True,
                allow_redirects=False,
                timeout=(self._config.connect_timeout, read_timeout),
            )
        except requests.RequestException as exc:
            raise transport_error(exc) from None

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> ImageFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_host(headers: dict[str, str], url: str, address: str | None) -> dict[str, str]:
    """Name the host in the Host header when the connection goes to a pinned address."""
    if address is None:
        return headers
    return {**headers, "Host": urlsplit(url).netloc.rsplit("@", 1)[-1]}
