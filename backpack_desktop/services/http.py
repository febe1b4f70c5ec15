"""The Canvas Credentials API client: v2 envelopes, paging, bearer tokens, limits and retries.

One :class:`ApiClient` owns one requests Session whose adapter retries idempotent requests
(see ``transport``); POSTs are never retried, because a token grant that reached the server
already rotated the refresh token (SECURITY.md T16). Bodies are judged by parsing (``payload``)
and URLs by ``urlpolicy``. The bearer token is only ever sent to the API's own origin.
Images are fetched by :class:`~backpack_desktop.services.imagefetch.ImageFetcher`, on a
separate Session that can never carry the token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from backpack_desktop.domain.errors import (
    AuthError,
    CaptivePortalError,
    MalformedDataError,
    ResponseTooLargeError,
    ServerError,
)
from backpack_desktop.services import payload, urlpolicy
from backpack_desktop.services.imagefetch import FetchedImage, ImageFetcher
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

__all__ = ["ApiClient", "FetchedImage", "HttpConfig", "ImageFetcher", "TokenSource"]

log = logging.getLogger(__name__)

SESSION_ENDED = "Your session has ended. Please sign in again."
NOT_SIGNED_IN = "Please sign in to continue."
REDIRECTED_AWAY = "The network redirected the request to another site. A network login may be required."


class TokenSource(Protocol):
    """Where the client gets bearer tokens (implemented by ``auth.TokenManager``)."""

    def access_token(self) -> str | None:
        """The token to send now, or None when signed out."""

    def refresh(self, stale: str) -> str:
        """Replace ``stale`` (single-flight) and return the current token; raises AuthError."""


class ApiClient:
    """A blocking client for one API base URL. Thread-safe for concurrent GETs.

    Attributes:
        base_url: the API base without a trailing slash.
        config: timeouts and limits.
    """

    def __init__(
        self, base_url: str, tokens: TokenSource | None = None, config: HttpConfig | None = None
    ) -> None:
        self.base_url = urlpolicy.check_api_base(base_url)
        self.config = config or HttpConfig()
        self._tokens = tokens
        self._session = build_session(self.config, self.config.user_agent)
        self._lock = threading.Lock()
        self._requests_made = 0

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included (for tests and benchmarks)."""
        return self._requests_made

    def _count(self) -> None:
        with self._lock:
            self._requests_made += 1

    # -- public calls -----------------------------------------------------------------------
    def get_results(self, path: str, params: Sequence[tuple[str, str]] = ()) -> list[dict[str, Any]]:
        """GET a v2 list, following ``Link: rel="next"`` pages, and return all result items.

        Items with an ``entityId`` seen on an earlier page are dropped (a list that shifts while
        being paged repeats items). The deadline covers every page.

        Raises:
            AuthError: not signed in, or still refused after one token refresh.
            NetworkError: unreachable, or the reply was cut off (TimeoutExpiredError: too slow).
            ServerError: 404 ("not found or not allowed"), 5xx after the retries, a failed envelope;
                RetryLaterError when 429 persists or asks to wait past the deadline.
            CaptivePortalError, MalformedDataError, ResponseTooLargeError: an unusable reply,
                including a next link off the origin, a page loop or more than ``max_pages``.
        """
        with self._call() as state:
            url: str | None = self._url(path, params)
            visited: set[str] = set()
            items: list[dict[str, Any]] = []
            seen: set[str] = set()
            while url is not None:
                if len(visited) >= self.config.max_pages:
                    raise ResponseTooLargeError(f"The list has more than {self.config.max_pages} pages.")
                visited.add(url)
                body, link = self._get_json(url, state)
                for item in payload.envelope_results(body):
                    entity_id = item.get("entityId")
                    if isinstance(entity_id, str):
                        if entity_id in seen:
                            continue
                        seen.add(entity_id)
                    items.append(item)
                url = urlpolicy.next_page_url(self.base_url, url, link, visited)
            return items

    def get_json(self, path_or_url: str, params: Sequence[tuple[str, str]] = ()) -> Any:
        """GET any JSON document: an API path, or an absolute URL (public JSON of an issuer).

        Absolute URLs off the API origin get no token and must pass the same rules as images.
        """
        with self._call() as state:
            url = self._url(path_or_url, params)
            if not urlpolicy.same_origin(url, self.base_url):
                urlpolicy.check_fetch_url(url, self.base_url)
            return self._get_json(url, state)[0]

    def post_form(
        self,
        path: str,
        data: Mapping[str, str],
        basic_auth: tuple[str, str] | None = None,
        *,
        messages: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a form to the API origin once (never retried) and return the JSON object.

        Args:
            path: the API path, such as ``/o/token``.
            data: the form fields (sent in the body, never the query).
            basic_auth: optional client credentials for HTTP Basic.
            messages: user messages for OAuth ``error`` codes, overriding the defaults.

        Raises:
            AuthError: an OAuth error body (``{"error": ...}``) with a 4xx status.
            RetryLaterError: 429, with the wait the server asked for.
            ServerError: 5xx or an unexpected status.
        """
        with self._call() as state:
            url = self._url(path, ())
            response = self._send("POST", url, state, data=dict(data), auth=basic_auth)
            try:
                raw = payload.read_body(response, self.config.max_bytes, state.deadline)
            finally:
                response.close()
            if response.status_code in REDIRECTS:
                raise ServerError("The server answered with an unexpected redirect.")
            if response.status_code >= 400:
                raise payload.oauth_error(response, raw, retry_after_of(response, self.config), messages)
            body = payload.decode_json(raw, payload.mime_type(response), self.config.max_depth)
            if not isinstance(body, dict):
                raise MalformedDataError(payload.BAD_SHAPE)
            return body

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------
    @contextmanager
    def _call(self) -> Iterator[CallState]:
        with call_scope(self.config.deadline, self._count) as state:
            yield state

    def _url(self, path_or_url: str, params: Sequence[tuple[str, str]]) -> str:
        url = path_or_url if urlsplit(path_or_url).scheme else self.base_url + "/" + path_or_url.lstrip("/")
        if params:
            url += ("&" if urlsplit(url).query else "?") + urlencode(list(params))
        return url

    def _get_json(self, url: str, state: CallState) -> tuple[Any, str | None]:
        response = self._get(url, state)
        try:
            raw = payload.read_body(response, self.config.max_bytes, state.deadline)
        finally:
            response.close()
        body = payload.decode_json(raw, payload.mime_type(response), self.config.max_depth)
        return body, response.headers.get("Link")

    def _get(self, url: str, state: CallState) -> requests.Response:
        """GET with one token refresh on 401/403 and same-origin redirects only."""
        start, refreshed = url, False
        for _ in range(MAX_REDIRECTS + 1):
            token = self._token_for(url)
            headers = {"Accept": self.config.accept}
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            response = self._send("GET", url, state, headers=headers)
            status = response.status_code
            if 200 <= status < 300:
                return response
            payload.discard(response)
            if status in (401, 403):
                if token is None or refreshed or self._tokens is None:
                    raise AuthError(SESSION_ENDED if token is not None else NOT_SIGNED_IN)
                self._tokens.refresh(token)
                refreshed = True
                continue
            if status in REDIRECTS:
                url = self._redirect_target(start, url, response)
                continue
            raise status_error(status, retry_after_of(response, self.config))
        raise ServerError("The server redirected the request too many times.")

    def _token_for(self, url: str) -> str | None:
        if self._tokens is None or not urlpolicy.same_origin(url, self.base_url):
            return None
        return self._tokens.access_token()

    def _redirect_target(self, start: str, url: str, response: requests.Response) -> str:
        target = urljoin(url, response.headers.get("Location", ""))
        if not urlpolicy.same_origin(target, start):
            raise CaptivePortalError(REDIRECTED_AWAY)
        return target

    def _send(self, method: str, url: str, state: CallState, **kwargs: Any) -> requests.Response:
        state.check()
        self._count()
        read_timeout = max(0.001, min(self.config.read_timeout, state.remaining()))
        log.debug("%s %s", method, urlsplit(url).path)
        try:
            return self._session.request(
                method,
                url,
                stream=True,
                allow_redirects=False,
                timeout=(self.config.connect_timeout, read_timeout),
                **kwargs,
            )
        except requests.RequestException as exc:
            raise transport_error(exc) from None
