"""One POST: to the checked address (TLS checking the name), no redirect followed, the
timeout over the whole answer so a receiver that drips bytes is cut off."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.signals.posting import DeadlineError, post
from adapters.signals.urls import UrlPolicy


@pytest.fixture
def dripping() -> Iterator[int]:
    """A receiver on loopback that answers one header byte at a time, for ever."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.wait(0.05):
                try:
                    connection.sendall(b"X")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_timeout(dripping: int) -> None:
    target = UrlPolicy(allow_http_loopback=True).check(f"http://127.0.0.1:{dripping}/hook")
    with pytest.raises(DeadlineError, match=r"no complete answer within 0\.5 s"):
        post(target, {"Content-Type": "application/json"}, b"{}", 0.5)


@pytest.fixture
def redirecting() -> Iterator[int]:
    """A receiver on loopback that answers every request with a redirect elsewhere."""
    server = socket.create_server(("127.0.0.1", 0))
    requests: list[bytes] = []

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            requests.append(connection.recv(65536))
            connection.sendall(
                b"HTTP/1.1 307 Temporary Redirect\r\n"
                b"Location: http://169.254.169.254/latest/meta-data\r\n"
                b"Content-Length: 0\r\n\r\n"
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        thread.join()
        server.close()
        assert len(requests) == 1 and requests[0].startswith(b"POST /hook ")


def test_a_redirect_is_an_answer_not_followed(redirecting: int) -> None:
    target = UrlPolicy(allow_http_loopback=True).check(f"http://127.0.0.1:{redirecting}/hook")
    assert post(target, {}, b"{}", 5) == 307


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, Path, list[str]]]:
    """An https receiver on loopback with a certificate for hooks.example.test; the Host
    headers it saw."""
    cert_path, key_path = _certificate(tmp_path, "hooks.example.test")
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hosts.append(self.headers.get("Host", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], cert_path, hosts
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_https_connects_to_the_checked_address_and_checks_the_name(
    tls_receiver: tuple[int, Path, list[str]],
) -> None:
    port, cert_path, hosts = tls_receiver
    trusted = ssl.create_default_context(cafile=str(cert_path))
    # The name resolves to loopback, which the policy lets through here; the connection
    # goes to that address, TLS checks the certificate against the name.
    policy = UrlPolicy(allow_http_loopback=True, resolver=lambda host, p: ["127.0.0.1"])
    target = policy.check(f"https://hooks.example.test:{port}/in")
    assert post(target, {}, b"{}", 5, tls=trusted) == 204
    assert hosts == [f"hooks.example.test:{port}"]
    wrong_name = policy.check(f"https://other.example.test:{port}/in")
    with pytest.raises(ssl.SSLCertVerificationError):
        post(wrong_name, {}, b"{}", 5, tls=trusted)
    with pytest.raises(ssl.SSLCertVerificationError):
        post(target, {}, b"{}", 5)  # a certificate no system authority vouches for
    assert len(hosts) == 1
