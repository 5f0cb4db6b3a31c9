"""Deterministic message ids, so a registration and any provider event find the same aggregate.

A message's id is derived from its tenant, its provider and the provider's message id. The
tenant is part of it so that two tenants whose provider ids collide (by chance, or because
one of them guessed the other's) hold two messages that never meet: neither can read,
refuse or write the other's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from uuid import UUID, uuid5

from domain.errors import InvalidObservationError

NAMESPACE = UUID("14b88372-54ea-5b61-bfa3-631e7294f7e9")
"""uuid5(NAMESPACE_DNS, "mailledger.messages.tenant-scoped"); changing it orphans every
recorded message. (Ids of version 0.1, without the tenant, were in another namespace.)"""

_TENANT = re.compile(r"[A-Za-z0-9._-]{1,64}")
TENANT_RULE = "1 to 64 of the characters A-Z, a-z, 0-9, '.', '_' and '-'"
"""What a tenant name may be, in words for error messages. No ':' in it, so the key an id
is derived from (``TENANT:PROVIDER:ID``) reads one way only."""

PLATFORM = "platform"
"""Pseudo-provider of refused sends, identified by the platform's own reference."""

# SendGrid's sg_message_id is the X-Message-Id followed by a routing suffix that starts at
# ".filter" or ".recvd"; ids may hold dots of their own, so cut only at these markers.
_SENDGRID_SUFFIXES = (".filter", ".recvd")


def check_tenant(tenant: str) -> str:
    """The tenant name when it follows TENANT_RULE; InvalidObservationError otherwise."""
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
        raise InvalidObservationError(
            "tenant", f"{tenant!r} is not a valid tenant name: use {TENANT_RULE}"
        )
    return tenant


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
def message_id(tenant: str, provider: str, provider_message_id: str) -> UUID:
    """The aggregate id of one tenant's send through one provider (cached: a batch repeats
    them)."""
    name, key = normalise_identity(provider, provider_message_id)
    return uuid5(NAMESPACE, f"{check_tenant(tenant)}:{name}:{key}")


def platform_message_id(tenant: str, external_ref: str) -> UUID:
    """The aggregate id of a send the provider refused, from the platform's own reference
    (taken as it is, since the platform's reference is not normalised)."""
    return uuid5(NAMESPACE, f"{check_tenant(tenant)}:{PLATFORM}:{external_ref}")


def aggregate_id(tenant: str, provider: str, key: str) -> UUID:
    """The id a message's identity names: a tenant with a provider and its message id, or
    with ``PLATFORM`` and the platform's external reference."""
    if provider == PLATFORM:
        return platform_message_id(tenant, key)
    return message_id(tenant, provider, key)


def parse_message_reference(text: str, tenant: str) -> UUID:
    """A message id of ``tenant`` from a UUID, ``PROVIDER:PROVIDER_MESSAGE_ID`` or
    ``platform:EXTERNAL_REF``, as users type them.

    A UUID is returned as it is: whoever looks it up must still check that the message is
    the tenant's.
    """
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
        return platform_message_id(tenant, rest)
    return message_id(tenant, provider, rest)
