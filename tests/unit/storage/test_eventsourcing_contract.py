"""What mailledger relies on below eventsourcing's public API, checked on the installed version.

pyproject.toml pins eventsourcing to the minor version this contract was checked against. An
upgrade that removes or reshapes one of these methods and attributes, changes the steps we
reproduce, or starts to use a name of ours, fails here and names the code to revisit. Move the
pin, and CHECKED_AGAINST, only once that code has been checked against the new version.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
import tomllib
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresProcessRecorder,
    PostgresRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteConnectionPool,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteRecorder,
    SQLiteTrackingRecorder,
    SQLiteTransaction,
)

from adapters.storage.postgres_view import PostgresView
from adapters.storage.sqlite_batch import BatchSQLiteFactory, BatchSQLiteProcessRecorder
from adapters.storage.sqlite_view import SQLiteView
from domain.ledger import Ledger

ROOT = Path(__file__).resolve().parents[3]

CHECKED_AGAINST = "9.5"
"""The eventsourcing minor version every entry below was last checked against."""

OURS = ("domain", "projections", "adapters.storage")
"""The packages whose classes subclass eventsourcing's."""

BATCH = "CopyInserts.insert_events (adapters/storage/postgres_batch.py)"
LEDGER = "Ledger._apply_batch (domain/ledger.py)"
PG_VIEW = "PostgresView (adapters/storage/postgres_view.py)"
SQLITE_VIEW = "SQLiteView (adapters/storage/sqlite_view.py)"
SQLITE_BATCH = "BatchReads._select (adapters/storage/sqlite_batch.py)"
SQLITE_CREATION = "TrackingCreatedUnderWriteLock.create_table (adapters/storage/sqlite_creation.py)"
SQLITE_WAL = "BatchSQLiteFactory.__init__ (adapters/storage/sqlite_batch.py), switch_to_wal"


class Method(NamedTuple):
    """A method of eventsourcing's that we call or override, with the parameters we rely on."""

    owner: type[Any]
    name: str
    parameters: str
    revisit: str


METHODS = [
    Method(Application, "_record", "(self, processing_event)", LEDGER),
    Method(Application, "_take_snapshots", "(self, processing_event)", LEDGER),
    Method(Application, "_notify", "(self, recordings)", LEDGER),
    Method(
        Aggregate,
        "_create",
        "(event_class, *, id=None, **kwargs)",
        "Message.start (domain/message.py), which passes the event's fields and timestamp",
    ),
    Method(
        PostgresApplicationRecorder, "_insert_events", "(self, curs, stored_events, **_)", BATCH
    ),
    Method(
        PostgresProcessRecorder,
        "_insert_events",
        "(self, curs, stored_events, **kwargs)",
        f"{BATCH}, which leaves the tracking record to it",
    ),
    Method(PostgresApplicationRecorder, "_lock_table", "(self, curs)", BATCH),
    Method(PostgresApplicationRecorder, "_notify_channel", "(self, curs)", BATCH),
    Method(
        PostgresApplicationRecorder,
        "insert_events",
        "(self, stored_events, **kwargs)",
        f"{BATCH}, which replaces it",
    ),
    Method(
        PostgresApplicationRecorder,
        "select_notifications",
        "(self, start, limit, stop=None, topics=(), *, inclusive_of_start=True)",
        "BinaryNotifications.select_notifications (adapters/storage/postgres_batch.py)",
    ),
    Method(PostgresDatastore, "get_connection", "(self)", "adapters/storage/postgres_batch.py"),
    Method(PostgresDatastore, "transaction", "(self, *, commit=False)", PG_VIEW),
    Method(
        PostgresTrackingRecorder,
        "__init__",
        "(self, datastore, *, tracking_table_name='notification_tracking', **kwargs)",
        PG_VIEW,
    ),
    Method(PostgresTrackingRecorder, "_max_tracking_id", "(self, application_name, curs)", PG_VIEW),
    Method(PostgresTrackingRecorder, "_insert_tracking", "(self, curs, tracking)", PG_VIEW),
    Method(
        PostgresTrackingRecorder,
        "_create_table",
        "(self, curs)",
        f"{PG_VIEW}._create_table, which takes the view's lock first",
    ),
    Method(SQLiteDatastore, "transaction", "(self, *, commit)", f"{SQLITE_VIEW}, {SQLITE_BATCH}"),
    Method(SQLiteRecorder, "convert_originator_id", "(self, originator_id)", SQLITE_BATCH),
    Method(SQLiteTrackingRecorder, "__init__", "(self, datastore, **kwargs)", SQLITE_VIEW),
    Method(SQLiteTrackingRecorder, "_max_tracking_id", "(self, application_name, c)", SQLITE_VIEW),
    Method(SQLiteTrackingRecorder, "_insert_tracking", "(self, c, tracking)", SQLITE_VIEW),
    Method(
        SQLiteTrackingRecorder,
        "_create_table",
        "(self, c)",
        f"{SQLITE_CREATION}, which calls it under the write lock",
    ),
    Method(SQLiteRecorder, "_create_table", "(self, c)", SQLITE_CREATION),
    Method(
        SQLiteTransaction,
        "__init__",
        "(self, connection, *, commit=False)",
        f"{SQLITE_CREATION}: _WriteLockedTransaction begins IMMEDIATE",
    ),
    Method(SQLiteDatastore, "get_connection", "(self, *, commit)", SQLITE_CREATION),
    Method(
        JSONTranscoder,
        "decode",
        "(self, data)",
        "FastJSONTranscoder.decode (adapters/storage/transcoder.py), which replaces it",
    ),
]


