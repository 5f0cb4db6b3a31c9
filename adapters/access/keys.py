"""API keys: one tenant and one role each, handed out once, stored only as a hash.

A token reads ``mlk_<key id>_<secret>``. The key id is public (lists and logs show it) and
finds the stored row; the secret is 256 random bits that only the holder knows. The store
keeps the SHA-256 of the whole token, so a copy of the table lets no one call the API.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from adapters.access.roles import Role
from adapters.access.tables import Layout, TableStore, moment, open_tables
from adapters.storage.database import Database
from domain.errors import InvalidObservationError
from domain.identity import check_tenant as check_tenant_name
from domain.values import utc_now

log = structlog.get_logger()

TOKEN_PREFIX = "mlk_"
"""How every token starts, so scanners of leaked secrets and people can tell one apart."""

_TOKEN = re.compile(r"mlk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
"""A token as create() makes it: 6 random bytes in hex, then token_urlsafe(32)."""


MAX_LABEL = 200
"""The longest label, in characters."""

TABLE = "api_keys"
_INDEX = "api_keys_tenant_idx"
_COLUMNS = "key_id, tenant, role, label, created_at, revoked_at"
_CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS {table} ("
    " key_id TEXT PRIMARY KEY,"
    " tenant TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " label TEXT NOT NULL DEFAULT '',"
    " token_sha256 TEXT NOT NULL,"
    " created_at {time} NOT NULL,"
    " revoked_at {time})"
)
_CREATE_INDEX = "CREATE INDEX IF NOT EXISTS {index} ON {table} (tenant)"
_LAYOUT = Layout(
    name="api_keys",
    tables={"table": TABLE},
    indexes={"index": _INDEX},
    create=(_CREATE_TABLE, _CREATE_INDEX),
)
# ON CONFLICT makes a retried insert (after a lost connection) harmless; create() then checks
# that the stored row is its own.
_INSERT = (
    "INSERT INTO {table} (key_id, tenant, role, label, token_sha256, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key_id) DO NOTHING"
)
_SELECT = f"SELECT {_COLUMNS} FROM {{table}}"
_ORDER = " ORDER BY created_at, key_id"
# COALESCE: a second revocation, here or in another process, keeps the first time.
_REVOKE = "UPDATE {table} SET revoked_at = COALESCE(revoked_at, %s) WHERE key_id = %s"


class KeyInputError(ValueError):
    """A tenant, role or label that a key cannot have."""


class KeyNotFoundError(LookupError):
    """No such key (or none the asking tenant may see)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"no API key {key_id!r}; 'mailledger keys list' shows the keys")
        self.key_id = key_id


@dataclass(frozen=True)
class ApiKey:
    """A key as stored, without its secret."""

    key_id: str
    tenant: str
    role: Role
    label: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """True until the key is revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedKey:
    """A key just created, with the bearer token that is shown this once and never again."""

    key: ApiKey
    secret: str
    """The whole token, ``mlk_<key id>_<secret>``, as the client sends it."""


def check_tenant(tenant: str) -> str:
    """The tenant name when it follows the domain's tenant rule; KeyInputError otherwise."""
    try:
        return check_tenant_name(tenant)
    except InvalidObservationError as error:
        raise KeyInputError(f"tenant {error.problem}") from None


def _check_label(label: str) -> str:
    if len(label) > MAX_LABEL:
        raise KeyInputError(
            f"label {label[:20]!r}… is {len(label)} characters long; the most is {MAX_LABEL}"
        )
    # A line break or a tab would break the key's row in the 'keys list' table.
    if any(not character.isprintable() for character in label):
        raise KeyInputError(f"label {label!r} has a line break or control character")
    return label


def _check_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise KeyInputError(f"role {role!r} is not one of {names}") from None


def _digest(token: str) -> str:
    # A plain, fast hash is right here: slow password hashes exist to make guessing
    # low-entropy passwords expensive, and guessing 256 random bits is out of reach anyway.
    # It also keeps authenticate() cheap on every request.
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _api_key(row: Sequence[Any]) -> ApiKey:
    key_id, tenant, role, label, created_at, revoked_at = row
    created = moment(created_at)
    assert created is not None  # the column is NOT NULL
    return ApiKey(key_id, tenant, Role(role), label, created, moment(revoked_at))


