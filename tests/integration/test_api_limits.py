"""Limits on read parameters answer 400 on both databases, never 503 or 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from adapters.access.roles import Role
from adapters.api.app import create_app
from adapters.api.context import open_context
from adapters.storage.database import parse_database_url
from tests.unit.api.bodies import registration


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    context = open_context(parse_database_url(database_url), {})
    token = context.keys.create("acme", Role.ADMIN).secret
    try:
        app = create_app(context, follow=False)
        with TestClient(app, raise_server_exceptions=False) as c:
            c.headers["Authorization"] = f"Bearer {token}"
            yield c
    finally:
        context.close()


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("subject=" + "a" * 60_000, "query.subject"),
        ("&".join(f"tag=t{i}" for i in range(2000)), "query.tag"),
    ],
)
def test_filters_beyond_their_limits_are_400(client: TestClient, query: str, where: str) -> None:
    response = client.get(f"/v1/messages?filter=all&{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["where"] == where


def test_filters_at_their_limits_are_answered(client: TestClient) -> None:
    tags = "&".join(f"tag=t{i}" for i in range(20))
    response = client.get(f"/v1/messages?filter=all&subject={'a' * 200}&{tags}")
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def test_a_version_past_64_bits_is_400(client: TestClient) -> None:
    ref = client.post("/v1/messages", json=registration()).json()["items"][0]["id"]

    too_far = client.get(f"/v1/messages/{ref}/history?version={10**23}")
    largest = client.get(f"/v1/messages/{ref}/history?version={2**63 - 1}")

    assert too_far.status_code == 400
    assert too_far.json()["error"]["where"] == "query.version"
    assert largest.status_code == 404  # in range, just not a version this message has


def test_the_category_filter_keeps_only_that_category(client: TestClient) -> None:
    client.post("/v1/messages", json=registration("r-1", category="reminder"))
    client.post("/v1/messages", json=registration("i-1", category="invoice"))

    listed = client.get("/v1/messages?filter=all&category=invoice").json()["items"]

    assert [item["external_ref"] for item in listed] == ["i-1"]
