"""The installation's address key: the secret every Address id is a keyed hash under.

It is made once, on first use, and kept in the database beside the log it keys, so every
process of the installation derives the same ids without being configured. An operator may
supply it instead (``MAILLEDGER_ADDRESS_KEY``, to keep it out of database backups); once
addresses exist under one key, another one would find none of them, so a key that differs
from the stored one stops the process.
"""

from __future__ import annotations

import secrets

from adapters.errors import SettingError
from adapters.storage.database import Database
from adapters.storage.plain_connection import PlainConnection
from domain.address import MIN_KEY_BYTES

TABLE = "installation_secrets"
NAME = "address_key"
VARIABLE = "MAILLEDGER_ADDRESS_KEY"
_CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)"


def address_key(database: Database, configured: bytes | None = None) -> bytes:
    """The installation's key, stored on first use (``configured``, or a new random one)."""
    if configured is not None and len(configured) < MIN_KEY_BYTES:
        raise SettingError(
            VARIABLE,
            f"must be at least {MIN_KEY_BYTES} bytes ({2 * MIN_KEY_BYTES} hexadecimal digits)",
        )
    connection = PlainConnection(database)
    try:
        connection.create(_CREATE)
        candidate = configured if configured is not None else secrets.token_bytes(MIN_KEY_BYTES)
        connection.execute(
            f"INSERT INTO {TABLE} (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
            [NAME, candidate.hex()],
        )
        rows = connection.execute(f"SELECT value FROM {TABLE} WHERE name = %s", [NAME])
    finally:
        connection.close()
    stored = bytes.fromhex(rows[0][0])
    if configured is not None and stored != configured:
        raise SettingError(
            VARIABLE,
            "differs from the key this database's addresses were recorded under; "
            "unset it, or set it to the stored key",
        )
    return stored
