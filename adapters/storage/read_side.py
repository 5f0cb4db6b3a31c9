"""The projections of one database and the queries over their views.

On PostgreSQL, ``mailledger projections run`` (or ``serve``'s follower thread) keeps the views
current. On every database, a command that writes events catches the views up before it
returns, and so does the server before it answers a write: SQLite offers no subscription to
follow, so the embedded default stays current that way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from types import TracebackType

import structlog
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from adapters.errors import first_line
from adapters.storage.address_key import address_key
from adapters.storage.database import (
    DATABASE_ERRORS,
    Database,
    despite_creation_races,
    open_ledger,
)
from adapters.storage.postgres_view import PostgresView
from adapters.storage.sqlite_view import SQLiteView
from adapters.storage.tenant_policies import PolicyDefaults, TenantPolicies
from domain.address_book import AddressBook
from domain.ledger import Ledger
from domain.policy_process import PolicyProcess
from projections.address_queries import AddressQueries
from projections.addresses import AddressStatus
from projections.catalogue import READ_MODELS
from projections.queries import ReadModels
from projections.read_model import ReadModel
from projections.runner import PAGE_SIZE, Progress, Runner
from projections.signals import SignalDecisions
from projections.view import ViewRecorder

log = structlog.get_logger()

MESSAGE_VIEWS = [
    name for name in READ_MODELS if name not in {AddressStatus.name, SignalDecisions.name}
]
"""The views ReadModels queries, in the catalogue's order."""


class UnknownProjectionError(ValueError):
    """A projection name that is not one of READ_MODELS."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no projection {name!r}; the projections are {', '.join(READ_MODELS)}")


class ReadSide:
    """Every projection of one database, and ReadModels over their views."""

    def __init__(
        self,
        database: Database,
        ledger: Ledger | None = None,
        *,
        page_size: int = PAGE_SIZE,
        policies: PolicyDefaults | None = None,
    ) -> None:
        self.database = database
        self.page_size = page_size
        self._owns_ledger = ledger is None
        self.ledger = ledger if ledger is not None else open_ledger(database)
        factory = InfrastructureFactory.construct(Environment("views", database.env))
        self._datastore = factory.datastore  # type: ignore[attr-defined]
        self.models: dict[str, ReadModel] = {}
        for name, model_class in READ_MODELS.items():
            model = model_class(view=self._view(name))
            _create(model, database)
            self.models[name] = model
        self.queries = ReadModels(
            *(self.models[name].view for name in MESSAGE_VIEWS)  # in the catalogue's order
        )
        self.address_queries = AddressQueries(self.models[AddressStatus.name].view)
        defaults = policies or PolicyDefaults()
        self.tenant_policies = TenantPolicies(database, defaults.policy)
        key = address_key(database, defaults.address_key)
        self.policies = PolicyProcess(self.ledger, key, self.tenant_policies.policy_for)
        self.address_book = AddressBook(self.ledger, key, self.tenant_policies.policy_for)
        self._lock = threading.Lock()

    def _view(self, name: str) -> ViewRecorder:
        view_class = PostgresView if self.database.is_postgres else SQLiteView
        return view_class(self._datastore, name=name, upstream=self.ledger.name)

    def runner(self, names: Sequence[str] | None = None) -> Runner:
        """A runner of the named projections (all by default)."""
        models = [self.model(name) for name in names] if names else list(self.models.values())
        return Runner(
            self.ledger.recorder,
            self.ledger.mapper,
            self.ledger.name,
            models,
            page_size=self.page_size,
        )

    def model(self, name: str) -> ReadModel:
        """The projection of that name; UnknownProjectionError names the known ones."""
        if name not in self.models:
            raise UnknownProjectionError(name)
        return self.models[name]

    def catch_up(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Apply every stored event the views have not seen yet; returns how many were read.

        Safe to call from several threads and processes at once: each batch of a projection is
        applied by exactly one of them.
        """
        with self._lock:
            settled = self.policies.catch_up()
            if settled.facts or settled.suppressed:
                log.info("policies.caught_up", facts=settled.facts, suppressed=settled.suppressed)
            return self.runner().catch_up(on_progress)

    def rebuild(self, name: str, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Drop one projection's tables and replay the whole log into them.

        Another process following the log may go on meanwhile: it finds the view emptied and
        back at 0, and replays into it beside this one, each batch applied once.
        """
        model = self.model(name)
        with self._lock:
            model.reset(indexes=False)
            applied = self.runner([name]).catch_up(on_progress)
            model.create()
            return applied

    def follow(self, stop: threading.Event, interval: float = 0.2) -> None:
        """catch_up() until ``stop`` is set, waiting ``interval`` seconds when idle (blocking).

        A database that is down is waited for: the follower tries again after ``interval``.
        """
        while not stop.is_set():
            try:
                applied = self.catch_up()
            except DATABASE_ERRORS as error:
                log.warning(
                    "projections.database_unavailable",
                    database=self.database.display,
                    error=first_line(error),
                )
                applied = 0
            if not applied:
                stop.wait(interval)

    def close(self) -> None:
        """Close the views' connections (and the ledger when this read side opened it)."""
        self.tenant_policies.close()
        self._datastore.close()
        if self._owns_ledger:
            self.ledger.close()

    def __enter__(self) -> ReadSide:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _create(model: ReadModel, database: Database) -> None:
    if database.is_postgres:
        despite_creation_races(model.create)
    else:
        model.create()


def open_read_side(
    database: Database,
    ledger: Ledger | None = None,
    *,
    page_size: int = PAGE_SIZE,
    policies: PolicyDefaults | None = None,
) -> ReadSide:
    """The read side of that database, its view tables created when missing."""
    return ReadSide(database, ledger, page_size=page_size, policies=policies)
