"""The console's address pages: the suppression list (filters, pages), an address's record,
lifting its suppression and recording its preference; each tenant's only, each with its roles,
every form refused without the session's CSRF token."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.console.pages import addresses
from domain.kinds import EventKind
from domain.values import utc_now
from projections.queries import MessageQuery
from tests.conftest import a_send, an_observation
from tests.integration.console.conftest import (
    OTHER_TENANT,
    TENANT,
    SignedInConsole,
    csrf_on,
    text_of,
)

ANA = "ana@example.com"
BOB = "bob@example.com"
CARL = "carl@other.example"
ZED = "zed@globex-only.example"
NOTHING = "Nothing is recorded about this address."


@pytest.fixture
def recorded(console: SignedInConsole) -> SignedInConsole:
    """acme: Ana hard-bounced, Carl complained (later), Bob was delivered; globex: Zed
    hard-bounced and globex's own record of Ana was delivered."""
    console.record(
        [
            a_send(ANA, BOB, CARL),
            a_send(ANA, ZED, tenant=OTHER_TENANT, provider_message_id="msg-g"),
            an_observation(EventKind.HARD_BOUNCE, 2, ANA),
            an_observation(EventKind.DELIVERED, 2, BOB),
            an_observation(EventKind.SPAM, 9, CARL),
            an_observation(
                EventKind.HARD_BOUNCE, 3, ZED, tenant=OTHER_TENANT, provider_message_id="msg-g"
            ),
            an_observation(
                EventKind.DELIVERED, 3, ANA, tenant=OTHER_TENANT, provider_message_id="msg-g"
            ),
        ]
    )
    return console


def history_types(console: SignedInConsole, address: str, tenant: str = TENANT) -> list[str]:
    book = console.context.read_side.address_book
    return [type(event).__qualname__ for event in book.history(tenant, address)]


def rows_of(page: Any) -> list[str]:
    """The addresses of the suppression list's rows, in order."""
    table = page.text.split('id="suppressions"', 1)[1].split("</table>", 1)[0]
    return [chunk.split("</span>", 1)[0] for chunk in table.split('<span class="address">')[1:]]


def test_the_list_shows_the_tenants_suppressions_newest_first_with_why_and_a_link(
    recorded: SignedInConsole,
) -> None:
    page = recorded.get("/suppressions")
    assert page.status_code == 200
    assert rows_of(page) == [CARL, ANA]
    text = text_of(page)
    assert "Hard bounce: the address does not exist" in text
    assert "The recipient reported an e-mail as spam" in text
    assert "until lifted" in text
    assert '/addresses?address=ana%40example.com"' in page.text
    assert BOB not in page.text
    assert ZED not in page.text


def test_the_filters_narrow_the_list_and_say_when_nothing_matches(
    recorded: SignedInConsole,
) -> None:
    assert rows_of(recorded.get("/suppressions", reason="spam")) == [CARL]
    assert rows_of(recorded.get("/suppressions", domain="@Example.com")) == [ANA]

    none = recorded.get("/suppressions", reason="unsubscribed")
    assert none.status_code == 200
    assert "No suppressed address matches these filters." in text_of(none)

    unknown = recorded.get("/suppressions", reason="bored")
    assert "There is no reason bored; that filter was left out." in text_of(unknown)
    assert rows_of(unknown) == [CARL, ANA]


def test_an_empty_list_says_what_it_means(console: SignedInConsole) -> None:
    page = console.get("/suppressions")
    assert page.status_code == 200
    assert "No address is suppressed: your platform may send to every address" in text_of(page)


