"""Webhook subscriptions through a real ``mailledger serve`` and ``mailledger signals run``,
on both databases: the settings reach the URL policy, another tenant finds nothing, and a
receiver on loopback gets each signal verified, then again when an admin re-sends it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator

import pytest

from adapters.storage.database import parse_database_url
from domain.values import utc_now
from projections.signal_outbox import SignalKind
from tests.e2e.api_support import ServerProcess, create_key, servers, start_server
from tests.e2e.logged_process import wait_until
from tests.e2e.test_cli import MAILLEDGER
from tests.unit.signals.outbox_rows import OutboxWriter
from tests.unit.signals.receiver import Clock, Receiver

__all__ = ["servers", "start_server"]  # fixtures

Start = Callable[..., ServerProcess]
LOOPBACK = {"MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK": "1"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(Clock(now=utc_now()))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_a_subscription_over_http_delivers_and_stays_the_tenants_own(
    database_url: str, start_server: Start, receiver: Receiver
) -> None:
    server = start_server(database_url, env=LOOPBACK)
    acme = server.client(create_key(database_url, "acme", "admin"))
    globex = server.client(create_key(database_url, "globex", "admin"))
    refused = acme.post("/v1/subscriptions", json={"url": "https://169.254.169.254/"})
    assert refused.status_code == 422 and "link-local" in refused.json()["error"]["message"]
    created = acme.post("/v1/subscriptions", json={"url": receiver.url("/hook")})
    assert created.status_code == 201, created.text
    subscription = created.json()["subscription"]["id"]
    receiver.secrets["/hook"] = created.json()["secret"]

    for method, path in (
        ("GET", f"/v1/subscriptions/{subscription}"),
        ("DELETE", f"/v1/subscriptions/{subscription}"),
        ("POST", f"/v1/subscriptions/{subscription}/enable"),
        ("GET", f"/v1/subscriptions/{subscription}/deliveries"),
    ):
        assert globex.request(method, path).status_code == 404, (method, path)
    assert globex.get("/v1/subscriptions").json() == {"items": []}

    outbox = OutboxWriter(parse_database_url(database_url))
    try:
        signal = outbox.add()
        outbox.add(tenant="globex")
    finally:
        outbox.close()
    sent = subprocess.run(
        [MAILLEDGER, "--database", database_url, "signals", "run", "--once"],
        env={**os.environ, **LOOPBACK},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sent.returncode == 0, sent.stderr
    assert receiver.ids("/hook") == [signal] and receiver.refused == []

    log = acme.get(f"/v1/subscriptions/{subscription}/deliveries").json()["items"]
    assert [(a["signal_id"], a["outcome"]) for a in log] == [(signal, "delivered")]
    resent = acme.post(f"/v1/subscriptions/{subscription}/deliveries/{signal}/resend")
    assert resent.status_code == 200 and resent.json()["outcome"] == "delivered"
    foreign = globex.post(f"/v1/subscriptions/{subscription}/deliveries/{signal}/resend")
    assert foreign.status_code == 404
    assert receiver.ids("/hook") == [signal, signal]


def test_serve_with_send_signals_delivers_from_its_own_thread(
    database_url: str, start_server: Start, receiver: Receiver
) -> None:
    server = start_server(
        database_url, "--send-signals", env={**LOOPBACK, "MAILLEDGER_SIGNALS_INTERVAL": "0.2"}
    )
    acme = server.client(create_key(database_url, "acme", "admin"))
    created = acme.post("/v1/subscriptions", json={"url": receiver.url("/hook")})
    assert created.status_code == 201, created.text
    receiver.secrets["/hook"] = created.json()["secret"]
    outbox = OutboxWriter(parse_database_url(database_url))
    try:
        signals = [outbox.add(), outbox.add(SignalKind.ADDRESS_SUPPRESSED)]
    finally:
        outbox.close()
    wait_until(lambda: len(receiver.received) >= 2, "both signals at the receiver")
    assert receiver.ids("/hook") == signals and receiver.refused == []
    assert server.terminate() == 0
