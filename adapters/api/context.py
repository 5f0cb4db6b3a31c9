"""What the routes work with: the ledger, the keys, the views, and Kafka when configured."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from adapters.access.keys import KeyStore
from adapters.access.sessions import SessionStore
from adapters.access.users import UserStore
from adapters.api.recent_keys import RecentKeys
from adapters.kafka.publisher import Publisher
from adapters.kafka.settings import KafkaSettings
from adapters.signals.delivery import DEFAULT_TIMEOUT, Dispatcher
from adapters.signals.stores import SignalStores
from adapters.signals.urls import UrlPolicy
from adapters.storage.contact_links import ContactLinks
from adapters.storage.contents import ContentStore
from adapters.storage.database import Database, open_ledger
from adapters.storage.quarantine import Quarantine
from adapters.storage.read_side import ReadSide, open_read_side
from adapters.storage.seen_tokens import SeenTokens
from adapters.storage.tenant_policies import PolicyDefaults
from adapters.verification.registry import Verifier, configured_verifiers
from adapters.verification.replays import with_seen_tokens
from domain.ledger import Ledger


@dataclass
class ApiContext:
    """The opened resources of one server; ``close()`` releases them."""

    database: Database
    ledger: Ledger
    keys: KeyStore
    users: UserStore
    """The console's accounts."""
    sessions: SessionStore
    """The console's signed-in sessions."""
    read_side: ReadSide
    quarantine: Quarantine
    """Provider events that could not be read, kept for an admin to see and replay."""
    dispatcher: Dispatcher
    """The webhook subscriptions to signals, their log, and re-sends by hand."""
    contents: ContentStore
    """The copies of sent e-mails, each tenant's own (written before the events)."""
    contact_links: ContactLinks
    """Each tenant's contact URL template."""
    verification: Mapping[str, str]
    """The webhook verifiers' settings, by variable name (see ``Settings.verification``)."""
    verifiers: dict[str, Verifier]
    """The verifier of every provider configured, built when the server opened."""
    kafka: KafkaSettings | None = None
    """With Kafka, webhooks and registrations are published instead of stored here."""
    publisher: Publisher | None = None
    recent_keys: RecentKeys = field(default_factory=RecentKeys)
    """Keys authenticated in the last seconds: no key lookup per request of a busy client."""
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    """One writer at a time: SQLite has one connection, and a batch is one transaction."""
    _resources: ExitStack = field(default_factory=ExitStack, repr=False)

    def close(self) -> None:
        """Close everything opened, newest first."""
        self._resources.close()


def open_context(
    database: Database,
    verification: Mapping[str, str],
    kafka: KafkaSettings | None = None,
    *,
    url_policy: UrlPolicy | None = None,
    delivery_timeout: float = DEFAULT_TIMEOUT,
    policies: PolicyDefaults | None = None,
) -> ApiContext:
    """Open the ledger, the key store, the console's accounts and sessions, the copies of
    e-mails, the contact links, the read side, the signal stores (and the Kafka producer);
    all or none. ``url_policy`` says where webhook subscriptions may point (by
    default https to public addresses only).

    Raises SettingError for a verification setting that is malformed, before anything is
    opened, and what the database (or the broker) raises when it cannot be used.
    """
    verifiers = configured_verifiers(verification)
    with ExitStack() as resources:
        ledger = open_ledger(database)
        resources.callback(ledger.close)
        keys = KeyStore(database)
        resources.callback(keys.close)
        users = UserStore(database)
        resources.callback(users.close)
        sessions = SessionStore(database)
        resources.callback(sessions.shutdown)
        read_side = open_read_side(database, ledger, policies=policies)
        resources.callback(read_side.close)
        quarantine = Quarantine(database)
        resources.callback(quarantine.close)
        signals = SignalStores(database)
        resources.callback(signals.close)
        dispatcher = Dispatcher(signals, url_policy or UrlPolicy(), timeout=delivery_timeout)
        contents = ContentStore(database)
        resources.callback(contents.close)
        contact_links = ContactLinks(database)
        resources.callback(contact_links.close)
        if "mailgun" in verifiers:
            seen = SeenTokens(database)
            resources.callback(seen.close)
            verifiers["mailgun"] = with_seen_tokens(verifiers["mailgun"], seen)
        publisher: Publisher | None = None
        if kafka is not None:
            publisher = Publisher(kafka, client_id="mailledger-api")
            resources.callback(publisher.close)
        context = ApiContext(
            database=database,
            ledger=ledger,
            keys=keys,
            users=users,
            sessions=sessions,
            read_side=read_side,
            quarantine=quarantine,
            dispatcher=dispatcher,
            contents=contents,
            contact_links=contact_links,
            verification=verification,
            verifiers=verifiers,
            kafka=kafka,
            publisher=publisher,
        )
        context._resources = resources.pop_all()
        return context
    raise AssertionError("unreachable")  # pragma: no cover


def context_of(request: Request) -> ApiContext:
    """The server's context, as a route dependency."""
    context: ApiContext = request.app.state.context
    return context


Context = Annotated[ApiContext, Depends(context_of)]
"""A route parameter that receives the server's context."""
