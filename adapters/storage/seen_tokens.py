"""Signature tokens seen within their replay window, kept in the database for every process.

Mailgun's signature covers its timestamp and token but not ``event-data``: a captured
signature block could be posted again, inside the window, around other event data. Each
token is kept with the SHA-256 of the body it came with, for the window, so that the same
token with another body is refused in any process, across restarts, while the same body
again (a provider's retry) passes and is absorbed as a duplicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from adapters.storage.database import Database
from adapters.storage.plain_connection import PlainConnection

TABLE = "seen_signature_tokens"
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (provider TEXT NOT NULL, token TEXT NOT NULL,"
    " body_sha256 TEXT NOT NULL, seen_us BIGINT NOT NULL, PRIMARY KEY (provider, token))"
)
_PRUNE = f"DELETE FROM {TABLE} WHERE seen_us < %s"
_CLAIM = (
    f"INSERT INTO {TABLE} (provider, token, body_sha256, seen_us) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (provider, token) DO NOTHING"
)
_OWNER = f"SELECT body_sha256 FROM {TABLE} WHERE provider = %s AND token = %s"


class SeenTokens:
    """The tokens of one database; ``claim`` is safe from many threads and processes."""

    def __init__(self, database: Database) -> None:
        self._connection = PlainConnection(database)
        self._connection.create(_CREATE)

    def claim(
        self, provider: str, token: str, body_sha256: str, seen_at: datetime, keep_for: int
    ) -> bool:
        """True when ``token`` is new, or was seen with this same body; False for a replay.

        Tokens older than ``keep_for`` seconds are pruned first: outside the window the
        timestamp check refuses them anyway.
        """
        now_us = _micros(seen_at)
        with self._connection.lock:
            self._execute(_PRUNE, [now_us - _micros_of(timedelta(seconds=keep_for))])
            self._execute(_CLAIM, [provider, token, body_sha256, now_us])
            rows = self._execute(_OWNER, [provider, token])
        return bool(rows) and rows[0][0] == body_sha256

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def _execute(self, statement: str, params: list[Any] | None = None) -> list[Any]:
        return self._connection.execute(statement, params)


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _micros_of(span: timedelta) -> int:
    return int(span.total_seconds() * 1_000_000)
