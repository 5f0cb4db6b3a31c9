"""Every body of the real-payload corpus becomes the kinds written here, or a known notice.

The corpus (tests/fixtures/<provider>/corpus/, each file's public source in SOURCES.md) is
what SendGrid, Mailgun and Brevo publish and what other libraries test against, copied as
posted. A body added there without a line here fails ``test_every_corpus_body_is_expected``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.providers.registry import PARSERS
from domain.kinds import MACHINE_OPEN

CORPUS = Path(__file__).resolve().parents[2] / "fixtures"
PROVIDERS = ("sendgrid", "mailgun", "brevo")


@dataclass(frozen=True)
class Expect:
    """The kinds of a body's observations in body order, its known notices' raw types, and
    how many of its events are set aside; ``machine`` when its opens are machine opens."""

    kinds: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    rejected: int = 0
    machine: bool = False


EXPECTED: dict[tuple[str, str], Expect] = {
    # sendgrid
    ("sendgrid", "anymail_bounce"): Expect(("hard_bounce",)),
    ("sendgrid", "anymail_click"): Expect(("clicked",)),
    ("sendgrid", "anymail_deferred"): Expect(("deferred",)),
    ("sendgrid", "anymail_delivered"): Expect(("delivered",)),
    ("sendgrid", "anymail_dropped_invalid"): Expect(("invalid_email",)),
    ("sendgrid", "anymail_dropped_unsubscribed"): Expect(("blocked",)),
    ("sendgrid", "anymail_open"): Expect(("opened",)),
    ("sendgrid", "anymail_processed"): Expect(("sent",)),
    ("sendgrid", "docs_ab_test_processed"): Expect(("sent",)),
    ("sendgrid", "docs_ab_test_winner_delivered"): Expect(("delivered",)),
    ("sendgrid", "docs_account_status_change"): Expect(notices=("account_status_change",)),
    ("sendgrid", "docs_blocked"): Expect(("blocked",)),
    ("sendgrid", "docs_bounce"): Expect(("hard_bounce",)),
    ("sendgrid", "docs_campaign_processed"): Expect(("sent",)),
    ("sendgrid", "docs_click"): Expect(("clicked",)),
    ("sendgrid", "docs_deferred"): Expect(("deferred",)),
    ("sendgrid", "docs_delivered"): Expect(("delivered",)),
    ("sendgrid", "docs_dropped"): Expect(("blocked",)),
    ("sendgrid", "docs_group_resubscribe"): Expect(notices=("group_resubscribe",)),
    ("sendgrid", "docs_group_unsubscribe"): Expect(("unsubscribed",)),
    ("sendgrid", "docs_legacy_marketing_unsubscribe"): Expect(notices=("unsubscribe",)),
    ("sendgrid", "docs_open"): Expect(("opened",)),
    ("sendgrid", "docs_processed"): Expect(("sent",)),
    ("sendgrid", "docs_single_send_open"): Expect(("opened",)),
    ("sendgrid", "docs_spamreport"): Expect(("spam",)),
    ("sendgrid", "docs_unsubscribe"): Expect(("unsubscribed",)),
    ("sendgrid", "symfony_batch"): Expect(
        (
            "blocked",
            "clicked",
        )
    ),
    ("sendgrid", "symfony_open"): Expect(("opened",)),
    ("sendgrid", "symfony_webhook"): Expect(("blocked",)),
    # mailgun
    ("mailgun", "anymail_complained"): Expect(("spam",)),
    ("mailgun", "anymail_delivered"): Expect(("delivered",)),
    ("mailgun", "anymail_failed_greylisted"): Expect(("deferred",)),
    ("mailgun", "anymail_failed_permanent"): Expect(("hard_bounce",)),
    ("mailgun", "anymail_failed_temporary"): Expect(("deferred",)),
    ("mailgun", "anymail_opened"): Expect(("opened",)),
    ("mailgun", "anymail_rejected"): Expect(("error",)),  # see below
    ("mailgun", "anymail_unsubscribed"): Expect(("unsubscribed",)),
    ("mailgun", "docs_events_accepted"): Expect(("sent",)),
    ("mailgun", "docs_events_accepted_routed"): Expect(("sent",)),
    ("mailgun", "docs_events_clicked"): Expect(("clicked",)),
    ("mailgun", "docs_events_complained"): Expect(("spam",)),
    ("mailgun", "docs_events_delivered"): Expect(("delivered",)),
    ("mailgun", "docs_events_failed_permanent"): Expect(("hard_bounce",)),
    ("mailgun", "docs_events_failed_temporary"): Expect(("deferred",)),
    ("mailgun", "docs_events_opened"): Expect(("opened",)),
    ("mailgun", "docs_events_stored"): Expect(notices=("stored",)),
    ("mailgun", "docs_events_unsubscribed"): Expect(("unsubscribed",)),
    ("mailgun", "sdk_go_accepted"): Expect(("sent",)),
    ("mailgun", "symfony_accepted"): Expect(("sent",)),
    ("mailgun", "symfony_clicks"): Expect(("clicked",)),
    ("mailgun", "symfony_delivered_messages"): Expect(("delivered",)),
    ("mailgun", "symfony_opens"): Expect(("opened",)),
    ("mailgun", "symfony_permanent_failure"): Expect(("hard_bounce",)),
    ("mailgun", "symfony_permanent_failure_no_description"): Expect(("hard_bounce",)),
    ("mailgun", "symfony_spam_complaints"): Expect(("spam",)),
    ("mailgun", "symfony_temporary_failure"): Expect(("deferred",)),
    ("mailgun", "symfony_unsubscribes"): Expect(("unsubscribed",)),
    # brevo
    ("brevo", "anymail_blocked"): Expect(("blocked",)),
    ("brevo", "anymail_click"): Expect(("clicked",)),
    ("brevo", "anymail_complaint"): Expect(("spam",)),
    ("brevo", "anymail_deferred"): Expect(("deferred",)),
    ("brevo", "anymail_delivered"): Expect(("delivered",)),
    ("brevo", "anymail_error"): Expect(("error",)),
    ("brevo", "anymail_hard_bounce"): Expect(("hard_bounce",)),
    ("brevo", "anymail_invalid_email"): Expect(("invalid_email",)),
    ("brevo", "anymail_opened"): Expect(("opened",)),
    ("brevo", "anymail_proxy_open"): Expect(("opened",), machine=True),
    ("brevo", "anymail_request"): Expect(("sent",)),
    ("brevo", "anymail_soft_bounce"): Expect(("soft_bounce",)),
    ("brevo", "anymail_spam"): Expect(("spam",)),
    ("brevo", "anymail_unique_opened"): Expect(("opened",)),
    ("brevo", "symfony_blocked"): Expect(("blocked",)),
    ("brevo", "symfony_click"): Expect(("clicked",)),
    ("brevo", "symfony_complaint"): Expect(("spam",)),
    ("brevo", "symfony_defered"): Expect(("deferred",)),
    ("brevo", "symfony_delivered"): Expect(("delivered",)),
    ("brevo", "symfony_error"): Expect(("invalid_email",)),
    ("brevo", "symfony_hard_bounce"): Expect(("hard_bounce",)),
    ("brevo", "symfony_invalid_email"): Expect(("invalid_email",)),
    ("brevo", "symfony_opened"): Expect(("opened",)),
    ("brevo", "symfony_proxy_open"): Expect(("opened",), machine=True),
    ("brevo", "symfony_request"): Expect(("sent",)),
    ("brevo", "symfony_request_without_tags"): Expect(("sent",)),
    ("brevo", "symfony_soft_bounce"): Expect(("soft_bounce",)),
    ("brevo", "symfony_unique_opened"): Expect(("opened",)),
    ("brevo", "symfony_unsubscribed"): Expect(("unsubscribed",)),
}
"""One line per corpus body.

