"""A provider message id one tenant holds tells another tenant nothing and gives it no hold
on the message: ids are derived with the tenant in them, and webhooks write into the key's
tenant's messages only."""

from __future__ import annotations

from typing import Any

from tests.unit.api.bodies import generic_line, registration
from tests.unit.api.conftest import OTHER_TENANT, Api


def _register(api: Api, key: str, **fields: Any) -> Any:
    response = api.post("/v1/messages", json=registration("inv-1", tenant=None, **fields), key=key)
    assert response.status_code == 201, response.text
    return response.json()


def _shown(api: Api, key: str, ref: str = "sendgrid:pm-inv-1") -> Any:
    response = api.get(f"/v1/messages/{ref}", key=key)
    assert response.status_code == 200, response.text
    return response.json()


def test_registering_a_provider_id_another_tenant_holds_reveals_nothing_of_it(api: Api) -> None:
    mine = _register(api, "admin", subject="Invoice 7", recipients=["ana@example.com"])
    # Another tenant tries guesses of the first one's fields under the same provider id.
    for guess in ({"subject": "Invoice 7"}, {"subject": "wrong"}, {"recipients": ["x@y.example"]}):
        theirs = api.post(
            "/v1/messages", json=registration("inv-1", tenant=None, **guess), key="other_admin"
        )
        # The first guess is registered as the other tenant's own message; the others are its
        # own conflicts, which name only its own fields.
        assert theirs.status_code in (201, 409), theirs.text
        assert "Invoice 7" not in theirs.text or guess == {"subject": "Invoice 7"}
        assert "ana@example.com" not in theirs.text
    assert (
        api.get("/v1/messages/sendgrid:pm-inv-1", key="other_admin").json()["id"]
        != (mine["items"][0]["id"])
    )
    assert _shown(api, "admin")["subject"] == "Invoice 7"


def test_registering_another_tenants_future_id_first_takes_nothing_from_it(api: Api) -> None:
    squatted = _register(api, "other_admin", subject="Squatter", recipients=["eve@example.net"])
    genuine = _register(api, "admin", subject="Invoice", recipients=["ana@example.com"])
    assert genuine["items"][0]["id"] != squatted["items"][0]["id"]

    delivered = api.post(
        "/v1/webhooks/generic",
        content=generic_line("pm-inv-1", "ana@example.com", "opened"),
        key="ingest",
    )
    assert delivered.status_code == 200, delivered.text

    mine = _shown(api, "admin")
    theirs = _shown(api, "other_admin")
    assert [r["address"] for r in mine["recipients"]] == ["ana@example.com"]
    assert mine["recipients"][0]["status"] == "opened"
    # The squatter sees its own message only: none of the first tenant's recipients' events.
    assert [r["address"] for r in theirs["recipients"]] == ["eve@example.net"]
    assert theirs["recipients"][0]["events"] == []


def test_another_tenants_ingest_key_cannot_write_into_a_message(api: Api) -> None:
    _register(api, "admin")
    line = generic_line("pm-inv-1", "ana@example.com", "delivered", event_id="ev-1")
    assert api.post("/v1/webhooks/generic", content=line, key="ingest").json()["recorded"] == 1

    # The same event, and a hard bounce, through the other tenant's key.
    again = api.post("/v1/webhooks/generic", content=line, key="other_ingest").json()
    bounce = generic_line("pm-inv-1", "ana@example.com", "hard_bounce", minutes=2)
    api.post("/v1/webhooks/generic", content=bounce, key="other_ingest")
    stranger = generic_line("pm-inv-1", "mallory@example.org", "delivered", minutes=3)
    api.post("/v1/webhooks/generic", content=stranger, key="other_ingest")

    # The duplicates count confirms nothing: to that key it is a new event of its own message.
    assert again == {"recorded": 1, "duplicates": 0, "skipped": 0, "quarantined": 0}
    mine = _shown(api, "admin")
    assert mine["outcome"] == "delivered"
    assert [r["address"] for r in mine["recipients"]] == ["ana@example.com"]
    stats = api.get("/v1/stats/daily").json()
    assert stats["days"], stats
    assert all(day["failed"] == 0 and day["delivered"] == 1 for day in stats["days"]), stats


def test_no_answer_to_another_tenant_names_the_tenant(api: Api) -> None:
    mine = _register(api, "admin")
    message_id = mine["items"][0]["id"]
    for path in (f"/v1/messages/{message_id}", f"/v1/messages/{message_id}/history"):
        response = api.get(path, key="other_admin")
        assert response.status_code == 404
        assert "acme" not in response.text
    assert OTHER_TENANT not in api.get(f"/v1/messages/{message_id}").text
