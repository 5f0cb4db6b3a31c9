"""Bodies and sends as the records mailledger puts on its input topics, keyed by message."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from adapters.intake.bodies import Body, read_body
from adapters.intake.splitting import split_by_message
from adapters.kafka.envelope import Envelope
from adapters.kafka.records import Record, key_of
from adapters.verification.registry import Verifier
from domain.values import Send


def provider_records(
    topic: str,
    provider: str,
    bodies: Iterable[Body],
    verifier: Verifier | None = None,
) -> Iterator[Record]:
    """The records of provider bodies: each verified (with a verifier), parsed, split per message.

    A bad body raises BodyReadError naming it; callers that must publish all or nothing
    collect the records before sending any.
    """
    for body in bodies:
        parsed = read_body(provider, body, verifier)
        parts = split_by_message(provider, body.data, parsed)
        for part in parts:
            envelope = Envelope.of(
                provider,
                part.data,
                body.received_at,
                tenant=body.tenant,
                source=body.source,
                headers=dict(body.headers),
                verified=verifier is not None,
                split=len(parts) > 1,
            )
            yield Record(
                topic, key_of(part.message_id), envelope.to_bytes(), part.events, body.source
            )


def registration_record(topic: str, send: Send, line: bytes, source: str = "") -> Record:
    """A registration: the line as ``mailledger register`` reads it, keyed by its message."""
    return Record(topic, key_of(send.message_id), line.strip(), 1, source)
