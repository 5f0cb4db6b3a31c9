"""Reads: the list, a message, its history, a dossier, daily counts; only the key's tenant."""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.api.models import DailyStats, DossierPage, MessageDetail, MessagePage
from tests.unit.api.bodies import SENT, generic_line, registration
from tests.unit.api.conftest import Api
from tests.unit.api.test_errors import error_of


def _registered(api: Api, *refs: str, **fields: object) -> list[str]:
    response = api.post("/v1/messages", json=[registration(ref, **fields) for ref in refs])  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    return [item["id"] for item in response.json()["items"]]


def _bounced(api: Api, ref: str) -> None:
    response = api.post(
        "/v1/webhooks/generic", content=generic_line(f"pm-{ref}", event="hard_bounce")
    )
    assert response.status_code == 200, response.text


def test_the_list_shows_failed_messages_by_default_and_every_one_on_request(api: Api) -> None:
    ok, failed = _registered(api, "inv-1", "inv-2")
    _bounced(api, "inv-2")

    default = api.get("/v1/messages").json()
    every = api.get("/v1/messages", params={"filter": "all"}).json()

    assert [row["id"] for row in default["items"]] == [failed]
    assert default["next_cursor"] is None
    assert {row["id"] for row in every["items"]} == {ok, failed}


def test_filters_reach_the_query(api: Api) -> None:
    _registered(api, "inv-1", subject="Invoice March", tags=["invoice", "q1"])
    _registered(api, "inv-2", subject="Reminder", tags=["invoice"])
    _registered(
        api, "inv-3", subject="Contract", sent_at=SENT + timedelta(days=1), dossier_id="D-2"
    )

    def ids(**params: object) -> set[str]:
        response = api.get("/v1/messages", params={"filter": "all", **params})
        assert response.status_code == 200, response.text
        return {row["external_ref"] for row in response.json()["items"]}

    assert ids(subject="march") == {"inv-1"}
    assert ids(tag=["invoice", "q1"]) == {"inv-1"}
    assert ids(dossier="D-2") == {"inv-3"}
    assert ids(sent_from=(SENT + timedelta(hours=1)).isoformat()) == {"inv-3"}
    assert ids(sent_until=(SENT + timedelta(hours=1)).isoformat()) == {"inv-1", "inv-2"}
    assert ids(recipient="example.com") == {"inv-1", "inv-2", "inv-3"}
    assert ids(outcome="delivered") == set()


def test_an_unencoded_plus_in_a_time_is_read_as_the_offset(api: Api) -> None:
    _registered(api, "inv-1")
    later = (SENT + timedelta(hours=1)).astimezone(datetime.now().astimezone().tzinfo)
    text = later.strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"

    response = api.get(f"/v1/messages?filter=all&sent_until={text}")

    assert response.status_code == 200, response.text


def test_pages_follow_the_cursor_and_a_foreign_cursor_is_400(api: Api) -> None:
    ids = _registered(api, *(f"inv-{n}" for n in range(5)), sent_at=SENT)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"filter": "all", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/v1/messages", params=params).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(ids)
    error = error_of(api.get("/v1/messages", params={"cursor": "bogus"}), 400)
    assert error["where"] == "query.cursor"


def test_a_message_by_id_or_by_provider_reference(api: Api) -> None:
    (message_id,) = _registered(api, "inv-1")

    by_id = api.get(f"/v1/messages/{message_id}", key="viewer")
    by_reference = api.get("/v1/messages/sendgrid:pm-inv-1", key="viewer")

    assert by_id.status_code == 200, by_id.text
    assert by_id.json() == by_reference.json()
    assert by_id.json()["external_ref"] == "inv-1"
    assert by_id.json()["recipients"][0]["address"] == "ana@example.com"


def test_another_tenants_messages_are_404_registered_or_not(api: Api) -> None:
    (message_id,) = _registered(api, "inv-1")
    api.post("/v1/webhooks/generic", content=generic_line("never-registered"))

    for path in (
        f"/v1/messages/{message_id}",
        f"/v1/messages/{message_id}/history",
        f"/v1/messages/{message_id}/history?version=1",
    ):
        assert error_of(api.get(path, key="other_admin"), 404)["where"] == "path.ref"
    assert api.get(f"/v1/messages/{message_id}").status_code == 200
    # Events of a message not registered yet are the tenant's whose key posted them.
    assert api.get("/v1/messages/sendgrid:never-registered").status_code == 200
    assert api.get("/v1/messages/sendgrid:never-registered/history").status_code == 200
    error_of(api.get("/v1/messages/sendgrid:never-registered", key="other_admin"), 404)
    error_of(api.get("/v1/messages/sendgrid:never-registered/history", key="other_admin"), 404)
    assert api.get("/v1/messages?filter=all", key="other_admin").json()["items"] == []


