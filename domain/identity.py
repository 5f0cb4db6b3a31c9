"""Deterministic message ids, so a registration and any provider event find the same aggregate."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

from domain.errors import InvalidObservationError

NAMESPACE = UUID("b78d6d30-6e61-5e29-b111-ad89b01fc518")
"""uuid5(NAMESPACE_DNS, "mailledger.messages"); changing it orphans every recorded message."""

PLATFORM = "platform"
"""Pseudo-provider of refused sends, identified by the platform's own reference."""

# SendGrid's sg_message_id is the X-Message-Id followed by a routing suffix that starts at
# ".filter" or ".recvd"; ids may hold dots of their own, so cut only at these markers.
_SENDGRID_SUFFIXES = (".filter", ".recvd")


def normalise_provider(provider: str) -> str:
    """Lower-case, trimmed provider name; rejects an empty one."""
    name = provider.strip().lower()
    if not name or ":" in name:
        raise InvalidObservationError("provider", f"{provider!r} is not a provider name")
    return name


def normalise_provider_message_id(provider: str, raw: str) -> str:
    """The provider's message id as both sides of a send can compute it."""
    value = raw.strip()
    # Mailgun and SES ids may come wrapped in angle brackets, like a Message-ID header.
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if provider == "sendgrid":
        cuts = [value.find(suffix) for suffix in _SENDGRID_SUFFIXES if suffix in value]
        if cuts:
            value = value[: min(cuts)]
    if not value:
        raise InvalidObservationError("provider_message_id", f"{raw!r} is empty")
    return value


NORMALISED_CACHE_SIZE = 8192
"""Entries of each normalisation cache: a batch's worth of messages and recipients. Bounded
low, since a long-running consumer sees millions of distinct ones and the memory stays."""


@lru_cache(maxsize=NORMALISED_CACHE_SIZE)
def normalise_identity(provider: str, provider_message_id: str) -> tuple[str, str]:
    """The provider's name and message id, both normalised (cached: a body repeats them)."""
    name = normalise_provider(provider)
    return name, normalise_provider_message_id(name, provider_message_id)


@lru_cache(maxsize=NORMALISED_CACHE_SIZE)
def message_id(provider: str, provider_message_id: str) -> UUID:
    """The aggregate id of one send through one provider (cached: a batch repeats them)."""
    return uuid5(NAMESPACE, ":".join(normalise_identity(provider, provider_message_id)))


def platform_message_id(tenant: str, external_ref: str) -> UUID:
    """The aggregate id of a send the provider refused, from the platform's own reference."""
    return aggregate_id(PLATFORM, f"{tenant}:{external_ref}")


def aggregate_id(provider: str, key: str) -> UUID:
    """The id a message's identity names: a provider and its message id, or ``PLATFORM`` and
    ``TENANT:EXTERNAL_REF`` (taken as it is, since the platform's reference is not normalised).
    """
    if provider == PLATFORM:
        return uuid5(NAMESPACE, f"{PLATFORM}:{key}")
    return message_id(provider, key)


def parse_message_reference(text: str) -> UUID:
    """A message id from a UUID or ``PROVIDER:PROVIDER_MESSAGE_ID`` as users type them."""
    candidate = text.strip()
    try:
        return UUID(candidate)
    except ValueError:
        pass
    provider, sep, rest = candidate.partition(":")
    if not sep or not provider or not rest:
        raise InvalidObservationError(
            "id", f"{text!r} is neither a UUID nor PROVIDER:PROVIDER_MESSAGE_ID"
        )
    if provider.strip().lower() == PLATFORM:
        tenant, sep, ref = rest.partition(":")
        if not sep:
            raise InvalidObservationError("id", f"{text!r} should be platform:TENANT:EXTERNAL_REF")
        return platform_message_id(tenant, ref)
    return message_id(provider, rest)
