"""The database going away under a running server: 503 naming it, then service again."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from tests.e2e.api_support import ServerProcess, create_key, servers, start_server
from tests.e2e.logged_process import wait_until
from tests.unit.api.bodies import registration

__all__ = ["servers", "start_server"]  # fixtures

Start = Callable[..., ServerProcess]


class CuttableProxy:
    """A TCP relay to PostgreSQL that can drop every connection and refuse new ones.

    Only the server under test goes through it, so the shared PostgreSQL stays up for
    everything else running at the same time.
    """

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.up = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self._lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._open.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self._listener.close()


@pytest.fixture
def proxy(fresh_postgres_url: str) -> Iterator[tuple[CuttableProxy, str]]:
    parts = urlsplit(fresh_postgres_url)
    relay = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = parts.netloc.rsplit(":", 1)[0] + f":{relay.port}"
    yield relay, parts._replace(netloc=netloc).geturl()
    relay.close()


def test_a_database_that_goes_away_is_503_then_served_again(
    proxy: tuple[CuttableProxy, str], fresh_postgres_url: str, start_server: Start
) -> None:
    relay, through_proxy = proxy
    token = create_key(fresh_postgres_url, "acme", "admin")
    server = start_server(through_proxy)
    client = server.client(token)
    assert client.get("/v1/messages").status_code == 200

    relay.cut()
    down = client.get("/v1/messages")

    assert down.status_code == 503, down.text
    error = down.json()["error"]
    assert f"127.0.0.1:{relay.port}" in error["message"]
    password = urlsplit(fresh_postgres_url).password
    assert f":{password}@" not in down.text
    assert ":***@" in error["message"]
    refused = client.post("/v1/messages", json=registration("during-1"))
    assert refused.status_code == 503, refused.text
    assert server.process.poll() is None

    relay.restore()
    wait_until(lambda: client.get("/v1/messages").status_code == 200, "the server to recover")
    assert client.post("/v1/messages", json=registration("after-1")).status_code == 201