def test_history_lists_stored_events_or_a_state_as_of_a_version_or_moment(api: Api) -> None:
    (message_id,) = _registered(api, "inv-1")
    _bounced(api, "inv-1")

    events = api.get(f"/v1/messages/{message_id}/history", key="auditor")
    first = api.get(f"/v1/messages/{message_id}/history?version=1", key="auditor")
    now = api.get(
        f"/v1/messages/{message_id}/history",
        params={"at": datetime.now().astimezone().isoformat()},
        key="auditor",
    )

    assert events.status_code == 200, events.text
    versions = [e["version"] for e in events.json()["events"]]
    assert versions == list(range(1, len(versions) + 1))
    assert first.json()["as_of"] == {"at": None, "version": 1}
    assert first.json()["state"]["registered"] is False
    assert now.json()["state"]["outcome"] == "error"
    assert now.json()["as_of"]["version"] == versions[-1]


def test_history_refuses_at_with_version_and_names_a_version_beyond_the_last(api: Api) -> None:
    (message_id,) = _registered(api, "inv-1")
    path = f"/v1/messages/{message_id}/history"

    both = api.get(path, params={"version": 1, "at": SENT.isoformat()})
    beyond = api.get(path, params={"version": 99})
    before = api.get(path, params={"at": "2000-01-01T00:00:00+00:00"})

    assert error_of(both, 400)["where"] == "query.at"
    error = error_of(beyond, 404)
    assert error["where"] == "query.version"
    assert "not 99" in error["message"]
    assert error_of(before, 404)["where"] == "query.at"


def test_a_dossier_history_is_the_tenants_only(api: Api) -> None:
    _registered(api, "inv-1", "inv-2")
    _bounced(api, "inv-2")

    page = api.get("/v1/dossiers/D-1/history", key="auditor")

    assert page.status_code == 200, page.text
    kinds = [item["kind"] for item in page.json()["items"]]
    assert kinds == ["registered", "registered", "hard_bounce"]
    error = error_of(api.get("/v1/dossiers/D-1/history", key="other_admin"), 404)
    assert error["message"] == "no dossier D-1"
    error_of(api.get("/v1/dossiers/D-9/history"), 404)


def test_daily_stats_count_the_tenants_days_and_refuse_a_reversed_range(api: Api) -> None:
    _registered(api, "inv-1", "inv-2")
    _bounced(api, "inv-2")

    days = api.get("/v1/stats/daily", key="viewer").json()["days"]
    other = api.get("/v1/stats/daily", key="other_admin").json()["days"]
    reversed_range = api.get("/v1/stats/daily?since=2026-11-24&until=2026-11-23")

    assert [(d["day"], d["messages"], d["hard_bounced"]) for d in days] == [("2026-11-23", 2, 1)]
    assert other == []
    assert error_of(reversed_range, 400)["where"] == "query.since"


def test_read_answers_hold_to_their_documented_models(api: Api) -> None:
    # The read routes answer with the views' JSON as is, without FastAPI validating it
    # against the response models; this holds them to what the OpenAPI document says.
    first, _ = _registered(
        api, "inv-1", "inv-2", dossier_id="D-1", tags=["invoice"], subject="Été à Zürich"
    )
    _bounced(api, "inv-2")

    page = api.get("/v1/messages", params={"filter": "all", "limit": 1}).json()
    detail = api.get(f"/v1/messages/{first}").json()
    dossier = api.get("/v1/dossiers/D-1/history", params={"limit": 2}).json()
    stats = api.get("/v1/stats/daily").json()

    assert MessagePage.model_validate(page).model_dump(mode="json") == page
    assert page["next_cursor"] is not None
    assert MessageDetail.model_validate(detail).model_dump(mode="json") == detail
    assert DossierPage.model_validate(dossier).model_dump(mode="json") == dossier
    assert DailyStats.model_validate(stats).model_dump(mode="json") == stats
    assert stats["days"][0]["messages"] == 2
