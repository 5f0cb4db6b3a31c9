"""Addresses over the API: status and history, the suppression list, lifts, preferences, the
pre-send check; each tenant's only, each route with its roles."""

from __future__ import annotations

from typing import Any

import pytest

from domain.kinds import EventKind
from tests.conftest import a_send, an_observation, bound
from tests.unit.api.conftest import OTHER_TENANT, TENANT, Api

ANA = "ana@example.com"
BOB = "bob@example.com"


def record_hard_bounce(api: Api, tenant: str = TENANT, address: str = ANA) -> None:
    ledger = api.context.ledger
    ledger.register([a_send(address, BOB, tenant=tenant)])
    ledger.record(
        bound(
            [
                an_observation(EventKind.HARD_BOUNCE, 2, address),
                an_observation(EventKind.DELIVERED, 2, BOB),
            ],
            tenant,
        )
    )
    api.context.read_side.catch_up()


def put(api: Api, path: str, body: dict[str, Any], key: str = "admin") -> Any:
    return api.call("PUT", path, key=key, json=body)


def test_a_hard_bounce_suppresses_the_address_and_the_api_says_why(api: Api) -> None:
    record_hard_bounce(api)

    shown = api.get(f"/v1/addresses/{ANA.upper()}").json()
    assert (shown["address"], shown["status"], shown["reason"]) == (
        ANA,
        "suppressed",
        "hard_bounce",
    )
    assert shown["allowed"] is False
    assert [f["kind"] for f in shown["failures"]] == ["hard_bounce"]
    assert [e["type"] for e in shown["history"]] == [
        "Address.Created",
        "Address.FactNoted",
        "Address.Suppressed",
    ]
    assert api.get(f"/v1/addresses/{BOB}").json()["status"] == "active"

    [item] = api.get("/v1/suppressions").json()["items"]
    assert (item["address"], item["reason"]) == (ANA, "hard_bounce")
    assert api.get("/v1/suppressions", params={"reason": "spam"}).json()["items"] == []
    assert len(api.get("/v1/suppressions", params={"domain": "@Example.com"}).json()["items"]) == 1


def test_check_refuses_suppressed_addresses_and_a_preference_of_no(api: Api) -> None:
    record_hard_bounce(api)
    assert (
        put(api, f"/v1/addresses/{BOB}/preference", {"preference": "no"}, "sender").status_code
        == 200
    )

    answer = api.post(
        "/v1/addresses/check",
        key="sender",
        json={"addresses": [ANA, BOB, "new@example.com", "not an address"]},
    ).json()
    assert answer["results"][:3] == [
        {"address": ANA, "allowed": False, "reason": "suppressed: hard_bounce"},
        {"address": BOB, "allowed": False, "reason": "preference: no"},
        {"address": "new@example.com", "allowed": True, "reason": None},
    ]
    invalid = answer["results"][3]
    assert invalid["allowed"] is False and "not an e-mail address" in invalid["reason"]


def test_a_lift_is_recorded_with_who_and_why_and_the_address_is_allowed_again(api: Api) -> None:
    record_hard_bounce(api)
    lifted = api.post(f"/v1/suppressions/{ANA}/lift", json={"reason": "typo fixed by the customer"})
    assert lifted.status_code == 200, lifted.text
    shown = lifted.json()
    assert shown["status"] == "active" and shown["allowed"] is True
    assert shown["lifted"]["reason"] == "typo fixed by the customer"
    assert shown["lifted"]["by"].startswith("key ")
    assert shown["history"][-1]["type"] == "Address.Lifted"
    assert api.get("/v1/suppressions").json()["items"] == []

    again = api.post(f"/v1/suppressions/{ANA}/lift", json={"reason": "twice"})
    assert again.status_code == 409
    unknown = api.post("/v1/suppressions/nobody@example.com/lift", json={"reason": "x"})
    assert unknown.status_code == 404


