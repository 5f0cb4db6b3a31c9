"""Who may call what: keys checked on every /v1 route, roles checked against permissions."""

from __future__ import annotations

import base64
import time

import pytest

from adapters.access.roles import Permission, Role, allows
from adapters.api.recent_keys import RecentKeys
from tests.unit.api.conftest import TENANT, Api

MESSAGE = "3e3cd630-b07f-48e5-8432-6f6f59e5e122"  # fixed: test ids must be the same in every worker

ROUTES: list[tuple[str, str, Permission]] = [
    ("GET", "/v1/messages", Permission.READ_MESSAGES),
    ("GET", f"/v1/messages/{MESSAGE}", Permission.READ_MESSAGES),
    ("GET", "/v1/stats/daily", Permission.READ_MESSAGES),
    ("GET", "/v1/stats/daily?by=template", Permission.READ_MESSAGES),
    ("GET", "/v1/categories", Permission.READ_MESSAGES),
    ("GET", "/v1/templates", Permission.READ_MESSAGES),
    ("GET", f"/v1/messages/{MESSAGE}/history", Permission.READ_HISTORY),
    ("GET", f"/v1/messages/{MESSAGE}/content", Permission.READ_CONTENT),
    ("GET", "/v1/settings/contact-link", Permission.MANAGE_SETTINGS),
    ("PUT", "/v1/settings/contact-link", Permission.MANAGE_SETTINGS),
    ("DELETE", "/v1/settings/contact-link", Permission.MANAGE_SETTINGS),
    ("GET", "/v1/dossiers/D-1/history", Permission.READ_HISTORY),
    ("POST", "/v1/messages", Permission.INGEST),
    ("POST", "/v1/webhooks/generic", Permission.INGEST),
    ("GET", "/v1/keys", Permission.MANAGE_KEYS),
    ("POST", "/v1/keys", Permission.MANAGE_KEYS),
    ("DELETE", "/v1/keys/0123456789ab", Permission.MANAGE_KEYS),
    ("GET", "/v1/subscriptions", Permission.MANAGE_SUBSCRIPTIONS),
    ("POST", "/v1/subscriptions", Permission.MANAGE_SUBSCRIPTIONS),
    ("GET", "/v1/subscriptions/sub_0", Permission.MANAGE_SUBSCRIPTIONS),
    ("DELETE", "/v1/subscriptions/sub_0", Permission.MANAGE_SUBSCRIPTIONS),
    ("POST", "/v1/subscriptions/sub_0/enable", Permission.MANAGE_SUBSCRIPTIONS),
    ("GET", "/v1/subscriptions/sub_0/deliveries", Permission.MANAGE_SUBSCRIPTIONS),
    (
        "POST",
        f"/v1/subscriptions/sub_0/deliveries/{MESSAGE}/resend",
        Permission.MANAGE_SUBSCRIPTIONS,
    ),
]


def _basic(token: str, user: str = "mailgun") -> str:
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def test_health_needs_no_key(api: Api) -> None:
    response = api.get("/v1/health", key=None)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
def test_every_route_refuses_a_request_without_a_key(
    api: Api, method: str, path: str, permission: Permission
) -> None:
    response = api.call(method, path, key=None)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.json()["error"]
    assert error["code"] == "unauthorized"
    assert "Authorization: Bearer" in error["message"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer mlk_0123456789ab_" + "x" * 43,
        "Bearer not-a-token",
        "Token abc",
        "Bearer",
    ],
)
def test_an_unknown_or_malformed_key_is_401(api: Api, authorization: str) -> None:
    response = api.get("/v1/messages", key=None, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_key_revoked_through_the_api_is_401_from_the_next_request_on(api: Api) -> None:
    assert api.get("/v1/messages", key="viewer").status_code == 200
    viewer = next(k for k in api.context.keys.list(TENANT) if k.role is Role.VIEWER)

    assert api.call("DELETE", f"/v1/keys/{viewer.key_id}", key="admin").status_code == 200

    response = api.get("/v1/messages", key="viewer")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "the API key is unknown or revoked"


def test_a_key_revoked_elsewhere_is_401_once_its_recent_authentication_expires(
    api: Api,
) -> None:
    api.context.recent_keys = RecentKeys(ttl=0.3)
    assert api.get("/v1/messages", key="viewer").status_code == 200
    viewer = next(k for k in api.context.keys.list(TENANT) if k.role is Role.VIEWER)

    # As `mailledger keys revoke` in another process would: the server is not told.
    api.context.keys.revoke(viewer.key_id)
    trusted_meanwhile = api.get("/v1/messages", key="viewer").status_code
    time.sleep(0.3)  # the TTL itself is what is under test

    assert trusted_meanwhile == 200
    assert api.get("/v1/messages", key="viewer").status_code == 401


def test_basic_credentials_are_taken_on_webhooks_only(api: Api) -> None:
    token = api.tokens["admin"]
    line = '{"provider":"sendgrid","provider_message_id":"m","recipient":"a@b.example",'
    line += '"event":"delivered","occurred_at":"2026-11-23T09:00:00+00:00"}'

    webhook = api.post(
        "/v1/webhooks/generic", key=None, headers={"Authorization": _basic(token)}, content=line
    )
    listing = api.get("/v1/messages", key=None, headers={"Authorization": _basic(token)})

    assert webhook.status_code == 200, webhook.text
    assert listing.status_code == 401
    assert listing.headers["WWW-Authenticate"] == "Bearer"


def test_a_webhook_without_credentials_is_challenged_for_bearer_and_basic(api: Api) -> None:
    response = api.post("/v1/webhooks/generic", key=None, content=b"")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Basic" in response.headers["WWW-Authenticate"]


def test_basic_credentials_with_a_wrong_password_are_401(api: Api) -> None:
    response = api.post(
        "/v1/webhooks/generic",
        key=None,
        headers={"Authorization": _basic("mlk_0123456789ab_" + "y" * 43)},
        content=b"",
    )
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path", "permission"), ROUTES)
@pytest.mark.parametrize("role", list(Role))
def test_a_role_without_the_permission_is_403_naming_both(
    api: Api, method: str, path: str, permission: Permission, role: Role
) -> None:
    response = api.call(method, path, key=role.value)

    if allows(role, permission):
        assert response.status_code not in (401, 403), response.text
        return
    assert response.status_code == 403
    message = response.json()["error"]["message"]
    assert role.value in message
    assert permission.value in message
