"""A body's unreadable event is kept in the tenant's quarantine, the rest recorded and the
provider answered 200; admins see and replay their own tenant's entries only."""

from __future__ import annotations

import json

from adapters.storage.quarantine import SetAside
from domain.values import utc_now
from tests.unit.api.conftest import TENANT, Api
from tests.unit.providers.bodies import body

ODD = {"event": "delivered", "email": "odd@example.com"}
"""A Brevo event without its message id or time: it cannot be read."""


def _post_batch_with_one_odd_event(api: Api) -> dict[str, int]:
    batch = [json.loads(body("brevo", "delivered")), ODD]
    response = api.post("/v1/webhooks/brevo", content=json.dumps(batch), key="ingest")
    assert response.status_code == 200, response.text
    answer: dict[str, int] = response.json()
    return answer


def test_the_good_part_of_a_batch_is_recorded_and_the_odd_event_quarantined(api: Api) -> None:
    assert _post_batch_with_one_odd_event(api) == {
        "recorded": 1,
        "duplicates": 0,
        "skipped": 0,
        "quarantined": 1,
    }
    # The provider retries the whole body: nothing is recorded or kept twice.
    assert _post_batch_with_one_odd_event(api)["duplicates"] == 1

    [entry] = api.get("/v1/quarantine").json()["items"]
    assert (entry["tenant"], entry["provider"], entry["index"]) == (TENANT, "brevo", 1)
    assert entry["source"] == "webhook" and entry["replayed_at"] is None
    assert json.loads(entry["body"]) == [ODD]
    assert "message-id" in entry["reason"] or "ts_event" in entry["reason"], entry["reason"]
    assert api.get(f"/v1/quarantine/{entry['id']}").json() == entry


def test_another_tenant_sees_no_entry_and_only_admins_see_any(api: Api) -> None:
    _post_batch_with_one_odd_event(api)
    [entry] = api.get("/v1/quarantine").json()["items"]

    assert api.get("/v1/quarantine", key="other_admin").json() == {"items": []}
    for call in (
        api.get(f"/v1/quarantine/{entry['id']}", key="other_admin"),
        api.post(f"/v1/quarantine/{entry['id']}/replay", key="other_admin"),
    ):
        assert call.status_code == 404
        assert TENANT not in call.text and "odd@example.com" not in call.text
    for role in ("viewer", "auditor", "ingest"):
        assert api.get("/v1/quarantine", key=role).status_code == 403


def test_an_event_still_unreadable_stays_and_a_readable_one_is_recorded_once(api: Api) -> None:
    _post_batch_with_one_odd_event(api)
    [odd] = api.get("/v1/quarantine").json()["items"]
    refused = api.post(f"/v1/quarantine/{odd['id']}/replay")
    assert refused.status_code == 422
    assert "still cannot be read" in refused.json()["error"]["message"]

    # An event a former version could not read, which this one reads.
    readable = SetAside(
        tenant=TENANT,
        provider="brevo",
        source="webhook",
        index=0,
        reason="read by an older version",
        data=body("brevo", "opened"),
        received_at=utc_now(),
        raw_type="opened",
    )
    [entry_id] = api.context.quarantine.add([readable], utc_now())
    first = api.post(f"/v1/quarantine/{entry_id}/replay").json()
    again = api.post(f"/v1/quarantine/{entry_id}/replay").json()

    assert (first["recorded"], first["duplicates"]) == (1, 0)
    assert (again["recorded"], again["duplicates"]) == (0, 1)
    assert [item["id"] for item in api.get("/v1/quarantine").json()["items"]] == [odd["id"]]
    replayed = api.get("/v1/quarantine", params={"replayed": "true"}).json()["items"]
    assert {item["id"] for item in replayed} == {odd["id"], entry_id}
    shown = api.get("/v1/messages/brevo:202611230915.61735318457@smtp-relay.mailin.fr")
    assert shown.json()["recipients"][0]["status"] == "opened"
