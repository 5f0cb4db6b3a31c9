"""Paging through the list while others write: no row twice, every row of the start once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx

from tests.e2e.api_support import ServerProcess, create_key, servers, start_server
from tests.unit.api.bodies import SENT, registration

__all__ = ["servers", "start_server"]  # fixtures

Start = Callable[..., ServerProcess]


def test_pages_stay_stable_while_newer_and_older_messages_arrive(
    database_url: str, start_server: Start
) -> None:
    server = start_server(database_url)
    reader = server.client(create_key(database_url, "acme", "viewer"))
    writer = server.client(create_key(database_url, "acme", "ingest"))
    # Some sends share a sent time, so the order has to break ties by id.
    initial = [
        registration(f"inv-{n}", sent_at=SENT + timedelta(minutes=n // 2)) for n in range(14)
    ]
    assert writer.post("/v1/messages", json=initial).status_code == 201
    at_start = {row["id"] for row in _every(reader)}
    assert len(at_start) == 14

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"filter": "all", "limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        page = reader.get("/v1/messages", params=params).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        pages += 1
        # Between pages: one newer than everything, one older, one tied with a page's rows.
        arrivals = [
            registration(f"new-{pages}", sent_at=SENT + timedelta(days=1, minutes=pages)),
            registration(f"old-{pages}", sent_at=SENT - timedelta(days=1, minutes=pages)),
            registration(f"tie-{pages}", sent_at=SENT + timedelta(minutes=pages % 7)),
        ]
        assert writer.post("/v1/messages", json=arrivals).status_code == 201

    assert len(seen) == len(set(seen)), "a row was handed out twice"
    assert at_start <= set(seen), "a row that existed at the start was skipped"
    assert pages >= 4


def _every(reader: httpx.Client) -> list[dict[str, object]]:
    page = reader.get("/v1/messages", params={"filter": "all", "limit": 500}).json()
    assert page["next_cursor"] is None
    rows: list[dict[str, object]] = page["items"]
    return rows
