"""/v1/subscriptions: created with the secret shown once, URLs refused with clear 422s,
another tenant's subscription a 404 like any unknown id, the delivery log paged, re-sends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.signals.subscriptions import MAX_PER_TENANT
from adapters.signals.urls import UrlPolicy
from domain.values import utc_now
from tests.unit.api.conftest import Api, running_api
from tests.unit.signals.outbox_rows import OutboxWriter
from tests.unit.signals.receiver import Clock, Receiver


@pytest.fixture
def loopback_api(tmp_path: Path) -> Iterator[Api]:
    """The API as a server with MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK=1 runs it."""
    with running_api(
        tmp_path / "signals.sqlite", url_policy=UrlPolicy(allow_http_loopback=True)
    ) as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    # The real clock: the API signs a re-send with the time it is made.
    running = Receiver(Clock(now=utc_now()))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def outbox(loopback_api: Api) -> Iterator[OutboxWriter]:
    writer = OutboxWriter(loopback_api.context.database)
    try:
        yield writer
    finally:
        writer.close()


def create(api: Api, receiver: Receiver, path: str = "/hook", **body: Any) -> dict[str, Any]:
    response = api.post("/v1/subscriptions", json={"url": receiver.url(path), **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secrets[path] = created["secret"]
    return created


def test_a_subscription_is_created_with_its_secret_shown_once(
    loopback_api: Api, receiver: Receiver
) -> None:
    created = create(
        loopback_api, receiver, kinds=["message.error", "address.suppressed"], category="invoices"
    )
    subscription = created["subscription"]
    assert created["secret"].startswith("mlwhsec_")
    assert subscription["kinds"] == ["address.suppressed", "message.error"]
    assert subscription["category"] == "invoices" and subscription["active"] is True
    shown = loopback_api.get(f"/v1/subscriptions/{subscription['id']}")
    listed = loopback_api.get("/v1/subscriptions")
    assert shown.json() == subscription
    assert listed.json() == {"items": [subscription]}
    for response in (shown, listed):
        assert created["secret"] not in response.text and "secret" not in response.text


@pytest.mark.parametrize(
    ("body", "where", "text"),
    [
        ({"url": "http://hooks.example.com/"}, "body.url", "must be https"),
        ({"url": "https://10.0.0.1/"}, "body.url", "private address"),
        ({"url": "https://169.254.169.254/latest"}, "body.url", "link-local"),
        ({"url": "https://[::ffff:127.0.0.1]/"}, "body.url", "loopback"),
        ({"url": "http://127.0.0.1:9/"}, "body.url", "MAILLEDGER_SIGNALS_ALLOW_HTTP_LOOPBACK=1"),
        ({"url": "https://93.184.215.14/", "kinds": ["message.sent"]}, "body.kinds", "kinds"),
        ({"url": "https://93.184.215.14/", "category": ""}, "body.category", "category"),
        ({"kinds": []}, "body.url", "url"),
        ({"url": "https://93.184.215.14/", "secret": "mine"}, "body.secret", "secret"),
    ],
)
def test_a_subscription_that_cannot_be_is_422_saying_why(
    api: Api, body: dict[str, Any], where: str, text: str
) -> None:
    response = api.post("/v1/subscriptions", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["where"] == where and text in error["message"]
    assert api.get("/v1/subscriptions").json() == {"items": []}


def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    response = api.post("/v1/subscriptions", content=b"{url")
    assert response.status_code == 400


def test_another_tenants_subscription_is_a_404_like_an_unknown_id(
    loopback_api: Api, receiver: Receiver
) -> None:
    mine = create(loopback_api, receiver)["subscription"]["id"]
    signal = "6f1c2a4e-0000-4000-8000-000000000000"
    routes = [
        ("GET", "/v1/subscriptions/{id}"),
        ("DELETE", "/v1/subscriptions/{id}"),
        ("POST", "/v1/subscriptions/{id}/enable"),
        ("GET", "/v1/subscriptions/{id}/deliveries"),
        ("POST", f"/v1/subscriptions/{{id}}/deliveries/{signal}/resend"),
    ]
    for method, route in routes:
        foreign = loopback_api.call(method, route.format(id=mine), key="other_admin")
        unknown = loopback_api.call(method, route.format(id="sub_0000000000000000"))
        assert foreign.status_code == unknown.status_code == 404, (method, route)
        message = foreign.json()["error"]["message"]
        assert message == unknown.json()["error"]["message"].replace("sub_0000000000000000", mine)
        assert "acme" not in foreign.text
    assert loopback_api.get("/v1/subscriptions", key="other_admin").json() == {"items": []}
    assert loopback_api.get(f"/v1/subscriptions/{mine}").status_code == 200  # still there


def test_only_admins_manage_subscriptions(loopback_api: Api, receiver: Receiver) -> None:
    for role in ("viewer", "auditor", "ingest"):
        response = loopback_api.post(
            "/v1/subscriptions", key=role, json={"url": receiver.url("/hook")}
        )
        assert response.status_code == 403
        assert "manage_subscriptions" in response.json()["error"]["message"]
    assert loopback_api.get("/v1/subscriptions").json() == {"items": []}


def test_the_delivery_log_pages_and_a_resend_sends_again(
    loopback_api: Api, receiver: Receiver, outbox: OutboxWriter
) -> None:
    subscription = create(loopback_api, receiver)["subscription"]["id"]
    signals = [outbox.add(), outbox.add(), outbox.add()]
    summary = loopback_api.context.dispatcher.run_once(receiver.clock.now)
    assert summary.delivered == 3 and receiver.ids("/hook") == signals

    first = loopback_api.get(f"/v1/subscriptions/{subscription}/deliveries", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = loopback_api.get(
        f"/v1/subscriptions/{subscription}/deliveries",
        params={"limit": 2, "cursor": page["next_cursor"]},
    ).json()
    assert rest["next_cursor"] is None
    logged = {item["signal_id"] for item in page["items"] + rest["items"]}
    assert logged == set(signals)
    assert all(i["outcome"] == "delivered" and i["status"] == 204 for i in rest["items"])
    bad = loopback_api.get(
        f"/v1/subscriptions/{subscription}/deliveries", params={"cursor": "nonsense"}
    )
    assert bad.status_code == 400 and bad.json()["error"]["where"] == "query.cursor"

    resent = loopback_api.post(f"/v1/subscriptions/{subscription}/deliveries/{signals[0]}/resend")
    assert resent.status_code == 200, resent.text
    assert resent.json()["attempt"] == 2 and resent.json()["outcome"] == "delivered"
    assert receiver.ids("/hook") == [*signals, signals[0]]
    assert receiver.refused == []
    never = loopback_api.post(f"/v1/subscriptions/{subscription}/deliveries/not-a-uuid/resend")
    assert never.status_code == 404


def test_a_disabled_subscription_is_enabled_again_and_a_removed_one_is_gone(
    loopback_api: Api, receiver: Receiver
) -> None:
    subscription = create(loopback_api, receiver)["subscription"]["id"]
    loopback_api.context.dispatcher.stores.subscriptions.disable(subscription, utc_now())
    assert loopback_api.get(f"/v1/subscriptions/{subscription}").json()["active"] is False
    enabled = loopback_api.post(f"/v1/subscriptions/{subscription}/enable")
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    assert enabled.json()["disabled_at"] is None
    removed = loopback_api.call("DELETE", f"/v1/subscriptions/{subscription}")
    assert removed.status_code == 200 and removed.json()["id"] == subscription
    assert loopback_api.get(f"/v1/subscriptions/{subscription}").status_code == 404
    assert loopback_api.get("/v1/subscriptions").json() == {"items": []}


def test_a_tenant_has_at_most_twenty_subscriptions(loopback_api: Api, receiver: Receiver) -> None:
    for number in range(MAX_PER_TENANT):
        create(loopback_api, receiver, f"/hook-{number}")
    response = loopback_api.post("/v1/subscriptions", json={"url": receiver.url("/one-more")})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["where"] == "body" and "20 subscriptions" in error["message"]
    # Another tenant's count is its own.
    other = loopback_api.post(
        "/v1/subscriptions", key="other_admin", json={"url": receiver.url("/globex")}
    )
    assert other.status_code == 201
