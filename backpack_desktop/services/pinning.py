"""Connect to the address that was checked, not to whatever the name resolves to a moment later.

``urlpolicy.check_fetch_url`` resolves an issuer's host and allows it only if every address is
public. Without pinning, requests would resolve the name again when it connects, and a
DNS-rebinding host could answer "public" to the check and "127.0.0.1" to the connection
(SECURITY.md test 34). :class:`PinnedAdapter` makes the connection to the checked address while
TLS still verifies the certificate for the host name (SNI and hostname checking use the name).

requests and urllib3 have no option for this, so the adapter overrides the one hook requests
uses to pick a connection pool (``get_connection_with_tls_context``, requests >= 2.32).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool

from backpack_desktop.domain.errors import UnsafeUrlError

#: (host, address) for the request being sent on this thread, set by :func:`pinned`.
_PIN: ContextVar[tuple[str, str] | None] = ContextVar("backpack_pin", default=None)


@contextmanager
def pinned(host: str, address: str | None) -> Iterator[None]:
    """Send requests to ``host`` made inside this block to ``address`` (None: no pin)."""
    token = _PIN.set((host.lower(), address) if address else None)
    try:
        yield
    finally:
        _PIN.reset(token)


class PinnedAdapter(HTTPAdapter):
    """An HTTPAdapter that connects to the pinned address for the pinned host."""

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: bool | str,
        proxies: dict[str, str] | None = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        """The connection pool for ``request``: the pinned address when there is a pin."""
        pin = _PIN.get()
        if pin is None or proxies:  # through a proxy, the proxy resolves: nothing to pin
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        host, address = pin
        if (urlsplit(request.url or "").hostname or "").lower() != host:
            raise UnsafeUrlError("The request went to another host than the one checked.")
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": host, "assert_hostname": host}
        return self.poolmanager.connection_from_host(
            host=address, port=host_params["port"], scheme=host_params["scheme"], pool_kwargs=pool_kwargs
        )
