"""From provider bodies to observations: verified, parsed, and told apart from what is skipped.

The CLI's ``ingest`` uses it on files; it is made for the Kafka consumer and the webhook
endpoint to use on what they receive too. Every body is checked before anything is
recorded, so a body that is not its provider's format stops the input whole; one event of a
body that cannot be read is set aside for the quarantine, and the rest of the body is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, Rejected
from adapters.providers.registry import parser_for
from adapters.storage.quarantine import SetAside
from adapters.verification.errors import AuthenticityError
from adapters.verification.registry import Verifier
from adapters.verification.request import WebhookRequest
from domain.values import Observation

log = structlog.get_logger()


class BodyReadError(ValueError):
    """A body could not be verified or read; it names the body's source first."""

    def __init__(self, source: str, error: BodyError | AuthenticityError) -> None:
        super().__init__(f"{source}: {error}")
        self.source = source
        self.error = error


@dataclass(frozen=True)
class Body:
    """One webhook body exactly as posted, with where it came from, how it was requested,
    and the tenant that received it (from its API key, ``--tenant`` or its envelope: a body
    never says whose it is)."""

    source: str
    data: bytes
    received_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    tenant: str = field(kw_only=True)


@dataclass
class Bodies:
    """What a run of bodies yields: the observations to record, in order, and the notices."""

    observations: list[Observation] = field(default_factory=list)
    notices: list[tuple[str, Notice]] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    """Events that could not be read, for the quarantine; the rest of their bodies is here."""


def read_body(provider: str, body: Body, verifier: Verifier | None = None) -> Parsed:
    """One body verified (when a verifier is given), parsed, and its observations bound to
    the body's tenant; BodyReadError names it."""
    try:
        if verifier is not None:
            verifier.verify(WebhookRequest(body.data, body.received_at, body.headers))
        parsed = parser_for(provider)(body.data)
    except (BodyError, AuthenticityError) as error:
        raise BodyReadError(body.source, error) from None
    except RecursionError:
        # The readers refuse deep nesting themselves (docs/security.md); this keeps any reader
        # that does not from turning a hostile body into a crash or a blocked partition.
        problem = "nested too deep to read"
        raise BodyReadError(body.source, BodyError(provider, None, None, problem)) from None
    return Parsed(
        observations=[o.for_tenant(body.tenant) for o in parsed.observations],
        notices=parsed.notices,
        rejected=parsed.rejected,
    )


def read_bodies(provider: str, bodies: Iterable[Body], verifier: Verifier | None = None) -> Bodies:
    """Every body verified (when a verifier is given) and parsed; the first bad one raises.

    Events skipped as unknown types are logged as warnings naming them; known events that
    are not delivery facts are logged at info level.
    """
    result = Bodies()
    for body in bodies:
        parsed = read_body(provider, body, verifier)
        result.observations.extend(parsed.observations)
        for notice in parsed.notices:
            result.notices.append((body.source, notice))
            report = log.warning if not notice.known else log.info
            report(
                "event.skipped",
                provider=provider,
                source=body.source,
                index=notice.index,
                raw_type=notice.raw_type,
                reason=notice.reason,
                **({"details": notice.details} if notice.details else {}),
            )
        for rejected in parsed.rejected:
            result.set_aside.append(set_aside_of(provider, body, rejected))
            # The reason may quote a field's value, an address among them: never in a log.
            log.warning(
                "event.quarantined",
                provider=provider,
                source=body.source,
                index=rejected.index,
                raw_type=rejected.raw_type,
                reason=redacted(rejected.reason),
            )
    return result


def set_aside_of(provider: str, body: Body, rejected: Rejected) -> SetAside:
    """What the quarantine keeps of an event of ``body`` that could not be read."""
    return SetAside(
        tenant=body.tenant,
        provider=provider,
        source=body.source,
        index=rejected.index,
        reason=rejected.reason,
        data=rejected.data,
        received_at=body.received_at,
        raw_type=rejected.raw_type,
    )


_QUOTED = re.compile(r"""'[^']*@[^']*'|"[^"]*@[^"]*"|\S+@\S+""")


def redacted(reason: str) -> str:
    """The reason with anything that may be an e-mail address replaced."""
    return _QUOTED.sub("<address>", reason)
