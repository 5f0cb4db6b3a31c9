"""A Mailgun signature block reused around other event data is refused, across servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from adapters.access.roles import Role
from adapters.api.app import create_app
from adapters.api.context import open_context
from adapters.storage.database import parse_database_url
from adapters.storage.seen_tokens import SeenTokens
from domain.values import utc_now
from tests.unit.api.bodies import MAILGUN_KEY, mailgun_webhook


@contextmanager
def _server(database_url: str) -> Iterator[tuple[TestClient, str]]:
    """One API server's context on the database, as a separate process would open it."""
    context = open_context(
        parse_database_url(database_url), {"MAILLEDGER_MAILGUN_SIGNING_KEY": MAILGUN_KEY}
    )
    try:
        token = context.keys.create("acme", Role.INGEST).secret
        with TestClient(create_app(context, follow=False), raise_server_exceptions=False) as c:
            yield c, token
    finally:
        context.close()


def _post(client: TestClient, token: str, body: bytes) -> int:
    response = client.post(
        "/v1/webhooks/mailgun", content=body, headers={"Authorization": f"Bearer {token}"}
    )
    status: int = response.status_code
    return status


def test_a_reused_token_with_other_event_data_is_refused_by_another_server(
    database_url: str,
) -> None:
    genuine = mailgun_webhook(recipient="ana@example.com")
    forged = json.loads(genuine)
    forged["event-data"]["recipient"] = "mallory@example.com"
    forged["event-data"]["id"] = "forged-event"
    replayed = json.dumps(forged).encode()

    with _server(database_url) as (first, token):
        assert _post(first, token, genuine) == 200
    # A second server, after the first stopped: the tokens are in the database.
    with _server(database_url) as (second, token):
        refused = second.post(
            "/v1/webhooks/mailgun", content=replayed, headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code == 401
        assert "already used with another body" in refused.json()["error"]["message"]
        # Mailgun retrying the very same body is not a replay: it is absorbed as a duplicate.
        retried = second.post(
            "/v1/webhooks/mailgun", content=genuine, headers={"Authorization": f"Bearer {token}"}
        )
        assert retried.status_code == 200
        assert retried.json()["duplicates"] == 1


def test_tokens_are_pruned_once_their_window_has_passed(database_url: str) -> None:
    seen = SeenTokens(parse_database_url(database_url))
    try:
        then = utc_now()
        assert seen.claim("mailgun", "t-1", "body-a", then, keep_for=600)
        assert not seen.claim("mailgun", "t-1", "body-b", then + timedelta(seconds=1), 600)
        # Long after the window: the old token was pruned, so it is new again (the
        # timestamp check refuses such a stale signature before this is asked).
        assert seen.claim("mailgun", "t-1", "body-b", then + timedelta(seconds=601), 600)
    finally:
        seen.close()


@pytest.mark.parametrize("body", [b"a", b"b"])
def test_the_same_body_again_is_never_a_replay(database_url: str, body: bytes) -> None:
    seen = SeenTokens(parse_database_url(database_url))
    try:
        now = utc_now()
        assert seen.claim("mailgun", "t", body.hex(), now, 600)
        assert seen.claim("mailgun", "t", body.hex(), now, 600)
    finally:
        seen.close()
