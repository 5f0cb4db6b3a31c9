"""The console's sent-mail log, message, dossier and statistics pages, over both databases."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.access.roles import Role
from adapters.api.context import open_context
from domain.values import Recipient
from tests.integration.console.console_support import Console, planned, record

NOW = datetime.now(UTC).replace(microsecond=0)
LOST = "lost@silva.example"
A, B = "acme-travel", "northwind-legal"


@pytest.fixture
def console(database_url: str) -> Iterator[Console]:
    from adapters.storage.database import parse_database_url

    context = open_context(parse_database_url(database_url), {})
    try:
        record(
            context,
            [
                planned(
                    A,
                    "inv-1",
                    "Invoice INV-1 for Lisbon",
                    NOW - timedelta(hours=3),
                    {"ana@mail.example": "opened", "finance@silva.example": "hard_bounce"},
                    dossier="BK-1",
                    category="invoice",
                ),
                planned(
                    A,
                    "rem-1",
                    '=HYPERLINK("http://evil.example")',
                    NOW - timedelta(hours=2),
                    {"ana@mail.example": "delivered"},
                    dossier="BK-1",
                    category="reminder",
                ),
                planned(
                    B,
                    "case-1",
                    "Northwind case review",
                    NOW - timedelta(hours=1),
                    {"m.kim@corp.example": "hard_bounce"},
                    dossier="BK-1",
                ),
            ],
            NOW,
        )
        yield Console(context)
    finally:
        context.close()


def message_id(console: Console, tenant: str, subject: str) -> str:
    from projections.queries import MessageQuery

    page = console.context.read_side.queries.list_messages(
        MessageQuery(tenant=tenant, failed_only=False)
    )
    return next(str(item["id"]) for item in page.items if item["subject"] == subject)


def test_a_page_without_a_session_sends_to_sign_in_and_back(console: Console) -> None:
    with console.browser() as client:
        answer = client.get("/messages?show=all", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fmessages%3Fshow%3Dall"


def test_the_log_shows_failed_e_mails_only_until_asked_for_all(console: Console) -> None:
    with console.person(A, Role.VIEWER) as client:
        failed = client.get("/messages")
        every = client.get("/messages?show=all")
    assert failed.status_code == 200
    assert "Invoice INV-1 for Lisbon" in failed.text
    assert "HYPERLINK" not in failed.text
    assert 'href="/messages?show=all" id="toggle"' in failed.text
    assert "HYPERLINK" in every.text and "Invoice INV-1 for Lisbon" in every.text
    # Each row shows its recipients with their status.
    assert "finance@silva.example" in failed.text
    assert failed.headers["content-security-policy"].startswith("default-src 'self'")
    assert failed.headers["cache-control"] == "no-store"


def test_the_log_never_shows_another_tenants_e_mails(console: Console) -> None:
    with console.person(A, Role.ADMIN) as client:
        shown = client.get("/messages?show=all&dossier=BK-1").text
        exported = client.get("/messages.csv?show=all").text
    assert "Northwind case review" not in shown
    assert "Northwind" not in exported and "m.kim@corp.example" not in exported


def test_filters_are_kept_in_the_url_and_a_wrong_value_is_named(console: Console) -> None:
    with console.person(A, Role.VIEWER) as client:
        by_recipient = client.get("/messages?show=all&recipient=silva.example").text
        by_status = client.get("/messages?show=all&status=delivered").text
        by_subject = client.get("/messages?show=all&subject=lisbon").text
        nothing = client.get("/messages?show=all&dossier=NONE").text
        wrong = client.get("/messages?show=all&status=lost")
        wrong_day = client.get("/messages?show=all&from=yesterday")
    assert "Invoice INV-1" in by_recipient and "HYPERLINK" not in by_recipient
    assert "HYPERLINK" in by_status
    assert "Invoice INV-1" in by_subject and "HYPERLINK" not in by_subject
    assert "No e-mail matches these filters." in nothing
    assert wrong.status_code == 200
    assert "There is no status lost; it was left out." in wrong.text
    assert "yesterday is not a date" in wrong_day.text
    # The export link carries the filters.
    assert 'href="/messages.csv?show=all&amp;dossier=NONE"' in nothing


def test_the_log_pages_by_keyset_without_repeating_or_losing_a_row(database_url: str) -> None:
    from adapters.storage.database import parse_database_url

    context = open_context(parse_database_url(database_url), {})
    try:
        sends = [
            planned(
                A,
                f"p-{n}",
                f"Notice {n:03d}",
                NOW - timedelta(minutes=n),
                {"x@y.example": "delivered"},
            )
            for n in range(120)
        ]
        record(context, sends, NOW)
        console = Console(context)
        seen: list[str] = []
        with console.person(A, Role.VIEWER) as client:
            path = "/messages?show=all"
            pages = 0
            while path:
                html = client.get(path).text
                pages += 1
                seen += [f"Notice {n:03d}" for n in range(120) if f"Notice {n:03d}" in html]
                marker = html.find('id="older"')
                if marker < 0:
                    break
                start = html.rfind('href="', 0, marker) + len('href="')
                path = html[start : html.index('"', start)].replace("&amp;", "&")
        assert pages == 3
        assert seen == [f"Notice {n:03d}" for n in range(120)]
    finally:
        context.close()


def test_the_csv_export_streams_the_filtered_list_and_defuses_formulas(console: Console) -> None:
    with console.person(A, Role.VIEWER) as client:
        answer = client.get("/messages.csv?show=all")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="sent-mail-acme-travel-'
    )
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Sent at (UTC)", "Result", "Last status"]
    subjects = {row[3] for row in rows[1:]}
    assert subjects == {"Invoice INV-1 for Lisbon", '\'=HYPERLINK("http://evil.example")'}
    invoice = next(row for row in rows if row[3].startswith("Invoice"))
    assert "finance@silva.example (hard_bounce)" in invoice[5]


def test_the_message_page_explains_each_step_and_hides_other_tenants(console: Console) -> None:
    mine = message_id(console, A, "Invoice INV-1 for Lisbon")
    theirs = message_id(console, B, "Northwind case review")
    with console.person(A, Role.VIEWER) as client:
        page = client.get(f"/messages/{mine}")
        other = client.get(f"/messages/{theirs}")
        missing = client.get("/messages/00000000-0000-0000-0000-000000000000")
        garbage = client.get("/messages/not-a-reference")
    assert page.status_code == 200
    assert "finance@silva.example" in page.text
    assert "5.1.1 user unknown" in page.text  # the provider's words, among the details
    assert 'href="/dossiers/BK-1"' in page.text
    assert other.status_code == missing.status_code == garbage.status_code == 404
    assert "Northwind" not in other.text
    assert main_of(other.text) == main_of(missing.text)


def main_of(html: str) -> str:
    return html[html.index("<main") :]


def test_the_replay_as_of_a_moment_is_for_those_who_audit(console: Console) -> None:
    mine = message_id(console, A, "Invoice INV-1 for Lisbon")
    before = (NOW - timedelta(hours=3) + timedelta(seconds=10)).astimezone(UTC)
    at = before.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    with console.person(A, Role.VIEWER) as viewer:
        refused = viewer.get(f"/messages/{mine}", params={"at": at})
    with console.person(A, Role.AUDITOR) as auditor:
        replayed = auditor.get(f"/messages/{mine}", params={"at": at})
        now = auditor.get(f"/messages/{mine}")
        log = auditor.get("/messages")
    assert refused.status_code == 403
    assert replayed.status_code == 200
    assert 'id="as-of"' in replayed.text
    assert "Stored history" in now.text
    assert log.status_code == 403


def test_a_failed_recipients_contact_link_is_on_every_view_of_the_message(
    console: Console,
) -> None:
    sent = planned(A, "inv-9", "Invoice INV-9", NOW - timedelta(hours=3), {LOST: "hard_bounce"})
    send = replace(sent.send, recipients=(Recipient(LOST, contact_ref="C-42"),))
    record(console.context, [replace(sent, send=send)], NOW)
    console.context.contact_links.set(A, "https://crm.example/contacts/{contact_ref}", by="test")
    mine = message_id(console, A, "Invoice INV-9")
    # "As of" is by the time the ledger recorded the events: now, after they were recorded.
    at = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    link = 'href="https://crm.example/contacts/C-42"'

    with console.person(A, Role.VIEWER) as viewer:
        from_the_views = viewer.get(f"/messages/{mine}")
    with console.person(A, Role.AUDITOR) as auditor:
        from_the_log = auditor.get(f"/messages/{mine}")
        replayed = auditor.get(f"/messages/{mine}", params={"at": at})

    for name, page in (("views", from_the_views), ("log", from_the_log), ("as of", replayed)):
        assert page.status_code == 200
        assert link in page.text, name
    assert 'id="as-of"' in replayed.text


def test_the_dossier_page_lists_the_dossiers_e_mails_and_every_step(console: Console) -> None:
    with console.person(A, Role.VIEWER) as client:
        page = client.get("/dossiers/BK-1")
        unknown = client.get("/dossiers/BK-404")
    assert page.status_code == 200
    assert "Invoice INV-1 for Lisbon" in page.text and "HYPERLINK" in page.text
    assert "Northwind" not in page.text and "m.kim@corp.example" not in page.text
    assert unknown.status_code == 404


def test_the_statistics_page_counts_only_the_tenants_sends(console: Console) -> None:
    with console.person(A, Role.VIEWER) as client:
        page = client.get("/statistics?by=category")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "invoice" in page.text and "reminder" in page.text
    assert "<strong>2</strong>" in page.text  # two e-mails of the tenant, not three


def test_forms_without_the_sessions_token_are_refused(console: Console) -> None:
    with console.person(A, Role.ADMIN) as client:
        no_token = client.post("/sign-out", data={}, follow_redirects=False)
        wrong = client.post("/language", data={"csrf": "x" * 40, "language": "fr"})
        elsewhere = client.post(
            "/language",
            data={"csrf": "x", "language": "fr"},
            headers={"Origin": "https://evil.example"},
        )
        still_in = client.get("/messages")
    assert no_token.status_code == wrong.status_code == elsewhere.status_code == 403
    assert still_in.status_code == 200


def test_a_refused_sign_in_says_the_same_whatever_was_wrong(console: Console) -> None:
    from tests.integration.console.console_support import csrf_of

    console.context.users.create(A, "clerk@acme.example", Role.VIEWER, "a good long password")
    attempts = [
        (A, "clerk@acme.example", "not the password"),
        (A, "nobody@acme.example", "a good long password"),
        ("no-such-tenant", "clerk@acme.example", "a good long password"),
    ]
    answers = []
    with console.browser() as client:
        for tenant, email, password in attempts:
            token = csrf_of(client.get("/sign-in").text)
            form = {"csrf": token, "organisation": tenant, "email": email, "password": password}
            answers.append(client.post("/sign-in", data=form))
    assert [a.status_code for a in answers] == [401, 401, 401]
    problems = {a.text[a.text.index('id="problem"') :].split("</p>")[0] for a in answers}
    assert problems == {'id="problem">The organisation, e-mail address or password is not right.'}


def test_roles_decide_the_pages_as_they_decide_the_api(console: Console) -> None:
    with console.person(A, Role.VIEWER) as viewer:
        assert viewer.get("/users").status_code == 403
        assert viewer.get("/lookup").status_code == 200
    with console.person(A, Role.AUDITOR) as auditor:
        assert auditor.get("/", follow_redirects=False).headers["location"] == "/lookup"
        assert auditor.get("/statistics").status_code == 403