def test_a_preference_keeps_its_history_and_setting_it_again_records_nothing(api: Api) -> None:
    path = f"/v1/addresses/{ANA}/preference"
    for value in ("no", "no", "not_applicable", "yes"):
        assert put(api, path, {"preference": value}).status_code == 200
    shown = api.get(f"/v1/addresses/{ANA}").json()
    assert shown["preference"] == "yes" and shown["status"] == "active"
    changes = [
        e["payload"]["preference"] for e in shown["history"] if e["type"] == "Address.PreferenceSet"
    ]
    assert changes == ["no", "not_applicable", "yes"]
    refused = put(api, path, {"preference": "maybe"})
    assert refused.status_code == 422


def test_another_tenant_sees_nothing_of_an_address_nor_can_it_lift_it(api: Api) -> None:
    record_hard_bounce(api)
    assert api.get(f"/v1/addresses/{ANA}", key="other_admin").status_code == 404
    assert api.get("/v1/suppressions", key="other_admin").json()["items"] == []
    checked = api.post("/v1/addresses/check", key="other_admin", json={"addresses": [ANA]}).json()
    assert checked["results"] == [{"address": ANA, "allowed": True, "reason": None}]
    lift = api.post(f"/v1/suppressions/{ANA}/lift", key="other_admin", json={"reason": "x"})
    assert lift.status_code == 404
    for answer in (lift, api.get(f"/v1/addresses/{ANA}", key="other_admin")):
        assert TENANT not in answer.text
    # The other tenant's own facts about the same address are its own.
    record_hard_bounce(api, tenant=OTHER_TENANT)
    assert api.get(f"/v1/addresses/{ANA}", key="other_admin").json()["status"] == "suppressed"
    assert (
        put(api, f"/v1/addresses/{ANA}/preference", {"preference": "no"}, "other_admin").status_code
        == 200
    )
    assert api.get(f"/v1/addresses/{ANA}").json()["preference"] is None
    assert len(api.get("/v1/suppressions").json()["items"]) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    [
        ("GET", f"/v1/addresses/{ANA}", None, {"admin", "viewer"}),
        ("GET", "/v1/suppressions", None, {"admin", "viewer"}),
        ("POST", "/v1/addresses/check", {"addresses": [ANA]}, {"admin", "viewer", "sender"}),
        ("PUT", f"/v1/addresses/{ANA}/preference", {"preference": "yes"}, {"admin", "sender"}),
        ("POST", f"/v1/suppressions/{ANA}/lift", {"reason": "x"}, {"admin"}),
        ("GET", "/v1/policy", None, {"admin"}),
    ],
)
def test_each_route_takes_the_roles_docs_access_md_lists(
    api: Api, method: str, path: str, body: dict[str, Any] | None, allowed: set[str]
) -> None:
    record_hard_bounce(api)
    for role in ("admin", "viewer", "auditor", "ingest", "sender"):
        status = api.call(method, path, key=role, json=body).status_code
        assert (status != 403) == (role in allowed), (role, status)


def test_a_tenant_sets_its_own_rules_and_the_installations_apply_again_after_a_reset(
    api: Api,
) -> None:
    assert api.get("/v1/policy").json()["own"] is False
    rules = {"soft_failures": 2, "window_days": 7, "suppress_on_block": True, "expiry_days": 90}
    saved = put(api, "/v1/policy", rules).json()
    assert {k: saved[k] for k in rules} == rules and saved["own"] is True
    assert api.get("/v1/policy", key="other_admin").json()["own"] is False
    assert put(api, "/v1/policy", {**rules, "soft_failures": 0}).status_code == 422
    # A block now suppresses this tenant's addresses.
    ledger = api.context.ledger
    ledger.register([a_send(BOB)])
    ledger.record(bound([an_observation(EventKind.BLOCKED, 2, BOB)]))
    api.context.read_side.catch_up()
    shown = api.get(f"/v1/addresses/{BOB}").json()
    assert (shown["status"], shown["reason"]) == ("suppressed", "blocked")
    assert shown["until"] is not None
    assert api.call("DELETE", "/v1/policy").json()["own"] is False


def test_rules_of_no_time_at_all_are_refused_with_a_message(api: Api) -> None:
    rules = {"soft_failures": 2, "window_days": 1e-300, "suppress_on_block": False}
    refused = put(api, "/v1/policy", rules)
    assert refused.status_code == 422
    assert "window must be positive" in refused.json()["error"]["message"]
