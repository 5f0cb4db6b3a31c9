"""The signal senders on a real SQLite file, with a real receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.signals.delivery import Dispatcher
from adapters.signals.stores import SignalStores
from adapters.signals.urls import UrlPolicy
from adapters.storage.database import Database, parse_database_url
from tests.unit.signals.outbox_rows import OutboxWriter
from tests.unit.signals.receiver import Clock, Receiver


@pytest.fixture
def database(tmp_path: Path) -> Database:
    return parse_database_url(f"sqlite:///{tmp_path / 'signals.sqlite'}")


@pytest.fixture
def stores(database: Database) -> Iterator[SignalStores]:
    with SignalStores(database) as opened:
        yield opened


@pytest.fixture
def outbox(database: Database, stores: SignalStores) -> Iterator[OutboxWriter]:
    writer = OutboxWriter(database)
    try:
        yield writer
    finally:
        writer.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dispatcher(stores: SignalStores) -> Dispatcher:
    return Dispatcher(stores, UrlPolicy(allow_http_loopback=True), timeout=5)


@pytest.fixture
def receiver(clock: Clock) -> Iterator[Receiver]:
    running = Receiver(clock)
    running.start()
    try:
        yield running
    finally:
        if running._server is not None:
            running.stop()
