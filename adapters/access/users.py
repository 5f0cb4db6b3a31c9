"""The people who sign in to the console: one account per tenant and e-mail, passwords hashed.

Passwords are hashed with argon2id (argon2-cffi's defaults); a hash made with older
parameters is replaced at the next sign-in that proves the password.

Signing in tells the caller one of three things: signed in, refused, or locked. "Refused"
is all an unknown tenant, an unknown e-mail, a wrong password and a disabled account ever
give, and each costs one password verification (against a dummy hash when there is no
account), so neither the answer nor its time tells them apart.

Lock-out: after ``MAX_FAILED_SIGN_INS`` failures in a row an e-mail is locked for
``LOCK_DURATION``, and a success resets the count. Saying "locked" would tell whoever
guesses that an account exists, were only accounts counted: so failures of e-mails without an
account are counted the same way, by the SHA-256 of the e-mail, in a table of their own, and
lock the same way. "Locked" then says only "this e-mail was tried too often", which the one
trying already knows. Failures older than ``FAILURE_MEMORY`` are forgotten, for both kinds.
"""

from __future__ import annotations

import builtins
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from math import ceil
from typing import Any, Final, LiteralString

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from adapters.access.console_tables import CLOSE_SESSIONS_OF_USER, open_console_tables, utc
from adapters.access.roles import Role
from adapters.access.tables import TableStore, moment
from adapters.storage.database import Database
from domain.errors import InvalidObservationError
from domain.identity import check_tenant as check_tenant_name
from domain.values import utc_now

log = structlog.get_logger()

PERSON_ROLES: Final = frozenset({Role.ADMIN, Role.VIEWER, Role.AUDITOR})
"""The roles a person may have; ingest and sender are for the machines that hold API keys."""

LANGUAGES: Final = frozenset({"en", "fr"})
"""The languages of the console; None means the browser's choice."""

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
"""Lengths of a password, in characters: long enough to resist guessing, short enough to hash."""

MAX_EMAIL = 254
MAX_NAME = 200

