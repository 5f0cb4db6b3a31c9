"""Hostile requests are refused with a 4xx in the error shape, never a 500."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from adapters.access.roles import Role
from adapters.api.app import create_app
from adapters.api.context import open_context
from adapters.storage.database import parse_database_url
from adapters.verification import sendgrid
from tests.unit.api.bodies import generic_line, mailgun_webhook, registration
from tests.unit.api.conftest import Api
from tests.unit.api.test_errors import error_of

DEPTH = 1200
"""Deeper than orjson's 1024 levels, than pydantic's, and than Python's recursion limit."""


def nested(depth: int = DEPTH) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_a_mailgun_body_nested_deeper_than_the_limit_is_401_not_a_crash(api: Api) -> None:
    body = b'{"signature":' + nested() + b"}"
    error = error_of(api.post("/v1/webhooks/mailgun", content=body), 401)
    assert "nested too deep" in error["message"]


def test_a_signed_mailgun_body_with_deep_event_data_is_400(api: Api) -> None:
    signed = json.loads(mailgun_webhook())
    body = json.dumps({"signature": signed["signature"]}).encode()[:-1]
    body += b', "event-data": ' + nested(600) + b"}"
    error = error_of(api.post("/v1/webhooks/mailgun", content=body), 400)
    assert error["where"] == "body"


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/webhooks/generic", "/v1/keys"])
def test_deeply_nested_json_is_400_on_every_body_route(api: Api, path: str) -> None:
    error = error_of(api.post(path, content=b"[" * DEPTH + b"]" * DEPTH), 400)
    assert error["where"] == "body"


def test_a_sendgrid_timestamp_of_hundreds_of_digits_is_401(tmp_path: Path) -> None:
    private_key = ec.generate_private_key(ec.SECP256R1())
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings = {sendgrid.VERIFICATION_KEY_VARIABLE: base64.b64encode(der).decode()}
    context = open_context(parse_database_url(f"sqlite:///{tmp_path / 'sg.sqlite'}"), settings)
    try:
        token = context.keys.create("acme", Role.ADMIN).secret
        with TestClient(create_app(context, follow=False), raise_server_exceptions=False) as c:
            response = c.post(
                "/v1/webhooks/sendgrid",
                content=b"[]",
                headers={
                    "Authorization": f"Bearer {token}",
                    sendgrid.SIGNATURE_HEADER: "c2lnbmF0dXJl",
                    sendgrid.TIMESTAMP_HEADER: "9" * 400,
                },
            )
    finally:
        context.close()
    error = error_of(response, 401)
    assert "is not epoch seconds" in error["message"]


def test_a_version_beyond_what_a_database_stores_is_400_naming_the_range(api: Api) -> None:
    created = api.post("/v1/messages", json=registration())
    ref = created.json()["items"][0]["id"]

    error = error_of(api.get(f"/v1/messages/{ref}/history?version={10**23}"), 400)

    assert error["where"] == "query.version"
    assert str(2**63 - 1) in error["message"]


@pytest.mark.parametrize(
    ("query", "where", "limit"),
    [
        ("subject=" + "a" * 60_000, "query.subject", "200"),
        ("&".join(f"tag=t{i}" for i in range(2000)), "query.tag", "20"),
        ("tag=" + "t" * 201, "query.tag", "200"),
    ],
)
def test_filters_beyond_their_limits_are_400_naming_the_limit(
    api: Api, query: str, where: str, limit: str
) -> None:
    error = error_of(api.get(f"/v1/messages?filter=all&{query}"), 400)
    assert error["where"] == where
    assert f"at most {limit}" in error["message"]


@pytest.mark.parametrize(
    ("path", "unknown"),
    [
        ("/v1/messages?filter=all&categroy=reminder", "categroy"),
        ("/v1/stats/daily?days=7", "days"),
        ("/v1/keys?tenant=globex", "tenant"),
        ("/v1/health?verbose=1", "verbose"),
        ("/v1/dossiers/D-1/history?limt=5&zz=1", "limt"),
    ],
)
def test_an_unknown_query_parameter_is_400_naming_it(api: Api, path: str, unknown: str) -> None:
    error = error_of(api.get(path), 400)
    assert error["where"] == f"query.{unknown}"
    assert unknown in error["message"]


def test_the_list_filters_by_category(api: Api) -> None:
    api.post("/v1/messages", json=registration("inv-1", category="invoice"))
    api.post("/v1/messages", json=registration("rem-1", category="reminder"))

    listed = api.get("/v1/messages?filter=all&category=reminder")

    assert listed.status_code == 200
    assert [item["external_ref"] for item in listed.json()["items"]] == ["rem-1"]


def test_a_keyless_post_of_keys_is_401_whatever_its_body(api: Api) -> None:
    body = b'{"role": "admin", "label": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    response = api.post("/v1/keys", key=None, content=body)
    assert error_of(response, 401)["code"] == "unauthorized"


def test_a_key_request_larger_than_its_limit_is_413(api: Api) -> None:
    body = b'{"role": "admin", "label": "' + b"x" * (64 * 1024) + b'"}'
    assert error_of(api.post("/v1/keys", content=body), 413)["where"] == "body"


@pytest.mark.parametrize("field", ["subject", "sender", "dossier_id", "category", "external_ref"])
def test_a_registration_with_a_nul_in_a_text_field_is_refused_naming_it(
    api: Api, field: str
) -> None:
    body = {**registration(), field: "a\x00b"}
    error = error_of(api.post("/v1/messages", json=body), 422)
    assert error["where"] == f"body.{field}"
    assert "U+0000" in error["message"]
    assert api.event_count() == 0


def test_a_webhook_with_a_nul_in_a_message_id_is_400_and_records_nothing(api: Api) -> None:
    line = generic_line("pm-\x00-1")
    error = error_of(api.post("/v1/webhooks/generic", content=line.encode()), 400)
    assert "U+0000" in error["message"]
    assert api.event_count() == 0