class Attribute(NamedTuple):
    """An attribute eventsourcing sets that we read or replace."""

    owner: type[Any]
    name: str
    revisit: str


ATTRIBUTES = [
    Attribute(ProcessingEvent, "tracking", LEDGER),
    Attribute(ProcessingEvent, "events", f"{LEDGER}, which fills it without collect_events()"),
    Attribute(ProcessingEvent, "aggregates", f"{LEDGER}, which fills it without collect_events()"),
    Attribute(JSONTranscoder, "names", "FastJSONTranscoder._transcoded"),
    Attribute(PostgresDatastore, "schema", f"{PG_VIEW}, adapters/storage/postgres_batch.py"),
    Attribute(PostgresAggregateRecorder, "events_table_name", "adapters/storage/postgres_batch.py"),
    Attribute(PostgresRecorder, "sql_create_statements", f"{PG_VIEW}.create, which replaces it"),
    Attribute(PostgresTrackingRecorder, "tracking_table_name", f"{PG_VIEW}.reset"),
    Attribute(SQLiteAggregateRecorder, "events_table_name", "adapters/storage/sqlite_batch.py"),
    Attribute(SQLiteRecorder, "create_table_statements", f"{SQLITE_VIEW}, which replaces it"),
    Attribute(SQLiteTrackingRecorder, "insert_tracking_statement", SQLITE_VIEW),
    Attribute(SQLiteTrackingRecorder, "select_max_tracking_id_statement", SQLITE_VIEW),
    Attribute(SQLiteTrackingRecorder, "tracking_table_exists", SQLITE_CREATION),
    Attribute(SQLiteTrackingRecorder, "tracking_migration_previous", SQLITE_CREATION),
    Attribute(SQLiteTrackingRecorder, "tracking_migration_current", SQLITE_CREATION),
    Attribute(SQLiteTrackingRecorder, "table_migration_identifier", SQLITE_CREATION),
    Attribute(SQLiteDatastore, "pool", SQLITE_WAL),
    Attribute(SQLiteConnectionPool, "db_name", SQLITE_WAL),
    Attribute(SQLiteConnectionPool, "lock_timeout", SQLITE_WAL),
    Attribute(SQLiteConnectionPool, "is_sqlite_memory_mode", SQLITE_WAL),
    Attribute(PostgresFactory, "datastore", "ReadSide (adapters/storage/read_side.py)"),
    Attribute(SQLiteFactory, "datastore", "ReadSide (adapters/storage/read_side.py)"),
    Attribute(PostgresFactory, "process_recorder_class", "BatchPostgresFactory"),
    Attribute(PostgresFactory, "application_recorder_class", "BatchPostgresFactory"),
    Attribute(PostgresFactory, "aggregate_recorder_class", "BatchPostgresFactory"),
]


class Reads(NamedTuple):
    """A method of eventsourcing's that must go on reading names we set or replace."""

    function: Callable[..., Any]
    names: frozenset[str]
    revisit: str


