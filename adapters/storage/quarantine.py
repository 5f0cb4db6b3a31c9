"""Provider events that could not be read, kept with their bytes until an operator replays
them.

A body's readable events are recorded and the provider gets its 2xx; an event of it that
cannot be read (``Parsed.rejected``) is kept here with the event alone as a body of its
provider's format, the tenant that received it, the reason, and where it came from. An
entry's id is derived from the tenant, the provider and the bytes, so the same event set
aside twice (a provider's retry, a consumer that restarts before saving its position) is
one entry.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.storage.database import Database
from adapters.storage.micros import micros as _micros
from adapters.storage.micros import moment as _moment
from adapters.storage.plain_connection import PlainConnection

TABLE = "quarantine"
_COLUMNS = (
    "entry_id, tenant, provider, source, event_index, raw_type, reason, data_base64, "
    "received_us, quarantined_us, replayed_us"
)
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (entry_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, "
    "provider TEXT NOT NULL, source TEXT NOT NULL, event_index INTEGER NOT NULL, "
    "raw_type TEXT, reason TEXT NOT NULL, data_base64 TEXT NOT NULL, "
    "received_us BIGINT NOT NULL, quarantined_us BIGINT NOT NULL, replayed_us BIGINT)"
)
_INDEX = f"CREATE INDEX IF NOT EXISTS quarantine_tenant ON {TABLE} (tenant, quarantined_us)"
_ADD = (
    f"INSERT INTO {TABLE} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL) "
    "ON CONFLICT (entry_id) DO NOTHING"
)
MAX_LISTED = 1000
"""The most entries one listing returns."""


@dataclass(frozen=True)
class SetAside:
    """An event to quarantine: what intake knows of it."""

    tenant: str
    provider: str
    source: str
    index: int
    reason: str
    data: bytes
    received_at: datetime
    raw_type: str | None = None

    @property
    def entry_id(self) -> str:
        """The same tenant, provider and bytes: the same entry."""
        digest = hashlib.sha256(b"\0".join([self.tenant.encode(), self.provider.encode()]))
        digest.update(b"\0" + self.data)
        return "q_" + digest.hexdigest()[:24]


@dataclass(frozen=True)
class Entry:
    """A quarantined event as stored."""

    entry_id: str
    tenant: str
    provider: str
    source: str
    index: int
    raw_type: str | None
    reason: str
    data: bytes
    received_at: datetime
    quarantined_at: datetime
    replayed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The entry as the CLI and the API show it; the event as text when it is UTF-8."""
        try:
            body: dict[str, str] = {"body": self.data.decode("utf-8")}
        except UnicodeDecodeError:
            body = {"body_base64": base64.b64encode(self.data).decode("ascii")}
        return {
            "id": self.entry_id,
            "tenant": self.tenant,
            "provider": self.provider,
            "source": self.source,
            "index": self.index,
            "raw_type": self.raw_type,
            "reason": self.reason,
            "received_at": self.received_at.isoformat(),
            "quarantined_at": self.quarantined_at.isoformat(),
            "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
            **body,
        }


class Quarantine:
    """The quarantine of one database; safe to share between threads."""

    def __init__(self, database: Database) -> None:
        self._connection = PlainConnection(database)
        self._connection.create(_CREATE, _INDEX)

    def add(self, events: Sequence[SetAside], at: datetime) -> list[str]:
        """Keep these events (an event already kept stays as it was); their entry ids."""
        with self._connection.lock:
            for event in events:
                self._connection.execute(
                    _ADD,
                    [
                        event.entry_id,
                        event.tenant,
                        event.provider,
                        event.source,
                        event.index,
                        event.raw_type,
                        event.reason,
                        base64.b64encode(event.data).decode("ascii"),
                        _micros(event.received_at),
                        _micros(at),
                    ],
                )
        return [event.entry_id for event in events]

    def entries(
        self, tenant: str | None, *, replayed: bool = False, limit: int = MAX_LISTED
    ) -> list[Entry]:
        """Newest first: the tenant's (every tenant's when None), waiting ones only unless
        ``replayed``."""
        where, params = [], []
        if tenant is not None:
            where.append("tenant = %s")
            params.append(tenant)
        if not replayed:
            where.append("replayed_us IS NULL")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM {TABLE}{clause} "
                "ORDER BY quarantined_us DESC, entry_id LIMIT %s",
                [*params, min(limit, MAX_LISTED)],
            )
        return [_entry(row) for row in rows]

    def entry(self, entry_id: str, tenant: str | None) -> Entry | None:
        """One entry; None when there is none of that id, or it is another tenant's."""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE entry_id = %s", [entry_id]
            )
        if not rows:
            return None
        found = _entry(rows[0])
        return found if tenant is None or found.tenant == tenant else None

    def mark_replayed(self, entry_id: str, at: datetime) -> None:
        """The entry's event was read and recorded; it stays, for the record, as replayed."""
        with self._connection.lock:
            self._connection.execute(
                f"UPDATE {TABLE} SET replayed_us = %s WHERE entry_id = %s",
                [_micros(at), entry_id],
            )

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def __enter__(self) -> Quarantine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _entry(row: Sequence[Any]) -> Entry:
    entry_id, tenant, provider, source, index, raw_type, reason, data, received, at, replayed = row
    return Entry(
        entry_id=entry_id,
        tenant=tenant,
        provider=provider,
        source=source,
        index=int(index),
        raw_type=raw_type,
        reason=reason,
        data=base64.b64decode(data),
        received_at=_moment(received),
        quarantined_at=_moment(at),
        replayed_at=_moment(replayed) if replayed is not None else None,
    )
