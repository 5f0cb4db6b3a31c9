"""One error shape for every failure, request ids on every answer, no trace in a body."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import pytest

from tests.unit.api.bodies import registration
from tests.unit.api.conftest import Api


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"status", "code", "message", "where", "request_id"}
    assert error["status"] == status
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert error["message"]
    return error


def test_an_incoming_request_id_is_echoed_and_quoted_in_errors(api: Api) -> None:
    response = api.get("/v1/messages/nope", headers={"X-Request-ID": "trace-42.a_b"})

    assert response.headers["X-Request-ID"] == "trace-42.a_b"
    assert error_of(response, 400)["request_id"] == "trace-42.a_b"


@pytest.mark.parametrize("incoming", [None, "", "x" * 129, "has space", "semi;colon", "tab\tid"])
def test_a_missing_or_unfit_request_id_is_replaced_by_a_new_one(
    api: Api, incoming: str | None
) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    first = api.get("/v1/health", headers=headers)
    second = api.get("/v1/health", headers=headers)

    generated = first.headers["X-Request-ID"]
    assert len(generated) == 32
    int(generated, 16)
    assert second.headers["X-Request-ID"] != generated


def test_an_unknown_route_is_404_in_the_error_shape(api: Api) -> None:
    error = error_of(api.get("/v1/nothing-here"), 404)
    assert error["code"] == "not_found"
    assert "/v1/nothing-here" in error["message"]


def test_a_wrong_method_is_405_in_the_error_shape(api: Api) -> None:
    error = error_of(api.call("PUT", "/v1/messages"), 405)
    assert error["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/v1/messages?limit=0", "query.limit"),
        ("/v1/messages?limit=501", "query.limit"),
        ("/v1/messages?outcome=lost", "query.outcome"),
        ("/v1/messages?status=teleported", "query.status"),
        ("/v1/messages?filter=some", "query.filter"),
        ("/v1/messages?sent_from=2026-11-23T09:00:00", "query.sent_from"),
        ("/v1/messages?sent_until=yesterday", "query.sent_until"),
        ("/v1/stats/daily?since=2026-13-01", "query.since"),
        (f"/v1/messages/{uuid.UUID(int=1)}/history?version=0", "query.version"),
        ("/v1/dossiers/D-1/history?limit=-1", "query.limit"),
    ],
)
def test_invalid_parameters_are_422_naming_the_parameter(api: Api, path: str, where: str) -> None:
    error = error_of(api.get(path), 422)
    assert error["code"] == "invalid"
    assert error["where"] == where
    assert error["message"].startswith(f"{where}: ")


def test_an_invalid_field_of_a_batch_names_the_item_and_the_field(api: Api) -> None:
    bad = registration("inv-2", recipients=[{"address": "ana@example.com", "type": "to"}])
    bad["recipients"][0]["type"] = "reply-to"

    error = error_of(api.post("/v1/messages", json=[registration("inv-1"), bad]), 422)

    assert error["where"] == "body[1].recipients.0.type"


def test_an_invalid_address_names_the_recipient(api: Api) -> None:
    bad = registration("inv-2", recipients=["not an address"])

    error = error_of(api.post("/v1/messages", json=[registration("inv-1"), bad]), 422)

    assert error["where"] == "body[1].recipients.0"


def test_a_single_registration_names_its_fields_without_an_index(api: Api) -> None:
    error = error_of(api.post("/v1/messages", json=registration(sent_at_missing=True)), 422)
    assert error["where"] == "body.sent_at_missing"


def test_a_field_of_a_json_body_read_by_fastapi_is_named(api: Api) -> None:
    error = error_of(api.post("/v1/keys", json={"role": "boss"}), 422)
    assert error["where"] == "body.role"


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/keys", "/v1/webhooks/generic"])
def test_malformed_json_is_400(api: Api, path: str) -> None:
    error = error_of(
        api.post(path, content=b'{"role": ', headers={"Content-Type": "application/json"}), 400
    )
    assert error["code"] == "bad_request"
    assert error["where"] == "body"


def test_a_bad_message_reference_is_400_at_path_ref(api: Api) -> None:
    error = error_of(api.get("/v1/messages/not-a-reference"), 400)
    assert error["where"] == "path.ref"
    assert "UUID" in error["message"]


def test_an_unexpected_failure_is_500_without_a_trace(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internals at /srv/app.py line 3")

    monkeypatch.setattr(api.context.read_side.queries, "list_messages", broken)

    response = api.get("/v1/messages")

    error = error_of(response, 500)
    assert error["code"] == "internal"
    assert error["message"] == f"internal error; quote request id {error['request_id']}"
    assert "secret" not in response.text
    assert "Traceback" not in response.text


def test_a_database_failure_is_503_naming_the_database(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_: object, **__: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(api.context.read_side.queries, "list_messages", down)

    error = error_of(api.get("/v1/messages"), 503)
    assert error["code"] == "unavailable"
    assert api.context.database.display in error["message"]


def test_a_body_over_the_limit_is_413(api: Api) -> None:
    error = error_of(api.post("/v1/webhooks/generic", content=b" " * (5 * 1024 * 1024 + 1)), 413)
    assert error["code"] == "payload_too_large"