READS = [
    Reads(
        PostgresRecorder._create_table,
        frozenset({"sql_create_statements"}),
        f"{PG_VIEW}.create, which replaces the statements create_table() runs",
    ),
    Reads(
        SQLiteRecorder._create_table,
        frozenset({"create_table_statements"}),
        f"{SQLITE_VIEW}.create, which replaces the statements create_table() runs",
    ),
    Reads(
        SQLiteTrackingRecorder._create_table,
        frozenset({"tracking_table_exists", "tracking_migration_previous"}),
        f"{SQLITE_CREATION}, which sets them before calling it",
    ),
    Reads(
        SQLiteConnectionPool._create_connection,
        frozenset({"is_journal_mode_wal"}),
        f"{SQLITE_WAL}: the library switches a file to WAL on its connections",
    ),
    Reads(
        PostgresFactory.process_recorder,
        frozenset({"process_recorder_class"}),
        "BatchPostgresFactory, whose recorder classes the factory must construct",
    ),
    Reads(
        PostgresFactory.aggregate_recorder,
        frozenset({"aggregate_recorder_class"}),
        "BatchPostgresFactory, whose recorder classes the factory must construct",
    ),
]

OWN_PUBLIC = {
    Ledger: ("cache",),
    PostgresView: ("name", "upstream", "postgres"),
    SQLiteView: ("name", "upstream", "postgres", "tracking_table_name"),
}
"""Public names our subclasses add, which eventsourcing must not come to use for itself."""


def parameters(function: Callable[..., Any]) -> str:
    """The signature's parameters and defaults, without the annotations."""
    signature = inspect.signature(function)
    bare = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=inspect.Signature.empty))


def assigned(cls: type[Any]) -> set[str]:
    """The attributes the class's own source sets on ``self``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    }


def library_bases(cls: type[Any]) -> list[type[Any]]:
    """The classes of eventsourcing's among the class's ancestors, the class itself included."""
    return [base for base in cls.__mro__ if base.__module__.split(".")[0] == "eventsourcing"]


def defines(library_class: type[Any], name: str) -> bool:
    """Whether the class has the name itself or sets it on its instances."""
    return name in vars(library_class) or name in assigned(library_class)


def our_subclasses() -> Iterator[type[Any]]:
    """Every class of ours that subclasses one of eventsourcing's."""
    for package_name in OURS:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package_name}.{info.name}")
            for cls in vars(module).values():
                if (
                    inspect.isclass(cls)
                    and cls.__module__ == module.__name__
                    and library_bases(cls)
                ):
                    yield cls


def own_private_names(cls: type[Any]) -> set[str]:
    """The private methods and attributes the class adds (not the dunders, not abc's)."""
    methods = {
        name
        for name, value in vars(cls).items()
        if inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod, property))
    }
    return {n for n in methods | assigned(cls) if n.startswith("_") and not n.startswith("__")}


