"""``mailledger serve`` in a process of its own on a free loopback port, and its clients."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.logged_process import LoggedProcess
from tests.e2e.test_cli import ok

START_TIMEOUT = 60.0


class ServerProcess(LoggedProcess):
    """A running ``mailledger serve --port 0``; its JSON log lines kept in a file.

    The system picks the port; the server's ``api.listening`` line says which, and the
    server is ready once ``/v1/health`` answers.
    """

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        *args: str,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            ["--database", database_url, "serve", "--port", "0", *args], log_path, env or {}
        )
        try:
            self.url = self._wait_until_answering()
        except BaseException:
            self.stop()
            raise

    def _wait_until_answering(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        url: str | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"mailledger serve exited {self.process.returncode}: "
                    f"{self.log_path.read_text(encoding='utf-8')}"
                )
            if url is None:
                listening = self.events("api.listening")
                if listening:
                    url = f"http://127.0.0.1:{listening[0]['port']}"
            if url is not None:
                try:
                    if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                        return url
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
        pytest.fail(f"mailledger serve did not answer within {START_TIMEOUT:.0f}s")

    def client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client of this server, with ``token`` as its bearer key."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then the exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Servers a test starts, killed at its end whatever happened."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def start_server(servers: list[ServerProcess], tmp_path: Path) -> Callable[..., ServerProcess]:
    """Starts ``mailledger serve`` on a database: ``start_server(url, *args, env=...)``."""

    def start(database_url: str, *args: str, env: dict[str, str] | None = None) -> ServerProcess:
        log_path = tmp_path / f"serve-{len(servers)}.log"
        server = ServerProcess(database_url, log_path, *args, env=env)
        servers.append(server)
        return server

    return start


def create_key(database_url: str, tenant: str, role: str) -> str:
    """A token made as an operator makes one: ``mailledger keys create``."""
    return ok(database_url, "keys", "create", "--tenant", tenant, "--role", role).strip()
