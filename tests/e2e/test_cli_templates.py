"""``messages --template``, ``categories``, ``templates`` and ``stats [--by]`` as a user runs
them: a real process on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.test_cli import assert_one_line_error, jsonl, ok, run

SENT = "2026-11-23T09:00:00+00:00"


def _send(tenant: str, ref: str, category: str | None, template: str | None) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "external_ref": ref,
        "recipients": [f"ana@{tenant}.example"],
        "provider": "sendgrid",
        "provider_message_id": f"{tenant}-{ref}",
        "sent_at": SENT,
        "category": category,
        "template": template,
    }


@pytest.fixture
def loaded(database_url: str) -> str:
    sends = [
        _send("acme", "inv-1", "invoice", "invoice-v3"),
        _send("acme", "inv-2", "invoice", None),
        _send("acme", "con-1", "convocation", "convocation-a"),
        _send("globex", "g-1", "globex-kind", "globex-template"),
    ]
    ok(database_url, "register", stdin=jsonl(*sends))
    return database_url


def _refs(database_url: str, *args: str) -> set[str]:
    items = json.loads(ok(database_url, "messages", "--all", "--json", *args))
    return {item["external_ref"] for item in items}


def test_messages_filter_by_template_any_template_or_none(loaded: str) -> None:
    assert _refs(loaded, "--template", "invoice-v3") == {"inv-1"}
    assert _refs(loaded, "--tenant", "acme", "--templated") == {"inv-1", "con-1"}
    assert _refs(loaded, "--tenant", "acme", "--untemplated") == {"inv-2"}
    assert _refs(loaded, "--tenant", "acme", "--template", "globex-template") == set()


def test_a_template_with_untemplated_is_a_usage_mistake(loaded: str) -> None:
    result = run(loaded, "messages", "--template", "invoice-v3", "--untemplated")

    assert_one_line_error(result, "--template and --untemplated exclude each other")
    assert result.returncode == 2


def test_categories_and_templates_count_a_tenants_sends(loaded: str) -> None:
    categories = json.loads(ok(loaded, "categories", "--tenant", "acme", "--json"))
    templates = ok(loaded, "templates", "--tenant", "acme")
    later = json.loads(
        ok(loaded, "templates", "--tenant", "acme", "--sent-from", "2026-11-24T00:00:00Z", "--json")
    )

    assert categories == [
        {"category": "convocation", "messages": 1, "failed": 0},
        {"category": "invoice", "messages": 2, "failed": 0},
    ]
    assert templates.splitlines() == [
        "TEMPLATE       MESSAGES    FAILED",
        "convocation-a         1         0",
        "invoice-v3            1         0",
        "(none)                1         0",
    ]
    assert later == []
    assert "globex" not in json.dumps(categories) + templates


def test_stats_by_category_split_the_days_and_leave_the_plain_answer_as_it_was(
    loaded: str,
) -> None:
    plain = json.loads(ok(loaded, "stats", "--tenant", "acme", "--json"))
    by_category = json.loads(ok(loaded, "stats", "--tenant", "acme", "--by", "category", "--json"))
    by_template = ok(loaded, "stats", "--by", "template", "--since", "2026-11-23")

    assert [(day["day"], day["messages"]) for day in plain] == [("2026-11-23", 3)]
    assert "category" not in plain[0]
    assert [(day["category"], day["messages"]) for day in by_category] == [
        ("convocation", 1),
        ("invoice", 2),
    ]
    assert [line.split()[1] for line in by_template.splitlines()[1:]] == [
        "convocation-a",
        "globex-template",
        "invoice-v3",
        "(none)",
    ]


def test_stats_by_something_else_is_a_usage_mistake(loaded: str) -> None:
    result = run(loaded, "stats", "--by", "sender")

    assert_one_line_error(result, "--by")
    assert result.returncode == 2
