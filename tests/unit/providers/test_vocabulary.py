"""Every provider keeps its facts under the shared detail names, plus only its own listed few.

The parsers build their details inline for speed, so this test is what keeps them to the
vocabulary of ``adapters/providers/details.py`` and to the extras docs/providers.md lists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.providers.details import DetailValues
from adapters.providers.registry import PARSERS
from tests.unit.providers.bodies import body, names

SHARED = frozenset(DetailValues.__annotations__)

PROVIDER_EXTRAS = {
    "brevo": {"template_id"},
    "mailgun": {"bot", "client_type"},
    "postmark": {
        "can_activate",
        "click_location",
        "client",
        "first_open",
        "inactive",
        "message_stream",
        "origin",
        "os",
        "platform",
        "read_seconds",
        "server_id",
    },
    "sendgrid": {"tls", "unsubscribe_group"},
    "ses": {"contact_list", "template"},
    "sparkpost": {"campaign_id", "queue_time_ms", "recipient_type"},
}


@pytest.mark.parametrize("provider", sorted(PROVIDER_EXTRAS))
def test_details_use_the_shared_names_and_the_documented_extras(provider: str) -> None:
    used: set[str] = set()
    for name in names(provider):
        for observation in PARSERS[provider](body(provider, name)).observations:
            used |= set(observation.details)
    assert used - SHARED <= PROVIDER_EXTRAS[provider]
    assert used & SHARED, "a provider reports at least some facts under the shared names"


def test_every_documented_extra_is_named_in_the_providers_doc() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "providers.md").read_text()
    for provider, extras in PROVIDER_EXTRAS.items():
        for key in extras:
            assert f"`{key}`" in text, (provider, key)
