"""Reads by category and template: the list's filters, the summaries, the daily counts by
either; only the key's tenant's, and nothing of another tenant's, not even its names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.api.models import CategoryList, DailyStats, MessageDetail, TemplateList
from tests.unit.api.bodies import SENT, generic_line, registration
from tests.unit.api.conftest import Api
from tests.unit.api.test_errors import error_of

DAY = SENT.date().isoformat()


def _register(api: Api, key: str, tenant: str, *sends: tuple[str, str | None, str | None]) -> None:
    body = [
        registration(ref, tenant=tenant, category=category, template=template)
        for ref, category, template in sends
    ]
    response = api.post("/v1/messages", json=body, key=key)
    assert response.status_code == 201, response.text


@pytest.fixture
def both(api: Api) -> Api:
    """acme's sends and globex's, whose categories and templates acme must never see."""
    _register(
        api,
        "admin",
        "acme",
        ("inv-1", "invoice", "invoice-v3"),
        ("inv-2", "invoice", None),
        ("con-1", "convocation", "convocation-a"),
    )
    _register(
        api,
        "other_ingest",
        "globex",
        ("g-1", "invoice", "invoice-v3"),
        ("g-2", "globex-secret-kind", "globex-secret-template"),
    )
    bounced = api.post(
        "/v1/webhooks/generic", content=generic_line("pm-inv-1", event="hard_bounce")
    )
    assert bounced.status_code == 200, bounced.text
    return api


def _refs(api: Api, key: str = "admin", **params: object) -> set[str]:
    response = api.get("/v1/messages", params={"filter": "all", **params}, key=key)
    assert response.status_code == 200, response.text
    return {row["external_ref"] for row in response.json()["items"]}


def test_the_list_filters_by_template_by_any_template_and_by_none(both: Api) -> None:
    assert _refs(both, template="invoice-v3") == {"inv-1"}
    assert _refs(both, templated="true") == {"inv-1", "con-1"}
    assert _refs(both, templated="false") == {"inv-2"}
    assert _refs(both, category="invoice", templated="true") == {"inv-1"}
    assert _refs(both, template="globex-secret-template") == set()
    assert _refs(both, "other_admin", template="invoice-v3") == {"g-1"}
    assert _refs(both, "other_admin", category="convocation") == set()


def test_a_template_with_templated_false_is_400(both: Api) -> None:
    response = both.get("/v1/messages", params={"template": "invoice-v3", "templated": "false"})

    assert error_of(response, 400)["where"] == "query.templated"


def test_a_message_detail_names_its_template(both: Api) -> None:
    [row] = both.get("/v1/messages", params={"template": "invoice-v3"}).json()["items"]

    detail = both.get(f"/v1/messages/{row['id']}").json()

    assert (detail["category"], detail["template"]) == ("invoice", "invoice-v3")
    assert MessageDetail.model_validate(detail).model_dump(mode="json") == detail


def test_the_summaries_hold_the_tenants_own_values_only(both: Api) -> None:
    categories = both.get("/v1/categories").json()
    templates = both.get("/v1/templates").json()
    theirs = both.get("/v1/templates", key="other_admin").json()

    assert categories == {
        "items": [
            {"category": "convocation", "messages": 1, "failed": 0},
            {"category": "invoice", "messages": 2, "failed": 1},
        ]
    }
    assert templates == {
        "items": [
            {"template": "convocation-a", "messages": 1, "failed": 0},
            {"template": "invoice-v3", "messages": 1, "failed": 1},
            {"template": None, "messages": 1, "failed": 0},
        ]
    }
    assert theirs == {
        "items": [
            {"template": "globex-secret-template", "messages": 1, "failed": 0},
            {"template": "invoice-v3", "messages": 1, "failed": 0},
        ]
    }
    assert "globex" not in str(categories) + str(templates)
    assert CategoryList.model_validate(categories).model_dump(mode="json") == categories
    assert TemplateList.model_validate(templates).model_dump(mode="json") == templates


def test_the_summaries_take_a_sent_time_range(both: Api) -> None:
    later = (SENT + timedelta(hours=1)).isoformat()

    before = both.get("/v1/categories", params={"sent_until": later}).json()
    after = both.get("/v1/categories", params={"sent_from": later}).json()

    assert sum(item["messages"] for item in before["items"]) == 3
    assert after == {"items": []}


def test_daily_counts_by_category_and_template_are_the_tenants_own(both: Api) -> None:
    by_category = both.get("/v1/stats/daily", params={"by": "category"}).json()
    by_template = both.get("/v1/stats/daily", params={"by": "template"}).json()
    theirs = both.get("/v1/stats/daily", params={"by": "template"}, key="other_admin").json()
    plain = both.get("/v1/stats/daily").json()

    assert [(d["day"], d["category"], d["messages"], d["failed"]) for d in by_category["days"]] == [
        (DAY, "convocation", 1, 0),
        (DAY, "invoice", 2, 1),
    ]
    assert [(d["template"], d["messages"], d["failed"]) for d in by_template["days"]] == [
        ("convocation-a", 1, 0),
        ("invoice-v3", 1, 1),
        (None, 1, 0),
    ]
    assert [(d["template"], d["failed"]) for d in theirs["days"]] == [
        ("globex-secret-template", 0),
        ("invoice-v3", 0),
    ]
    assert "globex" not in str(by_category) + str(by_template)
    assert DailyStats.model_validate(by_template).model_dump(mode="json") == by_template
    assert [set(day) for day in plain["days"]] == [
        set(day) - {"category"} for day in by_category["days"][:1]
    ]


def test_daily_counts_by_anything_else_are_422(both: Api) -> None:
    response = both.get("/v1/stats/daily", params={"by": "tenant"})

    assert error_of(response, 422)["where"] == "query.by"


@pytest.mark.parametrize(
    "path", ["/v1/categories?categroy=invoice", "/v1/templates?template=x", "/v1/stats/daily?by_=x"]
)
def test_the_new_reads_refuse_parameters_they_do_not_take(api: Api, path: str) -> None:
    error = error_of(api.get(path), 400)

    assert error["where"].startswith("query.")
    assert "unknown query parameter" in error["message"]
