"""Addresses from the command line, as an operator drives them: a real process per command,
both databases."""

from __future__ import annotations

import json

from tests.e2e.test_cli import SENDS, assert_one_line_error, ok, run


def _bounce(recipient: str, message: str = "sg-1") -> str:
    return json.dumps(
        {
            "provider": "sendgrid",
            "provider_message_id": message,
            "recipient": recipient,
            "event": "hard_bounce",
            "occurred_at": "2026-11-23T09:05:00+00:00",
        }
    )


def test_a_bounce_suppresses_check_refuses_and_a_lift_allows_again(database_url: str) -> None:
    ok(database_url, "register", "-", stdin=SENDS)
    ok(
        database_url,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "generic",
        stdin=_bounce("ana@x.example"),
    )

    listed = ok(database_url, "suppressions", "--tenant", "acme")
    assert "hard_bounce" in listed and "ana@x.example" in listed
    assert ok(database_url, "suppressions", "--tenant", "globex") == ""

    refused = run(
        database_url, "addresses", "check", "ana@x.example", "bo@z.example", "--tenant", "acme"
    )
    assert refused.returncode == 1
    lines = [json.loads(line) for line in refused.stdout.splitlines()]
    assert [(v["address"], v["allowed"]) for v in lines] == [
        ("ana@x.example", False),
        ("bo@z.example", True),
    ]
    assert "1 of 2 addresses may not be sent to" in refused.stderr

    shown = json.loads(ok(database_url, "addresses", "show", "ana@x.example", "--tenant", "acme"))
    assert (shown["status"], shown["reason"]) == ("suppressed", "hard_bounce")

    lifted = json.loads(
        ok(
            database_url,
            "addresses",
            "lift",
            "ana@x.example",
            "--reason",
            "fixed",
            "--tenant",
            "acme",
        )
    )
    assert lifted["status"] == "active" and lifted["lifted"]["by"] == "command line"
    ok(database_url, "addresses", "check", "ana@x.example", "--tenant", "acme")
    again = run(
        database_url, "addresses", "lift", "ana@x.example", "--reason", "x", "--tenant", "acme"
    )
    assert_one_line_error(again, "not suppressed")


def test_preferences_and_rules_from_the_command_line(database_url: str) -> None:
    prefer = ok(database_url, "addresses", "prefer", "Cfo@Y.example", "no", "--tenant", "acme")
    assert json.loads(prefer)["preference"] == "no"
    refused = run(database_url, "addresses", "check", "cfo@y.example", "--tenant", "acme")
    assert refused.returncode == 1 and '"preference: no"' in refused.stdout

    rules = json.loads(
        ok(
            database_url,
            "policy",
            "set",
            "--tenant",
            "acme",
            "--soft-failures",
            "2",
            "--window-days",
            "7",
            "--suppress-on-block",
        )
    )
    assert (rules["soft_failures"], rules["suppress_on_block"], rules["own"]) == (2, True, True)
    assert json.loads(ok(database_url, "policy", "show", "--tenant", "globex"))["own"] is False
    assert json.loads(ok(database_url, "policy", "reset", "--tenant", "acme"))["own"] is False
    unknown = run(database_url, "addresses", "show", "nobody@x.example", "--tenant", "acme")
    assert_one_line_error(unknown, "nothing is recorded about this address")
    bad = run(database_url, "addresses", "show", "not-an-address", "--tenant", "acme")
    assert bad.returncode == 2 and "not an e-mail address" in bad.stderr