def test_the_pin_is_the_minor_version_this_contract_was_checked_against() -> None:
    installed = ".".join(version("eventsourcing").split(".")[:2])
    assert installed == CHECKED_AGAINST, (
        f"eventsourcing {version('eventsourcing')} is installed, the contract was checked "
        f"against {CHECKED_AGAINST}: revisit every entry of this file, then move the pin"
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (requirement,) = [
        d for d in project["project"]["dependencies"] if d.startswith("eventsourcing")
    ]
    assert f"~={CHECKED_AGAINST}." in requirement, (
        f"pyproject.toml requires {requirement!r}: pin it to the {CHECKED_AGAINST} minor "
        f"(~={CHECKED_AGAINST}.N), the version this contract was checked against"
    )


@pytest.mark.parametrize("method", METHODS, ids=lambda m: f"{m.owner.__name__}.{m.name}")
def test_the_methods_we_call_or_override_keep_their_parameters(method: Method) -> None:
    function = getattr(method.owner, method.name, None)
    assert function is not None, (
        f"eventsourcing's {method.owner.__qualname__}.{method.name} is gone: "
        f"revisit {method.revisit}"
    )
    assert parameters(function) == method.parameters, (
        f"eventsourcing's {method.owner.__qualname__}.{method.name} now takes "
        f"{parameters(function)}, not {method.parameters}: revisit {method.revisit}"
    )


@pytest.mark.parametrize("attribute", ATTRIBUTES, ids=lambda a: f"{a.owner.__name__}.{a.name}")
def test_the_attributes_we_read_or_replace_are_still_set(attribute: Attribute) -> None:
    assert any(defines(base, attribute.name) for base in library_bases(attribute.owner)), (
        f"eventsourcing's {attribute.owner.__qualname__} no longer sets {attribute.name}: "
        f"revisit {attribute.revisit}"
    )


@pytest.mark.parametrize("reads", READS, ids=lambda r: r.function.__qualname__)
def test_the_library_still_reads_what_we_replace(reads: Reads) -> None:
    missing = reads.names - set(reads.function.__code__.co_names)
    assert not missing, (
        f"eventsourcing's {reads.function.__qualname__} no longer reads {sorted(missing)}: "
        f"revisit {reads.revisit}"
    )


def test_the_insert_steps_copy_inserts_takes_itself_are_still_the_library_s() -> None:
    # CopyInserts locks the table and notifies the channel, then COPYs instead of calling
    # _insert_stored_events: a step the library adds there would be skipped.
    steps = set(PostgresApplicationRecorder._insert_stored_events.__code__.co_names)
    expected = {"_lock_table", "_notify_channel", "super", "_insert_stored_events"}
    assert steps == expected, (
        "eventsourcing's PostgresApplicationRecorder._insert_stored_events now uses "
        f"{sorted(steps)}, not {sorted(expected)}: revisit {BATCH}"
    )


def test_the_steps_of_sqlite_table_creation_are_still_those_we_reproduce() -> None:
    # TrackingCreatedUnderWriteLock.create_table reads the migration state and creates the
    # tables as the library's does, in one transaction instead of two: a step the library adds
    # there would be skipped.
    steps = set(SQLiteTrackingRecorder.create_table.__code__.co_names)
    expected = {
        "OperationalError",
        "create_table",
        "datastore",
        "max_tracking_id",
        "single_row_tracking",
        "super",
        "table_migration_identifier",
        "tracking_migration_current",
        "tracking_migration_previous",
        "tracking_table_exists",
    }
    assert steps == expected, (
        "eventsourcing's SQLiteTrackingRecorder.create_table now uses "
        f"{sorted(steps)}, not {sorted(expected)}: revisit {SQLITE_CREATION}"
    )
    assert set(SQLiteRecorder.create_table.__code__.co_names) == {
        "_create_table",
        "datastore",
        "transaction",
    }, f"eventsourcing's SQLiteRecorder.create_table changed: revisit {SQLITE_CREATION}"


def test_sqlite_tracking_statements_name_the_table_the_view_renames() -> None:
    recorder = SQLiteTrackingRecorder(SQLiteDatastore(":memory:"))
    statements = [
        recorder.insert_tracking_statement,
        recorder.select_max_tracking_id_statement,
        *recorder.create_table_statements,
    ]
    assert all(isinstance(s, str) and "tracking" in s for s in statements), (
        f"eventsourcing's SQLite tracking statements changed ({statements}): revisit "
        f"{SQLITE_VIEW}._own, which gives each view a tracking table of its own"
    )


def test_the_sqlite_factory_constructs_the_batch_recorders() -> None:
    batch = BatchSQLiteFactory({"SQLITE_DBNAME": ":memory:"})
    try:
        assert isinstance(batch.datastore, SQLiteDatastore)
        assert isinstance(batch.process_recorder(), BatchSQLiteProcessRecorder), (
            "eventsourcing's SQLiteFactory no longer constructs its process_recorder_class: "
            "revisit BatchSQLiteFactory (adapters/storage/sqlite_batch.py)"
        )
    finally:
        batch.close()


@pytest.mark.parametrize(
    "cls", list(our_subclasses()), ids=lambda c: f"{c.__module__}.{c.__name__}"
)
def test_eventsourcing_has_not_taken_a_name_of_ours(cls: type[Any]) -> None:
    bases = library_bases(cls)
    relied_on = {m.name for m in METHODS if m.owner in bases} | {
        a.name for a in ATTRIBUTES if a.owner in bases
    }
    own = (own_private_names(cls) | set(OWN_PUBLIC.get(cls, ()))) - relied_on
    taken = {f"{base.__qualname__}.{name}" for name in own for base in bases if defines(base, name)}
    assert not taken, (
        f"{cls.__qualname__} defines names eventsourcing now has too, {sorted(taken)}: rename "
        "ours, or, when ours is meant to override the library's, add it to METHODS or ATTRIBUTES"
    )
