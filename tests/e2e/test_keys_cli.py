"""``mailledger keys`` as an operator runs it: a real process, both databases."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from adapters.access.keys import KeyStore
from adapters.access.roles import Role
from adapters.storage.database import parse_database_url
from tests.e2e.test_cli import ok, run

NOTE = re.compile(
    r"created key ([0-9a-f]{12}) \(role (\w+), tenant ([\w.-]+)\); "
    r"the key is shown once, store it now"
)


def _create(database_url: str, *args: str) -> tuple[str, str]:
    """(token, key id) of a key created with these options."""
    result = run(database_url, "keys", "create", *args)
    assert result.returncode == 0, result.stderr
    note = NOTE.fullmatch(result.stderr.strip())
    assert note is not None, result.stderr
    return result.stdout.strip(), note.group(1)


def test_create_prints_only_the_token_and_a_note_on_stderr(database_url: str) -> None:
    result = run(database_url, "keys", "create", "--tenant", "acme", "--role", "viewer")

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"mlk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n", result.stdout)
    assert result.stderr.count("\n") == 1
    note = NOTE.fullmatch(result.stderr.strip())
    assert note is not None, result.stderr
    key_id = note.group(1)
    assert (note.group(2), note.group(3)) == ("viewer", "acme")
    assert result.stdout.startswith(f"mlk_{key_id}_")
    with KeyStore(parse_database_url(database_url)) as store:
        key = store.authenticate(result.stdout.strip())
    assert key is not None
    assert (key.key_id, key.tenant, key.role) == (key_id, "acme", Role.VIEWER)


def test_list_shows_a_table_and_json_never_a_secret(database_url: str) -> None:
    assert ok(database_url, "keys", "list") == "No keys.\n"
    assert json.loads(ok(database_url, "keys", "list", "--json")) == []
    viewer_token, viewer = _create(
        database_url, "--tenant", "acme", "--role", "viewer", "--label", "finance dashboard"
    )
    ingest_token, ingest = _create(database_url, "--tenant", "beta.eu", "--role", "ingest")

    table = ok(database_url, "keys", "list").splitlines()
    rows = json.loads(ok(database_url, "keys", "list", "--json"))

    assert table[0].split() == ["KEY", "ID", "TENANT", "ROLE", "CREATED", "REVOKED", "LABEL"]
    assert table[1].split()[:3] == [viewer, "acme", "viewer"]
    assert table[1].split()[4:] == ["-", "finance", "dashboard"]
    assert table[2].split()[:3] == [ingest, "beta.eu", "ingest"]
    assert [row["key_id"] for row in rows] == [viewer, ingest]
    assert rows[0] == {
        "key_id": viewer,
        "tenant": "acme",
        "role": "viewer",
        "label": "finance dashboard",
        "created_at": rows[0]["created_at"],
        "revoked_at": None,
    }
    created = datetime.fromisoformat(rows[0]["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert table[1].split()[3] == created.strftime("%Y-%m-%dT%H:%M:%SZ")
    for output in ("\n".join(table), json.dumps(rows)):
        assert viewer_token[17:] not in output
        assert ingest_token[17:] not in output


def test_list_keeps_to_one_tenant_when_asked(database_url: str) -> None:
    _, acme = _create(database_url, "--tenant", "acme", "--role", "admin")
    _create(database_url, "--tenant", "beta", "--role", "admin")

    rows = json.loads(ok(database_url, "keys", "list", "--tenant", "acme", "--json"))

    assert [(row["key_id"], row["tenant"]) for row in rows] == [(acme, "acme")]
    assert ok(database_url, "keys", "list", "--tenant", "gamma") == "No keys.\n"


def test_revoke_prints_one_line_and_the_key_stops_working(database_url: str) -> None:
    token, key_id = _create(database_url, "--tenant", "acme", "--role", "auditor")

    assert ok(database_url, "keys", "revoke", key_id) == f"revoked {key_id}\n"

    (row,) = json.loads(ok(database_url, "keys", "list", "--json"))
    assert row["key_id"] == key_id
    revoked_at = datetime.fromisoformat(row["revoked_at"])
    assert revoked_at >= datetime.fromisoformat(row["created_at"])
    assert ok(database_url, "keys", "list").splitlines()[1].split()[4] == revoked_at.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    with KeyStore(parse_database_url(database_url)) as store:
        assert store.authenticate(token) is None
    # Revoking again is harmless and keeps the first time.
    assert ok(database_url, "keys", "revoke", key_id) == f"revoked {key_id}\n"
    (again,) = json.loads(ok(database_url, "keys", "list", "--json"))
    assert again["revoked_at"] == row["revoked_at"]


def test_revoking_an_unknown_key_is_one_line_and_exit_1(database_url: str) -> None:
    result = run(database_url, "keys", "revoke", "0123456789ab")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "'0123456789ab'" in result.stderr


def test_a_bad_role_is_a_usage_error(database_url: str) -> None:
    result = run(database_url, "keys", "create", "--tenant", "acme", "--role", "owner")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "'owner' is not one of 'admin', 'viewer', 'auditor', 'ingest'" in result.stderr
    assert "--help" in result.stderr


def test_a_bad_tenant_is_one_line_exit_1_and_creates_nothing(database_url: str) -> None:
    result = run(database_url, "keys", "create", "--tenant", "acme corp", "--role", "viewer")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: tenant 'acme corp' is not a valid tenant name: use 1 to 64 of the characters "
        "A-Z, a-z, 0-9, '.', '_' and '-'\n"
    )
    assert ok(database_url, "keys", "list") == "No keys.\n"
