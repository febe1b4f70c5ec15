"""DNS-rebinding protection (SECURITY.md test 34): the connection goes to the checked address.

A local TLS server with a certificate for a made-up host name shows that a pinned connection
still verifies the certificate for the name and sends the right Host header; a listener on
127.0.0.1 shows that a host which resolves "public" for the check and "127.0.0.1" for the
connection is never connected to.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backpack_desktop.domain.errors import NetworkError, UserFacingError
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.pinning import PinnedAdapter, pinned
from backpack_desktop.services.transport import HttpConfig, build_session

NAME = "badges.pinning.test"
FAST = HttpConfig(connect_timeout=1.0, read_timeout=2.0, deadline=5.0, retries=0)


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, list[str]]]:
    cert, key = _certificate(tmp_path)
    hosts: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hosts.append(self.headers.get("Host", ""))
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert, hosts
    server.shutdown()
    server.server_close()


def test_a_pinned_connection_still_checks_the_certificate_for_the_name(tls_server) -> None:
    port, cert, hosts = tls_server
    session = build_session(FAST, "test", PinnedAdapter)
    url = f"https://{NAME}:{port}/doc.json"
    with pinned(NAME, "127.0.0.1"):  # the name does not resolve at all: only the pin reaches it
        reply = session.get(url, verify=str(cert), headers={"Host": f"{NAME}:{port}"}, timeout=5)
    assert reply.json() == {"ok": True} and hosts == [f"{NAME}:{port}"]
    with pinned("other.pinning.test", "127.0.0.1"), pytest.raises(UserFacingError):
        session.get(url, verify=str(cert), timeout=5)  # a pin for another host is refused
    with pinned(NAME, "127.0.0.1"), pytest.raises(requests.exceptions.SSLError):
        session.get(f"https://{NAME}:{port}/doc.json", verify=True, timeout=5)  # untrusted: still checked


def test_a_rebinding_host_is_never_connected_to(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    answers = iter(["1.1.1.1"])  # the check sees a public address; "localhost" really is 127.0.0.1
    assert ipaddress.ip_address("1.1.1.1").is_global

    def rebinding(_host: str, _port: int) -> list[str]:
        return [next(answers, "127.0.0.1")]

    with (
        ImageFetcher("https://api.badgr.io", FAST, resolver=rebinding) as fetcher,
        pytest.raises((NetworkError, UserFacingError)),
    ):
        fetcher.fetch_document(f"https://localhost:{port}/evil.json")
    try:
        connection, _ = listener.accept()
        connection.close()
        connected = True
    except TimeoutError:
        connected = False
    listener.close()
    assert not connected  # without the pin, requests would have resolved localhost itself
