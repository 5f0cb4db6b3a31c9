"""``mailledger subscriptions`` and ``mailledger signals run`` as an operator runs them: a
real process, both databases, a real receiver on loopback that verifies signatures."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from adapters.storage.database import parse_database_url
from domain.values import utc_now
from tests.e2e.test_cli import ok, run
from tests.unit.signals.outbox_rows import OutboxWriter
from tests.unit.signals.receiver import Clock, Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(Clock(now=utc_now()))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_a_private_url_is_refused_in_one_line(database_url: str) -> None:
    result = run(database_url, "subscriptions", "add", "--tenant", "acme", "https://10.1.2.3/")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: url: 10.1.2.3 is a private address; signals go only to public addresses "
        "(an operator may allow networks with MAILLEDGER_SIGNALS_ALLOWED_NETWORKS)"
    ]
    plain = run(database_url, "subscriptions", "add", "--tenant", "acme", "http://127.0.0.1:9/")
    assert plain.returncode == 1 and "MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK=1" in plain.stderr
    assert ok(database_url, "subscriptions", "list") == ""


def test_add_run_deliveries_resend_enable_remove(
    database_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK", "1")
    added = run(
        database_url, "subscriptions", "add", "--tenant", "acme", receiver.url("/hook"),
        "--kind", "message.error",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    secret = created["secret"]
    subscription = created["subscription"]["id"]
    receiver.secrets["/hook"] = secret
    assert "not shown again" in added.stderr
    for listing in (
        ok(database_url, "subscriptions", "list"),
        ok(database_url, "subscriptions", "list", "--json"),
        ok(database_url, "subscriptions", "show", subscription),
    ):
        assert subscription in listing and secret not in listing

    outbox = OutboxWriter(parse_database_url(database_url))
    try:
        wanted = outbox.add()
        outbox.add(tenant="globex")
    finally:
        outbox.close()
    ran = run(database_url, "signals", "run", "--once")
    assert ran.returncode == 0, ran.stderr
    assert receiver.ids("/hook") == [wanted] and receiver.refused == []

    log = [
        json.loads(line)
        for line in ok(database_url, "subscriptions", "deliveries", subscription).splitlines()
    ]
    assert [(a["signal_id"], a["outcome"], a["status"]) for a in log] == [
        (wanted, "delivered", 204)
    ]
    resent = json.loads(ok(database_url, "subscriptions", "resend", subscription, wanted))
    assert resent["attempt"] == 2 and receiver.ids("/hook") == [wanted, wanted]

    enabled = json.loads(ok(database_url, "subscriptions", "enable", subscription))
    assert enabled["active"] is True
    removed = json.loads(ok(database_url, "subscriptions", "remove", subscription))
    assert removed["id"] == subscription
    gone = run(database_url, "subscriptions", "show", subscription)
    assert gone.returncode == 1 and f"no subscription {subscription}" in gone.stderr
