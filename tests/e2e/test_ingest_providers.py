"""``mailledger ingest --provider P`` on the bodies providers post, as a real process."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from adapters.providers.registry import WEBHOOK_PROVIDERS, parser_for
from tests.e2e.test_cli import MAILLEDGER, assert_one_line_error, ok, run
from tests.unit.providers.bodies import FIXTURES, body, names


def fixture_files(provider: str) -> list[str]:
    return [str(FIXTURES / provider / f"{name}.json") for name in names(provider)]


@pytest.mark.parametrize("provider", WEBHOOK_PROVIDERS)
def test_every_fixture_of_a_provider_is_ingested_once(database_url: str, provider: str) -> None:
    expected = [
        o.for_tenant("acme")
        for n in names(provider)
        for o in parser_for(provider)(body(provider, n)).observations
    ]
    files = fixture_files(provider)

    first = [
        json.loads(line)
        for line in ok(
            database_url, "ingest", "--tenant", "acme", "--provider", provider, *files
        ).splitlines()
    ]
    assert [(r["recipient"], r["kind"], r["raw_type"]) for r in first] == [
        (o.recipient, o.kind.value, o.raw_type) for o in expected
    ]
    assert [r["id"] for r in first] == [str(o.message_id) for o in expected]

    again = [
        json.loads(line)
        for line in ok(
            database_url, "ingest", "--tenant", "acme", "--provider", provider, *files
        ).splitlines()
    ]
    assert len(again) == len(first)
    assert all(r["duplicate"] for r in again)


def test_a_body_not_in_its_format_among_good_ones_stops_the_input_and_records_nothing(
    database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"not": "a batch"}))
    good = fixture_files("sendgrid")

    result = run(
        database_url, "ingest", "--tenant", "acme", "--provider", "sendgrid", *good, str(bad)
    )

    assert_one_line_error(result, "bad.json: sendgrid body")
    assert result.returncode == 1
    assert json.loads(ok(database_url, "messages", "--all", "--json")) == []


def test_unreadable_events_are_quarantined_and_the_rest_recorded(
    database_url: str, tmp_path: Path
) -> None:
    events = json.loads(body("sendgrid", "delivered"))
    odd = dict(events[0], timestamp="yesterday", email="odd@example.com")
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([odd, events[0]]))

    result = run(database_url, "ingest", "--tenant", "acme", "--provider", "sendgrid", str(mixed))

    assert result.returncode == 0, result.stderr
    [recorded] = [json.loads(line) for line in result.stdout.splitlines()]
    assert recorded["kind"] == "delivered" and not recorded["duplicate"]
    assert "event.quarantined" in result.stderr and "odd@example.com" not in result.stderr
    [entry] = [
        json.loads(line) for line in ok(database_url, "quarantine", "list", "--json").splitlines()
    ]
    assert (entry["tenant"], entry["provider"], entry["index"]) == ("acme", "sendgrid", 0)
    assert entry["source"].endswith("mixed.json") and "timestamp" in entry["reason"]
    assert json.loads(entry["body"]) == [odd]
    assert ok(database_url, "quarantine", "list", "--tenant", "globex") == ""

    replayed = run(database_url, "quarantine", "replay", entry["id"])
    assert_one_line_error(replayed, "1 of 1 entries still cannot be read")
    assert json.loads(replayed.stdout)["reason"] == entry["reason"]
    assert json.loads(ok(database_url, "quarantine", "show", entry["id"]))["replayed_at"] is None


def test_an_unknown_event_type_is_skipped_with_a_warning_naming_it(
    database_url: str, tmp_path: Path
) -> None:
    events = json.loads(body("sendgrid", "delivered"))
    known = dict(events[0])
    unknown = {**known, "event": "teleported", "sg_event_id": "new-type-1"}
    path = tmp_path / "body.json"
    path.write_text(json.dumps([unknown, known]))

    result = run(database_url, "ingest", "--tenant", "acme", "--provider", "sendgrid", str(path))

    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    warning = json.loads(result.stderr.strip().splitlines()[-1])
    assert warning["level"] == "warning"
    assert warning["raw_type"] == "teleported"
    assert warning["index"] == 0


def _mailgun_signed(tmp_path: Path, key: str, *, tamper: bool = False) -> Path:
    posted = json.loads(body("mailgun", names("mailgun")[0]))
    timestamp, token = str(int(time.time())), "a" * 50
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    posted["signature"] = {"timestamp": timestamp, "token": token, "signature": digest}
    if tamper:
        posted["event-data"]["recipient"] = "mallory@example.org"
        posted["signature"]["token"] = "b" * 50
    path = tmp_path / ("tampered.json" if tamper else "signed.json")
    path.write_text(json.dumps(posted))
    return path


def _with_env(
    database_url: str, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MAILLEDGER, "--database", database_url, *args],
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )


def test_verify_accepts_a_genuine_body_and_refuses_a_tampered_one(
    database_url: str, tmp_path: Path
) -> None:
    key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
    env = {"MAILLEDGER_MAILGUN_SIGNING_KEY": key}
    signed, tampered = _mailgun_signed(tmp_path, key), _mailgun_signed(tmp_path, key, tamper=True)

    refused = _with_env(
        database_url,
        env,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "mailgun",
        "--verify",
        str(signed),
        str(tampered),
    )
    assert_one_line_error(refused, "tampered.json: mailgun request not verified")
    assert json.loads(ok(database_url, "messages", "--all", "--json")) == []

    accepted = _with_env(
        database_url,
        env,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "mailgun",
        "--verify",
        str(signed),
    )
    assert accepted.returncode == 0, accepted.stderr
    assert len(accepted.stdout.splitlines()) == 1


def test_verify_without_the_key_names_the_variable_to_set(
    database_url: str, tmp_path: Path
) -> None:
    env = {"MAILLEDGER_MAILGUN_SIGNING_KEY": ""}
    result = _with_env(
        database_url,
        env,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "mailgun",
        "--verify",
        *fixture_files("mailgun"),
    )
    assert_one_line_error(result, "MAILLEDGER_MAILGUN_SIGNING_KEY", "not set")


def test_verify_of_the_generic_format_is_refused(database_url: str) -> None:
    result = run(
        database_url, "ingest", "--tenant", "acme", "--provider", "generic", "--verify", stdin=""
    )
    assert_one_line_error(result, "generic", "--verify")


def test_a_subscription_confirmation_records_nothing_and_logs_the_url_to_visit(
    database_url: str,
) -> None:
    confirmation = str(FIXTURES / "ses" / "subscription_confirmation.json")

    result = run(
        database_url,
        "--log-level",
        "info",
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "ses",
        confirmation,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    skipped = [json.loads(line) for line in result.stderr.splitlines() if "event.skipped" in line]
    assert [(s["level"], s["raw_type"]) for s in skipped] == [("info", "SubscriptionConfirmation")]
    assert skipped[0]["details"]["subscribe_url"].startswith("https://sns.")


DEEP = 1200


@pytest.mark.parametrize(
    ("provider", "content", "fragment"),
    [
        ("mailgun", b'{"signature":' + b"[" * DEEP + b"]" * DEEP + b"}", "nested too deep"),
        ("mailgun", b'{"event-data":' + b'{"a":' * DEEP + b"1" + b"}" * DEEP + b"}", "too deep"),
        ("generic", b"[" * DEEP + b"]" * DEEP + b"\n", "not valid JSON"),
    ],
)
def test_hostile_bodies_are_one_line_and_a_non_zero_exit(
    tmp_path: Path, provider: str, content: bytes, fragment: str
) -> None:
    hostile = tmp_path / "hostile.json"
    hostile.write_bytes(content)
    env = {"MAILLEDGER_MAILGUN_SIGNING_KEY": "key"}
    args = ("--verify",) if provider == "mailgun" else ()
    database = f"sqlite:///{tmp_path / 'ledger.sqlite'}"

    result = _with_env(
        database, env, "ingest", "--tenant", "acme", "--provider", provider, *args, str(hostile)
    )

    assert_one_line_error(result, "hostile.json", fragment)
    assert "Traceback" not in result.stderr


def test_a_control_character_in_one_event_quarantines_that_event_with_the_reason(
    tmp_path: Path,
) -> None:
    hostile = tmp_path / "hostile.json"
    hostile.write_bytes(
        b'[{"email":"a@x.example","event":"delivered","timestamp":1795424400,'
        b'"sg_event_id":"e1","sg_message_id":"m\\u0000"}]'
    )
    database = f"sqlite:///{tmp_path / 'ledger.sqlite'}"

    result = _with_env(
        database, {}, "ingest", "--tenant", "acme", "--provider", "sendgrid", str(hostile)
    )

    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    [entry] = [
        json.loads(line) for line in ok(database, "quarantine", "list", "--json").splitlines()
    ]
    assert "control character" in entry["reason"] or "sg_message_id" in entry["reason"], entry
    assert json.loads(ok(database, "messages", "--all", "--json")) == []


def test_mailgun_refusing_a_whole_send_fails_every_recipient_registered_after_it(
    database_url: str,
) -> None:
    rejected = FIXTURES / "mailgun" / "corpus" / "anymail_rejected.json"
    message_id = "20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org"

    [recorded] = [
        json.loads(line)
        for line in ok(
            database_url, "ingest", "--tenant", "acme", "--provider", "mailgun", str(rejected)
        ).splitlines()
    ]
    assert (recorded["recipient"], recorded["kind"], recorded["duplicate"]) == (
        None,
        "error",
        False,
    )
    send = {
        "tenant": "acme",
        "external_ref": "inv-9",
        "provider": "mailgun",
        "provider_message_id": f"<{message_id}>",
        "recipients": ["recipient@example.org", {"address": "cfo@example.org", "type": "cc"}],
        "sent_at": "2018-06-22T22:02:55+00:00",
    }
    ok(database_url, "register", "-", stdin=json.dumps(send) + "\n")

    shown = json.loads(ok(database_url, "show", f"mailgun:{message_id}", "--json"))
    assert shown["outcome"] == "error"
    assert [(r["address"], r["status"], r["failed"]) for r in shown["recipients"]] == [
        ("recipient@example.org", "error", True),
        ("cfo@example.org", "error", True),
    ]
    [listed] = json.loads(ok(database_url, "messages", "--failed", "--json"))
    assert (listed["outcome"], listed["counts"]) == ("error", {"error": 2})