class KeyStore(TableStore):
    """The API keys of one database, in a table ``api_keys`` created when missing.

    Safe to share between threads: one connection, used by one call at a time. Several
    processes may use the same database at once.
    """

    def __init__(self, database: Database) -> None:
        super().__init__(open_tables(database, _LAYOUT))

    def create(self, tenant: str, role: Role, label: str = "") -> IssuedKey:
        """Issue a new key; its token is in the result and nowhere else."""
        tenant = check_tenant(tenant)
        role = _check_role(role)
        label = _check_label(label)
        created_at = utc_now()
        with self._lock:
            while True:
                key_id = secrets.token_hex(6)
                token = f"{TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
                digest = _digest(token)
                self._tables.execute(
                    _INSERT, (key_id, tenant, role.value, label, digest, created_at)
                )
                stored = self._tables.execute(
                    "SELECT token_sha256 FROM {table} WHERE key_id = %s", (key_id,)
                ).rows
                # 48 bits of key id rarely clash, but ON CONFLICT would hide a clash: draw again.
                if stored and stored[0][0] == digest:
                    break
        key = ApiKey(key_id, tenant, role, label, created_at, None)
        log.info("api_key.created", key_id=key_id, tenant=tenant, role=role.value)
        return IssuedKey(key, token)

    def list(self, tenant: str | None = None) -> builtins.list[ApiKey]:
        """The keys of ``tenant`` (of every tenant when None), oldest first, revoked ones too."""
        with self._lock:
            if tenant is None:
                rows = self._tables.execute(_SELECT + _ORDER).rows
            else:
                rows = self._tables.execute(
                    _SELECT + " WHERE tenant = %s" + _ORDER, (check_tenant(tenant),)
                ).rows
        return [_api_key(row) for row in rows]

    def get(self, key_id: str) -> ApiKey:
        """The key with that id; KeyNotFoundError when there is none."""
        with self._lock:
            return self._get(key_id)

    def _get(self, key_id: str) -> ApiKey:
        rows = self._tables.execute(_SELECT + " WHERE key_id = %s", (key_id,)).rows
        if not rows:
            raise KeyNotFoundError(key_id)
        return _api_key(rows[0])

    def revoke(self, key_id: str, *, tenant: str | None = None) -> ApiKey:
        """Revoke the key for good; revoking it again keeps the first time.

        With ``tenant``, only that tenant's keys can be revoked: another tenant's key is
        KeyNotFoundError like a key that does not exist, so a tenant's admin learns nothing
        of other tenants' keys.
        """
        with self._lock:
            if tenant is None:
                result = self._tables.execute(_REVOKE, (utc_now(), key_id))
            else:
                result = self._tables.execute(
                    _REVOKE + " AND tenant = %s", (utc_now(), key_id, check_tenant(tenant))
                )
            if result.rowcount == 0:
                raise KeyNotFoundError(key_id)
            key = self._get(key_id)
        log.info("api_key.revoked", key_id=key_id, tenant=key.tenant, revoked_at=key.revoked_at)
        return key

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key this bearer token belongs to, or None; never raises for bad tokens.

        Malformed, unknown, wrong and revoked tokens all give None, so a caller cannot tell
        them apart; the reason is logged at debug level, without the secret.
        """
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            log.debug("api_key.refused", reason="malformed")
            return None
        key_id = match.group(1)
        with self._lock:
            rows = self._tables.execute(
                f"SELECT {_COLUMNS}, token_sha256 FROM {{table}} WHERE key_id = %s", (key_id,)
            ).rows
        # The key id is public, so how long an unknown id takes to refuse gives nothing away;
        # the secret is compared in constant time.
        if not rows or not hmac.compare_digest(_digest(token), str(rows[0][-1])):
            log.debug("api_key.refused", reason="unknown key or wrong secret", key_id=key_id)
            return None
        key = _api_key(rows[0][:-1])
        if not key.active:
            log.debug("api_key.refused", reason="revoked", key_id=key_id)
            return None
        return key

    def close(self) -> None:
        """Close the connection."""
        self.shutdown()
