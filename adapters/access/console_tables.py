"""The tables of the console's people and sessions, on PostgreSQL or SQLite.

Users and sessions are two stores, but a password change or a disabled account must end the
account's sessions, and a session is only as good as its account: both stores open the same
tables (created when missing) and run their statements through one connection of this kind.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import LiteralString

from adapters.access.tables import Layout, Tables, open_tables
from adapters.storage.database import Database

USERS = "console_users"
SESSIONS = "console_sessions"
UNKNOWN_SIGN_INS = "console_unknown_sign_ins"
"""Failed sign-ins for e-mails that have no account, counted like an account's (see users.py)."""

_CREATE: tuple[LiteralString, ...] = (
    "CREATE TABLE IF NOT EXISTS {users} ("
    " user_id TEXT PRIMARY KEY,"
    " tenant TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " name TEXT,"
    " password_hash TEXT NOT NULL,"
    " created_at {time} NOT NULL,"
    " disabled_at {time},"
    " failed_sign_ins INTEGER NOT NULL DEFAULT 0,"
    " last_failed_at {time},"
    " locked_until {time},"
    " last_sign_in_at {time},"
    " language TEXT,"
    " UNIQUE (tenant, email))",
    # The token itself is never stored: a copy of the table opens no session.
    "CREATE TABLE IF NOT EXISTS {sessions} ("
    " token_sha256 TEXT PRIMARY KEY,"
    " tenant TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " csrf_token TEXT NOT NULL,"
    " created_at {time} NOT NULL,"
    " last_seen_at {time} NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {sessions_user_idx} ON {sessions} (tenant, user_id)",
    "CREATE TABLE IF NOT EXISTS {unknown} ("
    " tenant TEXT NOT NULL,"
    " email_sha256 TEXT NOT NULL,"
    " failed_sign_ins INTEGER NOT NULL DEFAULT 0,"
    " last_failed_at {time},"
    " locked_until {time},"
    " PRIMARY KEY (tenant, email_sha256))",
    "CREATE INDEX IF NOT EXISTS {unknown_age_idx} ON {unknown} (last_failed_at)",
)

_LAYOUT = Layout(
    name="console_tables",
    tables={"users": USERS, "sessions": SESSIONS, "unknown": UNKNOWN_SIGN_INS},
    indexes={
        "sessions_user_idx": "console_sessions_user_idx",
        "unknown_age_idx": "console_unknown_sign_ins_age_idx",
    },
    create=_CREATE,
)

CLOSE_SESSIONS_OF_USER: LiteralString = "DELETE FROM {sessions} WHERE tenant = %s AND user_id = %s"
"""Ends every session of one account: run on a disable, a password change, a new role."""


def utc(now: datetime) -> datetime:
    """``now`` in UTC; a naive time is refused, since it could be any zone's."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"time {now.isoformat()} has no time zone")
    return now.astimezone(UTC)


def open_console_tables(database: Database) -> Tables:
    """A connection to the console's tables in that database, created when missing."""
    return open_tables(database, _LAYOUT)
