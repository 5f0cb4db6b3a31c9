"""Tenant isolation over HTTP: another tenant's admin finds nothing of the first tenant's."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.api_support import ServerProcess, create_key, servers, start_server
from tests.unit.api.bodies import generic_line, registration

__all__ = ["servers", "start_server"]  # fixtures

Start = Callable[..., ServerProcess]


def test_a_second_tenant_sees_nothing_of_the_first_on_any_route(
    database_url: str, start_server: Start
) -> None:
    server = start_server(database_url)
    acme = server.client(create_key(database_url, "acme", "admin"))
    globex = server.client(create_key(database_url, "globex", "admin"))
    posted = acme.post(
        "/v1/messages",
        json=[
            registration("inv-1", category="invoice", template="acme-invoice-v3"),
            registration("inv-2", category="acme-secret-kind"),
        ],
    )
    acme.post("/v1/webhooks/generic", content=generic_line("pm-inv-2", event="hard_bounce"))
    message_id = posted.json()["items"][1]["id"]
    acme_keys = acme.get("/v1/keys").json()["items"]

    # Every read: another tenant's ids are 404, exactly like ids that do not exist.
    for path in (
        f"/v1/messages/{message_id}",
        "/v1/messages/sendgrid:pm-inv-2",
        f"/v1/messages/{message_id}/history",
        f"/v1/messages/{message_id}/history?version=1",
        "/v1/dossiers/D-1/history",
    ):
        foreign = globex.get(path)
        assert foreign.status_code == 404, (path, foreign.text)
        assert acme.get(path).status_code == 200, path
    assert globex.get("/v1/messages", params={"filter": "all"}).json()["items"] == []
    assert globex.get("/v1/messages").json()["items"] == []
    assert globex.get("/v1/stats/daily").json()["days"] == []
    for by in ("category", "template"):
        assert globex.get("/v1/stats/daily", params={"by": by}).json()["days"] == []
        assert len(acme.get("/v1/stats/daily", params={"by": by}).json()["days"]) == 2
    assert globex.get("/v1/categories").json()["items"] == []
    assert globex.get("/v1/templates").json()["items"] == []
    assert [i["template"] for i in acme.get("/v1/templates").json()["items"]] == [
        "acme-invoice-v3",
        None,
    ]
    for params in ({"template": "acme-invoice-v3"}, {"templated": "true"}, {"category": "invoice"}):
        assert globex.get("/v1/messages", params={"filter": "all", **params}).json()["items"] == []
        assert acme.get("/v1/messages", params={"filter": "all", **params}).json()["items"]
    assert [k["tenant"] for k in globex.get("/v1/keys").json()["items"]] == ["globex"]

    # Writes: no revoking another tenant's keys, no registering in its name.
    for key in acme_keys:
        assert globex.delete(f"/v1/keys/{key['key_id']}").status_code == 404
    assert acme.get("/v1/keys").status_code == 200
    refused = globex.post("/v1/messages", json=registration("inv-9", tenant="acme"))
    assert refused.status_code == 403
    assert acme.get("/v1/messages", params={"filter": "all"}).json()["items"][0]["id"] in {
        item["id"] for item in posted.json()["items"]
    }
    assert len(acme.get("/v1/messages", params={"filter": "all"}).json()["items"]) == 2


def test_the_same_reference_in_two_tenants_is_kept_apart(
    database_url: str, start_server: Start
) -> None:
    server = start_server(database_url)
    acme = server.client(create_key(database_url, "acme", "admin"))
    globex = server.client(create_key(database_url, "globex", "admin"))

    acme.post("/v1/messages", json=registration("inv-1", provider_message_id="a-1"))
    globex.post("/v1/messages", json=registration("inv-1", provider_message_id="g-1", tenant=None))

    acme_rows = acme.get("/v1/messages", params={"filter": "all"}).json()["items"]
    globex_rows = globex.get("/v1/messages", params={"filter": "all"}).json()["items"]
    assert [(r["tenant"], r["provider_message_id"]) for r in acme_rows] == [("acme", "a-1")]
    assert [(r["tenant"], r["provider_message_id"]) for r in globex_rows] == [("globex", "g-1")]
