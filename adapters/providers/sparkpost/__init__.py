"""SparkPost's event webhook: a JSON array of ``{"msys": {"<class>_event": {...}}}`` objects.

Each element wraps one event in its class: ``message_event`` (injection, delivery, bounces,
delays, rejections, complaints), ``track_event`` (opens and clicks), ``gen_event``
(generation failures and rejections), ``unsubscribe_event``, and three classes that name no
message of ours: ``relay_event`` (inbound relay), ``ab_test_event`` and ``ingest_event``.
When a webhook is created or validated SparkPost posts ``[{"msys": {}}]``: an empty
``msys`` is its validation ping, a known notice.

The message is named by ``transmission_id``: the id SparkPost's Transmissions API returns
when a platform sends, so the one a registration knows, and the one every recipient event
carries (generation events carry no ``message_id``). SparkPost's per-recipient
``message_id`` stands in only when an event carries no ``transmission_id``. The event id is
``event_id``; the time is ``timestamp``, epoch seconds as text ("1460989507") or a number,
or ISO-8601 text with an offset as the Message Events API gives it. Our correlation ids are
read from ``rcpt_meta`` (transmission and recipient metadata, merged by SparkPost).

``bounce`` and ``out_of_band`` name several kinds, decided by ``bounce_class`` (see
``BOUNCE_CLASSES``). Authenticity is checked by ``adapters.verification.sparkpost``.
"""

from __future__ import annotations

from adapters.providers.sparkpost.bounce_classes import BOUNCE_CLASSES, BounceClass
from adapters.providers.sparkpost.events import parse
from adapters.providers.sparkpost.mapping import (
    CLASSES,
    MAPPING,
    NAME,
    NOT_DELIVERY_FACTS,
    PING,
    PING_REASON,
)

__all__ = [
    "BOUNCE_CLASSES",
    "CLASSES",
    "MAPPING",
    "NAME",
    "NOT_DELIVERY_FACTS",
    "PING",
    "PING_REASON",
    "BounceClass",
    "parse",
]
