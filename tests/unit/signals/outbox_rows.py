"""Signals written into the outbox as the projection writes them, through ``add_signal`` of
the outbox's contract, over a connection of the test's own."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from adapters.storage.database import Database
from adapters.storage.plain_connection import PlainConnection
from projections.signal_outbox import OUTBOX_TABLE, SignalKind, add_signal, outbox_schema


class OutboxWriter:
    """Appends signals to the outbox of ``database``."""

    def __init__(self, database: Database) -> None:
        self._connection = PlainConnection(database)
        self._connection.create(*outbox_schema(OUTBOX_TABLE, postgres=database.is_postgres))

    def add(
        self,
        kind: SignalKind = SignalKind.MESSAGE_ERROR,
        tenant: str = "acme",
        *,
        message_id: UUID | None = None,
        category: str | None = None,
        template: str | None = None,
    ) -> str:
        """A new signal, with a body shaped like the projection's; its id."""
        cause = f"test:{uuid.uuid4()}:{kind.value}"
        about_a_message = kind.startswith(("message.", "recipient."))
        message = message_id or (uuid.uuid4() if about_a_message else None)
        document: dict[str, Any] = {"decided_at": "2026-12-01T09:00:00+00:00"}
        if message is not None:
            document["message"] = {"id": str(message), "category": category, "template": template}
        else:
            document["address"] = {"address": "ana@example.com", "reason": "hard_bounce"}
        add_signal(
            self._connection.statements(),
            OUTBOX_TABLE,
            cause=cause,
            tenant=tenant,
            kind=kind,
            message_id=message,
            category=category,
            template=template,
            document=document,
        )
        rows = self._connection.execute(
            f"SELECT signal_id FROM {OUTBOX_TABLE} ORDER BY seq DESC LIMIT 1"
        )
        return str(rows[0][0])

    def close(self) -> None:
        self._connection.close()