def test_the_list_goes_page_by_page_and_refuses_a_cursor_it_did_not_give(
    recorded: SignedInConsole, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(addresses, "PAGE_SIZE", 1)
    first = recorded.get("/suppressions")
    assert rows_of(first) == [CARL]
    older = first.text.split('rel="next" id="older"', 1)[0].rsplit('href="', 1)[1].split('"')[0]
    cursor = parse_qs(urlsplit(older.replace("&amp;", "&")).query)["cursor"][0]
    second = recorded.get("/suppressions", cursor=cursor)
    assert rows_of(second) == [ANA]
    assert 'id="older"' not in second.text
    assert "Most recent suppressions" in text_of(second)

    assert recorded.get("/suppressions", cursor="not-a-cursor").status_code == 400


def test_an_address_page_says_why_since_when_and_what_led_there(recorded: SignedInConsole) -> None:
    page = recorded.get("/addresses", address=ANA.upper())
    assert page.status_code == 200
    text = text_of(page)
    assert "Suppressed" in text
    assert "Hard bounce: the address does not exist" in text
    assert "What led to the suppression" in text
    assert 'id="lift-form"' in page.text and 'id="preference-form"' in page.text
    assert csrf_on(page) == {recorded.signed["admin"].csrf}

    delivered = recorded.get("/addresses", address=BOB)
    assert "May be sent to" in text_of(delivered)
    assert 'id="lift-form"' not in delivered.text


def test_an_unknown_a_malformed_and_another_tenants_address_read_the_same(
    recorded: SignedInConsole,
) -> None:
    answers = [
        recorded.get("/addresses", address="nobody@example.com"),
        recorded.get("/addresses", address="not an address"),
        recorded.get("/addresses"),
        recorded.get("/addresses", address=ZED),
    ]
    assert [a.status_code for a in answers] == [404] * 4
    assert all(NOTHING in text_of(a) for a in answers)
    assert ZED not in answers[3].text
    # globex's own record of Ana is its own: delivered, not acme's hard bounce.
    theirs = recorded.get("/addresses", address=ANA, who="other_admin")
    assert "May be sent to" in text_of(theirs)
    assert "Hard bounce" not in text_of(theirs)


def test_a_lift_is_recorded_as_the_users_with_its_reason_and_confirmed(
    recorded: SignedInConsole,
) -> None:
    done = recorded.post("/addresses/lift", {"address": ANA, "reason": "typo fixed"})
    assert done.status_code == 303
    assert done.headers["location"] == "/addresses?address=ana%40example.com&done=lifted"

    page = recorded.get(done.headers["location"])
    text = text_of(page)
    assert "The suppression was lifted: this address may be sent to again." in text
    assert "May be sent to" in text and "typo fixed" in text
    changes = page.text.split('id="changes"', 1)[1].split("</ol>", 1)[0]
    assert changes.index("Lifted on") < changes.index("Suppressed on")
    assert "by a person of your organisation: typo fixed" in text
    assert rows_of(recorded.get("/suppressions")) == [CARL]
    [lifted] = [
        e
        for e in recorded.context.read_side.address_book.history(TENANT, ANA)
        if type(e).__qualname__ == "Address.Lifted"
    ]
    admin = recorded.context.users.find(TENANT, "admin@acme.example")
    assert (lifted.by, lifted.reason) == (f"user {admin.user_id}", "typo fixed")

    again = recorded.post("/addresses/lift", {"address": ANA, "reason": "twice"})
    assert again.status_code == 409
    assert "not suppressed: there is nothing to lift" in text_of(again)


def test_a_lift_needs_a_reason(recorded: SignedInConsole) -> None:
    before = history_types(recorded, ANA)
    refused = recorded.post("/addresses/lift", {"address": ANA, "reason": "  "})
    assert refused.status_code == 400
    assert "the reason is kept" in text_of(refused)
    assert (
        recorded.post("/addresses/lift", {"address": ANA, "reason": "x" * 501}).status_code == 400
    )
    assert history_types(recorded, ANA) == before


@pytest.mark.parametrize(
    ("csrf", "headers"),
    [
        (None, {}),
        ("viewer's token", {}),
        ("forged", {}),
        ("own", {"Origin": "https://elsewhere.example"}),
    ],
)
def test_a_form_without_the_sessions_token_or_from_another_site_is_refused(
    recorded: SignedInConsole, csrf: str | None, headers: dict[str, str]
) -> None:
    if csrf == "viewer's token":
        csrf = recorded.signed["viewer"].csrf
    before = history_types(recorded, ANA)
    lift = recorded.post(
        "/addresses/lift", {"address": ANA, "reason": "x"}, csrf=csrf, headers=headers
    )
    prefer = recorded.post(
        "/addresses/preference", {"address": ANA, "preference": "no"}, csrf=csrf, headers=headers
    )
    assert (lift.status_code, prefer.status_code) == (403, 403)
    assert history_types(recorded, ANA) == before
    assert rows_of(recorded.get("/suppressions")) == [CARL, ANA]


def test_the_preference_is_recorded_shown_with_its_history_and_checked(
    recorded: SignedInConsole,
) -> None:
    for value in ("no", "not_applicable", "no"):
        done = recorded.post("/addresses/preference", {"address": BOB, "preference": value})
        assert done.status_code == 303
        assert done.headers["location"].endswith("&done=preference")
    page = recorded.get("/addresses", address=BOB)
    text = text_of(page)
    assert "The recipient's preference was saved." not in text
    assert "Refused: the recipient wants no e-mail" in text
    history = page.text.split('id="preference-history"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall("<tr>", history)) == 1 + 3  # the heading, then each change
    assert history.count("a person of your organisation") == 3
    side = recorded.context.read_side
    key = side.address_book.id_of(TENANT, BOB)
    assert side.address_queries.check(TENANT, [key], utc_now())[key].reason == "preference: no"

    before = history_types(recorded, BOB)
    refused = recorded.post("/addresses/preference", {"address": BOB, "preference": "maybe"})
    assert refused.status_code == 400
    assert history_types(recorded, BOB) == before


def test_a_viewer_sees_an_address_but_may_neither_lift_nor_set_its_preference(
    recorded: SignedInConsole,
) -> None:
    page = recorded.get("/addresses", address=ANA, who="viewer")
    assert page.status_code == 200
    assert 'id="lift-form"' not in page.text and 'id="preference-form"' not in page.text
    assert rows_of(recorded.get("/suppressions", who="viewer")) == [CARL, ANA]

    before = history_types(recorded, ANA)
    lift = recorded.post("/addresses/lift", {"address": ANA, "reason": "x"}, who="viewer")
    prefer = recorded.post(
        "/addresses/preference", {"address": ANA, "preference": "no"}, who="viewer"
    )
    assert (lift.status_code, prefer.status_code) == (403, 403)
    assert "Your role does not let you" in text_of(lift)
    assert history_types(recorded, ANA) == before


def test_the_roles_without_read_addresses_and_strangers_see_no_address(
    recorded: SignedInConsole,
) -> None:
    for who in ("auditor", "sender"):
        assert recorded.get("/suppressions", who=who).status_code == 403
        assert recorded.get("/addresses", address=ANA, who=who).status_code == 403
    # The platform's role records preferences over the API, not in the console's pages.
    assert recorded.get("/suppressions", who=None).status_code == 303
    assert recorded.get("/suppressions", who=None).headers["location"].startswith("/sign-in")


def test_another_tenant_neither_sees_nor_lifts_nor_prefers_an_address(
    recorded: SignedInConsole,
) -> None:
    theirs = recorded.get("/suppressions", who="other_admin")
    assert rows_of(theirs) == [ZED]
    assert CARL not in theirs.text

    before = history_types(recorded, CARL)
    lift = recorded.post("/addresses/lift", {"address": CARL, "reason": "x"}, who="other_admin")
    prefer = recorded.post(
        "/addresses/preference", {"address": CARL, "preference": "yes"}, who="other_admin"
    )
    assert (lift.status_code, prefer.status_code) == (404, 404)
    assert NOTHING in text_of(lift) and NOTHING in text_of(prefer)
    assert history_types(recorded, CARL) == before
    assert recorded.context.read_side.address_book.find(OTHER_TENANT, CARL) is None
    # and acme's admin cannot touch globex's Zed either.
    assert recorded.post("/addresses/lift", {"address": ZED, "reason": "x"}).status_code == 404


def test_the_message_page_links_failed_recipients_to_their_address(
    recorded: SignedInConsole,
) -> None:
    [item] = recorded.context.read_side.queries.list_messages(
        MessageQuery(tenant=TENANT, failed_only=False, limit=10)
    ).items
    path = f"/messages/{item['id']}"
    page = recorded.get(path)
    assert page.status_code == 200
    assert '/addresses?address=ana%40example.com"' in page.text
    assert '/addresses?address=carl%40other.example"' in page.text
    assert '/addresses?address=bob%40example.com"' not in page.text
    # An auditor reads the message but not addresses: no link to a page it may not see.
    audited = recorded.get(path, who="auditor")
    assert audited.status_code == 200
    assert "/addresses?" not in audited.text
