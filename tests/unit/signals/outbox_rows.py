"""Signals written into the outbox as the projection writes them: rows with increasing seq,
a body of ``encode_body``. The tests write them directly, over a connection of their own."""

from __future__ import annotations

import uuid
from uuid import UUID

from adapters.storage.database import Database
from adapters.storage.plain_connection import PlainConnection
from projections.signal_outbox import (
    OUTBOX_TABLE,
    SIGNAL_FORMAT,
    SignalKind,
    encode_body,
    outbox_schema,
    signal_id,
)


class OutboxWriter:
    """Appends signals to the outbox of ``database``."""

    def __init__(self, database: Database) -> None:
        self._connection = PlainConnection(database)
        for statement in outbox_schema(OUTBOX_TABLE):
            self._connection.execute(statement)
        rows = self._connection.execute(f"SELECT MAX(seq) FROM {OUTBOX_TABLE}")
        self.seq = int(rows[0][0] or 0)

    def add(
        self,
        kind: SignalKind = SignalKind.MESSAGE_ERROR,
        tenant: str = "acme",
        *,
        message_id: UUID | None = None,
        category: str | None = None,
        template: str | None = None,
    ) -> str:
        """A new signal; its id."""
        self.seq += 1
        identity = signal_id(f"test:{self.seq}:{uuid.uuid4()}")
        about_a_message = kind.startswith(("message.", "recipient."))
        message = message_id or (uuid.uuid4() if about_a_message else None)
        document: dict[str, object] = {
            "format": SIGNAL_FORMAT,
            "id": str(identity),
            "kind": kind.value,
            "tenant": tenant,
            "occurred_at": "2026-12-01T09:00:00+00:00",
        }
        if message is not None:
            document["message"] = {
                "id": str(message),
                "category": category,
                "template": template,
            }
        self._connection.execute(
            f"INSERT INTO {OUTBOX_TABLE} (seq, signal_id, tenant, kind, message_id, category, "
            "template, body) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                self.seq,
                str(identity),
                tenant,
                kind.value,
                str(message) if message else None,
                category,
                template,
                encode_body(document),
            ],
        )
        return str(identity)

    def close(self) -> None:
        self._connection.close()
