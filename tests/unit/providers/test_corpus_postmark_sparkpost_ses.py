"""Real bodies, as Postmark, SparkPost and Amazon SES post them, read right.

Each body under ``tests/fixtures/<provider>/corpus/`` comes from a public source named in
that folder's ``SOURCES.md``. Every one of them yields the kinds listed here, in body order,
or is a documented no-op: a known notice with a reason. None is refused or set aside.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.providers import postmark, ses, sparkpost
from adapters.providers.parsed import Parsed
from domain.kinds import EventKind as K
from tests.unit.providers.bodies import FIXTURES

Parser = Callable[[bytes], Parsed]
PARSERS: dict[str, Parser] = {
    "postmark": postmark.parse,
    "sparkpost": sparkpost.parse,
    "ses": ses.parse,
}

NOTICE = "notice"
"""A body that records nothing, on purpose: a known notice with its reason."""

EXPECTED: dict[str, dict[str, list[K] | str]] = {
    "postmark": {
        "anymail_bounce": [K.HARD_BOUNCE],
        "anymail_click": [K.CLICKED],
        "anymail_delivered": [K.DELIVERED],
        "anymail_open": [K.OPENED],
        "anymail_resubscribe": NOTICE,
        "anymail_spam": [K.SPAM],
        "anymail_subscription_change_bounce": NOTICE,
        "anymail_unsubscribe": [K.UNSUBSCRIBED],
        "postmark_docs_bounce_webhook_example": [K.HARD_BOUNCE],
        "postmark_test_webhook_bounce_logged": [K.HARD_BOUNCE],
        "spatie_bounce": [K.HARD_BOUNCE],
        "spatie_bounce_via_subscription_change": NOTICE,
        "spatie_click": [K.CLICKED],
        "spatie_complaint": [K.SPAM],
        "spatie_complaint_via_subscription_change": NOTICE,
        "spatie_open": [K.OPENED],
        "spatie_soft_bounce": [K.SOFT_BOUNCE],
        "spatie_subscription_change_without_reason": NOTICE,
    },
    "sparkpost": {
        "anymail_bounce": [K.INVALID_EMAIL],
        "anymail_delay": [K.DEFERRED],
        "anymail_delivery": [K.DELIVERED],
        "anymail_generation_failure": [K.ERROR],
        "anymail_generation_rejection": [K.BLOCKED],
        "anymail_injection": [K.SENT],
        "anymail_ping": NOTICE,
        "anymail_unsubscribe": [K.UNSUBSCRIBED],
        "samples_bounce": [K.SOFT_BOUNCE],
        "samples_click": [K.CLICKED],
        "samples_delay": [K.DEFERRED],
        "samples_delivery": [K.DELIVERED],
        "samples_generation_failure": [K.ERROR],
        "samples_generation_rejection": [K.BLOCKED],
        "samples_initial_open": [K.OPENED],
        "samples_injection": [K.SENT],
        "samples_link_unsubscribe": [K.UNSUBSCRIBED],
        "samples_list_unsubscribe": [K.UNSUBSCRIBED],
        "samples_open": [K.OPENED],
        "samples_out_of_band": [K.SOFT_BOUNCE],
        "samples_policy_rejection": [K.BLOCKED],
        "samples_sms_status": NOTICE,
        "samples_spam_complaint": [K.SPAM],
    },
    "ses": {
        "anymail_bounce": [K.HARD_BOUNCE],
        "event_publishing_bounce": [K.HARD_BOUNCE],
        "event_publishing_click": [K.CLICKED],
        "event_publishing_complaint": [K.SPAM],
        "event_publishing_delivery": [K.DELIVERED],
        "event_publishing_delivery_delay": [K.DEFERRED],
        "event_publishing_open": [K.OPENED],
        "event_publishing_reject": [K.BLOCKED],
        "event_publishing_rendering_failure": [K.ERROR],
        "event_publishing_send": [K.SENT],
        "identity_bounce_with_dsn": [K.HARD_BOUNCE],
        "identity_bounce_without_dsn": [K.HARD_BOUNCE, K.HARD_BOUNCE],
        "identity_complaint_with_feedback": [K.SPAM],
        "identity_complaint_without_feedback": [K.SPAM],
        "identity_delivery": [K.DELIVERED],
    },
}

CASES = [(provider, name) for provider, names in EXPECTED.items() for name in sorted(names)]


def corpus(provider: str) -> Path:
    return FIXTURES / provider / "corpus"


@pytest.mark.parametrize("provider", sorted(EXPECTED))
def test_every_corpus_body_is_expected_and_has_a_recorded_source(provider: str) -> None:
    files = {path.stem for path in corpus(provider).glob("*.json")}
    assert files == set(EXPECTED[provider])
    assert len(files) >= 15
    sources = (FIXTURES / provider / "SOURCES.md").read_text()
    for name in files:
        assert f"`corpus/{name}.json`" in sources, name


@pytest.mark.parametrize(("provider", "name"), CASES)
def test_each_real_body_reads_as_its_kinds_or_a_documented_no_op(provider: str, name: str) -> None:
    parsed = PARSERS[provider]((corpus(provider) / f"{name}.json").read_bytes())
    assert parsed.rejected == []
    expected = EXPECTED[provider][name]
    if expected == NOTICE:
        assert parsed.observations == []
        assert parsed.notices
        assert all(notice.known and notice.reason for notice in parsed.notices)
    else:
        assert parsed.notices == []
        assert [observation.kind for observation in parsed.observations] == expected
        assert all(observation.provider == provider for observation in parsed.observations)
