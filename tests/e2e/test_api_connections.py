"""``mailledger serve`` drops connections that never finish their request, and bounds memory."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.e2e.api_support import ServerProcess, servers, start_server

__all__ = ["servers", "start_server"]  # fixtures

Start = Callable[..., ServerProcess]


def _connect(server: ServerProcess) -> socket.socket:
    url = urlsplit(server.url)
    return socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=30)


def _closed_after(sock: socket.socket) -> float:
    """Seconds until the server closes ``sock`` (reads until end of stream)."""
    began = time.monotonic()
    while sock.recv(4096):
        pass
    return time.monotonic() - began


def test_a_half_sent_request_is_dropped_after_the_header_timeout(
    tmp_path: Path, start_server: Start
) -> None:
    server = start_server(
        f"sqlite:///{tmp_path / 'ledger.sqlite'}", env={"MAILLEDGER_HTTP_HEADER_TIMEOUT": "1.5"}
    )
    with _connect(server) as half_sent:
        half_sent.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        waited = _closed_after(half_sent)

    assert 1.0 <= waited < 10, waited
    # The server still answers everyone else.
    assert httpx.get(f"{server.url}/v1/health", timeout=10).status_code == 200


def test_a_connection_that_never_sends_anything_is_dropped_too(
    tmp_path: Path, start_server: Start
) -> None:
    server = start_server(
        f"sqlite:///{tmp_path / 'ledger.sqlite'}", env={"MAILLEDGER_HTTP_HEADER_TIMEOUT": "1"}
    )
    with _connect(server) as silent:
        assert _closed_after(silent) < 10


def test_a_keyless_100_mb_post_is_401_without_the_server_reading_it(
    tmp_path: Path, start_server: Start
) -> None:
    server = start_server(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    before = _rss_kb(server.process.pid)

    def body() -> Iterator[bytes]:
        chunk = b"x" * (1024 * 1024)
        for _ in range(100):
            yield chunk

    try:
        response = httpx.post(
            f"{server.url}/v1/keys",
            content=body(),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        status = response.status_code
    except httpx.TransportError:
        status = None  # the server answered and closed before the client had sent it all
    grown = _rss_kb(server.process.pid) - before

    assert status in (401, None)
    assert grown < 20 * 1024, f"RSS grew by {grown} KB"


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid} ({os.uname().sysname})")
