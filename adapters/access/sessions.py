"""Console sessions: a random token in the browser, only its SHA-256 in the database.

A session lasts while it is used, up to ``IDLE_TIMEOUT`` between two requests and
``ABSOLUTE_LIFETIME`` in all, and ends at once when its account is disabled, given another
role, or given another password. Each carries a CSRF token of its own for the console's forms.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import structlog

from adapters.access.console_tables import CLOSE_SESSIONS_OF_USER, open_console_tables, utc
from adapters.access.roles import Role
from adapters.access.tables import TableStore, moment
from adapters.access.users import User
from adapters.storage.database import Database

log = structlog.get_logger()

IDLE_TIMEOUT: Final = timedelta(hours=2)
"""A session unused this long is over."""
ABSOLUTE_LIFETIME: Final = timedelta(hours=12)
"""A session this old is over however much it is used: a working day, then sign in again."""

SEEN_PRECISION: Final = timedelta(minutes=1)
"""How stale the noted last use may be: a page view writes at most once a minute, and the
idle timeout is hours."""

_TOKEN_BYTES = 32
"""256 random bits: the token is a bearer secret, so it must be out of reach of guessing."""
_MAX_TOKEN = 100
"""Longer than any token open() makes; longer input is refused before it is hashed."""

_RESOLVE = (
    "SELECT s.created_at, s.last_seen_at, s.role, s.csrf_token, u.user_id, u.tenant, u.email,"
    " u.role, u.name, u.language, u.disabled_at"
    " FROM {sessions} s JOIN {users} u ON u.user_id = s.user_id AND u.tenant = s.tenant"
    " WHERE s.token_sha256 = %s"
)


@dataclass(frozen=True)
class Session:
    """Who a session's requests are made by, as their account is now."""

    user_id: str
    tenant: str
    email: str
    role: Role
    name: str | None
    language: str | None
    csrf_token: str
    """A random value for the console's forms to send back; compare it in constant time."""
    expires_at: datetime
    """When the session ends if it is not used before (it may then last until its limit)."""


def _digest(token: str) -> str:
    # A fast hash suffices: the token is 256 random bits, not something a person chose.
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _expiry(created_at: datetime, last_seen_at: datetime) -> datetime:
    return min(last_seen_at + IDLE_TIMEOUT, created_at + ABSOLUTE_LIFETIME)


class SessionStore(TableStore):
    """The console's sessions in one database, in a table ``console_sessions``.

    Opens the accounts' table beside it (``console_users``), which every session is checked
    against. Safe to share between threads. ``close`` signs a session out; ``shutdown``
    closes the store's connection.
    """

    def __init__(self, database: Database) -> None:
        super().__init__(open_console_tables(database))

    def open(self, user: User, now: datetime) -> tuple[str, Session]:
        """A new session for a signed-in user: the token for the cookie, and the session."""
        now = utc(now)
        if not user.active:
            raise ValueError(f"account {user.user_id!r} is disabled and cannot open a session")
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        csrf_token = secrets.token_urlsafe(_TOKEN_BYTES)
        with self._lock:
            # The account's sessions that are over go first, so the table keeps only live ones.
            self._tables.execute(
                "DELETE FROM {sessions} WHERE tenant = %s AND user_id = %s"
                " AND (created_at <= %s OR last_seen_at <= %s)",
                (user.tenant, user.user_id, now - ABSOLUTE_LIFETIME, now - IDLE_TIMEOUT),
            )
            self._tables.execute(
                "INSERT INTO {sessions}"
                " (token_sha256, tenant, user_id, role, csrf_token, created_at, last_seen_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (_digest(token), user.tenant, user.user_id, user.role.value, csrf_token, now, now),
            )
        log.info("console_session.opened", user_id=user.user_id, tenant=user.tenant)
        session = Session(
            user.user_id,
            user.tenant,
            user.email,
            user.role,
            user.name,
            user.language,
            csrf_token,
            _expiry(now, now),
        )
        return token, session

    def resolve(self, token: str, now: datetime) -> Session | None:
        """The live session of this token, its use noted; None for any token that is not one.

        Unknown, expired and closed tokens, and those of a disabled account or of one whose
        role changed since the session opened, all give None.
        """
        now = utc(now)
        if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN:
            return None
        digest = _digest(token)
        with self._lock:
            rows = self._tables.execute(_RESOLVE, (digest,)).rows
            if not rows:
                return None
            created, seen, session_role, csrf, user_id, tenant, email, role, name, language, off = (
                rows[0]
            )
            created_at, last_seen_at = moment(created), moment(seen)
            assert created_at is not None and last_seen_at is not None  # NOT NULL columns
            if now >= _expiry(created_at, last_seen_at) or off is not None or session_role != role:
                self._tables.execute("DELETE FROM {sessions} WHERE token_sha256 = %s", (digest,))
                log.debug("console_session.ended", user_id=user_id, tenant=tenant)
                return None
            if now - last_seen_at >= SEEN_PRECISION:
                self._tables.execute(
                    "UPDATE {sessions} SET last_seen_at = %s WHERE token_sha256 = %s"
                    " AND last_seen_at < %s",
                    (now, digest, now),
                )
        return Session(
            user_id, tenant, email, Role(role), name, language, csrf, _expiry(created_at, now)
        )

    def close(self, token: str) -> None:
        """Sign out: the token opens nothing any more. An unknown token is no error."""
        if isinstance(token, str) and token and len(token) <= _MAX_TOKEN:
            with self._lock:
                self._tables.execute(
                    "DELETE FROM {sessions} WHERE token_sha256 = %s", (_digest(token),)
                )

    def close_all(self, tenant: str, user_id: str) -> int:
        """End every session of one account; how many there were."""
        with self._lock:
            ended = self._tables.execute(CLOSE_SESSIONS_OF_USER, (tenant, user_id)).rowcount
        log.info("console_session.closed_all", user_id=user_id, tenant=tenant, sessions=ended)
        return ended
