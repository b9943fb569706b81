"""`HttpsFetcher` against a local HTTPS server with a certificate made in the test: status,
size cap, redirects, timeouts and certificate verification. Never the internet.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cognito_tokens import HttpsFetcher, JwksCache, JwksUnavailable
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

JWKS_BODY = json.dumps({"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}).encode()
SLOW_SECONDS = 1.0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/jwks":
            self._send(200, JWKS_BODY)
        elif self.path == "/missing":
            self._send(404, b"not found")
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:9/jwks")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/large":
            self._send(200, b"x" * 2048)
        elif self.path == "/large-undeclared":
            self.send_response(200)
            self.end_headers()  # no Content-Length: read until the connection closes
            self.wfile.write(b"x" * 2048)
            self.close_connection = True
        elif self.path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._send(200, JWKS_BODY)
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "200")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x" * 10)
                self.wfile.flush()
                time.sleep(0.05)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up early (timeouts, size cap) are what these tests do


@dataclass(frozen=True)
class Server:
    base: str
    trusting: ssl.SSLContext  # a client context that trusts the test certificate


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    cert_path, key_path = _certificate(tmp_path_factory.mktemp("tls"))
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_path, key_path)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(
            base=f"https://127.0.0.1:{httpd.server_address[1]}",
            trusting=ssl.create_default_context(cafile=str(cert_path)),
        )
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetches_the_document(server: Server) -> None:
    fetcher = HttpsFetcher(ssl_context=server.trusting)

    assert fetcher(f"{server.base}/jwks") == JWKS_BODY


def test_an_http_error_status_fails(server: Server) -> None:
    with pytest.raises(urllib.error.HTTPError, match="404"):
        HttpsFetcher(ssl_context=server.trusting)(f"{server.base}/missing")


def test_redirects_are_not_followed(server: Server) -> None:
    with pytest.raises(urllib.error.HTTPError, match="302"):
        HttpsFetcher(ssl_context=server.trusting)(f"{server.base}/redirect")


@pytest.mark.parametrize("path", ["/large", "/large-undeclared"])
def test_a_document_over_the_size_cap_fails(server: Server, path: str) -> None:
    fetcher = HttpsFetcher(ssl_context=server.trusting, max_bytes=1024)

    with pytest.raises(ValueError, match="larger than 1024 bytes"):
        fetcher(f"{server.base}{path}")


def test_a_slow_server_times_out(server: Server) -> None:
    fetcher = HttpsFetcher(ssl_context=server.trusting, timeout=0.2)
    started = time.monotonic()

    with pytest.raises((TimeoutError, urllib.error.URLError)):
        fetcher(f"{server.base}/slow")
    assert time.monotonic() - started < SLOW_SECONDS


def test_a_trickling_body_is_cut_off_at_the_deadline(server: Server) -> None:
    # Each chunk arrives well within the socket timeout; the whole download does not.
    fetcher = HttpsFetcher(ssl_context=server.trusting, timeout=0.3)

    with pytest.raises(TimeoutError, match=r"longer than 0\.3 s"):
        fetcher(f"{server.base}/drip")


def test_an_untrusted_certificate_is_refused(server: Server) -> None:
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        HttpsFetcher()(f"{server.base}/jwks")


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:9/jwks", "file:///etc/passwd", "ftp://example.com/jwks"]
)
def test_only_https_uris_are_fetched(uri: str) -> None:
    with pytest.raises(ValueError, match="only https://"):
        HttpsFetcher()(uri)


def test_through_the_cache_any_fetch_failure_is_jwks_unavailable(server: Server) -> None:
    cache = JwksCache(fetcher=HttpsFetcher(ssl_context=server.trusting))
    cache.refresh(f"{server.base}/jwks")
    assert cache.has(f"{server.base}/jwks")

    for path in ("/missing", "/redirect", "/large"):
        with pytest.raises(JwksUnavailable, match="could not fetch"):
            JwksCache(fetcher=HttpsFetcher(ssl_context=server.trusting, max_bytes=1024)).refresh(
                f"{server.base}{path}"
            )


@pytest.mark.parametrize(("timeout", "max_bytes"), [(0, 1024), (1.0, 0), (-1.0, 1024)])
def test_limits_must_be_positive(timeout: float, max_bytes: int) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        HttpsFetcher(timeout=timeout, max_bytes=max_bytes)
