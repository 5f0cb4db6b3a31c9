"""The copy of a sent e-mail and contact links over HTTP: registered, shown to the key's
tenant only, refused past the limits, and never logged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.access.roles import Role
from tests.unit.api.bodies import registration
from tests.unit.api.conftest import Api
from tests.unit.api.test_errors import error_of
from tests.unit.api.test_logs import json_logs  # noqa: F401 (a fixture)

CONTENT: dict[str, Any] = {
    "text": "Please find your invoice attached.",
    "html": "<p>Please find your <b>invoice</b> attached.</p>",
    "attachments": [{"name": "INV-981.pdf", "size": 48213, "content_type": "application/pdf"}],
}
CONTACTS = [{"address": "ana@example.com", "contact_ref": "C-1042"}, "bob@example.com"]


def _register(api: Api, key: str = "admin", **extra: Any) -> str:
    response = api.post("/v1/messages", key=key, json=registration("inv-1", tenant=None, **extra))
    assert response.status_code == 201, response.text
    message_id: str = response.json()["items"][0]["id"]
    return message_id


def test_a_registered_copy_is_summarised_in_the_detail_and_read_back_whole(api: Api) -> None:
    message_id = _register(api, content=CONTENT)

    detail = api.get(f"/v1/messages/{message_id}", key="viewer").json()
    copy = api.get(f"/v1/messages/{message_id}/content", key="viewer")

    size = len(CONTENT["text"].encode()) + len(CONTENT["html"].encode())
    assert detail["content"] == {
        "sha256": detail["content"]["sha256"],
        "size": size,
        "has_text": True,
        "has_html": True,
        "attachments": 1,
    }
    assert copy.status_code == 200, copy.text
    assert copy.json() == {
        "message_id": message_id,
        "subject": "Invoice",
        **CONTENT,
        "sha256": detail["content"]["sha256"],
        "size": size,
    }
    by_provider_id = api.get("/v1/messages/sendgrid:pm-inv-1/content", key="auditor")
    assert by_provider_id.json() == copy.json()


def test_a_message_without_a_copy_says_so_and_its_content_is_404(api: Api) -> None:
    message_id = _register(api)

    assert api.get(f"/v1/messages/{message_id}").json()["content"] is None
    error = error_of(api.get(f"/v1/messages/{message_id}/content"), 404)
    assert error["where"] == "path.ref"


def test_another_tenants_copy_is_404_as_if_there_were_none(api: Api) -> None:
    message_id = _register(api, content=CONTENT)

    other = api.get(f"/v1/messages/{message_id}/content", key="other_admin")
    missing = api.get("/v1/messages/00000000-0000-0000-0000-000000000000/content")

    assert error_of(other, 404)["message"] == f"no copy of message {message_id}"
    assert error_of(missing, 404)["message"].startswith("no copy of message")
    assert "Please" not in other.text


def test_the_same_copy_of_two_tenants_is_stored_twice_each_seeing_only_its_own(
    api: Api,
) -> None:
    mine = _register(api, content=CONTENT)
    theirs = _register(api, key="other_ingest", content=CONTENT)

    assert mine != theirs
    assert api.context.contents.count("acme") == 1
    assert api.context.contents.count("globex") == 1
    assert (
        api.get(f"/v1/messages/{theirs}/content", key="other_admin").json()["text"]
        == (CONTENT["text"])
    )
    assert api.get(f"/v1/messages/{theirs}/content").status_code == 404
    assert api.get(f"/v1/messages/{mine}/content", key="other_admin").status_code == 404


def test_the_same_copy_again_is_a_duplicate_and_another_copy_a_409(api: Api) -> None:
    _register(api, content=CONTENT)

    again = api.post("/v1/messages", json=registration("inv-1", content=CONTENT))
    other = api.post(
        "/v1/messages", json=registration("inv-1", content={**CONTENT, "text": "Another."})
    )

    assert again.json()["items"][0]["recorded"] is False
    assert "content" in error_of(other, 409)["message"]


@pytest.mark.parametrize(
    ("content", "where", "limit"),
    [
        ({"text": "x" * (300 * 1024), "html": "y" * (300 * 1024)}, "body.content", "524288"),
        (
            {"text": "t", "attachments": [{"name": f"{n}.pdf", "size": 1} for n in range(101)]},
            "body.content.attachments",
            "at most 100",
        ),
        (
            {"text": "t", "attachments": [{"name": "a" * 256, "size": 1}]},
            "body.content.attachments.0.name",
            "at most 255",
        ),
    ],
)
def test_a_copy_past_a_limit_is_413_naming_it_and_nothing_is_stored(
    api: Api, content: dict[str, Any], where: str, limit: str
) -> None:
    response = api.post("/v1/messages", json=registration("inv-1", content=content))

    error = error_of(response, 413)
    assert error["where"] == where
    assert limit in error["message"]
    assert api.event_count() == 0
    assert api.context.contents.count("acme") == 0


def test_a_malformed_copy_is_422(api: Api) -> None:
    response = api.post("/v1/messages", json=registration("inv-1", content={"attachments": []}))

    assert "'text' or an 'html'" in error_of(response, 422)["message"]


def test_recipients_show_their_contact_ref_and_the_tenants_contact_link(api: Api) -> None:
    message_id = _register(api, recipients=CONTACTS)

    before = api.get(f"/v1/messages/{message_id}").json()["recipients"]
    saved = api.call(
        "PUT",
        "/v1/settings/contact-link",
        json={"template": "https://crm.example/contacts/{contact_ref}?e={address}"},
    )
    after = api.get(f"/v1/messages/{message_id}", key="viewer").json()["recipients"]

    assert saved.status_code == 200, saved.text
    assert [(r["contact_ref"], r["contact_url"]) for r in before] == [
        ("C-1042", None),
        (None, None),
    ]
    assert [(r["contact_ref"], r["contact_url"]) for r in after] == [
        ("C-1042", "https://crm.example/contacts/C-1042?e=ana%40example.com"),
        (None, None),
    ]


def test_a_contact_link_by_address_serves_recipients_without_a_contact_ref(api: Api) -> None:
    message_id = _register(api, recipients=CONTACTS)
    api.call(
        "PUT", "/v1/settings/contact-link", json={"template": "https://crm.example/s?e={address}"}
    )

    recipients = api.get(f"/v1/messages/{message_id}").json()["recipients"]

    assert [r["contact_url"] for r in recipients] == [
        "https://crm.example/s?e=ana%40example.com",
        "https://crm.example/s?e=bob%40example.com",
    ]


def test_the_contact_link_is_shown_set_and_reset_per_tenant(api: Api) -> None:
    template = "https://crm.example/contacts/{contact_ref}"

    empty = api.get("/v1/settings/contact-link").json()
    saved = api.call("PUT", "/v1/settings/contact-link", json={"template": template}).json()
    shown = api.get("/v1/settings/contact-link").json()
    others = api.get("/v1/settings/contact-link", key="other_admin").json()
    reset = api.call("DELETE", "/v1/settings/contact-link").json()

    assert empty == {"template": None, "updated_at": None, "updated_by": None}
    assert saved == shown
    assert shown["template"] == template
    assert shown["updated_by"].startswith("key ")
    assert others["template"] is None
    assert reset["template"] is None
    assert api.get("/v1/settings/contact-link").json()["template"] is None


def test_another_tenants_contact_link_never_fills_this_tenants_recipients(api: Api) -> None:
    message_id = _register(api, recipients=CONTACTS)
    api.call(
        "PUT",
        "/v1/settings/contact-link",
        key="other_admin",
        json={"template": "https://evil.example/{contact_ref}"},
    )

    recipients = api.get(f"/v1/messages/{message_id}").json()["recipients"]

    assert [r["contact_url"] for r in recipients] == [None, None]


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("ftp://crm.example/{contact_ref}", "http:// or https://"),
        ("https://crm.example/{name}", "is not a placeholder"),
        ("https://{address}/", "host itself"),
        ("https://crm.example/" + "a" * 2000, "at most 2000"),
    ],
)
def test_a_template_that_cannot_be_used_is_400_saying_why(
    api: Api, template: str, problem: str
) -> None:
    response = api.call("PUT", "/v1/settings/contact-link", json={"template": template})

    error = error_of(response, 400)
    assert problem in error["message"]
    assert error["where"] == "body.template"
    assert api.get("/v1/settings/contact-link").json()["template"] is None


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR, Role.INGEST, Role.SENDER])
def test_only_admin_keys_manage_the_contact_link(api: Api, role: Role) -> None:
    response = api.call(
        "PUT", "/v1/settings/contact-link", key=role.value, json={"template": "https://a.example/"}
    )

    assert "manage_settings" in error_of(response, 403)["message"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.VIEWER, 200),
        (Role.AUDITOR, 200),
        (Role.INGEST, 403),
        (Role.SENDER, 403),
    ],
)
def test_admin_viewer_and_auditor_keys_read_copies(api: Api, role: Role, status: int) -> None:
    message_id = _register(api, content=CONTENT)

    response = api.get(f"/v1/messages/{message_id}/content", key=role.value)

    assert response.status_code == status, response.text


def test_a_copy_is_never_logged(api: Api, json_logs: Any) -> None:  # noqa: F811
    json_logs()

    message_id = _register(api, content=CONTENT)
    api.get(f"/v1/messages/{message_id}/content")

    lines = json.dumps(json_logs())
    assert "invoice" not in lines
    assert "INV-981" not in lines
