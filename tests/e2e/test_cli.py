"""The command line as a user drives it: a real process, real files, both databases."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

MAILLEDGER = str(Path(sys.executable).with_name("mailledger"))
NOW = datetime.now(UTC).replace(microsecond=0)
EARLIER = NOW - timedelta(days=3)


def run(
    database_url: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MAILLEDGER, "--database", database_url, *args],
        input=stdin,
        capture_output=True,
        encoding="utf-8",
        errors="surrogateescape",  # lets a test send bytes that are not UTF-8
        timeout=120,
        check=False,
    )


def ok(database_url: str, *args: str, stdin: str | None = None) -> str:
    result = run(database_url, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


SENDS = jsonl(
    {
        "tenant": "acme",
        "external_ref": "inv-1",
        "dossier_id": "D-1",
        "subject": "Invoice 1",
        "sender": "billing@acme.example",
        "provider": "sendgrid",
        "provider_message_id": "sg-1.filter0",
        "recipients": ["ana@x.example", {"address": "cfo@y.example", "type": "cc"}],
        "sent_at": NOW.isoformat(),
        "tags": ["invoice"],
    },
    {
        "tenant": "acme",
        "external_ref": "inv-2",
        "dossier_id": "D-2",
        "subject": "Invoice 2",
        "sender": "billing@acme.example",
        "provider": "mailgun",
        "provider_message_id": "<mg-2@x>",
        "recipients": ["bo@z.example"],
        "sent_at": EARLIER.isoformat(),
    },
    {
        "tenant": "acme",
        "external_ref": "inv-3",
        "dossier_id": "D-1",
        "subject": "Invoice 3",
        "sender": "billing@acme.example",
        "recipients": ["no@mx.example"],
        "sent_at": NOW.isoformat(),
        "error": "rejected: no MX record",
    },
)


def at(minutes: int, base: datetime = NOW) -> str:
    return (base + timedelta(minutes=minutes)).isoformat()


EVENTS = jsonl(
    {
        "provider": "sendgrid",
        "provider_message_id": "sg-1",
        "recipient": "ana@x.example",
        "event": "opened",
        "occurred_at": at(9),
        "event_id": "e3",
    },
    {
        "provider": "sendgrid",
        "provider_message_id": "sg-1",
        "recipient": "ana@x.example",
        "event": "delivered",
        "occurred_at": at(1),
        "event_id": "e1",
    },
    {
        "provider": "sendgrid",
        "provider_message_id": "sg-1",
        "recipient": "cfo@y.example",
        "event": "hard_bounce",
        "occurred_at": at(2),
        "event_id": "e2",
        "raw_type": "bounce",
        "details": {"smtp_code": 550},
    },
    {
        "provider": "sendgrid",
        "provider_message_id": "sg-1",
        "recipient": "ana@x.example",
        "event": "delivered",
        "occurred_at": at(1),
        "event_id": "e1",
    },
    {
        "provider": "mailgun",
        "provider_message_id": "mg-2@x",
        "recipient": "bo@z.example",
        "event": "delivered",
        "occurred_at": at(1, EARLIER),
    },
)


@pytest.fixture
def loaded(database_url: str) -> str:
    ok(database_url, "register", stdin=SENDS)
    ok(database_url, "ingest", "--tenant", "acme", "--provider", "generic", "-", stdin=EVENTS)
    return database_url


def test_register_prints_one_line_per_send_and_marks_repeats(
    database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "sends.jsonl"
    file.write_text(SENDS)
    first = [json.loads(line) for line in ok(database_url, "register", str(file)).splitlines()]
    again = [json.loads(line) for line in ok(database_url, "register", str(file)).splitlines()]
    assert [r["external_ref"] for r in first] == ["inv-1", "inv-2", "inv-3"]
    assert [r["duplicate"] for r in first] == [False] * 3
    assert [r["duplicate"] for r in again] == [True] * 3


def test_ingest_reports_each_observation_and_ignores_duplicates(database_url: str) -> None:
    ok(database_url, "register", stdin=SENDS)
    lines = [
        json.loads(line)
        for line in ok(
            database_url, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS
        ).splitlines()
    ]
    assert [line["duplicate"] for line in lines] == [False, False, False, True, False]
    assert lines[2] == {
        "id": lines[0]["id"],
        "recipient": "cfo@y.example",
        "kind": "hard_bounce",
        "raw_type": "bounce",
        "duplicate": False,
    }


def test_show_json_has_the_documented_shape(loaded: str) -> None:
    shown = json.loads(ok(loaded, "show", "sendgrid:sg-1.filter0", "--json"))
    assert {
        "id",
        "provider",
        "provider_message_id",
        "tenant",
        "dossier_id",
        "subject",
        "sender",
        "sent_at",
        "outcome",
        "recipients",
    } <= set(shown)
    assert (shown["provider"], shown["provider_message_id"], shown["outcome"]) == (
        "sendgrid",
        "sg-1",
        "alert",
    )
    ana, cfo = shown["recipients"]
    assert {"address", "status", "delivered", "failed", "events"} <= set(ana)
    assert (ana["status"], ana["delivered"], ana["failed"]) == ("opened", True, False)
    assert [e["kind"] for e in ana["events"]] == ["delivered", "opened"]
    assert ana["times"]["opened"] == {"first": at(9), "last": at(9), "count": 1}
    assert {"kind", "occurred_at", "event_id", "raw_type", "details"} <= set(ana["events"][0])
    assert (cfo["status"], cfo["failed"], cfo["events"][0]["details"]) == (
        "hard_bounce",
        True,
        {"smtp_code": 550},
    )
    assert json.loads(ok(loaded, "show", shown["id"], "--json")) == shown


def test_show_text_gives_each_recipients_timeline(loaded: str) -> None:
    text = ok(loaded, "show", "sendgrid:sg-1")
    assert "Outcome   alert" in text
    assert "cc cfo@y.example: hard_bounce [FAILED]" in text


def test_messages_lists_failed_ones_by_default_newest_first(loaded: str) -> None:
    rows = json.loads(ok(loaded, "messages", "--json"))
    assert {(r["subject"], r["outcome"]) for r in rows} == {
        ("Invoice 3", "error"),
        ("Invoice 1", "alert"),
    }
    every = json.loads(ok(loaded, "messages", "--all", "--json"))
    assert [r["sent_at"] for r in every] == sorted((r["sent_at"] for r in every), reverse=True)
    assert {"id", "sent_at", "subject", "sender", "recipients", "last_status", "outcome"} <= set(
        rows[0]
    )
    assert json.loads(ok(loaded, "messages", "--failed", "--json")) == rows


def test_messages_filters_by_all_dossier_status_and_outcome(loaded: str) -> None:
    every = json.loads(ok(loaded, "messages", "--all", "--json"))
    assert len(every) == 3 and every[-1]["subject"] == "Invoice 2"
    assert {
        r["subject"]
        for r in json.loads(ok(loaded, "messages", "--all", "--dossier", "D-1", "--json"))
    } == {"Invoice 1", "Invoice 3"}
    assert [
        r["subject"]
        for r in json.loads(ok(loaded, "messages", "--all", "--outcome", "delivered", "--json"))
    ] == ["Invoice 2"]
    assert [
        r["subject"]
        for r in json.loads(ok(loaded, "messages", "--all", "--status", "hard_bounce", "--json"))
    ] == ["Invoice 1"]


def test_messages_table_shows_time_for_today_and_date_before(loaded: str) -> None:
    table = ok(loaded, "messages", "--all")
    lines = table.splitlines()
    assert lines[0].startswith("WHEN")
    earlier = next(line for line in lines if "Invoice 2" in line)
    today = next(line for line in lines if "Invoice 1" in line)
    assert earlier.startswith(EARLIER.astimezone().strftime("%Y-%m-%d"))
    assert today.startswith(NOW.astimezone().strftime("%H:%M"))


def test_history_lists_stored_events_and_replays_past_states(loaded: str) -> None:
    rows = json.loads(ok(loaded, "history", "sendgrid:sg-1", "--json"))
    assert [r["type"] for r in rows] == [
        "Message.Created",
        "Message.Registered",
        "Message.Opened",
        "Message.Delivered",
        "Message.HardBounced",
    ]
    assert rows[1]["payload"]["external_ref"] == "inv-1" and rows[0]["version"] == 1
    assert (
        json.loads(ok(loaded, "history", "sendgrid:sg-1", "--version", "4", "--json"))["outcome"]
        == "pending"
    )
    # Events recorded in one transaction share its instant: --at sees a batch whole or not at all.
    registered_at, ingested_at = rows[1]["recorded_at"], rows[2]["recorded_at"]
    assert rows[0]["recorded_at"] == registered_at
    assert {r["recorded_at"] for r in rows[2:]} == {ingested_at}
    as_registered = json.loads(
        ok(loaded, "history", "sendgrid:sg-1", "--at", registered_at, "--json")
    )
    assert (as_registered["version"], as_registered["outcome"]) == (2, "pending")
    as_ingested = json.loads(ok(loaded, "history", "sendgrid:sg-1", "--at", ingested_at, "--json"))
    assert (as_ingested["version"], as_ingested["outcome"]) == (5, "alert")
    assert "Message.HardBounced" in ok(loaded, "history", "sendgrid:sg-1")


def test_refused_send_is_found_by_platform_reference(loaded: str) -> None:
    shown = json.loads(ok(loaded, "show", "platform:inv-3", "--tenant", "acme", "--json"))
    assert (shown["outcome"], shown["provider"], shown["recipients"][0]["status"]) == (
        "error",
        None,
        "error",
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("{oops", ("stdin: generic line 3", "not valid JSON")),
        (
            '{"provider":"sendgrid","provider_message_id":"x","recipient":"a@b.example","event":"exploded","occurred_at":"2026-11-23T09:00:00Z"}',
            ("stdin: generic line 3", "field 'event'"),
        ),
        (
            '{"provider":"sendgrid","provider_message_id":"x","recipient":"a@b.example","event":"sent"}',
            ("stdin: generic line 3", "field 'occurred_at'", "required"),
        ),
        (
            '{"provider":"sendgrid","provider_message_id":"x","recipient":7,"event":"sent","occurred_at":"2026-11-23T09:00:00Z"}',
            ("stdin: generic line 3", "field 'recipient'"),
        ),
        (
            # Hostile: the event store's codec would read this object back as a typed value.
            '{"provider":"sendgrid","provider_message_id":"x","recipient":"a@b.example","event":"sent","occurred_at":"2026-11-23T09:00:00Z","details":{"_type_":"uuid_hex","_data_":"x"}}',
            ("stdin: generic line 3", "field 'details._type_'", "reserved"),
        ),
        ("\udcff\udcfe", ("stdin: generic line 3", "not UTF-8 text")),
    ],
)
def test_bad_ingest_input_fails_with_one_line_and_records_nothing(
    database_url: str, line: str, fragments: tuple[str, ...]
) -> None:
    good = EVENTS.splitlines()[:2]
    result = run(
        database_url,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "generic",
        stdin="\n".join([*good, line]) + "\n",
    )
    assert_one_line_error(result, *fragments)
    assert json.loads(ok(database_url, "messages", "--all", "--json")) == []


def test_bad_registration_names_file_line_and_field(database_url: str, tmp_path: Path) -> None:
    file = tmp_path / "sends.jsonl"
    no_recipients = {
        "tenant": "acme",
        "external_ref": "x",
        "recipients": [],
        "sent_at": "2026-11-23T09:00:00Z",
        "provider": "ses",
        "provider_message_id": "1",
    }
    file.write_text(SENDS + jsonl(no_recipients))
    assert_one_line_error(
        run(database_url, "register", str(file)), f"{file}:4", "field 'recipients'"
    )
    assert json.loads(ok(database_url, "messages", "--all", "--json")) == []


def test_conflicting_registration_is_refused_with_one_line(loaded: str) -> None:
    changed = SENDS.splitlines()[0].replace("Invoice 1", "Invoice one")
    assert_one_line_error(
        run(loaded, "register", stdin=changed + "\n"), "already registered", "subject", "'inv-1'"
    )


def test_unknown_message_fails_with_one_line(database_url: str) -> None:
    assert_one_line_error(run(database_url, "show", "sendgrid:nope"), "no message sendgrid:nope")
    assert_one_line_error(run(database_url, "show", "not-a-reference"), "neither a UUID")


def test_unreachable_database_names_it_without_its_password() -> None:
    result = run("postgresql://ledger:s3cret@127.0.0.1:1/ledger", "messages")
    assert_one_line_error(
        result, "cannot use postgresql://ledger:***@127.0.0.1:1/ledger", "MAILLEDGER_DATABASE_URL"
    )
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize("password", ["s3#cret", "s3?cr/et", "s3@cret", "s3%23cret"])
@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_unreachable_database_hides_a_password_however_it_is_written(
    scheme: str, password: str
) -> None:
    result = run(f"{scheme}://ledger:{password}@127.0.0.1:1/ledger", "messages")
    assert_one_line_error(result, f"cannot use {scheme}://ledger:***@127.0.0.1:1/ledger")
    assert "s3" not in result.stderr


def test_database_url_of_unknown_kind_is_refused() -> None:
    assert_one_line_error(run("mysql://x/y", "messages"), "not a database URL")


def test_demo_shows_the_list_outcomes_and_an_alert_timeline() -> None:
    result = subprocess.run(
        [MAILLEDGER, "demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Sent-mail list" in out and "Outcomes  delivered:" in out
    assert "Outcome   alert" in out and "hard_bounce" in out
    assert "duplicates (ignored)" in out


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("history", "x", "--at", "2026-11-23T09:00"), ("'--at'", "no UTC offset", "--help")),
        (("messages", "--all", "--failed"), ("exclude each other",)),
        (("messages", "--outcome", "lost"), ("'--outcome'", "'lost'")),
        (("teleport",), ("No such command 'teleport'",)),
        (("history", "x", "--version", str(10**23)), ("'--version'", "9223372036854775807")),
        (("dead-letters", "replay", "--at", "0@" + "9" * 5000), ("'--at'", "PARTITION@OFFSET")),
    ],
)
def test_usage_mistakes_fail_with_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    result = run(f"sqlite:///{tmp_path / 'ledger.sqlite'}", *args)
    assert_one_line_error(result, *fragments)
    assert result.returncode == 2


def _two_tenants_one_provider_id(database_url: str) -> None:
    sends = [
        {
            "tenant": tenant,
            "external_ref": f"{tenant}-1",
            "subject": f"Invoice of {tenant}",
            "recipients": [f"ana@{tenant}.example"],
            "provider": "sendgrid",
            "provider_message_id": "shared-1",
            "sent_at": "2026-11-23T09:00:00+00:00",
        }
        for tenant in ("acme", "globex")
    ]
    ok(database_url, "register", stdin=jsonl(*sends))


def test_a_provider_id_two_tenants_hold_asks_for_the_tenant(database_url: str) -> None:
    _two_tenants_one_provider_id(database_url)

    ambiguous = run(database_url, "show", "sendgrid:shared-1")
    assert_one_line_error(ambiguous, "2 tenants", "acme", "globex", "--tenant")
    for tenant in ("acme", "globex"):
        shown = json.loads(
            ok(database_url, "show", "sendgrid:shared-1", "--tenant", tenant, "--json")
        )
        assert (shown["tenant"], shown["subject"]) == (tenant, f"Invoice of {tenant}")
        history = ok(database_url, "history", "sendgrid:shared-1", "--tenant", tenant, "--json")
        assert f"Invoice of {tenant}" in history


def test_ingest_needs_a_tenant_and_records_into_that_tenants_message(database_url: str) -> None:
    _two_tenants_one_provider_id(database_url)
    line = json.dumps(
        {
            "provider": "sendgrid",
            "provider_message_id": "shared-1",
            "recipient": "ana@globex.example",
            "event": "hard_bounce",
            "occurred_at": "2026-11-23T09:05:00+00:00",
        }
    )

    refused = run(database_url, "ingest", "--provider", "generic", stdin=line)
    assert_one_line_error(refused, "--tenant", "MAILLEDGER_DEFAULT_TENANT")
    ok(database_url, "ingest", "--tenant", "globex", "--provider", "generic", stdin=line)

    acme = json.loads(ok(database_url, "show", "sendgrid:shared-1", "--tenant", "acme", "--json"))
    globex = json.loads(
        ok(database_url, "show", "sendgrid:shared-1", "--tenant", "globex", "--json")
    )
    assert (acme["outcome"], globex["outcome"]) == ("pending", "error")
    assert [r["address"] for r in acme["recipients"]] == ["ana@acme.example"]
