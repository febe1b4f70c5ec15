"""How the verifier obtains documents: only through a :class:`Resolver` the caller passes in.

The domain layer never opens a connection itself. The app passes a resolver backed by its
HTTP client, tests and the offline mode pass :class:`MapResolver` or :class:`OfflineResolver`.
:class:`Fetcher` wraps the resolvers for one verification: it caches by URL, caps the number
of fetches (an issuer could otherwise chain badge -> issuer -> key -> list -> … forever) and
parses every document with the same size and depth limits as a badge file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urldefrag

from backpack_desktop.domain.badgefile import MAX_JSON_BYTES, loads_limited
from backpack_desktop.domain.errors import BadgeFileError

MAX_FETCHES: Final = 20
_SCHEMES: Final = ("https://", "http://", "did:")


class Unavailable(Exception):  # noqa: N818 - the public name callers already use
    """A document could not be obtained (offline, not found, refused, over the limit).

    Attributes:
        url: the address asked for.
        why: a short explanation for logs and check details.
    """

    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"{url}: {why}")
        self.url = url
        self.why = why


class Resolver(Protocol):
    """Something that turns a URL into the bytes published there."""

    def fetch(self, url: str) -> bytes:
        """Return the document at ``url``.

        Raises:
            Unavailable: when it cannot be obtained.
        """
        ...


class OfflineResolver:
    """A resolver for working offline: nothing can ever be fetched."""

    def fetch(self, url: str) -> bytes:
        """Always refuse.

        Raises:
            Unavailable: always.
        """
        raise Unavailable(url, "offline")


class MapResolver:
    """A resolver over a fixed table of URLs, for tests and for the bundled JSON-LD contexts.

    Keys are exact URLs, or prefixes ending in ``/`` that map to a directory: the rest of the
    URL is then a file name inside it (never outside: ``..`` is refused).
    """

    def __init__(self, mapping: Mapping[str, Path | bytes]) -> None:
        self._exact = dict(mapping)
        # Longest prefix first, so a more specific directory wins.
        self._prefixes = sorted(
            ((k, v) for k, v in mapping.items() if k.endswith("/") and isinstance(v, Path)),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    def fetch(self, url: str) -> bytes:
        """Return the mapped bytes or file content.

        Raises:
            Unavailable: the URL is not in the table or the file does not exist.
        """
        value = self._exact.get(url)
        if isinstance(value, bytes):
            return value
        if isinstance(value, Path) and value.is_file():
            return value.read_bytes()
        for prefix, directory in self._prefixes:
            if url.startswith(prefix):
                return _read_inside(directory, url[len(prefix) :], url)
        raise Unavailable(url, "not available")


def _read_inside(directory: Path, rest: str, url: str) -> bytes:
    if not rest or "?" in rest or any(part in ("", ".", "..") for part in rest.split("/")):
        raise Unavailable(url, "not available")
    path = (directory / rest).resolve()
    if not path.is_relative_to(directory.resolve()) or not path.is_file():
        raise Unavailable(url, "not available")
    return path.read_bytes()


class Fetcher:
    """The resolvers as one verification sees them: cached, capped and parsed.

    Attributes:
        count: how many fetches were attempted so far (cache hits are free).
    """

    def __init__(self, resolver: Resolver, context_resolver: Resolver, limit: int = MAX_FETCHES) -> None:
        self._resolvers = {"doc": resolver, "context": context_resolver}
        self._limit = limit
        self._cache: dict[tuple[str, str], bytes | Unavailable] = {}
        self.count = 0

    def document(self, url: str) -> dict[str, Any]:
        """Fetch ``url`` (without its fragment) and parse it as a bounded JSON object.

        Raises:
            Unavailable: it could not be fetched, is over the limit, or is not a JSON object.
        """
        return _as_object(url, self._raw("doc", url))

    def node(self, value: object) -> dict[str, Any]:
        """An Open Badges node given either embedded (an object) or by its URL.

        Raises:
            Unavailable: the URL could not be fetched, or the value is neither.
        """
        if isinstance(value, dict):
            return value
        if isinstance(value, str):
            return self.document(value)
        raise Unavailable(str(value), "missing")

    def context(self, url: str) -> dict[str, Any]:
        """Fetch a JSON-LD context document through the context resolver.

        Raises:
            Unavailable: as for :meth:`document`.
        """
        return _as_object(url, self._raw("context", url))

    def _raw(self, kind: str, url: str) -> bytes:
        url = urldefrag(url).url
        key = (kind, url)
        if key not in self._cache:
            self._cache[key] = self._fetch_once(kind, url)
        found = self._cache[key]
        if isinstance(found, Unavailable):
            raise found
        return found

    def _fetch_once(self, kind: str, url: str) -> bytes | Unavailable:
        if not url.startswith(_SCHEMES):
            return Unavailable(url, "not a web address")
        if self.count >= self._limit:
            return Unavailable(url, f"more than {self._limit} documents were needed")
        self.count += 1
        try:
            data = self._resolvers[kind].fetch(url)
        except Unavailable as exc:
            return exc
        if len(data) > MAX_JSON_BYTES:
            return Unavailable(url, "the document is too large")
        return data


def _as_object(url: str, data: bytes) -> dict[str, Any]:
    try:
        value = loads_limited(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, BadgeFileError):
        raise Unavailable(url, "not a JSON document") from None
    if not isinstance(value, dict):
        raise Unavailable(url, "not a JSON object")
    return value
