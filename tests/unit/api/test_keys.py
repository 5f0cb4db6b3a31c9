"""The tenant's keys over the API: listed without secrets, issued once, revoked in-tenant."""

from __future__ import annotations

from adapters.access.roles import Role
from tests.unit.api.conftest import OTHER_TENANT, TENANT, Api
from tests.unit.api.test_errors import error_of


def test_keys_are_listed_for_the_tenant_only_and_never_with_a_secret(api: Api) -> None:
    response = api.get("/v1/keys")

    assert response.status_code == 200
    keys = response.json()["items"]
    assert {k["tenant"] for k in keys} == {TENANT}
    assert sorted(k["role"] for k in keys) == sorted(role.value for role in Role)
    assert all(
        set(k) == {"key_id", "tenant", "role", "label", "created_at", "revoked_at"} for k in keys
    )
    assert not any(token in response.text for token in api.tokens.values())


def test_an_issued_token_works_at_once_and_is_shown_once(api: Api) -> None:
    response = api.post("/v1/keys", json={"role": "viewer", "label": "dashboard"})

    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["key"]["tenant"] == TENANT
    assert issued["key"]["label"] == "dashboard"
    assert issued["token"].startswith(f"mlk_{issued['key']['key_id']}_")
    listed = api.get(
        "/v1/messages", key=None, headers={"Authorization": f"Bearer {issued['token']}"}
    )
    assert listed.status_code == 200
    assert issued["token"] not in api.get("/v1/keys").text


def test_a_bad_label_is_422(api: Api) -> None:
    error = error_of(api.post("/v1/keys", json={"role": "viewer", "label": "a\nb"}), 422)
    assert error["where"] == "body.label"


def test_unknown_fields_of_a_key_request_are_refused(api: Api) -> None:
    error = error_of(api.post("/v1/keys", json={"role": "viewer", "tenant": "globex"}), 422)
    assert error["where"] == "body.tenant"


def test_a_key_is_revoked_in_its_tenant_and_another_tenants_key_is_404(api: Api) -> None:
    viewer = next(k for k in api.get("/v1/keys").json()["items"] if k["role"] == "viewer")
    foreign = api.context.keys.list(OTHER_TENANT)[0]

    refused = api.call("DELETE", f"/v1/keys/{foreign.key_id}")
    revoked = api.call("DELETE", f"/v1/keys/{viewer['key_id']}")

    assert error_of(refused, 404)["where"] == "path.key_id"
    assert api.context.keys.get(foreign.key_id).active
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert api.get("/v1/messages", key="viewer").status_code == 401
