"""The OpenAPI document describes every route, its errors, its security and its bodies."""

from __future__ import annotations

from typing import Any

from tests.unit.api.conftest import Api

ROUTES = {
    ("get", "/v1/health"),
    ("get", "/v1/messages"),
    ("post", "/v1/messages"),
    ("get", "/v1/messages/{ref}"),
    ("get", "/v1/messages/{ref}/history"),
    ("get", "/v1/dossiers/{dossier_id}/history"),
    ("get", "/v1/stats/daily"),
    ("get", "/v1/categories"),
    ("get", "/v1/templates"),
    ("post", "/v1/webhooks/{provider}"),
    ("get", "/v1/keys"),
    ("post", "/v1/keys"),
    ("delete", "/v1/keys/{key_id}"),
    ("get", "/v1/quarantine"),
    ("get", "/v1/quarantine/{entry_id}"),
    ("post", "/v1/quarantine/{entry_id}/replay"),
    ("get", "/v1/subscriptions"),
    ("post", "/v1/subscriptions"),
    ("get", "/v1/subscriptions/{subscription_id}"),
    ("delete", "/v1/subscriptions/{subscription_id}"),
    ("post", "/v1/subscriptions/{subscription_id}/enable"),
    ("get", "/v1/subscriptions/{subscription_id}/deliveries"),
    ("post", "/v1/subscriptions/{subscription_id}/deliveries/{signal_id}/resend"),
    ("get", "/v1/addresses/{address}"),
    ("put", "/v1/addresses/{address}/preference"),
    ("post", "/v1/addresses/check"),
    ("get", "/v1/suppressions"),
    ("post", "/v1/suppressions/{address}/lift"),
    ("get", "/v1/policy"),
    ("put", "/v1/policy"),
    ("delete", "/v1/policy"),
    ("get", "/v1/messages/{ref}/content"),
    ("get", "/v1/settings/contact-link"),
    ("put", "/v1/settings/contact-link"),
    ("delete", "/v1/settings/contact-link"),
}


def _document(api: Api) -> dict[str, Any]:
    response = api.get("/openapi.json", key=None)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_every_route_is_documented(api: Api) -> None:
    paths = _document(api)["paths"]

    documented = {(method, path) for path, item in paths.items() for method in item}

    assert documented == ROUTES


def test_routes_document_their_key_and_the_error_shape(api: Api) -> None:
    document = _document(api)
    schemes = document["components"]["securitySchemes"]

    assert {"ApiKey", "WebhookBasic"} <= set(schemes)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path == "/v1/health":
                assert "security" not in operation
                continue
            assert {"ApiKey": []} in operation["security"], (method, path)
            unauthorized = operation["responses"]["401"]["content"]["application/json"]
            assert unauthorized["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
            assert "HTTPValidationError" not in str(operation["responses"])
    webhook = document["paths"]["/v1/webhooks/{provider}"]["post"]
    assert {"WebhookBasic": []} in webhook["security"]


def test_hand_read_bodies_are_documented(api: Api) -> None:
    document = _document(api)
    registration = document["paths"]["/v1/messages"]["post"]["requestBody"]

    schema = registration["content"]["application/json"]["schema"]
    assert schema["oneOf"][0] == {"$ref": "#/components/schemas/RegistrationIn"}
    assert {"RegistrationIn", "RecipientIn"} <= set(document["components"]["schemas"])
    assert "requestBody" in document["paths"]["/v1/webhooks/{provider}"]["post"]


def test_the_interactive_docs_are_served(api: Api) -> None:
    assert api.get("/docs", key=None).status_code == 200
