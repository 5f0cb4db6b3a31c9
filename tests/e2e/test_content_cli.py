"""Copies of sent e-mails and contact links on the command line: a real process, both
databases."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any
from uuid import UUID

from adapters.storage.contents import ContentStore
from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.read_side import open_read_side
from projections.queries import MessageQuery, every_item
from tests.e2e.test_cli import MAILLEDGER, NOW, jsonl, ok, run

CONTENT: dict[str, Any] = {
    "text": "Your contract is ready.",
    "html": "<p>Your contract is ready.</p>",
    "attachments": [{"name": "contract.pdf", "size": 212730, "content_type": "application/pdf"}],
}


def _send(**extra: Any) -> dict[str, Any]:
    return {
        "tenant": "acme",
        "external_ref": "ct-1",
        "subject": "Contract",
        "provider": "postmark",
        "provider_message_id": "pm-1",
        "recipients": [{"address": "ana@x.example", "contact_ref": "C-7"}],
        "sent_at": NOW.isoformat(),
        **extra,
    }


def test_register_keeps_the_copy_and_show_says_there_is_one(database_url: str) -> None:
    [line] = ok(database_url, "register", stdin=jsonl(_send(content=CONTENT))).splitlines()
    message_id = json.loads(line)["id"]

    shown = json.loads(ok(database_url, "show", message_id, "--json"))

    assert shown["content"]["attachments"] == 1
    assert shown["recipients"][0]["contact_ref"] == "C-7"
    with ContentStore(parse_database_url(database_url)) as contents:
        copy = contents.get("acme", shown["content"]["sha256"])
    assert copy is not None and copy.to_json() == CONTENT


def test_show_fills_in_the_tenants_contact_link(database_url: str) -> None:
    [line] = ok(database_url, "register", stdin=jsonl(_send())).splitlines()
    message_id = json.loads(line)["id"]
    ok(
        database_url,
        "contact-link",
        "set",
        "--tenant",
        "acme",
        "https://crm.example/c/{contact_ref}",
    )

    shown = json.loads(ok(database_url, "show", message_id, "--json"))

    assert shown["content"] is None
    assert shown["recipients"][0]["contact_url"] == "https://crm.example/c/C-7"


def test_a_copy_past_the_limit_is_one_line_and_a_non_zero_exit(database_url: str) -> None:
    too_large = {"text": "x" * (513 * 1024)}

    result = run(database_url, "register", stdin=jsonl(_send(content=too_large)))

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "524288" in result.stderr and "content" in result.stderr
    assert json.loads(ok(database_url, "messages", "--all", "--json")) == []


def test_contact_link_show_set_and_reset(database_url: str) -> None:
    template = "https://crm.example/contacts/{contact_ref}"

    empty = json.loads(ok(database_url, "contact-link", "show", "--tenant", "acme"))
    saved = json.loads(ok(database_url, "contact-link", "set", "--tenant", "acme", template))
    other = json.loads(ok(database_url, "contact-link", "show", "--tenant", "globex"))
    reset = json.loads(ok(database_url, "contact-link", "reset", "--tenant", "acme"))

    assert empty["template"] is None
    assert saved["template"] == template and saved["updated_by"] == "command line"
    assert other["template"] is None
    assert reset["template"] is None


def test_a_contact_link_that_cannot_be_used_is_refused_in_one_line(database_url: str) -> None:
    result = run(
        database_url, "contact-link", "set", "--tenant", "acme", "ftp://crm.example/{address}"
    )

    assert result.returncode == 2
    assert "http:// or https://" in result.stderr
    assert (
        json.loads(ok(database_url, "contact-link", "show", "--tenant", "acme"))["template"] is None
    )


def test_every_demo_send_has_a_copy_with_an_html_body() -> None:
    result = subprocess.run(
        [MAILLEDGER, "demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    found = re.search(r"fresh SQLite ledger: (\S+)", result.stdout)
    assert found is not None
    database = parse_database_url(found.group(1))

    with open_ledger(database) as ledger, open_read_side(database, ledger) as side:
        items = list(every_item(side.queries, MessageQuery(tenant=None, failed_only=False)))
        shown = [side.queries.message(UUID(item["id"]), None) for item in items]
    with ContentStore(database) as contents:
        copies = [
            contents.get(message["tenant"], message["content"]["sha256"])
            for message in shown
            if message is not None and message["content"] is not None
        ]

    assert len(copies) == len(items) == 11
    assert all(copy is not None and copy.html and copy.text for copy in copies)
    assert any(
        copy is not None and copy.attachments and copy.attachments[0].name.endswith(".pdf")
        for copy in copies
    )
    refs = [r["contact_ref"] for m in shown if m is not None for r in m["recipients"]]
    assert any(refs) and None in refs  # customers have contacts, the sender's own boxes not
