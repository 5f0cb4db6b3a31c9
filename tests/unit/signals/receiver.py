"""A real webhook receiver on loopback for the tests: verifies every signature, answers
what each path is told to, can be stopped and started again on the same port."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from adapters.signals.signing import SIGNAL_ID_HEADER, SIGNATURE_HEADER, SignatureError, verify


@dataclass
class Clock:
    """The time the dispatcher and the receiver agree on; the test moves it."""

    now: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Received:
    """A delivery the receiver verified."""

    path: str
    signal_id: str
    body: dict[str, Any]


@dataclass
class Receiver:
    """Answers ``statuses[path]`` (204 by default) to deliveries whose signature verifies
    with ``secrets[path]`` at the clock's time; keeps each verified delivery it accepted."""

    clock: Clock
    secrets: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.handle(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = None

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        status = self.statuses.get(path, 204)
        try:
            verify(
                self.secrets[path],
                headers.get(SIGNATURE_HEADER, ""),
                body,
                now=self.clock.now.timestamp(),
            )
        except (SignatureError, KeyError) as error:
            self.refused.append(f"{path}: {error}")
            return 400
        document = orjson.loads(body)
        if headers.get(SIGNAL_ID_HEADER) != document["id"]:
            self.refused.append(f"{path}: the id header differs from the body's")
            return 400
        if 200 <= status < 300:
            self.received.append(Received(path, document["id"], document))
        return status

    def ids(self, path: str) -> list[str]:
        """The signal ids ``path`` accepted, in the order they came, repeats included."""
        return [r.signal_id for r in self.received if r.path == path]