MAX_FAILED_SIGN_INS = 5
"""Failures in a row after which an e-mail is locked."""
LOCK_DURATION = timedelta(minutes=15)
"""How long a lock lasts; nothing signs in meanwhile, not even the right password."""
FAILURE_MEMORY = timedelta(hours=24)
"""A failure this much older than the next one no longer counts towards a lock."""

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_COLUMNS: LiteralString = (
    "user_id, tenant, email, role, name, created_at, disabled_at, failed_sign_ins,"
    " locked_until, last_sign_in_at, language"
)
_SELECT: LiteralString = f"SELECT {_COLUMNS} FROM {{users}}"
_ORDER: LiteralString = " ORDER BY created_at, user_id"
# ON CONFLICT: an e-mail already at the tenant (or, rarely, a drawn id already taken) inserts
# nothing, and create() tells which.
_INSERT: LiteralString = (
    "INSERT INTO {users} (user_id, tenant, email, role, name, password_hash, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def _failed_set(table: LiteralString) -> LiteralString:
    """The SET clause that counts a failure on ``table``.

    One statement, so failures racing each other all count. The count restarts when the last
    failure is older than FAILURE_MEMORY; the failure that reaches the limit sets the lock and
    starts the count again, so the next lock takes as many failures. Columns are named with
    their table, since an upsert has the proposed row beside the stored one. Parameters: the
    oldest failure that counts and the limit, the oldest again, the oldest, the limit and the
    end of the lock, then now.
    """
    old = "{" + table + "}."
    return (
        f" SET failed_sign_ins = CASE"
        f" WHEN {old}last_failed_at >= %s AND {old}failed_sign_ins + 1 >= %s THEN 0"
        f" WHEN {old}last_failed_at >= %s THEN {old}failed_sign_ins + 1"
        f" ELSE 1 END,"
        f" locked_until = CASE"
        f" WHEN {old}last_failed_at >= %s AND {old}failed_sign_ins + 1 >= %s THEN %s"
        f" ELSE {old}locked_until END,"
        f" last_failed_at = %s"
    )


_SUCCEEDED: LiteralString = (
    "UPDATE {users} SET failed_sign_ins = 0, last_failed_at = NULL, locked_until = NULL,"
    " last_sign_in_at = %s WHERE user_id = %s AND (locked_until IS NULL OR locked_until <= %s)"
)
_UNLOCKED: LiteralString = "failed_sign_ins = 0, last_failed_at = NULL, locked_until = NULL"


class UserInputError(ValueError):
    """A tenant, e-mail, role, name, password or language that an account cannot have.

    ``reason`` names the rule broken (one of ``REASONS``) and ``limit`` the length it allows,
    so that a page can say it in the reader's language; the message is for logs and the CLI.
    """

    def __init__(self, message: str, *, reason: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.limit = limit


class UserExistsError(UserInputError):
    """The tenant has an account with that e-mail already."""


REASONS = frozenset(
    {
        "tenant",
        "email",
        "role",
        "password_short",
        "password_long",
        "name_long",
        "name_characters",
        "language",
        "exists",
    }
)
"""Every ``UserInputError.reason``."""


class UserNotFoundError(LookupError):
    """No such account at the tenant (or none the asking tenant may see)."""


class Outcome(StrEnum):
    """What a sign-in came to."""

    SIGNED_IN = "signed_in"
    REFUSED = "refused"
    LOCKED = "locked"


@dataclass(frozen=True)
class User:
    """An account as stored, without its password hash."""

    user_id: str
    tenant: str
    email: str
    role: Role
    name: str | None
    created_at: datetime
    disabled_at: datetime | None
    failed_sign_ins: int
    locked_until: datetime | None
    last_sign_in_at: datetime | None
    language: str | None

    @property
    def active(self) -> bool:
        """True unless the account is disabled."""
        return self.disabled_at is None


@dataclass(frozen=True)
class SignInResult:
    """Signed in (with the user), refused (nothing more said), or locked until a time."""

    outcome: Outcome
    user: User | None = None
    locked_until: datetime | None = None

    @property
    def signed_in(self) -> bool:
        return self.outcome is Outcome.SIGNED_IN

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes, rounded up, until a locked e-mail may try again (0 when not locked)."""
        if self.locked_until is None:
            return 0
        return max(0, ceil((self.locked_until - utc(now)).total_seconds() / 60))


_REFUSED = SignInResult(Outcome.REFUSED)


def check_tenant(tenant: str) -> str:
    """The tenant name when it follows the domain's tenant rule; UserInputError otherwise."""
    try:
        return check_tenant_name(tenant)
    except InvalidObservationError as error:
        raise UserInputError(f"tenant {error.problem}", reason="tenant") from None


def normalise_email(email: str) -> str:
    """The e-mail as accounts are kept: trimmed, lower-case; UserInputError when not one."""
    normal = email.strip().lower()
    if len(normal) > MAX_EMAIL or not _EMAIL.fullmatch(normal) or not normal.isprintable():
        raise UserInputError(
            f"{email[:40]!r} is not an e-mail address"
            f" (name@domain, at most {MAX_EMAIL} characters)",
            reason="email",
            limit=MAX_EMAIL,
        )
    return normal


def check_person_role(role: Role | str) -> Role:
    """The role when a person may have it; UserInputError otherwise."""
    names = ", ".join(sorted(r.value for r in PERSON_ROLES))
    try:
        checked = Role(role)
    except ValueError:
        raise UserInputError(f"role {role!r} is not one of {names}", reason="role") from None
    if checked not in PERSON_ROLES:
        raise UserInputError(
            f"role {checked.value!r} is for API keys; a person is one of {names}", reason="role"
        )
    return checked


def check_password(password: str) -> str:
    """The password when its length is allowed; UserInputError, never echoing it, otherwise."""
    if len(password) < MIN_PASSWORD:
        raise UserInputError(
            f"the password is too short: at least {MIN_PASSWORD} characters",
            reason="password_short",
            limit=MIN_PASSWORD,
        )
    if len(password) > MAX_PASSWORD:
        raise UserInputError(
            f"the password is too long: at most {MAX_PASSWORD} characters",
            reason="password_long",
            limit=MAX_PASSWORD,
        )
    return password


def _check_name(name: str | None) -> str | None:
    if name is None or not name.strip():
        return None
    if len(name) > MAX_NAME:
        raise UserInputError(
            f"the name is {len(name)} characters long; the most is {MAX_NAME}",
            reason="name_long",
            limit=MAX_NAME,
        )
    if not name.isprintable():
        raise UserInputError(
            "the name has a line break or control character", reason="name_characters"
        )
    return name.strip()


def check_language(language: str | None) -> str | None:
    """None or one of LANGUAGES; UserInputError otherwise."""
    if language is not None and language not in LANGUAGES:
        raise UserInputError(
            f"language {language!r} is not one of {', '.join(sorted(LANGUAGES))}",
            reason="language",
        )
    return language


def _user(row: Sequence[Any]) -> User:
    user_id, tenant, email, role, name, created, disabled, failed, locked, last, language = row
    created_at = moment(created)
    assert created_at is not None  # the column is NOT NULL
    return User(
        user_id,
        tenant,
        email,
        Role(role),
        name,
        created_at,
        moment(disabled),
        int(failed),
        moment(locked),
        moment(last),
        language,
    )


def _email_digest(tenant: str, email: str) -> str:
    return hashlib.sha256(f"{tenant}\n{email}".encode()).hexdigest()


class UserStore(TableStore):
    """The console's accounts in one database, in a table ``console_users`` created when missing.

    Every method but ``list`` acts within one tenant: another tenant's account is
    UserNotFoundError like one that does not exist. Safe to share between threads.
    ``hasher`` is for tests that need cheaper hashes; the default is argon2-cffi's.
    """

    def __init__(self, database: Database, *, hasher: PasswordHasher | None = None) -> None:
        super().__init__(open_console_tables(database))
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    def create(
        self, tenant: str, email: str, role: Role | str, password: str, *, name: str | None = None
    ) -> User:
        """A new, active account; UserExistsError when the tenant has that e-mail already."""
        tenant = check_tenant(tenant)
        email = normalise_email(email)
        role = check_person_role(role)
        name = _check_name(name)
        password_hash = self._hasher.hash(check_password(password))
        created_at = utc_now()
        with self._lock:
            while True:
                user_id = secrets.token_hex(8)
                inserted = self._tables.execute(
                    _INSERT, (user_id, tenant, email, role.value, name, password_hash, created_at)
                )
                if inserted.rowcount == 1:
                    break
                if self._find(tenant, email) is not None:
                    raise UserExistsError(
                        f"tenant {tenant!r} has an account with that e-mail", reason="exists"
                    )
                # Otherwise 64 bits of id clashed: draw again.
        log.info("console_user.created", user_id=user_id, tenant=tenant, role=role.value)
        return User(user_id, tenant, email, role, name, created_at, None, 0, None, None, None)

    def list(self, tenant: str) -> builtins.list[User]:
        """The tenant's accounts, oldest first, disabled ones too."""
        with self._lock:
            rows = self._tables.execute(
                _SELECT + " WHERE tenant = %s" + _ORDER, (check_tenant(tenant),)
            ).rows
        return [_user(row) for row in rows]

    def get(self, tenant: str, user_id: str) -> User:
        """The tenant's account with that id; UserNotFoundError when it has none."""
        with self._lock:
            rows = self._tables.execute(
                _SELECT + " WHERE tenant = %s AND user_id = %s", (check_tenant(tenant), user_id)
            ).rows
        if not rows:
            raise UserNotFoundError(f"tenant {tenant!r} has no account {user_id!r}")
        return _user(rows[0])

    def find(self, tenant: str, email: str) -> User:
        """The tenant's account with that e-mail; UserNotFoundError when it has none."""
        tenant, email = check_tenant(tenant), normalise_email(email)
        with self._lock:
            found = self._find(tenant, email)
        if found is None:
            raise _not_found(tenant)
        return found

    def _find(self, tenant: str, email: str) -> User | None:
        rows = self._tables.execute(
            _SELECT + " WHERE tenant = %s AND email = %s", (tenant, email)
        ).rows
        return _user(rows[0]) if rows else None

    def disable(self, tenant: str, email: str) -> User:
        """Disable the account (a second time keeps the first time) and end its sessions."""
        user = self._update(
            tenant, email, "disabled_at = COALESCE(disabled_at, %s)", (utc_now(),), close=True
        )
        log.info("console_user.disabled", user_id=user.user_id, tenant=user.tenant)
        return user

    def enable(self, tenant: str, email: str) -> User:
        """Enable the account again, and lift any lock."""
        user = self._update(tenant, email, "disabled_at = NULL, " + _UNLOCKED, (), close=False)
        log.info("console_user.enabled", user_id=user.user_id, tenant=user.tenant)
        return user

    def grant(self, tenant: str, email: str, role: Role | str) -> User:
        """Give the account another role; its sessions end, so the new role applies at once."""
        role = check_person_role(role)
        user = self._update(tenant, email, "role = %s", (role.value,), close=True)
        log.info("console_user.granted", user_id=user.user_id, tenant=user.tenant, role=role.value)
        return user

    def set_password(self, tenant: str, email: str, password: str) -> User:
        """Replace the password, lift any lock and end the account's sessions."""
        tenant, email = check_tenant(tenant), normalise_email(email)
        password_hash = self._hasher.hash(check_password(password))
        user = self._update(
            tenant, email, "password_hash = %s, " + _UNLOCKED, (password_hash,), close=True
        )
        log.info("console_user.password_set", user_id=user.user_id, tenant=user.tenant)
        return user

    def set_language(self, tenant: str, user_id: str, language: str | None) -> User:
        """The account's preferred language: "en", "fr", or None for the browser's."""
        language = check_language(language)
        with self._lock:
            result = self._tables.execute(
                "UPDATE {users} SET language = %s WHERE tenant = %s AND user_id = %s",
                (language, check_tenant(tenant), user_id),
            )
        if result.rowcount == 0:
            raise UserNotFoundError(f"tenant {tenant!r} has no account {user_id!r}")
        return self.get(tenant, user_id)

    def _update(
        self,
        tenant: str,
        email: str,
        assignments: LiteralString,
        params: Sequence[object],
        *,
        close: bool,
    ) -> User:
        tenant, email = check_tenant(tenant), normalise_email(email)
        with self._lock:
            result = self._tables.execute(
                "UPDATE {users} SET " + assignments + " WHERE tenant = %s AND email = %s",
                (*params, tenant, email),
            )
            user = self._find(tenant, email) if result.rowcount else None
            if user is None:
                raise _not_found(tenant)
            if close:
                self._tables.execute(CLOSE_SESSIONS_OF_USER, (tenant, user.user_id))
        return user

    def sign_in(self, tenant: str, email: str, password: str, now: datetime) -> SignInResult:
        """Check a password; see the module's docstring for what each answer does and hides."""
        now = utc(now)
        dummy = self._dummy()  # made before anything is looked up, so it delays all alike
        try:
            tenant, email = check_tenant(tenant), normalise_email(email)
        except UserInputError:
            # No account can have such a name; the time stays like a wrong password's.
            self._verify(dummy, password)
            return _REFUSED
        with self._lock:
            rows = self._tables.execute(
                f"SELECT {_COLUMNS}, password_hash FROM {{users}} WHERE tenant = %s AND email = %s",
                (tenant, email),
            ).rows
            account = _user(rows[0][:-1]) if rows else None
            locked_until = account.locked_until if account else self._unknown_lock(tenant, email)
        if locked_until is not None and locked_until > now:
            log.info("console_user.sign_in_locked", tenant=tenant)
            return SignInResult(Outcome.LOCKED, locked_until=locked_until)
        stored_hash = str(rows[0][-1]) if rows else dummy
        matches = self._verify(stored_hash, password) and len(password) <= MAX_PASSWORD
        if account is not None and account.active and matches:
            return self._succeeded(account, stored_hash, password, now)
        locked_until = self._failed(tenant, email, account, now)
        log.info("console_user.sign_in_refused", tenant=tenant)
        if locked_until is not None and locked_until > now:
            return SignInResult(Outcome.LOCKED, locked_until=locked_until)
        return _REFUSED

    def _succeeded(
        self, account: User, stored_hash: str, password: str, now: datetime
    ) -> SignInResult:
        with self._lock:
            result = self._tables.execute(_SUCCEEDED, (now, account.user_id, now))
        if result.rowcount == 0:
            # Locked meanwhile, by failures in another request: the lock wins.
            locked = self.get(account.tenant, account.user_id).locked_until
            return SignInResult(Outcome.LOCKED, locked_until=locked)
        if self._hasher.check_needs_rehash(stored_hash):
            with self._lock:
                self._tables.execute(
                    "UPDATE {users} SET password_hash = %s WHERE user_id = %s",
                    (self._hasher.hash(password), account.user_id),
                )
            log.info("console_user.password_rehashed", user_id=account.user_id)
        log.info("console_user.signed_in", user_id=account.user_id, tenant=account.tenant)
        return SignInResult(Outcome.SIGNED_IN, user=self.get(account.tenant, account.user_id))

    def _failed(
        self, tenant: str, email: str, account: User | None, now: datetime
    ) -> datetime | None:
        oldest = now - FAILURE_MEMORY
        params = (
            *(oldest, MAX_FAILED_SIGN_INS, oldest),
            *(oldest, MAX_FAILED_SIGN_INS, now + LOCK_DURATION, now),
        )
        with self._lock:
            # Forgotten failures go, so guessed e-mails cannot fill the table; done for every
            # failure, so that one with an account and one without run as many statements.
            self._tables.execute("DELETE FROM {unknown} WHERE last_failed_at < %s", (oldest,))
            if account is not None:
                rows = self._tables.execute(
                    "UPDATE {users}"
                    + _failed_set("users")
                    + " WHERE user_id = %s RETURNING locked_until",
                    (*params, account.user_id),
                ).rows
            else:
                rows = self._tables.execute(
                    "INSERT INTO {unknown} (tenant, email_sha256, failed_sign_ins, last_failed_at)"
                    " VALUES (%s, %s, 1, %s) ON CONFLICT (tenant, email_sha256) DO UPDATE"
                    + _failed_set("unknown")
                    + " RETURNING locked_until",
                    (tenant, _email_digest(tenant, email), now, *params),
                ).rows
        return moment(rows[0][0]) if rows else None

    def _unknown_lock(self, tenant: str, email: str) -> datetime | None:
        rows = self._tables.execute(
            "SELECT locked_until FROM {unknown} WHERE tenant = %s AND email_sha256 = %s",
            (tenant, _email_digest(tenant, email)),
        ).rows
        return moment(rows[0][0]) if rows else None

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        # Made with this store's hasher, so that verifying it costs what an account's does.
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def close(self) -> None:
        """Close the connection."""
        self.shutdown()


def _not_found(tenant: str) -> UserNotFoundError:
    # The e-mail is left out: messages end up in logs.
    return UserNotFoundError(
        f"tenant {tenant!r} has no account with that e-mail;"
        f" 'mailledger users list --tenant {tenant}' shows them"
    )