mailgun/anymail_rejected is Mailgun refusing a whole send: it names no recipient, so it is an
error about the whole message, which holds for every recipient of it
(``test_a_rejected_event_without_recipient_is_an_error_for_the_whole_message``).
"""


def corpus(provider: str) -> list[str]:
    return sorted(path.stem for path in (CORPUS / provider / "corpus").glob("*.json"))


def test_every_corpus_body_is_expected_and_each_provider_has_fifteen() -> None:
    for provider in PROVIDERS:
        names = corpus(provider)
        assert len(names) >= 15, provider
        assert {(provider, name) for name in names} == {
            key for key in EXPECTED if key[0] == provider
        }


def test_every_corpus_body_has_its_source_recorded() -> None:
    for provider in PROVIDERS:
        sources = (CORPUS / provider / "SOURCES.md").read_text()
        for name in corpus(provider):
            assert f"`{name}.json`" in sources, (provider, name)


@pytest.mark.parametrize(("provider", "name"), sorted(EXPECTED))
def test_a_corpus_body_becomes_its_kinds(provider: str, name: str) -> None:
    expected = EXPECTED[provider, name]
    parsed = PARSERS[provider]((CORPUS / provider / "corpus" / f"{name}.json").read_bytes())
    assert tuple(str(o.kind) for o in parsed.observations) == expected.kinds
    assert tuple(n.raw_type for n in parsed.notices) == expected.notices
    assert all(n.known and n.reason for n in parsed.notices)
    assert len(parsed.rejected) == expected.rejected
    opens = [o for o in parsed.observations if o.kind == "opened"]
    assert all(bool(o.details.get(MACHINE_OPEN)) is expected.machine for o in opens)


def test_a_rejected_event_without_recipient_is_an_error_for_the_whole_message() -> None:
    body = (CORPUS / "mailgun" / "corpus" / "anymail_rejected.json").read_bytes()
    [observation] = PARSERS["mailgun"](body).observations
    assert observation.recipient is None
    assert observation.message_wide
    assert observation.kind == "error"
    # The message id is the message-id header Mailgun echoes, as for every other event.
    assert (
        observation.provider_message_id
        == "20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org"
    )
    assert observation.details["reason"] == "Sandbox subdomains are for test purposes only."
