"""The benchmark's traffic as the providers post it: real bodies, one event each or in arrays.

Each event of the workload is rendered from ``parse_samples.json``, the same realistic
samples ``bench parse`` uses: its provider's sample of the nearest kind (send, delivery,
open, click or bounce), with the event's own message id, recipient, time and a fresh event
id. The samples hold fixed times; each is turned into a template once, its time fields
replaced by placeholders, so that two events of one recipient never look alike to a
provider without event ids (their content hash includes the time).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from adapters.providers.registry import parser_for
from bench.parse import load_samples
from domain.kinds import EventKind
from domain.values import Observation, Send

SENDGRID_BATCH = 100
"""Events per SendGrid body: it posts arrays, of events of many messages."""

SEND, DELIVERY, OPEN, CLICK, BOUNCE = "send", "delivery", "open", "click", "bounce"

_FAMILY = {
    EventKind.QUEUED: SEND,
    EventKind.SENT: SEND,
    EventKind.DELIVERED: DELIVERY,
    EventKind.OPENED: OPEN,
    EventKind.CLICKED: CLICK,
    EventKind.UNSUBSCRIBED: CLICK,
}
"""The sample a kind is rendered from; every other kind (bounces, deferrals, blocks, spam
reports, invalid addresses) from the bounce sample."""

_SAMPLE_ORDER = {
    # The order of each provider's samples in parse_samples.json. Postmark posts no event
    # for a send, so its sends are rendered as deliveries.
    "sendgrid": (SEND, DELIVERY, OPEN, CLICK, BOUNCE),
    "mailgun": (SEND, DELIVERY, OPEN, CLICK, BOUNCE),
    "postmark": (DELIVERY, OPEN, CLICK, BOUNCE),
    "brevo": (SEND, DELIVERY, OPEN, CLICK, BOUNCE),
    "ses": (SEND, DELIVERY, OPEN, CLICK, BOUNCE),
}

_ESCAPED_QUOTE = r'\\"'
"""A quote inside SES's ``Message``, which is JSON text inside the JSON body."""

_TIME_FIELDS: dict[str, list[tuple[str, str]]] = {
    # (pattern, replacement): where each provider's samples hold the times its parser reads.
    "sendgrid": [(r'"timestamp":\d+', '"timestamp":@EPOCH@')],
    "mailgun": [(r'"timestamp":\d+\.\d+', '"timestamp":@EPOCH_FRACTION@')],
    "postmark": [(r'"(DeliveredAt|ReceivedAt|BouncedAt)":"[^"]*"', r'"\1":"@ISO@"')],
    "brevo": [(r'"ts_event":\d+', '"ts_event":@EPOCH@')],
    "ses": [
        # The mail's own time first (the send's), then the event's (delivery, open...): the
        # only other quoted value that starts with a 2, the year.
        (
            rf"{_ESCAPED_QUOTE}mail{_ESCAPED_QUOTE}:\{{{_ESCAPED_QUOTE}timestamp"
            rf"{_ESCAPED_QUOTE}:{_ESCAPED_QUOTE}[^\\]*{_ESCAPED_QUOTE}",
            r'\\"mail\\":{\\"timestamp\\":\\"@SENT_ISO@\\"',
        ),
        (
            rf"{_ESCAPED_QUOTE}timestamp{_ESCAPED_QUOTE}:{_ESCAPED_QUOTE}2[^\\]*{_ESCAPED_QUOTE}",
            r'\\"timestamp\\":\\"@ISO@\\"',
        ),
    ],
}

_SECOND_RECIPIENT = [
    # SES's bounce sample names two recipients; the workload's events name one each.
    (r',\{\\"emailAddress\\":\\"@RCPT1@\\"[^}]*\}', ""),
    (r',\\"@RCPT1@\\"', ""),
    (", @RCPT1@", ""),
]

_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


@dataclass(frozen=True)
class ProviderBody:
    """One body as a provider posts it, and how many events it holds."""

    provider: str
    data: bytes
    events: int
    tenant: str
    """The tenant whose webhook received it: its events are that tenant's messages'."""


