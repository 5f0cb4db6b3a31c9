"""``mailledger users`` as an operator runs it: a real process, both databases, a real terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import time
from datetime import UTC, datetime, timedelta

from adapters.access.roles import Role
from adapters.access.sessions import SessionStore
from adapters.access.users import MAX_FAILED_SIGN_INS, Outcome, UserStore
from adapters.storage.database import parse_database_url
from tests.e2e.test_cli import MAILLEDGER, ok, run

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long passphrase"
CREATED = re.compile(r"created user ([0-9a-f]{16}) \(role (\w+), tenant ([\w.-]+)\)\n")


def _create(database_url: str, tenant: str, email: str, role: str = "admin") -> str:
    """The id of an account created with its password on standard input."""
    result = run(
        database_url,
        *("users", "create", "--tenant", tenant, "--email", email, "--role", role),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    created = CREATED.fullmatch(result.stdout)
    assert created is not None, result.stdout
    return created.group(1)


def _one_line_error(result: object) -> str:
    assert getattr(result, "returncode", None) == 1
    stderr = str(getattr(result, "stderr", ""))
    assert getattr(result, "stdout", None) == ""
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1, stderr
    return stderr


def _sign_in(database_url: str, tenant: str, email: str, password: str) -> Outcome:
    with UserStore(parse_database_url(database_url)) as store:
        return store.sign_in(tenant, email, password, datetime.now(UTC)).outcome


def test_create_reads_the_password_from_stdin_and_prints_one_line(database_url: str) -> None:
    result = run(
        database_url,
        *("--log-level", "debug", "users", "create", "--tenant", "acme"),
        *("--email", "Ana@Example.com", "--role", "viewer", "--name", "Ana Silva"),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )

    assert result.returncode == 0, result.stderr
    created = CREATED.fullmatch(result.stdout)
    assert created is not None, result.stdout
    assert created.groups()[1:] == ("viewer", "acme")
    # Even at debug level, the logs name neither the person nor the password.
    for secret in (PASSWORD, "ana@example.com", "Ana@Example.com", "$argon2"):
        assert secret not in result.stdout + result.stderr
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD) is Outcome.SIGNED_IN
    # The line break that ended the input is not part of the password.
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD + "\n") is Outcome.REFUSED


def test_without_a_terminal_or_password_stdin_nothing_is_created(database_url: str) -> None:
    result = run(
        database_url,
        *("users", "create", "--tenant", "acme", "--email", "ana@example.com", "--role", "admin"),
        stdin="",
    )

    assert "--password-stdin" in _one_line_error(result)
    assert ok(database_url, "users", "list", "--tenant", "acme") == "No users.\n"


def test_bad_passwords_are_one_line_that_never_echoes_them(database_url: str) -> None:
    for password in ("", "short pass\n", "x" * 1025):
        result = run(
            database_url,
            *("users", "create", "--tenant", "acme", "--email", "ana@example.com"),
            *("--role", "admin", "--password-stdin"),
            stdin=password,
        )
        error = _one_line_error(result)
        assert "password is too" in error
        if password.strip():
            assert password.strip() not in error
    assert json.loads(ok(database_url, "users", "list", "--tenant", "acme", "--json")) == []


def test_bad_input_is_refused_in_one_line(database_url: str) -> None:
    _create(database_url, "acme", "ana@example.com")

    duplicate = run(
        database_url,
        *("users", "create", "--tenant", "acme", "--email", "ANA@example.com"),
        *("--role", "viewer", "--password-stdin"),
        stdin=OTHER_PASSWORD,
    )
    assert "has an account with that e-mail" in _one_line_error(duplicate)
    not_an_email = run(
        database_url,
        *("users", "create", "--tenant", "acme", "--email", "ana", "--role", "viewer"),
        "--password-stdin",
        stdin=OTHER_PASSWORD,
    )
    assert "not an e-mail address" in _one_line_error(not_an_email)
    for role in ("ingest", "sender", "owner"):
        machine = run(
            database_url,
            *("users", "create", "--tenant", "acme", "--email", "bo@example.com"),
            *("--role", role, "--password-stdin"),
            stdin=OTHER_PASSWORD,
        )
        assert machine.returncode == 2
        assert "is not one of 'admin', 'auditor', 'viewer'" in machine.stderr


def test_list_shows_a_table_and_json_of_one_tenant_never_a_hash(database_url: str) -> None:
    ana = _create(database_url, "acme", "ana@example.com", "admin")
    bo = _create(database_url, "acme", "bo@example.com", "auditor")
    _create(database_url, "beta", "cy@example.com", "viewer")

    table = ok(database_url, "users", "list", "--tenant", "acme").splitlines()
    rows = json.loads(ok(database_url, "users", "list", "--tenant", "acme", "--json"))

    assert table[0].split() == [
        *("USER", "ID", "ROLE", "STATUS", "CREATED", "LAST", "SIGN-IN", "EMAIL", "NAME")
    ]
    assert [line.split()[:3] for line in table[1:]] == [
        [ana, "admin", "active"],
        [bo, "auditor", "active"],
    ]
    assert [row["user_id"] for row in rows] == [ana, bo]
    assert rows[0] == {
        "user_id": ana,
        "tenant": "acme",
        "email": "ana@example.com",
        "role": "admin",
        "name": None,
        "status": "active",
        "created_at": rows[0]["created_at"],
        "disabled_at": None,
        "failed_sign_ins": 0,
        "locked_until": None,
        "last_sign_in_at": None,
        "language": None,
    }
    assert datetime.fromisoformat(rows[0]["created_at"]).utcoffset() == timedelta(0)
    for output in ("\n".join(table), json.dumps(rows)):
        assert "cy@example.com" not in output
        assert "argon2" not in output
    assert ok(database_url, "users", "list", "--tenant", "gamma") == "No users.\n"
    assert run(database_url, "users", "list").returncode == 2  # --tenant is required


def test_disable_enable_grant_and_set_password(database_url: str) -> None:
    ana = _create(database_url, "acme", "ana@example.com")
    args = ("--tenant", "acme", "--email", "ANA@example.com")

    assert ok(database_url, "users", "disable", *args) == f"disabled user {ana}\n"
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD) is Outcome.REFUSED
    (row,) = json.loads(ok(database_url, "users", "list", "--tenant", "acme", "--json"))
    assert row["status"] == "disabled" and row["disabled_at"] is not None

    assert ok(database_url, "users", "enable", *args) == f"enabled user {ana}\n"
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD) is Outcome.SIGNED_IN

    granted = ok(database_url, "users", "grant", *args, "--role", "auditor")
    assert granted == f"user {ana} now has role auditor\n"

    changed = ok(
        database_url, "users", "set-password", *args, "--password-stdin", stdin=OTHER_PASSWORD
    )
    assert changed == f"set the password of user {ana}\n"
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD) is Outcome.REFUSED
    assert _sign_in(database_url, "acme", "ana@example.com", OTHER_PASSWORD) is Outcome.SIGNED_IN
    (row,) = json.loads(ok(database_url, "users", "list", "--tenant", "acme", "--json"))
    assert row["role"] == "auditor" and row["last_sign_in_at"] is not None


def test_another_tenants_account_is_not_found_and_not_changed(database_url: str) -> None:
    _create(database_url, "acme", "ana@example.com")
    _create(database_url, "beta", "bo@example.com")
    other = ("--tenant", "beta", "--email", "ana@example.com")

    for command in (
        ("users", "disable", *other),
        ("users", "enable", *other),
        ("users", "grant", *other, "--role", "viewer"),
    ):
        error = _one_line_error(run(database_url, *command))
        assert "tenant 'beta' has no account with that e-mail" in error
        assert "ana@example.com" not in error
    set_password = run(
        database_url, "users", "set-password", *other, "--password-stdin", stdin=OTHER_PASSWORD
    )
    assert "has no account" in _one_line_error(set_password)

    (row,) = json.loads(ok(database_url, "users", "list", "--tenant", "acme", "--json"))
    assert (row["status"], row["role"]) == ("active", "admin")
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD) is Outcome.SIGNED_IN


def test_a_locked_account_shows_as_locked_and_a_new_password_lifts_it(database_url: str) -> None:
    _create(database_url, "acme", "ana@example.com")
    now = datetime.now(UTC)
    with UserStore(parse_database_url(database_url)) as store:
        for _ in range(MAX_FAILED_SIGN_INS):
            store.sign_in("acme", "ana@example.com", OTHER_PASSWORD, now)
        assert store.sign_in("acme", "ana@example.com", PASSWORD, now).outcome is Outcome.LOCKED

    (row,) = json.loads(ok(database_url, "users", "list", "--tenant", "acme", "--json"))
    assert row["status"] == "locked" and row["locked_until"] is not None
    assert ok(database_url, "users", "list", "--tenant", "acme").splitlines()[1].split()[2] == (
        "locked"
    )

    ok(
        database_url,
        *("users", "set-password", "--tenant", "acme", "--email", "ana@example.com"),
        "--password-stdin",
        stdin=OTHER_PASSWORD,
    )
    (row,) = json.loads(ok(database_url, "users", "list", "--tenant", "acme", "--json"))
    assert (row["status"], row["failed_sign_ins"], row["locked_until"]) == ("active", 0, None)
    assert _sign_in(database_url, "acme", "ana@example.com", OTHER_PASSWORD) is Outcome.SIGNED_IN


def test_disable_grant_and_set_password_end_the_accounts_sessions(database_url: str) -> None:
    _create(database_url, "acme", "ana@example.com")
    database = parse_database_url(database_url)
    args = ("--tenant", "acme", "--email", "ana@example.com")

    def open_session() -> str:
        with UserStore(database) as users, SessionStore(database) as sessions:
            user = users.find("acme", "ana@example.com")
            token, _ = sessions.open(user, datetime.now(UTC))
            assert sessions.resolve(token, datetime.now(UTC)) is not None
            return token

    def resolves(token: str) -> bool:
        with SessionStore(database) as sessions:
            return sessions.resolve(token, datetime.now(UTC)) is not None

    token = open_session()
    ok(database_url, "users", "grant", *args, "--role", "viewer")
    assert not resolves(token)

    token = open_session()
    ok(database_url, "users", "set-password", *args, "--password-stdin", stdin=OTHER_PASSWORD)
    assert not resolves(token)

    token = open_session()
    ok(database_url, "users", "disable", *args)
    assert not resolves(token)


def _read_until(fd: int, expected: bytes, seen: bytearray, start: int, deadline: float) -> int:
    """Read until ``expected`` shows after ``start``; where it ends."""
    while seen.find(expected, start) < 0:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"never saw {expected!r}; saw {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the terminal closed: the process ended
                chunk = b""
            assert chunk, f"ended before {expected!r}; saw {bytes(seen)!r}"
            seen.extend(chunk)
    return seen.find(expected, start) + len(expected)


def _on_a_terminal(
    database_url: str, args: list[str], answers: list[tuple[bytes, str]]
) -> tuple[int, str]:
    """Run the command on a pseudo-terminal, typing each answer after its prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its standard input and output
        os.execv(MAILLEDGER, [MAILLEDGER, "--database", database_url, *args])
    seen = bytearray()
    start = 0
    deadline = time.monotonic() + 60
    try:
        for prompt, answer in answers:
            start = _read_until(fd, prompt, seen, start, deadline)
            os.write(fd, answer.encode() + b"\r")
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen.extend(chunk)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_on_a_terminal_the_password_is_asked_twice_and_never_shown(database_url: str) -> None:
    code, screen = _on_a_terminal(
        database_url,
        ["users", "create", "--tenant", "acme", "--email", "ana@example.com", "--role", "admin"],
        [
            (b"Password: ", PASSWORD),
            (b"Repeat the password: ", OTHER_PASSWORD),
            (b"Password: ", PASSWORD),
            (b"Repeat the password: ", PASSWORD),
        ],
    )

    assert code == 0, screen
    assert "do not match" in screen
    assert CREATED.search(screen.replace("\r\n", "\n")) is not None, screen
    assert PASSWORD not in screen and OTHER_PASSWORD not in screen
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD) is Outcome.SIGNED_IN

    code, screen = _on_a_terminal(
        database_url,
        ["users", "set-password", "--tenant", "acme", "--email", "ana@example.com"],
        [(b"Password: ", "too short"), (b"Repeat the password: ", "too short")],
    )
    assert code == 1
    assert "password is too short" in screen
    assert "too short\r" not in screen.replace("is too short", "")
    with UserStore(parse_database_url(database_url)) as store:
        assert store.find("acme", "ana@example.com").role is Role.ADMIN
    assert _sign_in(database_url, "acme", "ana@example.com", PASSWORD) is Outcome.SIGNED_IN
