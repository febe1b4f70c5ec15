"""Which URLs the app may contact: pure functions, so every rule is testable without a network.

Two kinds of URL reach the client. The API base and its ``Link: rel="next"`` pages come from the
user's own server and must stay on its origin. Image and evidence URLs come from issuers
(SECURITY.md T24): they may point anywhere, including the user's router or a cloud metadata
service, so they must be https and resolve only to public (global) addresses. The one
exception is the local sandbox: when the API itself is on loopback, loopback http is allowed
and addresses are not checked, because everything is on this machine anyway.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection
from urllib.parse import urljoin, urlsplit

import requests

from backpack_desktop.domain.errors import MalformedDataError, NetworkError, UnsafeUrlError

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]
#: ``resolve(host, port)`` returns the IP addresses ``host`` resolves to, as strings.
Resolver = Callable[[str, int], list[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

UNSAFE = "This address was not contacted because it is not a secure public web address."
BAD_BASE = "The server address must start with https:// (plain http only for this computer)."
FOREIGN_PAGE = "The server linked the next page to another site, which was refused."
PAGE_LOOP = "The server's page links go round in a loop."


def default_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver (all address families)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def origin(url: str) -> Origin:
    """``(scheme, host, port)`` with defaults filled in, lower-cased.

    Raises:
        UnsafeUrlError: the port is not a number.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        raise UnsafeUrlError(UNSAFE) from None
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, other: str) -> bool:
    """True when both URLs share scheme, host and port."""
    return origin(url) == origin(other)


def ip_literal(host: str) -> IpAddress | None:
    """The address when ``host`` is an IP literal (IPv4-mapped IPv6 unwrapped), else None."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP literal (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    address = ip_literal(host)
    return address is not None and address.is_loopback


def check_api_base(url: str) -> str:
    """Validate the API base URL and return it without a trailing slash.

    Raises:
        UnsafeUrlError: not https, and not http to this computer; or no host.
    """
    scheme, host, _ = origin(url)
    if not host or not (scheme == "https" or (scheme == "http" and is_loopback_host(host))):
        raise UnsafeUrlError(BAD_BASE)
    return url.rstrip("/")


def check_fetch_url(url: str, api_base: str, resolve: Resolver = default_resolver) -> str | None:
    """Refuse an issuer-supplied URL unless it is https to a public address.

    IP literals are judged without resolving. Names are resolved and every address must be
    global (not loopback, private, link-local such as 169.254.169.254, ULA fc00::/7, ...).
    With a loopback API base (the sandbox), http to loopback is allowed and nothing is resolved.

    Returns:
        The checked address to connect to for a resolved name (see ``pinning``), else None.

    Raises:
        UnsafeUrlError: the URL must not be contacted.
        NetworkError: the host name could not be resolved.
    """
    parts = urlsplit(url)
    scheme, host, port = origin(url)
    if scheme not in DEFAULT_PORTS or not host or parts.username is not None:
        raise UnsafeUrlError(UNSAFE)
    sandbox = is_loopback_host(origin(api_base)[1])
    if scheme == "http":
        if sandbox and is_loopback_host(host):
            return None
        raise UnsafeUrlError(UNSAFE)
    if sandbox:
        return None
    literal = ip_literal(host)
    addresses = [literal] if literal is not None else _resolve(resolve, host, port)
    if not addresses or any(not address.is_global for address in addresses):
        raise UnsafeUrlError(UNSAFE)
    return None if literal is not None else str(addresses[0])


def _resolve(resolve: Resolver, host: str, port: int) -> list[IpAddress]:
    try:
        found = resolve(host, port)
    except (OSError, UnicodeError):
        raise NetworkError("The address could not be found. Check your connection.") from None
    addresses = []
    for text in found:
        address = ip_literal(text.split("%")[0])  # drop an IPv6 zone id
        if address is None:
            raise UnsafeUrlError(UNSAFE)
        addresses.append(address)
    return addresses


def next_page_url(
    base_url: str, current_url: str, link_header: str | None, visited: Collection[str]
) -> str | None:
    """The URL of the next page from a ``Link`` header, or None on the last page.

    The link must stay on the API's origin (so it is https, or loopback http for the sandbox)
    and must not revisit a page, which would loop forever or double-count results.

    Raises:
        MalformedDataError: the link leaves the origin or loops.
    """
    if not link_header:
        return None
    for link in requests.utils.parse_header_links(link_header):
        if "next" in link.get("rel", "").lower().split():
            target = urljoin(current_url, link.get("url", "")).split("#")[0]
            if not same_origin(target, base_url):
                raise MalformedDataError(FOREIGN_PAGE)
            check_api_base(target)
            if target in visited:
                raise MalformedDataError(PAGE_LOOP)
            return target
    return None