class Renderer:
    """Every provider's templates, and a counter that gives each event its own id."""

    def __init__(self, first_event_id: int = 10_000_000) -> None:
        self._templates = _templates()
        self._next_event_id = first_event_id

    @property
    def providers(self) -> list[str]:
        """The providers whose events can be rendered."""
        return sorted(self._templates)

    def event(self, observation: Observation, sent_at: datetime) -> str:
        """The provider's JSON text of one event, as an element of its body."""
        templates = self._templates.get(observation.provider)
        if templates is None:
            raise ValueError(f"no sample of provider {observation.provider!r} to render from")
        family = _FAMILY.get(observation.kind, BOUNCE)
        at = observation.occurred_at
        self._next_event_id += 1
        return templates[family].format(
            MID=observation.provider_message_id,
            RCPT=observation.recipient,
            EID=self._next_event_id,
            EPOCH=int(at.timestamp()),
            EPOCH_FRACTION=f"{at.timestamp():.6f}",
            ISO=_iso(at),
            # SES gives a send's time as the mail's; other events carry the mail's too.
            SENT_ISO=_iso(at if family == SEND else sent_at),
        )

    def bodies(
        self, arriving: Sequence[Observation], sent_at: dict[str, datetime]
    ) -> Iterator[ProviderBody]:
        """The events in arrival order as bodies: SendGrid's gathered into arrays of
        ``SENDGRID_BATCH`` per tenant, every other provider's one a body. ``sent_at`` maps
        each provider message id to its send's time."""
        pending: dict[str, list[str]] = {}
        for observation in arriving:
            text = self.event(observation, sent_at[observation.provider_message_id])
            if observation.provider != "sendgrid":
                yield ProviderBody(observation.provider, text.encode(), 1, observation.tenant)
                continue
            batch = pending.setdefault(observation.tenant, [])
            batch.append(text)
            if len(batch) == SENDGRID_BATCH:
                yield _sendgrid_body(batch, observation.tenant)
                del pending[observation.tenant]
        for tenant, batch in pending.items():
            yield _sendgrid_body(batch, tenant)


def check_rendering(renderer: Renderer, send: Send) -> None:
    """Every template of every provider parses into one event of the right message and
    recipient; raises naming the first that does not (the samples changed)."""
    assert send.provider_message_id is not None
    for provider in renderer.providers:
        for kind in (EventKind.SENT, EventKind.DELIVERED, EventKind.OPENED, EventKind.CLICKED):
            _check_one(renderer, send, provider, kind)
        _check_one(renderer, send, provider, EventKind.HARD_BOUNCE)


def _check_one(renderer: Renderer, send: Send, provider: str, kind: EventKind) -> None:
    assert send.provider_message_id is not None
    probe = Observation(
        provider=provider,
        provider_message_id=send.provider_message_id,
        recipient=send.recipients[0].address,
        kind=kind,
        occurred_at=send.sent_at,
    )
    text = renderer.event(probe, send.sent_at)
    body = f"[{text}]" if provider == "sendgrid" else text
    observations = parser_for(provider)(body.encode()).observations
    found = [(o.provider_message_id, o.recipient) for o in observations]
    if found != [(probe.provider_message_id, probe.recipient)]:
        raise ValueError(
            f"the {provider} sample for {_FAMILY.get(kind, BOUNCE)} events renders as {found}, "
            "not as one event of its message and recipient; check bench/"
            "parse_samples.json against bench/provider_bodies.py"
        )


def _templates() -> dict[str, dict[str, str]]:
    samples = load_samples()
    templates: dict[str, dict[str, str]] = {}
    for provider, families in _SAMPLE_ORDER.items():
        events = samples[provider].events
        if len(events) != len(families):
            raise ValueError(
                f"parse_samples.json holds {len(events)} {provider} samples, "
                f"bench/provider_bodies.py expects {len(families)}"
            )
        templates[provider] = {
            family: _template(provider, text) for family, text in zip(families, events, strict=True)
        }
    # Postmark posts no send event: its sends are deliveries too.
    templates["postmark"][SEND] = templates["postmark"][DELIVERY]
    return templates


def _template(provider: str, sample: str) -> str:
    """The sample as a ``str.format`` template: its times and ids are placeholders."""
    text = sample
    for pattern, replacement in [*_TIME_FIELDS[provider], *_SECOND_RECIPIENT]:
        text = re.sub(pattern, replacement, text)
    unknown = set(_PLACEHOLDER.findall(text)) - _KNOWN_PLACEHOLDERS
    if unknown:
        raise ValueError(f"a {provider} sample holds placeholders {sorted(unknown)} not rendered")
    escaped = text.replace("{", "{{").replace("}", "}}")
    return _PLACEHOLDER.sub(r"{\1}", escaped)


_KNOWN_PLACEHOLDERS = {"MID", "RCPT", "EID", "EPOCH", "EPOCH_FRACTION", "ISO", "SENT_ISO"}


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sendgrid_body(events: list[str], tenant: str) -> ProviderBody:
    return ProviderBody("sendgrid", ("[" + ",".join(events) + "]").encode(), len(events), tenant)
