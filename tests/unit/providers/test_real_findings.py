"""The classes of real bodies that were refused or mis-mapped, each read right now."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from adapters.providers import postmark, ses, sparkpost
from adapters.providers.parsed import Parsed
from domain.kinds import MACHINE_OPEN, EventKind
from tests.unit.providers.bodies import FIXTURES


def real(provider: str, name: str) -> bytes:
    return (FIXTURES / provider / "corpus" / f"{name}.json").read_bytes()


# Postmark's documented bounce example, as a subscription bounce: Postmark posts these
# bounce types, and a subscription change may name no address at all.
DOCUMENTED_BOUNCE = json.loads(real("postmark", "postmark_docs_bounce_webhook_example"))


@pytest.mark.parametrize("bounce_type", ["Unsubscribe", "Subscribe", "SubscriptionChange"])
def test_a_postmark_subscription_bounce_without_email_is_a_known_notice(bounce_type: str) -> None:
    record = {**DOCUMENTED_BOUNCE, "Type": bounce_type}
    del record["Email"]
    parsed = postmark.parse(json.dumps(record).encode())
    assert (parsed.observations, parsed.rejected) == ([], [])
    (notice,) = parsed.notices
    assert (notice.raw_type, notice.known) == ("Bounce", True)
    assert bounce_type in notice.reason
    assert notice.details["bounce_type"] == bounce_type


def test_a_postmark_unsubscribe_bounce_naming_its_recipient_is_an_unsubscription() -> None:
    record = {**DOCUMENTED_BOUNCE, "Type": "Unsubscribe"}
    (observation,) = postmark.parse(json.dumps(record).encode()).observations
    assert (observation.kind, observation.recipient) == (EventKind.UNSUBSCRIBED, "john@example.com")


@pytest.mark.parametrize(
    ("name", "transmission", "recipient"),
    [
        ("samples_generation_failure", "65832150921904138", "recipient@example.com"),
        ("anymail_generation_failure", "139013368081177607", "recipient@example.com"),
    ],
)
def test_a_sparkpost_generation_failure_is_an_error_of_its_transmission(
    name: str, transmission: str, recipient: str
) -> None:
    # The second arrives under message_event, not gen_event, and used to record nothing.
    (observation,) = sparkpost.parse(real("sparkpost", name)).observations
    assert observation.kind is EventKind.ERROR
    assert (observation.provider_message_id, observation.recipient) == (transmission, recipient)
    assert observation.raw_type == "generation_failure"


def test_a_sparkpost_generation_rejection_is_blocked_for_its_transmission() -> None:
    (observation,) = sparkpost.parse(real("sparkpost", "anymail_generation_rejection")).observations
    assert observation.kind is EventKind.BLOCKED
    assert observation.provider_message_id == "102360394387646691"


@pytest.mark.parametrize(
    ("parse", "provider", "name"),
    [
        (sparkpost.parse, "sparkpost", "samples_injection"),
        (sparkpost.parse, "sparkpost", "anymail_injection"),
        (ses.parse, "ses", "event_publishing_send"),
    ],
)
def test_the_providers_acceptance_is_sent_not_queued(
    parse: Callable[[bytes], Parsed], provider: str, name: str
) -> None:
    (observation,) = parse(real(provider, name)).observations
    assert observation.kind is EventKind.SENT


@pytest.mark.parametrize(
    ("parse", "provider", "name"),
    [
        (postmark.parse, "postmark", "spatie_open"),
        (postmark.parse, "postmark", "anymail_open"),
        (sparkpost.parse, "sparkpost", "samples_open"),
        (sparkpost.parse, "sparkpost", "samples_initial_open"),
        (ses.parse, "ses", "event_publishing_open"),
    ],
)
def test_an_open_without_a_provider_mark_is_never_guessed_a_machine_open(
    parse: Callable[[bytes], Parsed], provider: str, name: str
) -> None:
    # None of these providers marks machine opens in its payload; a user agent is no proof.
    (observation,) = parse(real(provider, name)).observations
    assert observation.kind is EventKind.OPENED
    assert MACHINE_OPEN not in observation.details
