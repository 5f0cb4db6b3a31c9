"""The copies of sent e-mails, beside the log: compressed, one row per tenant and copy.

A Registered event keeps only the copy's reference (its SHA-256 and a summary,
domain/content.py); the copy itself is here, keyed by (tenant, sha256). Two messages of a
tenant with the same copy share one row; two tenants with the same copy have a row each, so
one tenant's copies are erased without touching another's, and whether a copy exists says
nothing about any other tenant.

Intake writes the copies of a batch before the events that reference them (see
adapters/intake/recording.py), each write idempotent, so an event never points at a missing
copy; a batch that fails after that leaves a copy no event references, which is harmless.
Copies are personal data: nothing of them is ever logged.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable

import orjson

from adapters.storage.database import Database
from adapters.storage.plain_connection import PlainConnection
from domain.content import ContentRef, MessageContent

TABLE = "message_contents"
_CREATE_POSTGRES = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (tenant TEXT NOT NULL, sha256 TEXT NOT NULL, "
    "data BYTEA NOT NULL, size BIGINT NOT NULL, stored_us BIGINT NOT NULL, "
    "PRIMARY KEY (tenant, sha256))"
)
_CREATE_SQLITE = _CREATE_POSTGRES.replace("BYTEA", "BLOB")
_ADD = (
    f"INSERT INTO {TABLE} (tenant, sha256, data, size, stored_us) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (tenant, sha256) DO NOTHING"
)


class ContentStore:
    """The copies of one database; safe to share between threads."""

    def __init__(self, database: Database) -> None:
        self._connection = PlainConnection(database)
        self._connection.create(_CREATE_POSTGRES if database.is_postgres else _CREATE_SQLITE)

    def put(self, tenant: str, content: MessageContent) -> ContentRef:
        """Keep ``tenant``'s copy (a copy already kept stays as it is); its reference."""
        return self.put_many([(tenant, content)])[0]

    def put_many(self, items: Iterable[tuple[str, MessageContent]]) -> list[ContentRef]:
        """Keep each tenant's copy, the same copy of a tenant once; their references."""
        refs: list[ContentRef] = []
        rows: dict[tuple[str, str], list[object]] = {}
        stored_us = time.time_ns() // 1000
        for tenant, content in items:
            ref = content.ref
            refs.append(ref)
            if (tenant, ref.sha256) not in rows:
                data = zlib.compress(orjson.dumps(content.to_json()))
                rows[(tenant, ref.sha256)] = [tenant, ref.sha256, data, ref.size, stored_us]
        with self._connection.lock:
            for row in rows.values():
                self._connection.execute(_ADD, row)
        return refs

    def get(self, tenant: str, sha256: str) -> MessageContent | None:
        """``tenant``'s copy of that hash; None when the tenant has none (whoever else does)."""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT data FROM {TABLE} WHERE tenant = %s AND sha256 = %s", [tenant, sha256]
            )
        if not rows:
            return None
        return MessageContent.from_json(orjson.loads(zlib.decompress(bytes(rows[0][0]))))

    def count(self, tenant: str) -> int:
        """How many copies ``tenant`` has kept."""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT COUNT(*) FROM {TABLE} WHERE tenant = %s", [tenant]
            )
        return int(rows[0][0])

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def __enter__(self) -> ContentStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
